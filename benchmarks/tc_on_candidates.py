"""How well each TC source names the technique of *decoded candidates*, not of gold spans (tune split).

    PYTHONPATH=src .venv/bin/python benchmarks/tc_on_candidates.py --model runs/ens-reader \
        --second-reader runs/span-reader-s29/reader_e4.safetensors

The TC figure (SemEval's) classifies the gold spans; a user sees flags on the spans the model decoded,
whose edges differ. This scores, on the tune split (dev is never read), every candidate the model
decodes down to its floor that lies at least half inside a gold span: it counts as right when its top
technique is one of those gold spans' techniques (the criterion of the reader figures' hit-same and flag
precision). Sources: the ensemble's TC head alone, the model's span reader alone, their mix at the
model's weight, and with ``--second-reader`` (a reader trained on the fit split with another seed) the
two readers' mean and its mixes, the head mixed with the second reader alone, and that mix's weight chosen
by article-grouped CV (:func:`weight_cv`). ``--model`` must be a model whose readers never read the tune split.
Writes ``benchmarks/results/tc_on_candidates.json``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np


def candidates_inside_gold(model, doc, raw, gold_spans) -> tuple[list[tuple[int, int]], list[set[int]]]:  # noqa: ANN001
    """The candidates ``model`` decodes in ``doc`` down to its floor that lie at least half inside a gold span,
    each with the label indices of those gold spans (largest overlap first is not implied: a set)."""
    from propscan.models.transformer.decode import decode_spans, mix_inside

    c = model.calibration_
    lab = list(model.labels_)
    found = decode_spans(doc.text, raw["tok"], mix_inside(raw["si_probs"], raw.get("lex_probs"), float(c.get("si_lexical_weight", 0.0))),
                         threshold=float(c["si_threshold"]), core_threshold=float(c.get("si_floor_core_threshold", c["si_threshold"])),
                         split_threshold=float(c.get("si_split_threshold", 0.5)), sentence_probs=raw["sent_probs"],
                         sentence_threshold=float(c.get("sentence_threshold", 0.0)))
    keep, sets = [], []
    for s, e, _ in found:
        techs = {lab.index(str(x.technique)) for x in gold_spans if min(e, x.end) - max(s, x.start) >= 0.5 * (e - s) and str(x.technique) in lab}
        if techs:
            keep.append((s, e))
            sets.append(techs)
    return keep, sets


WEIGHTS = (0.25, 0.5, 0.75, 1.0)


def fit_split_model_and_tune_docs(model_dir: str, data: str) -> tuple[Any, list[Any], dict[str, Any]]:
    """The model (refused if its readers were refitted on all train: they have read the tune split), the
    tune split's articles and the train gold spans."""
    from propscan.io.ptc import read_ptc
    from propscan.models.loading import load_model, read_config
    from propscan.models.protocol import split_train_ids

    if (read_config(model_dir, verify=False).get("protocol") or {}).get("span_reader_refit_on_all_train"):
        raise SystemExit(f"{model_dir}: its readers have read the tune split")
    model = load_model(model_dir)
    docs, gold = read_ptc(data, "train")
    tune = set(split_train_ids([d.id for d in docs])[1])
    return model, [d for d in docs if d.id in tune], gold


def weight_cv(head: np.ndarray, reader: np.ndarray, ok_sets: list[set[int]], art: np.ndarray, seeds: tuple[int, ...] = (0, 1, 2)) -> dict[str, Any]:
    """Article-grouped CV (5 folds x ``seeds``) of the mix weight of ``(1 - w) head + w reader``: w chosen on
    four folds by accuracy, scored on the fifth; also the plain head and the reader alone, per fold."""
    right = {w: np.asarray([int(t) in s for t, s in zip(((1 - w) * head + w * reader).argmax(1), ok_sets)], dtype=float)
             for w in (0.0, *WEIGHTS)}
    ids = np.unique(art)
    scores: dict[str, list[float]] = {"head": [], "mix_cv": [], "reader": []}
    chosen = []
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(ids)
        for k in range(5):
            test = np.isin(art, order[k::5])
            w = max(WEIGHTS, key=lambda x: (right[x][~test].mean(), -x))
            chosen.append(w)
            scores["mix_cv"].append(float(right[w][test].mean()))
            scores["head"].append(float(right[0.0][test].mean()))
            scores["reader"].append(float(right[1.0][test].mean()))
    diff = np.asarray(scores["mix_cv"]) - np.asarray(scores["head"])
    return {**{k: round(float(np.mean(v)), 4) for k, v in scores.items()}, "mix_cv_minus_head": round(float(diff.mean()), 4),
            "folds_better": int((diff > 0).sum()), "folds_worse": int((diff < 0).sum()), "chosen_w": chosen,
            "chosen_on_whole_tune": max(WEIGHTS, key=lambda x: (right[x].mean(), -x))}


def main() -> None:
    import torch
    from safetensors.torch import load_file

    from propscan.models.features import FEATURE_NAMES, ArticleIndex, features_for_spans
    from propscan.models.quantize import round_trip
    from propscan.models.transformer.span_reader import SpanReader

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="runs/ens-reader")
    ap.add_argument("--second-reader", default=None)
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--out", default="benchmarks/results/tc_on_candidates.json")
    args = ap.parse_args()
    model, docs, gold = fit_split_model_and_tune_docs(args.model, args.data)
    second = None
    if args.second_reader:
        second = SpanReader.from_states([round_trip(load_file(args.second_reader))], n_features=len(FEATURE_NAMES),
                                        n_labels=len(model.labels_), weight=1.0)
    rows: dict[str, list[np.ndarray]] = {"head": [], "r1": [], "r2": []}
    ok_sets: list[set[int]] = []
    arts: list[int] = []
    for n_doc, d in enumerate(docs):
        r = model.raw_predict([d])[0]
        keep, sets = candidates_inside_gold(model, d, r, gold.get(d.id, []))
        if not keep:
            continue
        feats = features_for_spans(d.text, keep, ArticleIndex(d.text))
        head = model._tc_logits(r["states"], [r["tok"].token_range(s, e) for s, e in keep], feats)
        rows["head"].append(torch.log_softmax(torch.from_numpy(head), -1).numpy())
        rows["r1"].append(model.reader_.log_probs(r["tok"], keep, feats))
        if second is not None:
            rows["r2"].append(second.log_probs(r["tok"], keep, feats))
        ok_sets += sets
        arts += [n_doc] * len(sets)
    arr = {k: np.concatenate(v) for k, v in rows.items() if v}
    w = float(model.reader_.weight)

    def acc(lp: np.ndarray) -> float:
        top = lp.argmax(1)
        return round(float(np.mean([int(t) in s for t, s in zip(top, ok_sets)])), 4)

    res = {"model": args.model, "tune_articles": len(docs), "candidates_inside_gold": len(ok_sets), "accuracy": {
        "head": acc(arr["head"]), "reader": acc(arr["r1"]), f"mix_w{w}": acc((1 - w) * arr["head"] + w * arr["r1"])}}
    if "r2" in arr:
        both = 0.5 * (arr["r1"] + arr["r2"])
        res["accuracy"].update({"second_reader": acc(arr["r2"]), "two_readers": acc(both),
                                **{f"mix2_w{x}": acc((1 - x) * arr["head"] + x * both) for x in (0.25, 0.5, 0.75)},
                                **{f"head_second_w{x}": acc((1 - x) * arr["head"] + x * arr["r2"]) for x in WEIGHTS}})
        res["second_weight_cv"] = weight_cv(arr["head"], arr["r2"], ok_sets, np.asarray(arts))
    print(json.dumps(res, indent=2))
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
