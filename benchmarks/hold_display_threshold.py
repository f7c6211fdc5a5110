"""Copy a tuned model with its display threshold held at a given value of its own tuning table.

    PYTHONPATH=src .venv/bin/python benchmarks/hold_display_threshold.py --model runs/ens-two-cap \
        --threshold 0.125 --output runs/ens-two-cap125

The tuning step re-chooses the display threshold (the maximum of the reader-view F1 over a grid); a rule
may hold it fixed instead (README, v3.5.2). The threshold must be a row of ``metrics.json``'s
``cuts.table``; that row becomes ``cuts.at_display_threshold`` and the config's ``tune_metrics``. The
weight files are copied unchanged (same sha256).
"""

from __future__ import annotations

import argparse
import json
import shutil

from propscan.models.loading import read_config, read_metrics, update_config, write_metrics
from propscan.models.train import _summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--threshold", type=float, required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args()
    metrics = read_metrics(args.model)
    rows = [r for r in metrics["cuts"]["table"] if abs(r["threshold"] - args.threshold) < 1e-9]
    if not rows:
        raise SystemExit(f"{args.model}: no row at threshold {args.threshold} in cuts.table")
    shutil.copytree(args.model, args.output, dirs_exist_ok=False)
    metrics["cuts"] = {**metrics["cuts"], "display_threshold": args.threshold, "at_display_threshold": rows[0],
                       "display_threshold_held": True}
    cfg = read_config(args.output, verify=False)
    update_config(args.output, {"calibration": {**cfg["calibration"], "display_threshold": args.threshold},
                                "tune_metrics": _summary(metrics)})
    write_metrics(args.output, metrics)
    print(json.dumps(rows[0]))


if __name__ == "__main__":
    main()
