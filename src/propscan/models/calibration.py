"""Confidence calibration fitted on held-out (dev) predictions: temperature, Platt, ECE.

>>> import numpy as np
>>> ece(np.array([0.9, 0.8, 0.2]), np.array([1, 1, 0]))  # doctest: +ELLIPSIS
0.16...
"""

from __future__ import annotations

import math

import numpy as np


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
    """Platt scaling on ``logit(score)``: returns ``(a, b)`` with ``p = sigmoid(a * logit(s) + b)``."""
    if len(scores) == 0 or correct.min() == correct.max():
        return 1.0, 0.0
    x = _logit(scores)
    y = correct.astype(np.float64)
    a, b = 1.0, 0.0
    for _ in range(iters):  # Newton steps on the (tiny) 2-parameter logistic regression
        p = 1.0 / (1.0 + np.exp(-(a * x + b)))
        w = p * (1 - p) + 1e-9
        g = np.array([np.sum((p - y) * x) + l2 * a, np.sum(p - y)])
        h = np.array([[np.sum(w * x * x) + l2, np.sum(w * x)], [np.sum(w * x), np.sum(w)]])
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


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
