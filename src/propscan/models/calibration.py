"""Confidence calibration fitted on held-out (tune split) predictions: temperature, Platt, ECE.

Platt scaling is scikit-learn's ``LogisticRegression`` on one feature. The rest stays ours, on
purpose: scikit-learn has no temperature scaling and no expected calibration error
(``sklearn.calibration.calibration_curve`` drops the bin counts that ECE weights by), and
``scipy.special.softmax`` is the same three lines but importing ``scipy.special`` on the inference
path (the transformer uses :func:`softmax`) would add ~0.1 s to every cold start.
:func:`tc_calibrated` applies the transformer's fitted technique calibration.

>>> import numpy as np
>>> ece(np.array([0.9, 0.8, 0.2]), np.array([1, 1, 0]))  # doctest: +ELLIPSIS
0.16...
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from propscan.models.features import FEATURE_NAMES


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits."""
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def fit_temperature(logits: np.ndarray, labels: np.ndarray, grid: np.ndarray | None = None) -> float:
    """Temperature ``T`` minimising the NLL of ``softmax(logits / T)`` (grid search, robust)."""
    if len(labels) == 0:
        return 1.0
    grid = np.exp(np.linspace(math.log(0.25), math.log(8.0), 121)) if grid is None else grid
    best_t, best = 1.0, float("inf")
    for t in grid:
        p = softmax(logits / t)[np.arange(len(labels)), labels]
        nll = float(-np.log(np.clip(p, 1e-12, 1.0)).mean())
        if nll < best:
            best_t, best = float(t), nll
    return best_t


def fit_platt(scores: np.ndarray, correct: np.ndarray, iters: int = 500, l2: float = 1e-3) -> tuple[float, float]:
    """Platt scaling on ``logit(score)``: returns ``(a, b)`` with ``p = sigmoid(a * logit(s) + b)``.

    A logistic regression of ``correct`` on the one feature ``logit(score)`` (scikit-learn, lbfgs to
    a tight tolerance), minimising ``Σ log-loss + l2 · a² / 2``: ``C = 1 / l2``, and the intercept is
    not penalised. Matches the hand-written Newton solver it replaced to ~1e-8 (tests/test_library_equivalence.py).

    >>> import numpy as np
    >>> a, b = fit_platt(np.array([0.2, 0.4, 0.6, 0.8, 0.3, 0.7]), np.array([0, 1, 0, 1, 0, 1]))
    >>> a > 0
    True
    """
    scores = np.asarray(scores, dtype=np.float64)
    correct = np.asarray(correct)
    if len(scores) == 0 or correct.min() == correct.max():
        return 1.0, 0.0
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1.0 / l2, tol=1e-10, max_iter=iters)
    lr.fit(_logit(scores)[:, None], correct.astype(np.int64))
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def apply_platt(scores: np.ndarray, a: float, b: float) -> np.ndarray:
    """Calibrated probabilities from raw scores."""
    return 1.0 / (1.0 + np.exp(-(a * _logit(scores) + b)))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def ece(probs: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error with equal-width bins over [0, 1]."""
    probs = np.asarray(probs, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if len(probs) == 0:
        return 0.0
    idx = np.minimum((probs * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() / len(probs) * abs(probs[m].mean() - correct[m].mean())
    return float(total)


def tc_calibrated(logits: np.ndarray, feats: np.ndarray | None, calibration: Mapping[str, Any], labels: Sequence[str]) -> np.ndarray:
    """Apply the fitted TC calibration to raw logits (see :func:`propscan.models.transformer.tune.tune_on_heldout`).

    ``z = logits / T``; the Repetition logit gets ``a * rep_earlier + b * rep_multi`` (article-wide
    repetition of the span's normalised text); then the per-class bias; ``p = softmax(z / T2)``.

    >>> tc_calibrated(np.array([[2.0, 0.0]]), None, {"tc_bias": [0.0, 2.0]}, ["A", "B"]).round(2).tolist()
    [[0.5, 0.5]]
    """
    z = logits / float(calibration.get("tc_temperature", 1.0))
    boost = calibration.get("tc_rep_boost", [0.0, 0.0])
    if feats is not None and len(feats) and "Repetition" in labels and any(boost):
        r = list(labels).index("Repetition")
        z = z.copy()
        z[:, r] += boost[0] * feats[:, FEATURE_NAMES.index("rep_earlier")] + boost[1] * feats[:, FEATURE_NAMES.index("rep_multi")]
    z = z + np.asarray(calibration.get("tc_bias", [0.0] * len(labels)), dtype=np.float64)
    return softmax(z / float(calibration.get("tc_post_temperature", 1.0)))


def default_calibration(n_labels: int) -> dict[str, Any]:
    """The calibration of a model not tuned yet: plain 0.5 thresholds, identity maps, no lexical share.

    >>> default_calibration(14)["si_threshold"]
    0.5
    """
    return {
        "si_threshold": 0.5,
        "si_core_threshold": 0.5,
        "si_split_threshold": 0.5,
        "si_platt": [1.0, 0.0],
        "tc_temperature": 1.0,
        "tc_bias": [0.0] * n_labels,
        "tc_rep_boost": [0.0, 0.0],
        "tc_post_temperature": 1.0,
        "second_threshold": 1.0,
        "sentence_threshold": 0.0,
        "si_lexical_weight": 0.0,
    }
