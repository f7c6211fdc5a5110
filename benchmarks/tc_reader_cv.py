"""Does the span reader pay? Article-grouped CV inside the tune split (the rule in the README, fixed beforehand).

    .venv/bin/python benchmarks/tc_reader_cv.py --cache /tmp/tc_ens_tune.npz --reader runs/span-reader

Inputs: the ensemble TC head's raw logits on every tune-split gold span (``benchmarks/tc_stacker.py``'s
extraction, cached) and the span reader's per-epoch logits on the same rows
(``benchmarks/tc_span_reader.py``). For each of 15 folds (5 article-grouped folds x 3 seeds, the
folds of ``tc_stacker.py``) the epoch and the mixing weight ``w`` of
``(1 - w) log p_ensemble + w log p_reader`` are chosen on the 4 training folds (TC micro-F1) and
scored on the fifth. Compared against the plain argmax of the ensemble's TC head (fits nothing).
Every fixed (epoch, w) is also scored on the whole tune split, for information (in-sample).
Writes ``benchmarks/results/tc_reader_cv.json``. Dev is never read.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np
from tc_stacker import extract, folds, log_softmax, tc_score

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
MIN_GAIN = 0.01


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="src/propscan/models/weights/default")
    ap.add_argument("--data", default="../shared/data/ptc-semeval2020")
    ap.add_argument("--cache", required=True)
    ap.add_argument("--reader", default="runs/span-reader")
    ap.add_argument("--epochs", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--second-reader", default=None, help="a second reader's run (another seed): also score the mix with "
                    "the mean of both readers' log-probabilities, epoch and w chosen in-fold (mix2_cv)")
    ap.add_argument("--third-reader", default=None, help="with --second-reader: a third seed's run; also score the mix with the "
                    "mean of all three readers' log-probabilities (mix3_cv; its gain over mix2_cv is reported)")
    ap.add_argument("--fourth-reader", default=None, help="with --third-reader: a fourth run; also score the mean of all four "
                    "(mix4_cv; its gain over mix3_cv is reported)")
    ap.add_argument("--fourth-epoch", type=int, default=None, help="with --fourth-reader: read it at this epoch whatever the "
                    "others' (e.g. an earlier checkpoint of one of them); default: the same epoch as the others")
    ap.add_argument("--fourth-share", type=float, default=0.25, help="with --fourth-reader: its share of the readers' mean "
                    "(default 1/4: all four alike; e.g. 0.5 for a stronger reader beside three weaker seeds)")
    ap.add_argument("--alone", default=None, metavar="RUN", help="with --third-reader: also score RUN's reader as the only reader "
                    "beside the head (alone_cv: epoch and w chosen in-fold) and its gain over mix3_cv, paired by fold (v3.8.0's rule)")
    ap.add_argument("--three-source", default=None, metavar="RUN", help="with --third-reader: RUN is the MPNet reader (epoch 4); "
                    "score head + RUN alone (mpnet_cv, w in-fold) and the three sources with weights of their own, "
                    "(1 - wm - wn) head + wm RUN + wn mean(three readers) at epoch 4 (three_source_cv; accurate v2.1's rule)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="benchmarks/results/tc_reader_cv.json")
    args = ap.parse_args()
    data = extract(args.model, args.data, args.cache)
    ens = log_softmax(data["logits"])
    reader = {}
    for e in args.epochs:
        f = Path(args.reader) / f"tune_logits_e{e}.npz"
        if not f.is_file():
            continue
        z = np.load(f)
        assert (z["start"] == data["start"]).all() and (z["end"] == data["end"]).all() and (z["art"] == data["art"]).all(), "row order differs"
        reader[e] = log_softmax(z["logits"])
    if args.second_reader:
        for e in list(reader):
            f = Path(args.second_reader) / f"tune_logits_e{e}.npz"
            if f.is_file():
                z = np.load(f)
                assert (z["start"] == data["start"]).all() and (z["art"] == data["art"]).all(), "row order differs"
                reader[100 + e] = 0.5 * (reader[e] + log_softmax(z["logits"]))  # 100 + e: both readers at epoch e
    if args.second_reader and args.third_reader:
        for e in [k for k in list(reader) if k < 100 and 100 + k in reader]:
            f = Path(args.third_reader) / f"tune_logits_e{e}.npz"
            if f.is_file():
                z = np.load(f)
                assert (z["start"] == data["start"]).all() and (z["art"] == data["art"]).all(), "row order differs"
                reader[200 + e] = (2 * reader[100 + e] + log_softmax(z["logits"])) / 3  # 200 + e: the three readers at epoch e
    if args.second_reader and args.third_reader and args.fourth_reader:
        for e in [k - 200 for k in list(reader) if k >= 200]:
            f = Path(args.fourth_reader) / f"tune_logits_e{args.fourth_epoch or e}.npz"
            if f.is_file():
                z = np.load(f)
                assert (z["start"] == data["start"]).all() and (z["art"] == data["art"]).all(), "row order differs"
                # 300 + e: the four readers at epoch e, the fourth holding --fourth-share of the mean
                reader[300 + e] = (1 - args.fourth_share) * reader[200 + e] + args.fourth_share * log_softmax(z["logits"])
    if args.alone:
        for e in args.epochs:
            f = Path(args.alone) / f"tune_logits_e{e}.npz"
            if f.is_file():
                z = np.load(f)
                assert (z["start"] == data["start"]).all() and (z["art"] == data["art"]).all(), "row order differs"
                reader[400 + e] = log_softmax(z["logits"])  # 400 + e: --alone's reader at epoch e
    configs = list(itertools.product(sorted(reader), WEIGHTS))
    single = [c for c in configs if c[0] < 100]

    def pred(cfg: tuple[int, float], rows: np.ndarray) -> np.ndarray:
        e, w = cfg
        return ((1 - w) * ens[rows] + w * reader[e][rows]).argmax(1)

    everything = np.arange(len(data["y"]))
    in_sample = {f"e{e}_w{w}": round(tc_score(data, everything, pred((e, w), everything)).f1, 4) for e, w in configs}
    arts = sorted(set(data["art"].tolist()))
    rows_cv: dict[str, list[float]] = {"argmax": [], "mix_cv": [], "reader_cv": []}
    groups = {"mix2_cv": [c for c in configs if 100 <= c[0] < 200], "mix3_cv": [c for c in configs if 200 <= c[0] < 300],
              "mix4_cv": [c for c in configs if 300 <= c[0] < 400], "alone_cv": [c for c in configs if c[0] >= 400]}
    for name, cs in groups.items():
        if cs:
            rows_cv[name] = []
    chosen = []
    for seed in args.seeds:
        for fold in folds(arts, 5, seed):
            te = np.flatnonzero(np.isin(data["art"], fold))
            tr = np.flatnonzero(~np.isin(data["art"], fold) & (data["y"] >= 0))
            best = max(single, key=lambda c: (tc_score(data, tr, pred(c, tr)).f1, -c[1]))
            best_r = max([c for c in single if c[1] == 1.0], key=lambda c: tc_score(data, tr, pred(c, tr)).f1)
            for name, cs in groups.items():
                if cs:
                    best_k = max(cs, key=lambda c: (tc_score(data, tr, pred(c, tr)).f1, -c[1]))
                    rows_cv[name].append(tc_score(data, te, pred(best_k, te)).f1)
            chosen.append({"epoch": best[0], "w": best[1]})
            rows_cv["argmax"].append(tc_score(data, te, ens[te].argmax(1)).f1)
            rows_cv["mix_cv"].append(tc_score(data, te, pred(best, te)).f1)
            rows_cv["reader_cv"].append(tc_score(data, te, pred(best_r, te)).f1)
    base = np.asarray(rows_cv["argmax"])
    table = {}
    for name, v in rows_cv.items():
        f = np.asarray(v)
        table[name] = {"mean": round(float(f.mean()), 4), "std": round(float(f.std(ddof=1)), 4),
                       "diff_vs_argmax": round(float((f - base).mean()), 4), "diff_std": round(float((f - base).std(ddof=1)), 4),
                       "folds_better": int((f > base + 1e-12).sum()), "folds_worse": int((f < base - 1e-12).sum())}
    gain = table["mix_cv"]["diff_vs_argmax"]
    full = max(single, key=lambda c: (tc_score(data, everything, pred(c, everything)).f1, -c[1]))
    res = {"rule": f"ships if mix_cv beats argmax by >= {MIN_GAIN} (mean over folds) and 1,000 words <= 1.5 s",
           "n_folds": len(base), "spans": int(len(data["y"])), "cv": table, "chosen_per_fold": chosen,
           "in_sample_tune": in_sample, "chosen_on_whole_tune": {"epoch": full[0], "w": full[1]},
           "passes_tc_gain": bool(gain >= MIN_GAIN)}
    if "mix3_cv" in rows_cv:
        d = np.asarray(rows_cv["mix3_cv"]) - np.asarray(rows_cv["mix2_cv"])
        res["mix3_vs_mix2"] = {"diff": round(float(d.mean()), 4), "diff_std": round(float(d.std(ddof=1)), 4),
                               "folds_better": int((d > 1e-12).sum()), "folds_worse": int((d < -1e-12).sum())}
        print("mix3 vs mix2:", res["mix3_vs_mix2"])
    if "alone_cv" in rows_cv and "mix3_cv" in rows_cv:
        d = np.asarray(rows_cv["alone_cv"]) - np.asarray(rows_cv["mix3_cv"])
        full_alone = max(groups["alone_cv"], key=lambda c: (tc_score(data, everything, pred(c, everything)).f1, -c[1]))
        res["alone_vs_mix3"] = {"diff": round(float(d.mean()), 4), "diff_std": round(float(d.std(ddof=1)), 4),
                                "folds_better": int((d > 1e-12).sum()), "folds_worse": int((d < -1e-12).sum()),
                                "chosen_on_whole_tune": {"epoch": full_alone[0] - 400, "w": full_alone[1],
                                                         "tc": round(tc_score(data, everything, pred(full_alone, everything)).f1, 4)}}
        print("alone vs mix3:", res["alone_vs_mix3"])
    if "mix4_cv" in rows_cv:
        d = np.asarray(rows_cv["mix4_cv"]) - np.asarray(rows_cv["mix3_cv"])
        res["mix4_vs_mix3"] = {"diff": round(float(d.mean()), 4), "diff_std": round(float(d.std(ddof=1)), 4),
                               "folds_better": int((d > 1e-12).sum()), "folds_worse": int((d < -1e-12).sum())}
        print("mix4 vs mix3:", res["mix4_vs_mix3"])
    if args.three_source:
        res["three_source"] = three_source(args, data, ens, reader)
    for name, r in table.items():
        print(f"{name:10s} {r['mean']:.4f} ± {r['std']:.4f}  Δ {r['diff_vs_argmax']:+.4f} ± {r['diff_std']:.4f} ({r['folds_better']}/{r['folds_worse']})")
    print("chosen on the whole tune split:", res["chosen_on_whole_tune"], "passes:", res["passes_tc_gain"])
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")


def three_source(args: argparse.Namespace, data: dict, ens: np.ndarray, reader: dict[int, np.ndarray]) -> dict:
    """accurate v2.1's rule: head + MPNet + the MiniLM readers' mean, weights of their own, against head + MPNet alone."""
    z = np.load(Path(args.three_source) / "tune_logits_e4.npz")
    assert (z["start"] == data["start"]).all() and (z["art"] == data["art"]).all(), "row order differs"
    mp, mini = log_softmax(z["logits"]), reader[204]  # 204: the three MiniLM readers' mean at epoch 4
    grid = [(wm, wn) for wn in (0.0, 0.25, 0.5, 0.75) for wm in (0.0, 0.25, 0.5, 0.75) if wm + wn <= 1.0]  # smaller wn first

    def pred(w: tuple[float, float], rows: np.ndarray) -> np.ndarray:
        return ((1 - w[0] - w[1]) * ens[rows] + w[0] * mp[rows] + w[1] * mini[rows]).argmax(1)

    def fit(cands: list[tuple[float, float]], rows: np.ndarray) -> tuple[float, float]:
        return max(cands, key=lambda w: tc_score(data, rows, pred(w, rows)).f1)  # max keeps the first of ties

    alone = [(w, 0.0) for w in WEIGHTS]
    arts = sorted(set(data["art"].tolist()))
    a_cv, t_cv, chosen = [], [], []
    for seed in args.seeds:
        for fold in folds(arts, 5, seed):
            te = np.flatnonzero(np.isin(data["art"], fold))
            tr = np.flatnonzero(~np.isin(data["art"], fold) & (data["y"] >= 0))
            wa, wt = fit(alone, tr), fit(grid, tr)
            a_cv.append(tc_score(data, te, pred(wa, te)).f1)
            t_cv.append(tc_score(data, te, pred(wt, te)).f1)
            chosen.append({"w_mpnet": wt[0], "w_minilm": wt[1]})
    d = np.asarray(t_cv) - np.asarray(a_cv)
    everything = np.arange(len(data["y"]))
    out = {"mpnet_cv": round(float(np.mean(a_cv)), 4), "three_source_cv": round(float(np.mean(t_cv)), 4),
           "diff": round(float(d.mean()), 4), "diff_std": round(float(d.std(ddof=1)), 4),
           "folds_better": int((d > 1e-12).sum()), "folds_worse": int((d < -1e-12).sum()),
           "passes": bool(d.mean() >= 0.01 and (d > 1e-12).sum() > (d < -1e-12).sum()),
           "chosen_per_fold": chosen, "chosen_on_whole_tune": dict(zip(("w_mpnet", "w_minilm"), fit(grid, everything)))}
    print("three sources vs head + MPNet:", {k: v for k, v in out.items() if k != "chosen_per_fold"})
    return out


if __name__ == "__main__":
    main()
