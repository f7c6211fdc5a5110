"""Refit the default ensemble's taggers on all of train, and build the refitted ensemble with every setting held.

    PYTHONPATH=src .venv/bin/python benchmarks/refit_members.py --member 0 --out runs/refit-m0   # member A (seed 13, 4 epochs)
    PYTHONPATH=src .venv/bin/python benchmarks/refit_members.py --member 1 --out runs/refit-m1   # member B (seed 29, 6 epochs)
    PYTHONPATH=src .venv/bin/python benchmarks/refit_members.py --build runs/refit-m0,runs/refit-m1 --output runs/v3.9.0
    PYTHONPATH=src .venv/bin/python benchmarks/refit_members.py --build runs/refit-m0,- --output runs/v3.9.0-a   # member A alone refitted

The issue's protocol lets final weights be refitted on all of train with the settings chosen on the tune
split. The default's two taggers (and member A's lexical part) were fitted on the fit split (297 articles)
only. ``--member i`` trains member ``i`` again with its stored hyper-parameters, seed and epoch count on all
371 train articles (the training stride of 224 tokens it was trained at; the inference stride of 112 is the
ensemble's setting), keeping the last epoch (there is no held-out split left to choose one). ``--build``
loads the shipped default, swaps in the refitted members' layers, heads and member A's lexical part, passes
them through the same 4-bit-delta / int8 round trip, and saves it: the calibration, decoding thresholds,
display threshold, readers, cap and reference density are copied unchanged (nothing is re-tuned), the
protocol records the refit, and the recorded dev figures are dropped (a new model needs its own look).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from repack_layers import _held  # the recorded config keys save_pretrained does not write (benchmarks/ is on sys.path)

from propscan import defaults
from propscan.io.ptc import read_ptc
from propscan.models.loading import file_sha256, read_config
from propscan.models.transformer.ensemble import TaggerEnsemble
from propscan.models.transformer.tagger import TransformerTagger

DEFAULT = Path("src/propscan/models/weights/default")
TRAINING_STRIDE = 224  # the stride every member was trained at (inference reads at the ensemble's 112)


def refit_member(index: int, data: Path, out: Path, model: Path = DEFAULT) -> dict:
    """Train member ``index`` of ``model`` again on all train articles with its stored settings; save it to ``out``."""
    import torch

    torch.set_num_threads(defaults.training_threads())
    params = dict(read_config(model, verify=False)["members"][index])
    params["stride"] = TRAINING_STRIDE
    docs, gold = read_ptc(data, "train")
    t0 = time.time()
    tagger = TransformerTagger(progress=True, **params)
    tagger.fit(docs, gold)
    figures = {"member": index, "articles": len(docs), "params": params, "history": tagger.dev_metrics_.get("history"),
               "fit_seconds": round(time.time() - t0, 1)}
    tagger.save_pretrained(out, extra={"protocol": {"refit_on_all_train": True, "fit_articles": len(docs), "tune_articles": 0}})
    (out / "refit.json").write_text(json.dumps(figures, indent=1, default=float))
    return figures


def build(members: list[Path | None], output: Path, model: Path = DEFAULT, version: str = "3.9.0") -> dict:
    """``model`` with its members' trained weights taken from ``members`` (``None``: keep that member's stored
    weights) and the lexical part from the first refit; every setting held."""
    cfg = read_config(model)
    ens = TaggerEnsemble.from_pretrained(model)
    if len(members) != len(ens.members_):
        raise SystemExit(f"{model} has {len(ens.members_)} members; got {len(members)}")
    refits = [TransformerTagger.from_pretrained(p) if p is not None else None for p in members]
    for m, r in zip(ens.members_, refits):
        if r is not None:
            m.load_trained_state(r.trained_state(), r.heads_.state_dict())
    ens.members_ = TaggerEnsemble.from_members(ens.members_, quantize=True).members_  # the 4-bit delta round trip
    if refits[0] is not None:
        ens.lexical_ = refits[0].lexical_
    held = {**_held(cfg), "version": version}
    refitted = [i for i, r in enumerate(refits) if r is not None]
    if refitted:  # the members (and the lexical part, with member 0) learned from all train articles
        held["protocol"] = {**held.get("protocol", {}), "refit_on_all_train": True, "taggers_refit_on_all_train": refitted}
    ens.save_pretrained(output, extra=held)
    after = read_config(output)["files"]
    return {name: [cfg["files"].get(name), sha] for name, sha in after.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020")))
    ap.add_argument("--member", type=int, help="train this member of the default again on all train")
    ap.add_argument("--out", type=Path, help="where --member saves the refitted tagger")
    ap.add_argument("--build", help="comma-separated refitted member folders, in member order ('-': keep that member's weights)")
    ap.add_argument("--output", type=Path, help="where --build saves the ensemble")
    ap.add_argument("--model", type=Path, default=DEFAULT, help="the ensemble whose settings are held")
    args = ap.parse_args()
    if args.member is not None and args.out is not None:
        print(json.dumps(refit_member(args.member, args.data, args.out, args.model), indent=1, default=float))
    elif args.build and args.output is not None:
        if args.output.exists():
            raise SystemExit(f"{args.output} exists; choose a new folder")
        report = build([Path(p) if p != "-" else None for p in args.build.split(",")], args.output, args.model)
        print(json.dumps({"files": report, "sha_config": file_sha256(args.output / "config.json")}, indent=1))
    else:
        raise SystemExit("give --member with --out, or --build with --output")


if __name__ == "__main__":
    main()
