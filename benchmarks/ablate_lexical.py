"""What the word-level lexical tagger is worth: dev SI of the default model with and without it.

    python benchmarks/ablate_lexical.py          # writes benchmarks/results/ablate_lexical.json

Both arms re-run the same dev tuning (:func:`propscan.models.tf_fit.tune_on_dev`) on the same
encoder and heads; the "without" arm simply has no lexical part, so its decoding thresholds are the
best ones for the tagger alone. Nothing is saved to the model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from propscan.corpus_io import read_ptc
from propscan.models.loading import resolve_model_dir
from propscan.models.tf_fit import tune_on_dev
from propscan.models.transformer import TransformerTagger


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/ptc-semeval2020")
    ap.add_argument("--model", default="default")
    ap.add_argument("--out", default="benchmarks/results/ablate_lexical.json")
    args = ap.parse_args()
    docs, gold = read_ptc(args.data, "dev")
    res = {}
    for arm in ("with_lexical", "without_lexical"):
        model = TransformerTagger.from_pretrained(resolve_model_dir(args.model))
        if arm == "without_lexical":
            model.lexical_ = None
        si = tune_on_dev(model, docs, gold)["si"]
        res[arm] = {k: si[k] for k in ("precision", "recall", "f1", "predicted_spans", "lexical_weight")}
        print(f"{arm:16s} SI P={si['precision']:.4f} R={si['recall']:.4f} F1={si['f1']:.4f} spans={si['predicted_spans']}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
