"""Dev-set evaluation of a model with the project's (official-equal) scorers.

    python benchmarks/eval_dev.py --model default --data ../shared/data/ptc-semeval2020

Writes SemEval prediction files and ``benchmarks/results/dev_<model>.json`` (SI P/R/F1, TC micro-F1,
per-technique tables). With ``--check`` it fails when the figures fall below the ones recorded in
the model's config.json (``dev_metrics``), so CI notices a model that no longer reproduces.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from propscan.corpus_io import read_labels, read_ptc, write_labels
from propscan.models.loading import load_model, read_config, resolve_model_dir
from propscan.scoring import score_flc, score_si, score_tc


def evaluate(model_name: str, data: Path, out_dir: Path) -> dict:
    docs, gold = read_ptc(data, "dev")
    model = load_model(model_name)
    t0 = time.perf_counter()
    pred_spans = model.predict(docs)
    t_si = time.perf_counter() - t0
    pred = {d.id: s for d, s in zip(docs, pred_spans)}
    # TC: the gold spans in the order of the official aggregate file
    tc_gold = read_labels(data / "dev-task-flc-tc.labels", "tc", documents={d.id: d for d in docs})
    by_id = {d.id: d for d in docs}
    ids = list(tc_gold)
    t0 = time.perf_counter()
    labelled = model.classify([by_id[a] for a in ids], [tc_gold[a] for a in ids])
    t_tc = time.perf_counter() - t0
    tc_pred = dict(zip(ids, labelled))
    out_dir.mkdir(parents=True, exist_ok=True)
    write_labels(out_dir / f"dev-si-{model_name}.txt", pred, "si")
    write_labels(out_dir / f"dev-tc-{model_name}.txt", tc_pred, "tc")
    si = score_si(pred, gold)
    tc = score_tc(tc_pred, tc_gold)
    flc = score_flc(pred, gold)
    return {
        "model": model.info,
        "dev_articles": len(docs),
        "si": si.to_dict(),
        "tc": tc.to_dict(),
        "flc_per_technique": {k: v.to_dict() for k, v in flc.per_technique.items()},
        "seconds": {"predict": round(t_si, 2), "classify": round(t_tc, 2)},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--out", default="benchmarks/results")
    ap.add_argument("--check", action="store_true", help="fail if below the figures recorded in the model config")
    args = ap.parse_args()
    data = Path(args.data)
    if not data.is_dir():
        print(f"error: {data}: PTC data not found", file=sys.stderr)
        return 2
    res = evaluate(args.model, data, Path(args.out))
    name = Path(str(resolve_model_dir(args.model))).name
    Path(args.out, f"dev_{name}.json").write_text(json.dumps(res, indent=2) + "\n")
    print(f"{name}: dev SI P={res['si']['precision']:.4f} R={res['si']['recall']:.4f} F1={res['si']['f1']:.4f}  "
          f"TC micro-F1={res['tc']['f1']:.4f}")
    for t, r in res["tc"]["per_technique"].items():
        print(f"  TC {t:40s} F1={r['f1']:.3f}  (gold {r['r_den']})")
    if args.check:
        recorded = read_config(resolve_model_dir(args.model), verify=False).get("dev_metrics", {})
        fails = []
        for key, got in (("si_f1", res["si"]["f1"]), ("tc_f1", res["tc"]["f1"])):
            want = recorded.get(key)
            if want is not None and got < want - 0.005:
                fails.append(f"{key} {got:.4f} < recorded {want:.4f}")
        if fails:
            print("error: model does not reproduce its recorded dev figures: " + "; ".join(fails), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
