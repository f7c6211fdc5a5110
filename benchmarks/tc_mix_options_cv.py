"""Cheap options on top of the shipped given-span TC mix, judged by the article-grouped CV inside the tune split.

    PYTHONPATH=src:benchmarks python benchmarks/tc_mix_options_cv.py --cache /tmp/tc_head.npz
    PYTHONPATH=src:benchmarks python benchmarks/tc_mix_options_cv.py --cache /tmp/tc_head.npz \\
        --lengths 48,64,96,128 --runs runs/span-reader,runs/span-reader-s29,runs/span-reader-t64   # + reading at other lengths

The shipped mix is ``(1 - w) log p_head + w mean(log p_readers)`` over the three given-span readers (their
fit-split twins, epoch 4, the kept logits in ``benchmarks/results/reader_tune_logits``). Options, each with its
settings chosen on the four training folds of every one of the 15 folds (5 article-grouped folds x 3 seeds, the
folds of ``tc_stacker.py``) and scored on the fifth, paired by fold against the mix with w chosen the same way:

* ``boost``: a Repetition boost after the mix, ``z_rep += a * rep_earlier + b * rep_multi`` (the article-wide
  repetition features the head already reads);
* ``w_repetition``: the Repetition column mixed with a weight of its own;
* ``lengths`` (with ``--runs``): each reader read at several context lengths and its log-probabilities
  averaged (test-time augmentation; the readers' weights must be at hand, ``runs/<reader>/reader_e4.safetensors``).

Accuracy on the tune split's gold spans (the TC micro-F1 up to the few duplicated spans). Writes
``benchmarks/results/tc_mix_options_cv.json``. Dev is never read.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from tc_stacker import folds, log_softmax

KEPT = Path("benchmarks/results/reader_tune_logits")
READERS = ("seed13", "seed29", "t64-seed13")
WEIGHTS = (0.25, 0.5, 0.75)


def reader_logits_at_lengths(data_dir: str, runs: list[str], lengths: list[int]) -> dict[str, np.ndarray]:
    """Each fit-split reader's epoch-4 logits on the tune split's gold spans, read at each context length."""
    from types import SimpleNamespace

    import torch
    from safetensors.torch import load_file
    from tc_span_reader import build_reader, examples, predict

    from propscan.io.ptc import read_ptc
    from propscan.models.encoder import load_encoder, special_ids
    from propscan.models.features import FEATURE_NAMES
    from propscan.models.protocol import split_train_ids
    from propscan.models.transformer.span_reader import CLOSE_MARK, OPEN_MARK, load_trainable

    torch.set_num_threads(2)
    labels = json.loads(Path("src/propscan/models/weights/default/config.json").read_text())["labels"]
    docs, gold = read_ptc(data_dir, "train")
    _, tune_ids = split_train_ids([d.id for d in docs])
    tune_docs = [d for d in docs if d.id in set(tune_ids)]
    out: dict[str, np.ndarray] = {}
    for run in runs:
        encoder, tokenizer, _ = load_encoder()
        cls_id, sep_id, pad_id = special_ids(tokenizer)
        vocab = tokenizer.get_vocab()
        specials = (cls_id, sep_id, vocab[OPEN_MARK], vocab[CLOSE_MARK])
        net = build_reader(SimpleNamespace(encoder=None), encoder, len(FEATURE_NAMES), len(labels))
        load_trainable(net, load_file(str(Path(run) / "reader_e4.safetensors")))
        for n in lengths:
            out[f"{run}@{n}"] = predict(net, examples(tune_docs, gold, tokenizer, specials, labels, n), pad_id)
    return out


def cross_validate(y: np.ndarray, art: np.ndarray, options: dict[str, tuple[list[Any], Any]]) -> dict[str, list[float]]:
    """Per option ``(grid, predict(params, rows) -> labels)``: the held-out accuracy of each of the 15 folds."""
    arts = sorted(set(art.tolist()))
    res: dict[str, list[float]] = {k: [] for k in options}
    for seed in (0, 1, 2):
        for fold in folds(arts, 5, seed):
            te = np.flatnonzero(np.isin(art, fold))
            tr = np.flatnonzero(~np.isin(art, fold))
            for name, (grid, pred) in options.items():
                best = max(grid, key=lambda p: ((pred(p, tr) == y[tr]).mean(), -abs(p[0] - 0.5)))  # ties: w nearest 0.5
                res[name].append(float((pred(best, te) == y[te]).mean()))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", required=True, help="the TC head's tune-split cache (tc_stacker.py's extraction)")
    ap.add_argument("--model", default="src/propscan/models/weights/default")
    ap.add_argument("--data", default="../shared/data/ptc-semeval2020")
    ap.add_argument(
        "--runs", default=None, help="comma-separated fit-split reader runs, in READERS' order, for --lengths"
    )
    ap.add_argument(
        "--lengths", default=None, help="comma-separated context lengths to read every reader at (with --runs)"
    )
    ap.add_argument("--native", default="96,96,64", help="each run's own length (the shipped readers: 96, 96, 64)")
    ap.add_argument("--out", default="benchmarks/results/tc_mix_options_cv.json")
    args = ap.parse_args()
    from tc_stacker import extract

    from propscan.models.features import FEATURE_NAMES

    data = extract(args.model, args.data, args.cache)
    y, art = data["y"], data["art"]
    labels = list(data["labels"])
    head = log_softmax(data["logits"])
    kept = []
    for r in READERS:
        z = np.load(KEPT / r / "tune_logits_e4.npz")
        assert (z["start"] == data["start"]).all() and (z["art"] == data["art"]).all(), "row order differs"
        kept.append(log_softmax(z["logits"]))
    readers = sum(kept) / len(kept)
    rep = labels.index("Repetition")
    feats = data["feats"]
    earlier, multi = feats[:, FEATURE_NAMES.index("rep_earlier")], feats[:, FEATURE_NAMES.index("rep_multi")]

    def mixed(w: float, rows: np.ndarray, r: np.ndarray = readers) -> np.ndarray:
        return (1 - w) * head[rows] + w * r[rows]

    def boost(p: tuple[float, float, float], rows: np.ndarray) -> np.ndarray:
        m = mixed(p[0], rows)
        m[:, rep] += p[1] * earlier[rows] + p[2] * multi[rows]
        return m.argmax(1)

    def w_rep(p: tuple[float, float], rows: np.ndarray) -> np.ndarray:
        m = mixed(p[0], rows)
        m[:, rep] = (1 - p[1]) * head[rows, rep] + p[1] * readers[rows, rep]
        return m.argmax(1)

    options: dict[str, tuple[list[Any], Any]] = {
        "mix (shipped)": ([(w,) for w in WEIGHTS], lambda p, rows: mixed(p[0], rows).argmax(1)),
        "boost": ([(w, a, b) for w in WEIGHTS for a in (0, 0.5, 1, 2) for b in (0, 0.5, 1, 2)], boost),
        "w_repetition": ([(w, wr) for w in WEIGHTS for wr in (0, 0.25, 0.5, 0.75, 1)], w_rep),
    }
    if args.lengths and args.runs:
        runs, lengths = args.runs.split(","), [int(x) for x in args.lengths.split(",")]
        native = dict(zip(runs, (int(x) for x in args.native.split(","))))
        at = reader_logits_at_lengths(args.data, runs, lengths)
        for r in runs:  # the run read at its own length must be the kept logits' reader
            assert np.allclose(
                at[f"{r}@{native[r]}"],
                np.load(KEPT / READERS[runs.index(r)] / "tune_logits_e4.npz")["logits"],
                atol=1e-3,
            )
        for name, lens in {
            "native + 128": lambda r: [native[r], 128],
            "64 and 96": lambda r: [64, 96],
            "64, 96, 128": lambda r: [64, 96, 128],
            "all lengths": lambda r: lengths,
        }.items():
            avg = sum(sum(log_softmax(at[f"{r}@{n}"]) for n in lens(r)) / len(lens(r)) for r in runs) / len(runs)
            options[f"lengths: {name}"] = (
                [(w,) for w in WEIGHTS],
                lambda p, rows, a=avg: mixed(p[0], rows, a).argmax(1),
            )
    res = cross_validate(y, art, options)
    base = np.asarray(res["mix (shipped)"])
    table = {}
    for name, v in res.items():
        d = np.asarray(v) - base
        table[name] = {
            "cv": round(float(np.mean(v)), 4),
            "paired_gain": round(float(d.mean()), 4),
            "sd": round(float(d.std()), 4),
            "folds_better": int((d > 0).sum()),
            "folds_worse": int((d < 0).sum()),
        }
        print(
            f"{name:24s} cv {np.mean(v):.4f}  paired {d.mean():+.4f} ± {d.std():.4f}  better {(d > 0).sum()} worse {(d < 0).sum()}"
        )
    Path(args.out).write_text(
        json.dumps({"folds": "5 article-grouped folds x seeds 0, 1, 2 (tc_stacker.folds)", "options": table}, indent=2)
        + "\n"
    )


if __name__ == "__main__":
    main()
