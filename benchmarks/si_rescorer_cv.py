"""Does an SI rescorer over decoded candidates pay? Article-grouped CV inside the tune split (an experiment).

    PYTHONPATH=src .venv/bin/python benchmarks/si_rescorer_cv.py --model runs/ens-cand

SI precision is the weak half of SI (dev: P 0.35, R 0.59). A rescorer is a logistic regression over
what the model already computes for each decoded candidate — its SI score, the inside-probabilities
of its tokens (max, min, mean, the lexical tagger's), its sentence probability, how sure the TC head
and the model's readers are of a technique (top probability, entropy) and the 21 span features — that
predicts whether the candidate is propaganda (at least half of it inside gold spans). Candidates come
from two decodings: the SemEval one (the F1-optimal setting) and the floor (more, longer candidates).
For each of 15 folds (5 article-grouped folds x 3 seeds) the regression and a cut on its probability
are fitted on four folds (the cut maximises their SI F1) and the fifth is scored with the official SI
scorer; the reference is the SemEval decoding unfiltered, which fits nothing here. ``--model`` must be
a model whose every part was fitted without the tune split. Dev is never read. Writes
``benchmarks/results/si_rescorer_cv.json``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from tc_on_candidates import fit_split_model_and_tune_docs

CUTS = tuple(np.round(np.arange(0.05, 0.951, 0.025), 3))


def _entropy(lp: np.ndarray) -> np.ndarray:
    return -(np.exp(lp) * lp).sum(1)


def candidate_rows(model: Any, doc: Any, raw: Any, core: float) -> tuple[list[tuple[int, int]], np.ndarray]:
    """The candidates of one decoding of ``doc`` and their rescorer features."""
    import torch

    from propscan.models.transformer.decode import decode_spans, mix_inside

    c = model.calibration_
    inside = mix_inside(raw["si_probs"], raw.get("lex_probs"), float(c.get("si_lexical_weight", 0.0)))
    found = decode_spans(doc.text, raw["tok"], inside, threshold=float(c["si_threshold"]), core_threshold=core,
                         split_threshold=float(c.get("si_split_threshold", 0.5)), sentence_probs=raw["sent_probs"],
                         sentence_threshold=float(c.get("sentence_threshold", 0.0)))
    if not found:
        return [], np.zeros((0, 0))
    bounds = [(s, e) for s, e, _ in found]
    score = np.asarray([sc for _, _, sc in found])
    mixed, feats = model.tc_scores(doc.text, raw["tok"], raw["states"], bounds, priority=score)
    ranges = [raw["tok"].token_range(s, e) for s, e in bounds]
    head = torch.log_softmax(torch.from_numpy(model._tc_logits(raw["states"], ranges, feats)), -1).numpy()
    lex = raw.get("lex_probs")
    rows = []
    for (a, b), sc in zip(ranges, score):
        p = inside[a:b] if b > a else np.zeros(1)
        si = raw["si_probs"][a:b] if b > a else np.zeros(1)
        lx = lex[a:b] if lex is not None and b > a else np.zeros(1)
        sent = raw["sent_probs"][a:b] if b > a and len(raw["sent_probs"]) == len(raw["si_probs"]) else np.zeros(1)
        rows.append([sc, p.max(), p.min(), p.mean(), si.mean(), lx.mean(), float(np.max(sent)), np.log1p(b - a)])
    mixed_lp = mixed - np.logaddexp.reduce(mixed, axis=1, keepdims=True)
    x = np.column_stack([np.asarray(rows), mixed_lp.max(1), _entropy(mixed_lp), head.max(1), _entropy(head), feats])
    return bounds, x


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from propscan.document import Span
    from propscan.eval.scorer import merge_overlapping, score_si

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="runs/ens-cand")
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="benchmarks/results/si_rescorer_cv.json")
    args = ap.parse_args()
    model, docs, gold = fit_split_model_and_tune_docs(args.model, args.data)
    c = model.calibration_
    bases = {"semeval": float(c["si_core_threshold"]), "floor": float(c.get("si_floor_core_threshold", c["si_threshold"]))}
    data: dict[str, dict[str, Any]] = {k: {"bounds": [], "x": [], "y": [], "art": []} for k in bases}
    for n, d in enumerate(docs):
        raw = model.raw_predict([d])[0]
        merged = merge_overlapping([(s.start, s.end) for s in gold.get(d.id, [])])
        for k, core in bases.items():
            bounds, x = candidate_rows(model, d, raw, core)
            for s, e in bounds:
                data[k]["bounds"].append((n, s, e))
                data[k]["y"].append(sum(max(0, min(e, b) - max(s, a)) for a, b in merged) / (e - s) >= 0.5)
                data[k]["art"].append(n)
            if len(x):
                data[k]["x"].append(x)
    gold_by = {d.id: list(gold.get(d.id, [])) for d in docs}

    def si_f1(rows: list[tuple[int, int, int]], arts: set[int]) -> float:
        pred = {docs[n].id: [] for n in arts}
        for n, s, e in rows:
            if n in arts:
                pred[docs[n].id].append(Span(s, e))
        return score_si(pred, {docs[n].id: gold_by[docs[n].id] for n in arts}).f1

    res: dict[str, Any] = {"model": args.model, "tune_articles": len(docs), "rule": "experiment: rescorer_cv vs the SemEval decoding unfiltered"}
    ids = np.arange(len(docs))
    for k in bases:
        x, y, art = np.concatenate(data[k]["x"]), np.asarray(data[k]["y"]), np.asarray(data[k]["art"])
        bounds = data[k]["bounds"]
        res[f"{k}_candidates"] = int(len(y))
        res[f"{k}_share_propaganda"] = round(float(y.mean()), 4)
        ref, got, cuts = [], [], []
        for seed in args.seeds:
            order = np.random.default_rng(seed).permutation(ids)
            for f in range(5):
                test_arts = set(order[f::5].tolist())
                train_arts = set(ids.tolist()) - test_arts
                tr = np.isin(art, list(train_arts))
                clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)).fit(x[tr], y[tr])
                p = clf.predict_proba(x)[:, 1]
                cut = max(CUTS, key=lambda t: si_f1([b for b, q in zip(bounds, p) if q >= t], train_arts))
                cuts.append(float(cut))
                got.append(si_f1([b for b, q in zip(bounds, p) if q >= cut], test_arts))
                ref.append(si_f1(data["semeval"]["bounds"], test_arts))
        diff = np.asarray(got) - np.asarray(ref)
        res[k] = {"reference_semeval_unfiltered": round(float(np.mean(ref)), 4), "rescorer_cv": round(float(np.mean(got)), 4),
                  "diff": round(float(diff.mean()), 4), "diff_std": round(float(diff.std()), 4),
                  "folds_better": int((diff > 0).sum()), "folds_worse": int((diff < 0).sum()), "cuts": cuts}
        print(k, json.dumps(res[k])[:300], flush=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
