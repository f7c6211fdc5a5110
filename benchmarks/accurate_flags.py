"""Should the accurate model's MPNet reader name the flags too? Its rule's figures, on the tune split only.

    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/accurate_flags.py \
        --baseline-reader runs/span-reader/reader_e4.safetensors \
        --mpnet-reader runs/span-reader-mpnet-t64/reader_e4.safetensors

Both flags' readers are fit-split readers (the shipped ones were refitted on all train and have read the
tune split), both after the int8 round trip they are stored in, both read at most the default's cap of
decoded candidates per 1,000 tokens; the taggers, the SI decoding, the calibration and the display
threshold are the shipped default's. Part A (the choice of w): on the tune split's decoded candidates that
lie at least half inside a gold span, how often each source's top technique is one of those spans'
(:mod:`tc_on_candidates`'s criterion), the mix weight chosen on the whole tune split and by article-grouped
CV. Part B (the rule): the reader figures at the display threshold — hit-any, hit-same, flag precision — for
B (the baseline reader at the default's weight) and for the MPNet reader at every w. Dev is not read.
Writes ``benchmarks/results/accurate_flags_tune.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from build_accurate import reader_from_file
from tc_on_candidates import WEIGHTS, candidates_inside_gold, weight_cv


def cached(reader: Any) -> dict[str, float]:
    """Make ``reader.log_probs`` remember its answers per (article, spans), so each w re-mixes, not re-reads; returns its timer."""
    memo: dict[tuple[int, tuple[tuple[int, int], ...]], np.ndarray] = {}
    read = reader.log_probs
    timer = {"seconds": 0.0, "spans": 0}

    def log_probs(tok: Any, spans: Any, feats: np.ndarray, *, text: str | None = None, batch_size: int = 32) -> np.ndarray:
        key = (id(tok), tuple((int(s), int(e)) for s, e in spans))
        if key not in memo:
            t0 = time.perf_counter()
            memo[key] = read(tok, spans, feats, text=text, batch_size=batch_size)
            timer["seconds"] += time.perf_counter() - t0
            timer["spans"] += len(spans)
        return memo[key]

    reader.log_probs = log_probs
    return timer


def main() -> None:
    import torch

    from propscan.eval.scorer import hit_rates
    from propscan.io.ptc import read_ptc
    from propscan.models.features import ArticleIndex, features_for_spans
    from propscan.models.loading import load_model
    from propscan.models.protocol import split_train_ids

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="default", help="the taggers, decoding and calibration (the shipped default)")
    ap.add_argument("--baseline-reader", required=True, help="B's flags' reader: the fit-split reader the default was tuned with")
    ap.add_argument("--baseline-weight", type=float, default=0.25)
    ap.add_argument("--mpnet-reader", required=True, help="C's flags' reader: the fit-split MPNet reader")
    ap.add_argument("--mpnet-encoder", default="all-mpnet-base-v2")
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--out", default="benchmarks/results/accurate_flags_tune.json")
    ap.add_argument("--limit", type=int, default=0, help="only the first N tune articles (a smoke run)")
    args = ap.parse_args()

    model = load_model(args.model)
    n_labels = len(model.labels_)
    cap = (model.candidate_reader_ or model.reader_).cap
    cut = float(model.display_threshold)
    docs, gold = read_ptc(args.data, "train")
    tune = set(split_train_ids([d.id for d in docs])[1])
    docs = [d for d in docs if d.id in tune][: args.limit or None]
    gold = {d.id: list(gold.get(d.id, [])) for d in docs}
    base = reader_from_file(args.baseline_reader, args.baseline_weight, "default", n_labels)
    mpnet = reader_from_file(args.mpnet_reader, 1.0, args.mpnet_encoder, n_labels)
    base.cap = mpnet.cap = cap
    t_base, t_mpnet = cached(base), cached(mpnet)
    t0 = time.perf_counter()
    raws = model.raw_predict(docs)
    t_taggers = time.perf_counter() - t0

    # Part A: decoded candidates inside gold spans, every one read (no cap): which w names them best?
    rows: dict[str, list[np.ndarray]] = {"head": [], "base": [], "mpnet": []}
    ok_sets: list[set[int]] = []
    arts: list[int] = []
    for n_doc, (d, r) in enumerate(zip(docs, raws)):
        keep, sets = candidates_inside_gold(model, d, r, gold[d.id])
        if not keep:
            continue
        feats = features_for_spans(d.text, keep, ArticleIndex(d.text))
        head = model._tc_logits(r["states"], [r["tok"].token_range(s, e) for s, e in keep], feats)
        rows["head"].append(torch.log_softmax(torch.from_numpy(head), -1).numpy())
        rows["base"].append(base.log_probs(r["tok"], keep, feats, text=d.text))
        rows["mpnet"].append(mpnet.log_probs(r["tok"], keep, feats, text=d.text))
        ok_sets += sets
        arts += [n_doc] * len(sets)
    arr = {k: np.concatenate(v) for k, v in rows.items()}

    def acc(lp: np.ndarray) -> float:
        return round(float(np.mean([int(t) in s for t, s in zip(lp.argmax(1), ok_sets)])), 4)

    wb = args.baseline_weight
    part_a = {"candidates_inside_gold": len(ok_sets), "head": acc(arr["head"]), "baseline_reader": acc(arr["base"]),
              f"baseline_mix_w{wb}": acc((1 - wb) * arr["head"] + wb * arr["base"]),
              **{f"mpnet_mix_w{w}": acc((1 - w) * arr["head"] + w * arr["mpnet"]) for w in WEIGHTS},
              "mpnet_weight_cv": weight_cv(arr["head"], arr["mpnet"], ok_sets, np.asarray(arts)),
              "baseline_mix_vs_head_cv": weight_cv(arr["head"], arr["base"], ok_sets, np.asarray(arts))}
    chosen = part_a["mpnet_weight_cv"]["chosen_on_whole_tune"]

    # Part B: what a reader sees at the display threshold, with each flags' reader under the cap
    def reader_figures(reader: Any, w: float) -> dict[str, float]:
        reader.weight = w
        model.candidate_reader_ = reader
        found = {d.id: model.spans_from_raw(d, r) for d, r in zip(docs, raws)}
        shown = {k: [s for s in v if s.score >= cut] for k, v in found.items()}
        h = hit_rates(shown, gold).to_dict()
        return {k: round(float(v), 4) if isinstance(v, float) else v for k, v in h.items()}

    part_b = {"B": reader_figures(base, wb), **{f"C_w{w}": reader_figures(mpnet, w) for w in WEIGHTS}}
    c = part_b[f"C_w{chosen}"]
    verdict = {
        "chosen_w": chosen,
        "hit_same_gain": round(c["hit_same"] - part_b["B"]["hit_same"], 4),
        "flag_precision_change": round(c["flag_precision_same"] - part_b["B"]["flag_precision_same"], 4),
        "hit_any_change": round(c["hit_any"] - part_b["B"]["hit_any"], 4),
    }
    verdict["ships"] = bool(verdict["hit_same_gain"] >= 0.01 and verdict["flag_precision_change"] >= -0.005
                            and verdict["hit_any_change"] >= -0.005)
    res = {"tune_articles": len(docs), "display_threshold": cut, "cap_per_1000_tokens": cap,
           "baseline_reader": args.baseline_reader, "mpnet_reader": args.mpnet_reader,
           "part_a_candidates_inside_gold": part_a, "part_b_reader_figures": part_b, "rule": verdict,
           "seconds": {"taggers": round(t_taggers, 1), **{f"{k}_reading": round(v["seconds"], 1) for k, v in (("baseline", t_base), ("mpnet", t_mpnet))},
                       "mpnet_spans_read": t_mpnet["spans"], "baseline_spans_read": t_base["spans"]}}
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
