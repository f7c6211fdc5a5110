"""Inference stride and the fast model's candidate, compared on the tune split (dev is never read).

    nice -n 10 python benchmarks/inference_stride.py --strides 224,160,112

A tagger reads an article in windows of 254 content tokens every ``stride`` tokens; tokens seen by two
windows get the mean of their states (:mod:`propscan.models.transformer.windows`). The shipped models
were tuned at the training stride, 224 (30 tokens encoded twice per window). A smaller stride gives
more tokens a second view, with context on both sides, for 254/stride encoder passes per window step.

For every stride in ``--strides`` and every candidate (``default``: the shipped ensemble; ``member0``:
its first member alone, the weights exactly as stored, int8 round trip included) the whole tuning
step (:meth:`TransformerTagger.tune`: decoding thresholds, lexical share, TC temperature and biases,
calibration maps, display threshold) is re-run on the 74 tune-split articles, so each row is what
that setting would ship with. Figures go to ``benchmarks/results/inference_stride.json``; the decision
rule is written in the README before this was first run.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from propscan.io.ptc import read_ptc
from propscan.models.loading import load_model, resolve_model_dir
from propscan.models.protocol import split_train_ids
from propscan.models.train import _summary


def candidates(name: str) -> dict[str, Any]:
    """``default`` (the model as loaded) and, for an ensemble, ``member0``: its first member as the fast model
    serves it (:class:`~propscan.models.transformer.member.EnsembleMember`, the same stored weights)."""
    model = load_model(name)
    out = {"default": model}
    if getattr(model, "members_", None):
        from propscan.models.transformer.member import EnsembleMember

        out["member0"] = EnsembleMember.from_ensemble(resolve_model_dir(name), 0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020")))
    ap.add_argument("--model", default="default")
    ap.add_argument("--strides", default="224,160,112")
    ap.add_argument("--only", default=None, help="comma-separated candidate names (default: all)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/inference_stride.json"))
    args = ap.parse_args()

    train, gold = read_ptc(args.data, "train")
    tune_ids = set(split_train_ids([d.id for d in train])[1])
    docs = [d for d in train if d.id in tune_ids]
    gold = {d.id: list(gold.get(d.id, [])) for d in docs}
    rows: list[dict[str, Any]] = json.loads(args.out.read_text())["rows"] if args.out.is_file() else []
    cands = candidates(args.model)
    model = cands["default"]
    wanted = args.only.split(",") if args.only else list(cands)
    for stride in (int(s) for s in args.strides.split(",")):
        for name in wanted:
            m = cands[name]
            m.set_stride(stride)
            t0 = time.perf_counter()
            figures = json.loads(json.dumps(m.tune(docs, gold), default=float))
            row = {"candidate": name, "stride": stride, "seconds": round(time.perf_counter() - t0, 1), **_summary(figures),
                   "display_threshold": m.calibration_.get("display_threshold")}
            row["si_plus_tc"] = round(row["si_f1"] + row["tc_micro_f1"], 4)
            print(json.dumps(row), flush=True)
            rows = [r for r in rows if not (r["candidate"] == name and r["stride"] == stride)] + [row]
            args.out.write_text(json.dumps({"model": model.info.get("name"), "split": "tune", "articles": len(docs), "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
