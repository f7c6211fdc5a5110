"""Keep a fit-split reader's tune-split logits in the repository, so that reader CV needs no retraining.

    PYTHONPATH=src .venv/bin/python benchmarks/keep_tune_logits.py --run runs/span-reader \
        --out benchmarks/results/reader_tune_logits/seed13

``benchmarks/tc_span_reader.py`` writes ``tune_logits_e<k>.npz`` per epoch into its run folder, which
is not kept between sessions; ``benchmarks/tc_reader_cv.py --reader`` (and ``--second-reader``,
``--third-reader``) reads such a folder. This copies every epoch's file, compressed and exact
(float16 logits flipped a fold's argmax tie: the CV figures must reproduce), plus the run's ``log.json``. The files hold logits, gold label indices, article ids and character offsets of the
tune split's gold spans: no article text.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", required=True, help="a tc_span_reader.py run folder (fit split)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    run, out = Path(args.run), Path(args.out)
    files = sorted(run.glob("tune_logits_e*.npz"))
    if not files:
        raise SystemExit(f"{run}: no tune_logits_e*.npz")
    out.mkdir(parents=True, exist_ok=True)
    for f in files:
        z = np.load(f)
        np.savez_compressed(out / f.name, **{k: z[k] for k in z.files})
    if (run / "log.json").is_file():
        shutil.copy2(run / "log.json", out / "log.json")
    print(f"{len(files)} epoch(s) -> {out} ({sum(p.stat().st_size for p in out.iterdir()) / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
