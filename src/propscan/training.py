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


def choose_tc_mix(
    tagger: Any, ngram: Any, data_dir: str | os.PathLike[str], grid: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
) -> tuple[float, dict[float, float]]:
    """Pick the n-gram weight of the TC mixture by dev TC micro-F1 (gold spans of the official dev file)."""
    from .corpus_io import read_labels, read_ptc
    from .models.ensemble import EnsembleModel
    from .scoring import score_tc

    docs, _ = read_ptc(data_dir, "dev")
    by_id = {d.id: d for d in docs}
    gold = read_labels(Path(data_dir) / "dev-task-flc-tc.labels", "tc", documents=by_id)
    ids = list(gold)
    scores: dict[float, float] = {}
    for w in grid:
        ens = EnsembleModel.from_members(tagger, ngram, tc_mix=w)
        pred = ens.classify([by_id[a] for a in ids], [gold[a] for a in ids])
        scores[w] = score_tc(dict(zip(ids, pred)), gold).f1
    best = max(grid, key=lambda w: (round(scores[w], 6), -w))
    return best, scores


def train_ensemble(
    data_dir: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    seed: int = 13,
    smoke: bool = False,
    encoder: str | None = None,
) -> dict[str, Any]:
    """The default model: train the transformer tagger and the n-gram model, choose their TC mixture on dev."""
    from .models.baseline import BaselineModel
    from .models.ensemble import EnsembleModel
    from .models.train import train as train_transformer
    from .models.transformer import TransformerTagger

    out = Path(output_dir)
    kwargs: dict[str, Any] = {"seed": seed, "smoke": smoke}
    if encoder:
        kwargs["encoder"] = encoder
    tagger_metrics = dict(train_transformer(data_dir, out / "tagger", **kwargs))
    ngram_metrics = train_baseline(data_dir, out / "ngram", seed=seed, smoke=smoke)
    tagger = TransformerTagger.from_pretrained(out / "tagger")
    ngram = BaselineModel.from_pretrained(out / "ngram")
    w, grid = (0.4, {}) if smoke else choose_tc_mix(tagger, ngram, data_dir)
    model = EnsembleModel.from_members(tagger, ngram, tc_mix=w)
    model.save_pretrained(out, members={"tagger": "tagger", "ngram": "ngram"}, extra={"tc_mix_grid": grid})
    return {"model": "ensemble", "tc_mix": w, "tc_mix_grid_dev_tc_f1": grid, "tagger": tagger_metrics, "ngram": ngram_metrics}


def train(
    model: str,
    data_dir: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    seed: int = 13,
    smoke: bool = False,
    encoder: str | None = None,
) -> dict[str, Any]:
    """Train ``model`` ("default" = ensemble, "transformer" or "baseline") on PTC train, select on dev, save to ``output_dir``."""
    if not Path(data_dir).is_dir():
        raise InputError(f"{data_dir}: no such corpus folder; pass --data ../shared/data/ptc-semeval2020.")
    if model == "baseline":
        return train_baseline(data_dir, output_dir, seed=seed, smoke=smoke)
    if model in ("default", "ensemble"):
        return train_ensemble(data_dir, output_dir, seed=seed, smoke=smoke, encoder=encoder)
    if model == "transformer":
        from .models.train import train as train_transformer

        kwargs: dict[str, Any] = {"seed": seed, "smoke": smoke}
        if encoder:
            kwargs["encoder"] = encoder
        return dict(train_transformer(data_dir, output_dir, **kwargs))
    raise InputError(f"unknown model {model!r}; choose default, transformer or baseline.")
