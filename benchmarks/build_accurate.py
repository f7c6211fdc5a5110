"""Build the accurate model: the default ensemble with an MPNet span reader for given spans.

    # 1. the candidate with the fit-split reader: its given-span TC on the tune split (the rule's part a)
    python benchmarks/build_accurate.py --reader runs/span-reader-mpnet-t64/reader_e4.safetensors --weight 0.5 \
        --save runs/accurate-fit --figures benchmarks/results/accurate_tune.json
    # 2. the shipped model: the same recipe refitted on all train, every setting kept, tune figures of step 1
    python benchmarks/build_accurate.py --reader runs/span-reader-mpnet-t64-all/reader_e4.safetensors --weight 0.5 \
        --refit-of benchmarks/results/accurate_tune.json --save src/propscan/models/weights/accurate

The reader passes through the int8 round trip it is stored in before anything is measured; flags, SI
and the calibration stay the default's (``propscan.models.transformer.accurate``). Step 1 measures, on
the tune split's gold spans through the model's own code: TC micro-F1 of the mix's argmax, the head
alone, per technique, and the calibration error (ECE, 10 bins) of the given-span confidences under the
default's calibration. Dev is not read here (``benchmarks/eval_dev.py --model accurate`` is the look).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any


def reader_from_file(path: str, weight: float, encoder: str, n_labels: int) -> Any:
    """One trained reader file as a model's given-span reader on ``encoder``, through the int8 round trip."""
    from propscan.models.features import FEATURE_NAMES
    from propscan.models.quantize import round_trip
    from propscan.models.transformer.span_reader import SpanReader, read_reader_file

    state, length = read_reader_file(path)
    return SpanReader.from_states([round_trip(state)], n_features=len(FEATURE_NAMES), n_labels=n_labels, weight=weight,
                                  max_tokens=[length], encoders=[encoder])


def tune_figures(model: Any, data: str) -> dict[str, Any]:
    """Given-span TC on the tune split: the mix's argmax, the head alone, per technique, and ECE of the confidences."""
    from propscan.eval.scorer import score_tc
    from propscan.models.calibration import ece, tc_calibrated
    from propscan.models.train import _split
    from propscan.models.transformer.tune import _gold_by_doc, _tc_logits_on_gold, _tc_pred

    _, _, tune_docs, gold = _split(data, smoke=False)
    t0 = time.time()
    raws = model.raw_predict(tune_docs)
    logits, y, feats = _tc_logits_on_gold(model, tune_docs, gold, raws)
    read_s = time.time() - t0
    reader, model.reader_ = model.reader_, None
    head, _, _ = _tc_logits_on_gold(model, tune_docs, gold, raws)
    model.reader_ = reader
    by_doc = _gold_by_doc(tune_docs, gold)
    mix = score_tc(_tc_pred(model.labels_, tune_docs, gold, logits.argmax(1)), by_doc)
    alone = score_tc(_tc_pred(model.labels_, tune_docs, gold, head.argmax(1)), by_doc)
    probs = tc_calibrated(logits, feats, model.calibration_, model.labels_)
    ok = y >= 0
    return {
        "tune_articles": len(tune_docs),
        "spans": int(len(y)),
        "tc_micro_f1": round(mix.f1, 4),
        "tc_head_alone": round(alone.f1, 4),
        "per_technique": mix.to_dict().get("per_class", mix.to_dict()),
        "ece_given_spans_default_calibration": round(float(ece(probs[ok].max(1), probs[ok].argmax(1) == y[ok])), 4),
        "seconds": round(read_s, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ensemble", default="src/propscan/models/weights/default", help="the ensemble the model is built on")
    ap.add_argument("--reader", required=True, help="a trained reader file (tc_span_reader.py --encoder ..., reader_e<N>.safetensors)")
    ap.add_argument("--encoder", default="all-mpnet-base-v2", help="the encoder the reader was trained on")
    ap.add_argument("--weight", type=float, required=True, help="w in (1 - w) log p_head + w log p_reader (chosen on the tune split)")
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--save", required=True, help="the model directory to write")
    ap.add_argument("--figures", default=None, help="measure the tune split (a fit-split reader only) and write the figures here")
    ap.add_argument("--refit-of", default=None, help="the reader was refitted on all train: take the tune figures from this file")
    args = ap.parse_args()
    if bool(args.figures) == bool(args.refit_of):
        raise SystemExit("give --figures (a fit-split reader, measured on the tune split) or --refit-of (a reader refitted on all train)")

    from propscan.models.loading import read_config, write_metrics
    from propscan.models.transformer.accurate import AccurateEnsemble

    source = read_config(args.ensemble, verify=False)
    reader = reader_from_file(args.reader, args.weight, args.encoder, len(source["labels"]))
    model = AccurateEnsemble.from_ensemble(args.ensemble, reader)
    protocol = dict(source.get("protocol") or {})
    protocol.pop("span_reader_seeds_added_on_all_train", None)
    if args.figures:
        figures = tune_figures(model, args.data)
        figures = {"reader": args.reader, "encoder": args.encoder, "weight": args.weight, **figures}
        Path(args.figures).write_text(json.dumps(figures, indent=2) + "\n")
        print(json.dumps({k: v for k, v in figures.items() if k != "per_technique"}))
        protocol["span_reader_refit_on_all_train"] = False
    else:
        figures = json.loads(Path(args.refit_of).read_text())
        protocol["span_reader_refit_on_all_train"] = True
    tune = {"tc_given_spans": {k: figures[k] for k in ("tc_micro_f1", "tc_head_alone", "ece_given_spans_default_calibration", "spans")},
            "si_and_flags": "the default's", "default_tune_metrics": source.get("tune_metrics")}
    extra = {"tune_metrics": tune, "protocol": protocol,
             **{k: source[k] for k in ("article_reference_density",) if k in source}}
    model.save_pretrained(args.save, extra=extra)
    write_metrics(args.save, {"tune": figures, "protocol": protocol})
    print(f"saved {args.save}")


if __name__ == "__main__":
    main()
