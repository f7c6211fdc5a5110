"""Training entry point behind ``propscan train``: PTC train -> fine-tuned model, tuned on PTC dev.

>>> metrics = train("../shared/data/ptc-semeval2020", "runs/model", smoke=True)  # doctest: +SKIP

Full training (3 epochs, 2 CPU cores) takes about 35-45 minutes; ``smoke=True`` uses a handful
of articles and finishes in well under two minutes (what tests and CI run).
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from ..corpus_io import atomic_write, read_ptc

SMOKE_TRAIN_ARTICLES = 4
SMOKE_DEV_ARTICLES = 3


def train(
    data_dir: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    seed: int = 13,
    smoke: bool = False,
    epochs: int | None = None,
    progress: bool = True,
    **params: Any,
) -> dict[str, Any]:
    """Train a :class:`~propscan.models.transformer.TransformerTagger` on ``train``, tune on ``dev``, save it.

    Parameters
    ----------
    data_dir : path
        A PTC-layout corpus folder (``train-articles``, ``train-labels-task-flc-tc``, ``dev-...``).
    output_dir : path
        Where the model is written (``config.json``, safetensors weights, ``metrics.json``).
    seed : int, default=13
        Seeds torch and numpy (the run is reproducible on the same machine and thread count).
    smoke : bool, default=False
        Train on a few articles for one short epoch (a plumbing check, not a useful model).
    epochs : int or None
        Override the number of epochs.
    **params
        Other :class:`TransformerTagger` hyper-parameters.

    Returns
    -------
    dict
        Dev metrics (SI P/R/F1, TC micro-F1 and per-technique table, calibration, timings).
    """
    import torch

    from .transformer import TransformerTagger

    torch.set_num_threads(int(os.environ.get("PROPSCAN_THREADS", "2")))
    t0 = time.time()
    docs, gold = read_ptc(data_dir, "train")
    dev_docs, dev_gold = read_ptc(data_dir, "dev")
    if smoke:
        docs = [d for d in docs if gold.get(d.id)][:SMOKE_TRAIN_ARTICLES]
        dev_docs = [d for d in dev_docs if dev_gold.get(d.id)][:SMOKE_DEV_ARTICLES]
        params.setdefault("max_train_windows", 12)
        params.setdefault("batch_size", 4)
        epochs = epochs or 1
    if epochs is not None:
        params["epochs"] = epochs
    model = TransformerTagger(seed=seed, progress=progress, **params)
    model.fit(docs, gold, dev_documents=dev_docs, dev_gold={d.id: dev_gold[d.id] for d in dev_docs})
    metrics = dict(model.dev_metrics_)
    metrics.update(
        train_articles=len(docs),
        dev_articles=len(dev_docs),
        smoke=smoke,
        seed=seed,
        wall_seconds=round(time.time() - t0, 1),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        machine=platform.machine(),
    )
    metrics = json.loads(json.dumps(metrics, default=float))  # plain JSON types only
    out = Path(output_dir)
    model.save_pretrained(out, extra={"dev_metrics": _summary(metrics)})
    with atomic_write(out / "metrics.json") as fh:
        fh.write(json.dumps(metrics, indent=2, default=float) + "\n")
    os.chmod(out / "metrics.json", 0o644)
    return metrics


def _summary(m: dict[str, Any]) -> dict[str, Any]:
    si, tc = m.get("si", {}), m.get("tc", {})
    return {
        "si_precision": si.get("precision"),
        "si_recall": si.get("recall"),
        "si_f1": si.get("f1"),
        "tc_micro_f1": tc.get("f1"),
        "best_epoch": m.get("best_epoch"),
    }


def retune(
    model_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str],
    *,
    output_dir: str | os.PathLike[str] | None = None,
    refit_lexical: bool = False,
) -> dict[str, Any]:
    """Re-run only the dev tuning (decoding thresholds, calibration) of a trained model and save it.

    The encoder and head weights are unchanged (same files, same sha256); ``config.json`` and
    ``metrics.json`` are rewritten. This is exactly the tuning step that ends :func:`train`, so a
    model retuned after a decoding change equals one retrained with that change (training is
    deterministic). ``refit_lexical=True`` first fits the word-level lexical tagger on the training
    articles, as :func:`train` does before fine-tuning (it does not depend on the encoder), which
    upgrades a model trained before that part existed.

    >>> retune("runs/model", "../shared/data/ptc-semeval2020", refit_lexical=True)  # doctest: +SKIP
    """
    import torch

    from .tf_fit import tune_on_dev
    from .transformer import TransformerTagger

    torch.set_num_threads(int(os.environ.get("PROPSCAN_THREADS", "2")))
    src = Path(model_dir)
    model = TransformerTagger.from_pretrained(src)
    if refit_lexical:
        from .lexical import LexicalTagger

        train_docs, train_gold = read_ptc(data_dir, "train")
        model.lexical_c = model.lexical_c or LexicalTagger().C
        model.lexical_ = LexicalTagger(C=model.lexical_c, seed=model.seed).fit(train_docs, train_gold)
    dev_docs, dev_gold = read_ptc(data_dir, "dev")
    old = json.loads((src / "metrics.json").read_text(encoding="utf-8")) if (src / "metrics.json").is_file() else {}
    t0 = time.time()
    metrics = {**old, **json.loads(json.dumps(tune_on_dev(model, dev_docs, dev_gold), default=float))}
    metrics["retune_seconds"] = round(time.time() - t0, 1)
    out = Path(output_dir) if output_dir else src
    model.save_pretrained(out, extra={"dev_metrics": _summary(metrics)})
    with atomic_write(out / "metrics.json") as fh:
        fh.write(json.dumps(metrics, indent=2) + "\n")
    os.chmod(out / "metrics.json", 0o644)
    return metrics
