"""Does a trained reader, loaded as a model's seed, give what its training run gave? (Tune-split gold spans.)

    PYTHONPATH=src python benchmarks/reader_seed_check.py --run runs/span-reader-mpnet-t64 --epoch 3 \\
        --encoder all-mpnet-base-v2 --max-tokens 64 --articles 3

Loads ``<run>/reader_e<epoch>.safetensors`` through :class:`propscan.models.transformer.span_reader.SpanReader`
(adapters merged; a seed on another encoder reads the article text with its own tokenizer) and compares its
log-probabilities on the first ``--articles`` tune-split articles with the run's ``tune_logits_e<epoch>.npz``.
Prints the largest absolute difference. Dev is never read.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--epoch", type=int, default=4)
    ap.add_argument("--encoder", default="default")
    ap.add_argument("--max-tokens", type=int, default=96)
    ap.add_argument("--articles", type=int, default=3)
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    args = ap.parse_args()
    import torch
    from safetensors.torch import load_file

    from propscan.io.ptc import read_ptc
    from propscan.models.encoder import load_encoder
    from propscan.models.features import FEATURE_NAMES, ArticleIndex, features_for_spans
    from propscan.models.protocol import split_train_ids
    from propscan.models.transformer.span_reader import SpanReader
    from propscan.models.transformer.windows import tokenize_docs

    run = Path(args.run)
    state = load_file(str(run / f"reader_e{args.epoch}.safetensors"))
    z = np.load(run / f"tune_logits_e{args.epoch}.npz")
    reader = SpanReader.from_states([state], n_features=len(FEATURE_NAMES), n_labels=int(z["logits"].shape[1]), weight=0.5,
                                    max_tokens=args.max_tokens, encoders=[args.encoder])
    docs, gold = read_ptc(args.data, "train")
    _, tune = split_train_ids([d.id for d in docs])
    _, tokenizer, _ = load_encoder()
    worst, n = 0.0, 0
    for d in [d for d in docs if d.id in set(tune) and gold.get(d.id)][: args.articles]:
        bounds = [(x.start, x.end) for x in gold[d.id]]
        lp = reader.log_probs(tokenize_docs(tokenizer, [d.text])[0], bounds, features_for_spans(d.text, bounds, ArticleIndex(d.text)), text=d.text)
        rows = [int(np.flatnonzero((z["art"] == d.id) & (z["start"] == s) & (z["end"] == e))[0]) for s, e in bounds]
        ref = torch.log_softmax(torch.from_numpy(z["logits"][rows]), -1).numpy()
        worst, n = max(worst, float(np.abs(lp - ref).max())), n + len(bounds)
    print(json.dumps({"run": str(run), "epoch": args.epoch, "encoder": args.encoder, "spans": n, "max_abs_diff": worst}))


if __name__ == "__main__":
    main()
