"""Article-wide Repetition stacker for TC, selected by article-grouped CV inside the tune split.

    nice -n 10 python benchmarks/tc_stacker.py --cache /tmp/tc_tune_spans.npz

Reads only PTC **train** and only its **tune split** (:func:`propscan.models.protocol.split_train_ids`,
the 74 articles the shipped model was not trained on); dev is never read. For every gold span of
those articles it takes the model's raw TC logits (``TransformerTagger.tc_scores``) and the
article-wide repetition features (`benchmarks/tc_repetition.py`), then compares a small,
pre-declared set of TC options by 5-fold article-grouped CV repeated with 3 seeds (15 folds; every
fitted part -- temperature, biases, stacker -- is refitted on the 4 training folds of each split):

* ``current``: the shipped calibration as is (its biases were fitted on all of tune: flattered);
* ``argmax``: the TC head's own argmax (nothing fitted; temperatures do not change it);
* ``recipe_cv``: the shipped tuning recipe (temperature, Repetition boost, bias grid) refitted per fold;
* ``bias_cv``: temperature + the bias grid only (no boost), refitted per fold;
* ``lr_bias``: temperature + per-class intercepts of the offset logistic regression (no features);
* ``stack_rep@l2``: offset LR, the repetition features on the Repetition logit only;
* ``stack_all@l2``: offset LR, the repetition features on every logit;
* ``sk_lr@C``: scikit-learn multinomial LR on [log-probabilities, features] (no offset);
* ``binary_rep``: a Repetition-vs-rest LR that re-labels (to Repetition above 0.5, away from it below).

``l2`` and ``C`` come from the fixed grids :data:`L2_GRID` and :data:`C_GRID`; options are compared by
their CV means (per-fold figures and the paired per-fold difference against ``current`` and against
``recipe_cv``, the honest in-fold version of the shipped recipe, are reported). An option would only
be worth shipping if it beat ``current`` by at least 1 point (:data:`MIN_GAIN`) and by more than the
paired fold spread; the script records whether any did (``decision``). Results go to
``benchmarks/results/tc_stacker_cv.json``; about 2 minutes on 2 CPU cores (1 of them extracting).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from tc_repetition import REP_FEATURES, TCStacker, log_softmax, repetition_features

from propscan.document import Span
from propscan.eval.scorer import score_tc
from propscan.io.ptc import read_ptc
from propscan.models.calibration import fit_temperature, tc_calibrated
from propscan.models.protocol import split_train_ids

L2_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
C_GRID = (0.1, 1.0)
#: the gain over ``current`` (TC micro-F1) an option needs before it is worth shipping
MIN_GAIN = 0.01
RARE = (
    "Appeal_to_Authority",
    "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
)


def extract(model_dir: str, data: str, cache: str | None) -> dict[str, Any]:
    """Raw logits, model span features, repetition features and labels of every tune-split gold span."""
    if cache and Path(cache).is_file():
        z = np.load(cache, allow_pickle=False)
        return {k: z[k] for k in z.files}
    from propscan.models.loading import load_model

    docs, gold = read_ptc(data, "train")
    _, tune = split_train_ids([d.id for d in docs])
    docs = [d for d in docs if d.id in set(tune)]
    model = load_model(model_dir)  # a tagger, an ensemble or a fast (member) model
    model.reader_ = None  # the TC head's own logits (a span reader, v3.2.0 on, is mixed in by tc_reader_cv.py)
    toks = model._tokenize(docs)
    states = model._doc_states(toks)
    lab = {n: i for i, n in enumerate(model.labels_)}
    rows: dict[str, list[Any]] = {k: [] for k in ("logits", "feats", "rep", "y", "art", "start", "end")}
    for d, t, s in zip(docs, toks, states):
        g = list(gold[d.id])
        if not g:
            continue
        bounds = [(x.start, x.end) for x in g]
        lg, ft = model.tc_scores(d.text, t, s, bounds)
        rows["logits"].append(lg)
        rows["feats"].append(ft)
        rows["rep"].append(repetition_features(d.text, bounds))
        rows["y"] += [lab.get(str(x.technique), -1) for x in g]
        rows["art"] += [d.id] * len(g)
        rows["start"] += [x.start for x in g]
        rows["end"] += [x.end for x in g]
    out = {k: (np.concatenate(v) if k in ("logits", "feats", "rep") else np.asarray(v)) for k, v in rows.items()}
    out["labels"] = np.asarray(model.labels_)
    out["calibration"] = np.asarray(json.dumps(model.calibration_))
    if cache:
        np.savez(cache, **out)  # type: ignore[arg-type]  # numpy stubs read the kwargs as allow_pickle
    return out


# ---------------------------------------------------------------- the options (fit on train rows, predict test rows)

Option = Callable[[dict[str, Any], np.ndarray, np.ndarray], np.ndarray]


def _recipe(data: dict[str, Any], tr: np.ndarray, te: np.ndarray, *, boost: bool) -> np.ndarray:
    from propscan.models.transformer.tune import _tune_tc

    labels = list(data["labels"])
    cal: dict[str, Any] = {}
    _tune_tc(labels, data["logits"][tr], data["y"][tr], data["feats"][tr], cal, fit_bias=True)
    if not boost:  # refit the bias without the Repetition boost
        from propscan.models.transformer.tune import _tune_bias

        cal["tc_rep_boost"] = [0.0, 0.0]
        z = np.log(np.clip(tc_calibrated(data["logits"][tr], None, {**cal, "tc_bias": [0.0] * len(labels)}, labels), 1e-12, 1))
        cal["tc_bias"] = [float(b) for b in _tune_bias(z, data["y"][tr], len(labels))]
    return tc_calibrated(data["logits"][te], data["feats"][te], cal, labels).argmax(1)


def _logp(data: dict[str, Any], tr: np.ndarray) -> tuple[float, np.ndarray]:
    t = fit_temperature(data["logits"][tr], data["y"][tr])
    return t, log_softmax(data["logits"] / t)


def _x(data: dict[str, Any], with_model_features: bool) -> np.ndarray:
    return np.hstack([data["rep"], data["feats"]]) if with_model_features else data["rep"]


def fit_offset(data: dict[str, Any], tr: np.ndarray, *, l2: float, rows: str, with_model_features: bool = False) -> tuple[float, TCStacker]:
    """Temperature and offset stacker fitted on rows ``tr`` (``rows``: "none", "rep" or "all")."""
    t, lp = _logp(data, tr)
    r = list(data["labels"]).index("Repetition")
    which = {"none": [], "rep": [r], "all": None}[rows]
    return t, TCStacker.fit(lp[tr], _x(data, with_model_features)[tr], data["y"][tr], l2=l2, l2_bias=l2, rows=which)


def _offset(l2: float, rows: str, with_model_features: bool = False) -> Option:
    def run(data: dict[str, Any], tr: np.ndarray, te: np.ndarray) -> np.ndarray:
        t, st = fit_offset(data, tr, l2=l2, rows=rows, with_model_features=with_model_features)
        return st.log_probs(log_softmax(data["logits"][te] / t), _x(data, with_model_features)[te]).argmax(1)

    return run


def _sk_lr(c: float) -> Option:
    def run(data: dict[str, Any], tr: np.ndarray, te: np.ndarray) -> np.ndarray:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        _, lp = _logp(data, tr)
        x = np.hstack([lp, data["rep"]])
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
        clf.fit(x[tr], data["y"][tr])
        return clf.classes_[clf.predict_proba(x[te]).argmax(1)]

    return run


def _binary(data: dict[str, Any], tr: np.ndarray, te: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    _, lp = _logp(data, tr)
    r = list(data["labels"]).index("Repetition")
    others = np.delete(lp, r, axis=1)
    x = np.hstack([lp[:, [r]], others.max(1, keepdims=True), data["rep"]])
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    clf.fit(x[tr], (data["y"][tr] == r).astype(int))
    p_rep = clf.predict_proba(x[te])[:, 1]
    base = lp[te].copy()
    base[:, r] = -np.inf
    pred = base.argmax(1)
    pred[p_rep > 0.5] = r
    return pred


def options(data: dict[str, Any]) -> dict[str, Option]:
    shipped = json.loads(str(data["calibration"]))
    labels = list(data["labels"])
    opts: dict[str, Option] = {
        "current": lambda d, tr, te: tc_calibrated(d["logits"][te], d["feats"][te], shipped, labels).argmax(1),
        "argmax": lambda d, tr, te: d["logits"][te].argmax(1),  # nothing fitted: no bias, no boost
        "recipe_cv": lambda d, tr, te: _recipe(d, tr, te, boost=True),
        "bias_cv": lambda d, tr, te: _recipe(d, tr, te, boost=False),
    }
    for l2 in L2_GRID:
        opts[f"lr_bias@{l2}"] = _offset(l2, "none")
    for l2 in L2_GRID:
        opts[f"stack_rep@{l2}"] = _offset(l2, "rep")
    for l2 in L2_GRID:
        opts[f"stack_all@{l2}"] = _offset(l2, "all")
    for l2 in L2_GRID[2:5]:
        opts[f"stack_all+f21@{l2}"] = _offset(l2, "all", with_model_features=True)
    for c in C_GRID:
        opts[f"sk_lr@{c}"] = _sk_lr(c)
    opts["binary_rep"] = _binary
    return opts


# ---------------------------------------------------------------- grouped CV


def folds(articles: list[str], k: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    order = list(rng.permutation(sorted(articles)))
    return [order[i::k] for i in range(k)]


def tc_score(data: dict[str, Any], rows: np.ndarray, pred: np.ndarray) -> Any:
    """Official TC score of ``pred`` (label ids) on the gold spans ``rows``."""
    labels = list(data["labels"])
    g: dict[str, list[Span]] = {}
    p: dict[str, list[Span]] = {}
    for i, lab in zip(rows, pred):
        a = str(data["art"][i])
        g.setdefault(a, []).append(Span(int(data["start"][i]), int(data["end"][i]), labels[int(data["y"][i])]))
        p.setdefault(a, []).append(Span(int(data["start"][i]), int(data["end"][i]), labels[int(lab)]))
    return score_tc(p, g)


def cross_validate(data: dict[str, Any], opts: dict[str, Option], *, k: int, seeds: list[int]) -> dict[str, Any]:
    arts = sorted(set(data["art"].tolist()))
    per_fold: dict[str, list[float]] = {n: [] for n in opts}
    oof: dict[str, list[np.ndarray]] = {n: [] for n in opts}
    for seed in seeds:
        pooled = {n: np.zeros(len(data["y"]), dtype=np.int64) for n in opts}
        for fold in folds(arts, k, seed):
            te = np.flatnonzero(np.isin(data["art"], fold))
            tr = np.flatnonzero(~np.isin(data["art"], fold) & (data["y"] >= 0))
            for name, run in opts.items():
                pred = run(data, tr, te)
                pooled[name][te] = pred
                per_fold[name].append(tc_score(data, te, pred).f1)
        for name in opts:
            oof[name].append(pooled[name])
    labels = list(data["labels"])
    base = np.asarray(per_fold["current"])
    honest = np.asarray(per_fold["recipe_cv"])
    table = {}
    everything = np.arange(len(data["y"]))
    for name in opts:
        f = np.asarray(per_fold[name])
        per_tech = [tc_score(data, everything, p).per_technique for p in oof[name]]
        table[name] = {
            "mean": round(float(f.mean()), 4),
            "std": round(float(f.std(ddof=1)), 4),
            "min": round(float(f.min()), 4),
            "max": round(float(f.max()), 4),
            "diff_vs_current": round(float((f - base).mean()), 4),
            "diff_vs_recipe_cv": round(float((f - honest).mean()), 4),
            "diff_vs_recipe_cv_std": round(float((f - honest).std(ddof=1)), 4),
            "diff_std": round(float((f - base).std(ddof=1)), 4),
            "folds_better": int((f > base + 1e-12).sum()),
            "folds_worse": int((f < base - 1e-12).sum()),
            "pooled_f1": round(float(np.mean([tc_score(data, everything, p).f1 for p in oof[name]])), 4),
            "per_technique_f1": {t: round(float(np.mean([pt[t].f1 for pt in per_tech])), 3) for t in labels},
        }
    return {"folds": k, "seeds": seeds, "n_folds": len(base), "spans": int(len(data["y"])), "articles": len(arts), "options": table}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="src/propscan/models/weights/default")
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--cache", default=None, help="npz cache of the extracted tune-split spans (reused when present)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="benchmarks/results/tc_stacker_cv.json")
    args = ap.parse_args()
    t0 = time.time()
    data = extract(args.model, args.data, args.cache)
    res = cross_validate(data, options(data), k=args.folds, seeds=args.seeds)
    res["features"] = list(REP_FEATURES)
    res["grids"] = {"l2": list(L2_GRID), "C": list(C_GRID)}
    best_name, best = max(((n, r) for n, r in res["options"].items() if n != "current"), key=lambda kv: kv[1]["mean"])
    clears = best["diff_vs_current"] >= MIN_GAIN and best["diff_vs_current"] > best["diff_std"]
    res["decision"] = {
        "best_option": best_name,
        "gain_vs_current": best["diff_vs_current"],
        "gain_vs_recipe_cv": best["diff_vs_recipe_cv"],
        "clears_bar": bool(clears),
        "bar": f"mean gain over current >= {MIN_GAIN} and > the paired per-fold std",
    }
    for name, r in sorted(res["options"].items(), key=lambda kv: -kv[1]["mean"]):
        rare = np.mean([r["per_technique_f1"][t] for t in RARE])
        print(
            f"{name:18s} {r['mean']:.4f} ± {r['std']:.4f}  Δ {r['diff_vs_current']:+.4f} ± {r['diff_std']:.4f} "
            f"({r['folds_better']}/{r['folds_worse']})  Δcv {r['diff_vs_recipe_cv']:+.4f} ± {r['diff_vs_recipe_cv_std']:.4f}  Rep {r['per_technique_f1']['Repetition']:.3f}  rare {rare:.3f}"
        )
    print(f"best: {best_name} ({best['diff_vs_current']:+.4f} vs current); clears the bar: {clears}")
    res["seconds"] = round(time.time() - t0, 1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
