"""Slice experiment for ``--model accurate``: MiniLM (the default model) vs all-mpnet-base-v2 + LoRA, same slice.

Usage::

    nice -n 10 .venv/bin/python benchmarks/accurate_slice.py --articles 40 --epochs 1 \\
        --tune-articles 40 --infer-articles 5 --mpnet /tmp/mpnet/mpnet/all-mpnet-base-v2 \\
        > /tmp/accurate_slice.log 2>&1 &

(about 25 minutes on 2 busy cores; ``--tiny`` first to estimate, about 3 minutes). Needs the
``accurate`` extra (transformers, peft; peft imports accelerate) and a local all-mpnet-base-v2.

Under the training protocol (:mod:`propscan.models.protocol`; dev is never read), with one seed:

* the same ``--articles`` fit-split articles (a seeded draw) train (a) a
  :class:`~propscan.models.transformer.tagger.TransformerTagger` on the default encoder with the
  default hyper-parameters and (b) the same model on all-mpnet-base-v2 with LoRA adapters
  (``--lora-r``, alpha ``2 r``, dropout 0.1 on the attention q/k/v/o; base frozen; ``--lora-lr``),
  both for ``--epochs`` epochs through the one training loop (``model.fit``, no epoch selection:
  the last epoch is kept);
* each is tuned (``model.tune``) on the tune split and reports the tuning figures: SI P/R/F1 at the
  F1-optimal decoding (``score_si``), TC micro-F1 on the gold spans (``score_tc``; calibrated and
  raw argmax) and the hit rates at the display threshold. The settings are chosen on these same
  articles, so the figures are optimistic for both arms alike: compare them, do not quote them;
* costs: seconds per training epoch, training tokens/s (window tokens, ``[CLS]``/``[SEP]`` included,
  per second of the fit), inference seconds per 1,000 words (``predict`` on ``--infer-articles``
  tune articles after a warm-up) on ``--threads`` threads, and the saved artifact's size (the
  trained part only: the base encoder stays outside it, hash-checked at load; a reload must give
  the same spans).

Writes ``benchmarks/results/accurate_slice.json`` (``--out``). ``--tiny`` (3 articles, 6 tune
articles) estimates the cost of a real run first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_DATA = os.environ.get("PROPSCAN_DATA", str(ROOT.parent / "shared" / "data" / "ptc-semeval2020"))
DEFAULT_MPNET = "/tmp/mpnet/mpnet/all-mpnet-base-v2"


def _slice(data: str, n_articles: int, n_tune: int | None, seed: int) -> tuple[list[Any], list[Any], dict[str, list[Any]]]:
    """``n_articles`` fit-split articles (seeded draw) and the tune split (its first ``n_tune`` when given)."""
    import numpy as np

    from propscan.io.ptc import read_ptc
    from propscan.models.protocol import split_train_ids

    docs, gold = read_ptc(data, "train")
    fit_ids, tune_ids = split_train_ids([d.id for d in docs])
    by_id = {d.id: d for d in docs}
    pick = np.random.default_rng(seed).permutation(len(fit_ids))[:n_articles]
    fit = [by_id[fit_ids[i]] for i in sorted(pick)]
    tune = [by_id[i] for i in tune_ids][: n_tune or None]
    return fit, tune, {k: list(v) for k, v in gold.items()}


def _window_tokens(model: Any, docs: list[Any]) -> tuple[int, int]:
    """``(windows, tokens)`` one training epoch encodes (tokens of every window with ``[CLS]``/``[SEP]``)."""
    from propscan.models.transformer.windows import make_windows

    wins = make_windows(model._tokenize(docs), size=model.content_size, stride=model.stride)
    return len(wins), sum(w.end - w.start + 2 for w in wins)


def _dir_bytes(d: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(d.iterdir()) if p.is_file()}


def run_arm(name: str, params: dict[str, Any], fit: list[Any], tune: list[Any], gold: dict[str, list[Any]], args: argparse.Namespace) -> dict[str, Any]:
    """Train, tune, time and save one model; returns its figures."""
    import torch

    from propscan.models.transformer.tagger import TransformerTagger

    torch.set_num_threads(args.threads)
    tune_gold = {d.id: gold.get(d.id, []) for d in tune}
    model = TransformerTagger(seed=args.seed, epochs=args.epochs, progress=args.progress, **params)
    print(f"[{name}] training on {len(fit)} articles, {args.epochs} epoch(s) ...", flush=True)
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(fit, gold)
    fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    train = model.dev_metrics_
    n_win, n_tok = _window_tokens(model, fit)
    history = train.get("history", [])
    # train_tagger's own clock: preparing the windows (+ caching frozen layers) and the epochs; the lexical part is outside
    loop_s = float(train.get("fit_seconds", fit_s))
    per_epoch = [history[0]["elapsed_s"]] + [b["elapsed_s"] - a["elapsed_s"] for a, b in zip(history, history[1:])]
    print(f"[{name}] fit {fit_s:.1f}s (loop {loop_s:.1f}s), {n_win} windows, {n_tok} tokens per epoch", flush=True)
    trainable = sum(p.numel() for p in [*model.encoder_.parameters(), *model.heads_.parameters()] if p.requires_grad)

    t0, c0 = time.perf_counter(), time.process_time()
    figures = model.tune(tune, tune_gold)
    tune_s, tune_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"[{name}] tuned on {len(tune)} articles in {tune_s:.1f}s: SI F1 {figures['si']['f1']:.4f}, TC F1 {figures['tc']['f1']:.4f}", flush=True)

    torch.set_num_threads(args.threads)
    infer_docs = tune[: args.infer_articles]
    words = sum(len(d.text.split()) for d in infer_docs)
    model.predict(infer_docs[:1])  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    spans = model.predict(infer_docs)
    infer_s, infer_cpu = time.perf_counter() - t0, time.process_time() - c0

    with tempfile.TemporaryDirectory(prefix="accurate-slice-") as tmp:
        out = Path(tmp) / name
        model.save_pretrained(out)
        files = _dir_bytes(out)
        again = TransformerTagger.from_pretrained(out)
        torch.set_num_threads(args.threads)
        same = [(s.start, s.end, s.technique, round(s.score, 6)) for s in again.predict(infer_docs[:1])[0]] == [
            (s.start, s.end, s.technique, round(s.score, 6)) for s in spans[0]
        ]
    cut = figures.get("cuts", {}).get("at_display_threshold", {})
    return {
        "encoder": model.encoder_source_.name,
        "params": {k: v for k, v in model.get_params().items() if k != "max_train_windows"},
        "lora": getattr(model.encoder_, "lora", None),
        "trainable_parameters": int(trainable),
        "tune": {
            "si_precision": figures["si"]["precision"],
            "si_recall": figures["si"]["recall"],
            "si_f1": figures["si"]["f1"],
            "tc_micro_f1": figures["tc"]["f1"],
            "tc_micro_f1_uncalibrated": figures["tc_f1_uncalibrated"],
            "hit_any": cut.get("hit_any"),
            "hit_same": cut.get("hit_same"),
            "flag_precision_same": cut.get("flag_precision_same"),
            "display_threshold": figures["cuts"]["display_threshold"],
        },
        "training": {
            "windows_per_epoch": n_win,
            "tokens_per_epoch": n_tok,
            "fit_seconds": round(fit_s, 1),
            "fit_cpu_seconds": round(fit_cpu, 1),
            "loop_seconds": round(loop_s, 1),
            "seconds_per_epoch": [round(x, 1) for x in per_epoch],
            "tokens_per_s": round(n_tok * args.epochs / loop_s, 1),
            # contention-free estimate: CPU seconds spread over the threads (other jobs on the machine inflate wall time)
            "tokens_per_s_from_cpu": round(n_tok * args.epochs / (fit_cpu / args.threads), 1),
            "final_loss_si": history[-1]["loss_si"] if history else None,
            "final_loss_tc": history[-1]["loss_tc"] if history else None,
        },
        "tune_seconds": round(tune_s, 1),
        "tune_cpu_seconds": round(tune_cpu, 1),
        "inference": {
            "articles": len(infer_docs),
            "words": words,
            "seconds": round(infer_s, 2),
            "seconds_per_1000_words": round(infer_s / max(words, 1) * 1000, 3),
            "cpu_seconds": round(infer_cpu, 2),
            "seconds_per_1000_words_from_cpu": round(infer_cpu / args.threads / max(words, 1) * 1000, 3),
            "threads": args.threads,
        },
        "artifact_bytes": sum(files.values()),
        "artifact_files": files,
        "reload_same_spans": same,
    }


def _write(path: str, result: dict[str, Any]) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=float) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA, help="PTC corpus folder (only train is read)")
    ap.add_argument("--mpnet", default=DEFAULT_MPNET, help="local all-mpnet-base-v2 directory (HF layout, hash-checked)")
    ap.add_argument("--articles", type=int, default=40, help="fit-split articles in the slice")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2, help="torch threads for training and inference")
    ap.add_argument("--tune-articles", type=int, default=None, help="first N tune-split articles only (default: all)")
    ap.add_argument("--infer-articles", type=int, default=10, help="tune articles timed at inference")
    ap.add_argument("--lora-r", type=int, default=8)
    ap.add_argument("--lora-lr", type=float, default=5e-4, help="learning rate of the adapters (MiniLM keeps its lr_encoder)")
    ap.add_argument("--arms", default="minilm,mpnet", help="comma-separated: minilm, mpnet")
    ap.add_argument("--tiny", action="store_true", help="3 articles, 6 tune articles, 2 timed: a cost estimate")
    ap.add_argument("--progress", action="store_true", help="show training progress bars")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "accurate_slice.json"))
    args = ap.parse_args(argv)
    if args.tiny:
        args.articles, args.tune_articles, args.infer_articles = 3, 6, 2

    from propscan.defaults import set_offline_env

    set_offline_env()
    import torch

    fit, tune, gold = _slice(args.data, args.articles, args.tune_articles, args.seed)
    arms = {
        "minilm": {},
        "mpnet_lora": {"encoder": args.mpnet, "lr_encoder": args.lora_lr, "lora": {"r": args.lora_r, "alpha": 2 * args.lora_r, "dropout": 0.1, "targets": ["q", "k", "v", "o"]}},
    }
    chosen = [a.strip() for a in args.arms.split(",")]
    result: dict[str, Any] = {
        "what": "slice experiment: MiniLM (default) vs all-mpnet-base-v2 + LoRA, same fit-split slice, tuned and scored on the tune split",
        "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
        "slice": {"fit_articles": len(fit), "fit_ids": [d.id for d in fit], "tune_articles": len(tune), "seed": args.seed, "epochs": args.epochs},
        "machine": {"cpus": os.cpu_count(), "threads": args.threads, "torch": torch.__version__, "python": platform.python_version(), "machine": platform.machine()},
        "arms": {},
    }
    t_all = time.perf_counter()
    for name in ("minilm", "mpnet_lora"):
        if name.split("_")[0] in chosen or name in chosen:
            result["arms"][name] = run_arm(name, arms[name], fit, tune, gold, args)
            _write(args.out, result)  # after each arm: a late failure keeps what was measured
    if {"minilm", "mpnet_lora"} <= set(result["arms"]):
        a, b = result["arms"]["minilm"], result["arms"]["mpnet_lora"]
        result["gap_mpnet_minus_minilm"] = {k: round(b["tune"][k] - a["tune"][k], 4) for k in ("si_f1", "tc_micro_f1", "tc_micro_f1_uncalibrated")}
        full_fit = 297
        scale = full_fit / max(len(fit), 1)
        result["extrapolated_full_fit_epoch_seconds"] = {
            n: round(r["training"]["tokens_per_epoch"] * scale / r["training"]["tokens_per_s"], 0) for n, r in result["arms"].items()
        }
    result["wall_seconds"] = round(time.perf_counter() - t_all, 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out = _write(args.out, result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("slice",)}, indent=1, default=float)[:6000])
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
