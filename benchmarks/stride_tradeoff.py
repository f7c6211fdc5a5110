"""Accuracy vs speed of the window overlap: the default model's dev SI/TC at several strides.

    python benchmarks/stride_tradeoff.py [--strides 224 192 160 128]   # writes benchmarks/results/stride.json

Same weights; for each stride the dev tuning (:func:`propscan.models.tf_fit.tune_on_dev`) is re-run,
as it would be for a model saved with that stride, and the warm latency of a 1,000-word article is
measured (median of 5). Nothing is saved to the model; to use another stride, set ``params.stride``
in the model's ``config.json`` and re-run the tuning with ``propscan.models.train.retune``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

from propscan.corpus_io import read_ptc
from propscan.models.loading import resolve_model_dir
from propscan.models.tf_fit import tune_on_dev
from propscan.models.transformer import TransformerTagger

sys.path.insert(0, str(Path(__file__).parent))
from bench_model import thousand_words  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/ptc-semeval2020")
    ap.add_argument("--model", default="default")
    ap.add_argument("--strides", type=int, nargs="+", default=[224, 192, 160, 128])
    ap.add_argument("--out", default="benchmarks/results/stride.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    docs, gold = read_ptc(args.data, "dev")
    art = thousand_words(docs)
    res = []
    for stride in args.strides:
        model = TransformerTagger.from_pretrained(resolve_model_dir(args.model))
        model.stride = stride
        m = tune_on_dev(model, docs, gold)
        model.predict([art])
        times = []
        for _ in range(5):
            t = time.perf_counter()
            model.predict([art])
            times.append(time.perf_counter() - t)
        row = {"stride": stride, "si_f1": m["si"]["f1"], "si_precision": m["si"]["precision"], "si_recall": m["si"]["recall"],
               "tc_f1": m["tc"]["f1"], "latency_1000_words_s": statistics.median(times)}
        res.append(row)
        print(json.dumps(row), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
