"""The model-selection protocol: which articles a model learns from, which choose its settings.

Dev is the held-out report, never a tuning set. Every setting (epoch, decoding thresholds, lexical
share, biases, calibration, display threshold) is chosen on a fixed, seeded, article-level **tune
split** carved from PTC train; the model is fitted on the rest of train (the **fit split**).

>>> ids = [f"article{i}" for i in range(10)]
>>> fit, tune = split_train_ids(ids)
>>> sorted(fit + tune) == sorted(ids), len(tune)
(True, 2)
>>> split_train_ids(list(reversed(ids))) == (fit, tune)   # input order does not matter
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

#: share of the PTC train articles held out for tuning
TUNE_FRACTION = 0.2
#: the split's fixed seed: changing it changes every tuned figure
TUNE_SEED = "propscan-tune-split-v1"


def _rank(article_id: str, seed: str) -> str:
    return hashlib.sha256(f"{seed}:{article_id}".encode()).hexdigest()


def split_train_ids(ids: Sequence[str], *, fraction: float = TUNE_FRACTION, seed: str = TUNE_SEED) -> tuple[list[str], list[str]]:
    """``(fit_ids, tune_ids)``: an article-level split of ``ids``, the same on every machine.

    Articles are ordered by a seeded hash of their id (independent of input order, of the
    random generator and of how many articles there are), and the first ``fraction`` of them
    is the tune split. Both lists are returned sorted.
    """
    unique = sorted(set(ids))
    n_tune = max(1, round(len(unique) * fraction)) if len(unique) > 1 else 0
    ranked = sorted(unique, key=lambda a: _rank(a, seed))
    tune = sorted(ranked[:n_tune])
    fit = sorted(ranked[n_tune:])
    return fit, tune
