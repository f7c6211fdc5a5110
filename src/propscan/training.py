"""Training entry point used by ``propscan train``: reads the corpus, fits, selects on dev, saves.

>>> train("baseline", "../shared/data/ptc-semeval2020", "runs/baseline")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import InputError


def train_baseline(data_dir: str | os.PathLike[str], output_dir: str | os.PathLike[str], *, seed: int = 13, smoke: bool = False) -> dict[str, Any]:
    from .corpus_io import read_ptc
    from .models.baseline import BaselineModel
    from .scoring import score_si, score_tc

    train_docs, train_gold = read_ptc(data_dir, "train")
    dev_docs, dev_gold = read_ptc(data_dir, "dev")
    if smoke:
        train_docs, dev_docs = train_docs[:8], dev_docs[:4]
        dev_gold = {d.id: dev_gold[d.id] for d in dev_docs}
    model = BaselineModel(seed=seed).fit(train_docs, train_gold, dev_documents=dev_docs, dev_gold=dev_gold)
    model.save_pretrained(output_dir)
    pred = {d.id: s for d, s in zip(dev_docs, model.predict(dev_docs))}
    tc = model.classify(dev_docs, [dev_gold[d.id] for d in dev_docs])
    return {
        "model": "baseline",
        "dev_si_f1": score_si(pred, dev_gold).f1,
        "dev_tc_micro_f1": score_tc({d.id: s for d, s in zip(dev_docs, tc)}, dev_gold).f1,
        "threshold": model.threshold,
        "output": str(output_dir),
    }


def train(
    model: str,
    data_dir: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    seed: int = 13,
    smoke: bool = False,
    encoder: str | None = None,
    refit: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Train ``model`` ("default"/"transformer" or "baseline") on PTC train (transformer: under the tune-split protocol), save to ``output_dir``.

    ``progress=False`` hides the transformer's progress bars (``propscan --quiet train``).
    """
    if not Path(data_dir).is_dir():
        raise InputError(f"{data_dir}: no such corpus folder; pass --data ../shared/data/ptc-semeval2020.")
    if model == "baseline":
        return train_baseline(data_dir, output_dir, seed=seed, smoke=smoke)
    if model in ("default", "transformer"):
        from .models.train import train as train_transformer

        kwargs: dict[str, Any] = {"seed": seed, "smoke": smoke, "refit": refit, "progress": progress}
        if encoder:
            kwargs["encoder"] = encoder
        return dict(train_transformer(data_dir, output_dir, **kwargs))
    raise InputError(f"unknown model {model!r}; choose default, transformer or baseline.")
