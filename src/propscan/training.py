"""Training entry point used by ``propscan train``: reads the corpus, fits, selects on dev, saves.

>>> train("baseline", "../shared/data/ptc-semeval2020", "runs/baseline")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import InputError


def train_baseline(data_dir: str | os.PathLike[str], output_dir: str | os.PathLike[str], *, seed: int = 13, smoke: bool = False) -> dict[str, Any]:
    """The baseline under the same protocol: threshold chosen on the tune split, then refitted on all of train."""
    from .corpus_io import read_ptc
    from .models.baseline import BaselineModel
    from .models.protocol import split_train_ids
    from .scoring import hit_rates, score_si, score_tc

    docs, gold = read_ptc(data_dir, "train")
    fit_ids, tune_ids = split_train_ids([d.id for d in docs])
    fit = [d for d in docs if d.id in set(fit_ids)]
    tune = [d for d in docs if d.id in set(tune_ids)]
    if smoke:
        fit, tune, docs = fit[:8], tune[:4], fit[:8] + tune[:4]
    tune_gold = {d.id: list(gold.get(d.id, [])) for d in tune}
    tuned = BaselineModel(seed=seed).fit(fit, gold, dev_documents=tune, dev_gold=tune_gold)
    pred = {d.id: s for d, s in zip(tune, tuned.predict(tune))}
    tc = tuned.classify(tune, [tune_gold[d.id] for d in tune])
    si = score_si(pred, tune_gold)
    hits = hit_rates(pred, tune_gold)
    model = BaselineModel(threshold=tuned.threshold, seed=seed).fit(docs, gold)
    model.save_pretrained(output_dir)
    metrics = {
        "model": "baseline",
        "tune_si": si.to_dict(),
        "tune_tc_micro_f1": score_tc({d.id: s for d, s in zip(tune, tc)}, tune_gold).f1,
        "tune_hits": hits.to_dict(),
        "threshold": model.threshold,
        "protocol": {"fit_articles": len(fit), "tune_articles": len(tune), "refit_on_all_train": True},
        "output": str(output_dir),
    }
    import json

    from .corpus_io import atomic_write

    with atomic_write(Path(output_dir) / "metrics.json") as fh:
        fh.write(json.dumps(metrics, indent=2, default=float) + "\n")
    return metrics


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
