"""CLI cold start of several models, alternated so that a noisy neighbour slows them alike.

    PYTHONPATH=src python benchmarks/cold_start.py --models accurate default --rounds 2 --out benchmarks/results/cold_start.json

Each round runs, for each model in turn, ``propscan analyze <first example> --format json --model <it>``
in a fresh process three times (``bench_model.cli_cold_start``) and records the median.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_model import ROOT, cli_cold_start  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["accurate", "default"])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cold_start.json")
    args = ap.parse_args()
    medians: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for name in args.models:
            model = ROOT / "src" / "propscan" / "models" / "weights" / name
            medians.setdefault(name, []).append(round(cli_cold_start(model if model.is_dir() else Path(name))["median_s"], 3))
    args.out.write_text(json.dumps({"rounds": args.rounds, "median_of_3_per_round_s": medians}, indent=2) + "\n")
    print(json.dumps(medians))


if __name__ == "__main__":
    main()
