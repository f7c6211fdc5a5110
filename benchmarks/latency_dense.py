"""The 1,000-word latency when an article is dense with candidates (the span readers read them).

    PYTHONPATH=src .venv/bin/python benchmarks/latency_dense.py --model default
    PYTHONPATH=src .venv/bin/python benchmarks/latency_dense.py --model default --readers \
        runs/span-reader/reader_e4.safetensors,runs/span-reader-s29/reader_e4.safetensors --caps 60,50,40,30,20 \
        --out benchmarks/results/latency_dense_caps.json      # choosing the readers' cap (timing only)

``bench_model.py``'s 1,000-word article is the first 1,000 words of the dev texts joined by spaces; it
happens to hold few candidate spans. A model with span readers spends time per candidate, so this
script also times the worst case the dev set offers: the dev articles ranked by candidates per word
(one pass of the model), the densest joined (paragraphs kept) and cut at 1,000 words. Medians of 5
warm runs, with the reader and without it (the same weights), one process, 2 threads. Writes
``benchmarks/results/latency_dense.json``. Only timing: no figure here is a quality figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from pathlib import Path

from propscan.document import Document
from propscan.io.ptc import read_ptc
from propscan.models.loading import load_model


def timed(model, doc: Document, runs: int = 5) -> dict:  # noqa: ANN001
    model.predict([doc])
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        model.predict([doc])
        ts.append(time.perf_counter() - t)
    return {"median_s": round(statistics.median(ts), 3), "min_s": round(min(ts), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--out", default="benchmarks/results/latency_dense.json")
    ap.add_argument("--readers", default="", help="comma-separated reader files (one per seed) to time instead of the model's own")
    ap.add_argument("--caps", default="", help="comma-separated candidates-per-1,000-tokens caps to time the readers at")
    args = ap.parse_args()
    docs, _ = read_ptc(args.data, "dev")
    model = load_model(args.model)
    if args.readers:
        from propscan.models.train import _load_span_reader

        model.reader_ = _load_span_reader(model, args.readers.split(","), 0.5)
    preds = model.predict(docs)
    rates = sorted(((len({(s.start, s.end) for s in p}) / max(1, len(d.text.split())), d) for p, d in zip(preds, docs)), key=lambda x: -x[0])
    text = "\n\n".join(d.text for _, d in rates[:15])
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    doc = Document(text[: ends[min(999, len(ends) - 1)]], id="dense1000")
    res = {
        "model": args.model,
        "candidates_per_1000_words_dev": {"median": round(1000 * statistics.median(r for r, _ in rates), 1), "max": round(1000 * rates[0][0], 1)},
        "dense_1000_words_candidates": len({(s.start, s.end) for s in model.predict([doc])[0]}),
        "with_reader": timed(model, doc),
    }
    if args.readers:
        res["readers"] = args.readers.split(",")
    reader = getattr(model, "reader_", None)
    if reader is not None:
        res["reader_seeds"], res["reader_cap"] = reader.seeds, reader.cap
    flags_reader = getattr(model, "candidate_reader_", None) or reader  # the reader of decoded spans, which the cap bounds
    for cap in [float(c) for c in args.caps.split(",") if c]:
        flags_reader.cap = cap
        res.setdefault("with_reader_capped", {})[str(cap)] = timed(model, doc)
    if getattr(model, "candidate_reader_", None) is not None:
        res["candidate_reader_seeds"] = model.candidate_reader_.seeds
    if getattr(model, "reader_", None) is not None:
        model.reader_ = model.candidate_reader_ = None
        res["without_reader"] = timed(model, doc)
    print(json.dumps(res))
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
