"""Build accurate v2: the accurate model with an MPNet tagger of its own beside the default's MiniLM taggers.

    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/build_accurate_tagger.py --tagger runs/accurate-mpnet-e4 \
        --reader runs/span-reader-mpnet-t64/reader_e4.safetensors --flags-reader runs/span-reader/reader_e4.safetensors \
        --refit-reader runs/span-reader-mpnet-t64-all/reader_e4.safetensors --figures benchmarks/results/accurate_v2_tune.json \
        --save runs/accurate-v2

The README's rule, on the tune split only (dev is never read here): with fit-split readers (the MPNet reader
for given spans at w 0.5, the seed-13 MiniLM reader for the flags at w 0.25 and the default's cap), the
tagger's weights after their int8 round trip, (1) the SI share a by the tuning step's SI F1, (2) the TC head
share b by given-span TC, (3) the whole tuning step (:func:`propscan.models.transformer.tune.tune_on_heldout`)
with a and b fixed. Then the readers are swapped for their all-train refits (the MPNet one given by
``--refit-reader``; the flags' one is the default's own) and the model is saved, every setting kept.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

SHARES = (0.0, 0.25, 0.5, 0.75)
#: the rule's bars: the default's tune SI F1 + 0.01, accurate v1.0.0's tune TC - 0.005, the default's hit-same and
#: flag precision (fit-split readers) - 0.01
BARS = {"si_f1": 0.446 + 0.01, "tc_micro_f1": 0.7384 - 0.005, "hit_same": 0.388 - 0.01, "flag_precision_same": 0.296 - 0.01}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ensemble", default="src/propscan/models/weights/default")
    ap.add_argument("--tagger", required=True, help="the MPNet-LoRA tagger trained on the fit split (accurate_full.py's run)")
    ap.add_argument("--reader", required=True, help="the fit-split MPNet reader for given spans")
    ap.add_argument("--weight", type=float, default=0.5, help="its w, accurate v1.0.0's")
    ap.add_argument("--flags-reader", required=True, help="the fit-split MiniLM reader the default's flags were tuned with")
    ap.add_argument("--refit-reader", required=True, help="the MPNet reader refitted on all train (the shipped one)")
    ap.add_argument("--encoder", default="all-mpnet-base-v2")
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--figures", required=True, help="where the tune figures go (JSON)")
    ap.add_argument("--save", required=True, help="the model directory to write (readers refitted on all train)")
    ap.add_argument("--ship-to", default=None, help="also save there if the rule's tune part passes (the shipped folder)")
    ap.add_argument("--version", default="2.0.0")
    ap.add_argument("--limit", type=int, default=0, help="only the first N tune articles (a smoke run)")
    args = ap.parse_args()

    from accurate_flags import cached
    from build_accurate import reader_from_file

    from propscan.eval.scorer import score_tc
    from propscan.models.loading import load_model, read_config, write_metrics
    from propscan.models.train import _split, _summary
    from propscan.models.transformer.accurate import AccurateEnsemble
    from propscan.models.transformer.tagger import TransformerTagger
    from propscan.models.transformer.tune import _gold_by_doc, _tc_logits_on_gold, _tc_pred, _tune_si_decoding

    t_start = time.time()
    source = read_config(args.ensemble, verify=False)
    n = len(source["labels"])
    _, _, docs, gold = _split(args.data, smoke=False)
    docs = docs[: args.limit or None]
    model = AccurateEnsemble.from_ensemble(args.ensemble, reader_from_file(args.reader, args.weight, args.encoder, n))
    shipped_flags = model.candidate_reader_
    flags = reader_from_file(args.flags_reader, float(shipped_flags.weight), "default", n)
    flags.cap = shipped_flags.cap
    model.candidate_reader_ = flags
    model.with_tagger(TransformerTagger.from_pretrained(args.tagger), si_share=0.5, tc_share=0.5)
    raws = model.raw_predict(docs)

    si_grid = {}
    for a in SHARES:
        model.si_share = a
        for r in raws:
            r["si_probs"] = model._si_probs(r["states"])
        _, best, sc = _tune_si_decoding(model, docs, gold, raws)
        si_grid[a] = {"f1": round(sc.f1, 4), "precision": round(sc.precision, 4), "recall": round(sc.recall, 4), **best}
        print(f"a={a}: SI {si_grid[a]}", flush=True)
    a = max(SHARES, key=lambda x: (si_grid[x]["f1"], -x))
    cached(model.reader_)
    by_doc = _gold_by_doc(docs, gold)
    tc_grid = {}
    for b in SHARES:
        model.tc_share = b
        logits, _, _ = _tc_logits_on_gold(model, docs, gold, raws)
        tc_grid[b] = round(score_tc(_tc_pred(model.labels_, docs, gold, logits.argmax(1)), by_doc).f1, 4)
        print(f"b={b}: TC {tc_grid[b]}", flush=True)
    b = max(SHARES, key=lambda x: (tc_grid[x], -x))
    model.si_share, model.tc_share = a, b
    metrics = model.tune(docs, gold)
    tune = _summary(metrics)
    checks = {k: {"figure": round(float(tune[k]), 4), "bar": round(v, 4), "passes": bool(tune[k] >= v)} for k, v in BARS.items()}
    figures = {"tagger": args.tagger, "reader": args.reader, "flags_reader": args.flags_reader, "tune_articles": len(docs),
               "si_share_grid": {str(k): v for k, v in si_grid.items()}, "tc_share_grid": {str(k): v for k, v in tc_grid.items()},
               "si_share": a, "tc_share": b, "tune": tune, "rule": checks, "ships_on_tune": all(c["passes"] for c in checks.values()),
               "tuning": {k: metrics[k] for k in ("cuts", "calibration") if k in metrics}, "seconds": round(time.time() - t_start)}
    Path(args.figures).write_text(json.dumps(figures, indent=2, default=float) + "\n")
    print(json.dumps({k: figures[k] for k in ("si_share", "tc_share", "tune", "rule", "ships_on_tune")}, indent=2, default=float))

    # the shipped readers: the MPNet one refitted on all train (same w), the flags' the default's own (all train)
    model.reader_ = reader_from_file(args.refit_reader, args.weight, args.encoder, n)
    model.candidate_reader_ = load_model(args.ensemble).candidate_reader_
    protocol = dict(source.get("protocol") or {})
    protocol.pop("span_reader_seeds_added_on_all_train", None)
    protocol.update(span_reader_refit_on_all_train=True, tagger_fit_on="fit split (the tune split chose its epoch and every share)")
    extra = {"version": args.version, "tune_metrics": {**tune, "readers": "fit-split during tuning; shipped readers refitted on all train"}, "protocol": protocol,
             **{k: source[k] for k in ("article_reference_density",) if k in source}}
    for out in [args.save] + ([args.ship_to] if args.ship_to and figures["ships_on_tune"] else []):
        model.save_pretrained(out, extra=extra)
        write_metrics(out, {"tune": {k: v for k, v in figures.items() if k != "tuning"}, "protocol": protocol})
        print(f"saved {out}")


if __name__ == "__main__":
    main()
