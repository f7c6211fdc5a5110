"""SI F1 at equal span length: the default's token probabilities against the MPNet-mixed ones, on the tune split.

    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/si_length_grid.py --tagger runs/accurate-mpnet-e4 \
        --out benchmarks/results/si_length_grid_tune.json

Both probability sets go through every decoding setting the tuning step tries
(:func:`propscan.models.transformer.tune.si_decoding_grid`); each setting's SI P/R/F1, hit-any, number of spans
and mean span length (characters) are recorded, then the best F1 per 5-character band of mean length. It
asks whether a higher SI F1 is bought with longer spans (the partial-overlap metric rewards them). The tune
split only; dev is never read.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accurate", default="src/propscan/models/weights/accurate")
    ap.add_argument("--tagger", required=True, help="the MPNet-LoRA tagger trained on the fit split")
    ap.add_argument("--si-share", type=float, default=0.5)
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    import numpy as np

    from propscan.eval.scorer import hit_rates, score_si
    from propscan.models.loading import load_model
    from propscan.models.train import _split
    from propscan.models.transformer.decode import decode_spans, mix_inside
    from propscan.models.transformer.tagger import TransformerTagger
    from propscan.models.transformer.tune import _gold_by_doc, _si_pred, si_decoding_grid

    _, _, docs, gold = _split(args.data, smoke=False)
    sig = _gold_by_doc(docs, gold)
    model = load_model(args.accurate)
    plain = model.raw_predict(docs)  # the ensemble's own probabilities (a tagger scoped to SemEval is not used here)
    model.with_tagger(TransformerTagger.from_pretrained(args.tagger), si_share=args.si_share, tc_share=0.0, scope="semeval")
    sets = {"default": plain, "mixed": model.semeval_raws(docs, plain)}
    rows = []
    for name, raws in sets.items():
        for setting in si_decoding_grid(model.lexical_ is not None):
            dk = {k: v for k, v in setting.items() if k != "lexical_weight"}
            found = [decode_spans(d.text, r["tok"], mix_inside(r["si_probs"], r["lex_probs"], setting["lexical_weight"]),
                                  sentence_probs=r["sent_probs"], **dk) for d, r in zip(docs, raws)]
            pred = _si_pred(docs, found, set(sig))
            sc = score_si(pred, sig)
            lengths = [e - s for f in found for s, e, _ in f]
            rows.append({"probs": name, **setting, "f1": round(sc.f1, 4), "precision": round(sc.precision, 4), "recall": round(sc.recall, 4),
                         "spans": len(lengths), "mean_chars": round(float(np.mean(lengths)), 1) if lengths else 0.0,
                         "hit_any": round(hit_rates(pred, sig).hit_any, 4)})
    bands: dict[str, dict[str, float]] = {}
    for r in rows:
        band = f"{int(r['mean_chars'] // 5 * 5)}-{int(r['mean_chars'] // 5 * 5) + 5}"
        best = bands.setdefault(band, {})
        best[r["probs"]] = max(best.get(r["probs"], 0.0), r["f1"])
    gold_lengths = [s.end - s.start for v in sig.values() for s in v]
    out = {"tagger": args.tagger, "si_share": args.si_share, "tune_articles": len(docs),
           "gold_mean_chars": round(float(np.mean(gold_lengths)), 1), "best_f1_by_mean_length": dict(sorted(bands.items(), key=lambda kv: int(kv[0].split("-")[0]))),
           "rows": rows}
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out["best_f1_by_mean_length"], indent=1))


if __name__ == "__main__":
    main()
