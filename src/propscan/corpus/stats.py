"""Bootstrap confidence intervals and group comparisons over articles.

Every statistic here is a *ratio of sums over articles*, ``Σ num / Σ den``: the mean article
score is ``Σ score / Σ 1``; a technique rate per 1,000 words is ``1000 · Σ expected / Σ words``
(expected = sum of span confidences, the quantity behind the article score). The bootstrap
resamples **articles within a group** with replacement (multinomial weights, seeded), so long
and short articles keep their weight. Intervals are 95 % percentile intervals.

Two groups are compared on the difference of their (independently resampled) bootstrap
statistics: the 95 % interval of the difference, and a two-sided bootstrap p-value
``2 · min(P(Δ* ≤ 0), P(Δ* ≥ 0))``. Across all pairs of groups for one metric the p-values are
corrected with **Holm's step-down method** (family-wise error 5 %); a pair is flagged when its
Holm-adjusted p is below ``alpha`` and both groups hold at least ``min_n`` articles.

>>> import numpy as np
>>> est = bootstrap_ratio(np.array([[1.0], [2.0], [3.0]]), np.ones((3, 1)), n_boot=200, seed=0)
>>> float(est.value[0])
2.0
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["N_BOOT", "RatioBootstrap", "bootstrap_ratio", "bootstrap_mean_ci", "holm", "compare_groups", "Comparison"]

#: bootstrap resamples drawn at once (bounds memory to CHUNK × articles weights)
CHUNK = 256

#: bootstrap resamples of every corpus interval and comparison: the CLI report, the library and the
#: web app's corpus page all use this one number (a report must not change with where it is made)
N_BOOT = 2000


@dataclass(frozen=True)
class RatioBootstrap:
    """Point estimates, percentile intervals and the bootstrap draws of ratio statistics.

    Attributes
    ----------
    value, low, high : ndarray, shape (m,)
    draws : ndarray, shape (n_boot, m)
    n : int
        Articles in the group.
    """

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    draws: np.ndarray
    n: int


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def bootstrap_ratio(
    num: np.ndarray,
    den: np.ndarray,
    *,
    n_boot: int = N_BOOT,
    seed: int | np.random.Generator = 0,
    level: float = 0.95,
) -> RatioBootstrap:
    """Bootstrap ``Σ num / Σ den`` over rows (articles), column by column.

    Parameters
    ----------
    num, den : array, shape (n_articles, m)
        Numerators and denominators per article and statistic.
    n_boot : int
        Resamples.
    seed : int or Generator
        Makes the draws reproducible.
    level : float
        Interval coverage.
    """
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    if num.ndim == 1:
        num = num[:, None]
    if den.ndim == 1:
        den = den[:, None]
    if num.shape != den.shape:
        raise ValueError(f"num and den must have the same shape; got {num.shape} and {den.shape}")
    # Ours rather than scipy.stats.bootstrap((num, den), ratio, paired=True, vectorized=True,
    # method="percentile"), which gives the same intervals within Monte-Carlo noise
    # (tests/test_library_equivalence.py) but materialises every resample: for 10,000 articles ×
    # 15 metrics × 2,000 resamples it peaked at ~5 GB and ran ~5× slower here (0.06 GB and 1.5 s
    # for these multinomial weights times a BLAS product); batch= bounds its memory, not its time.
    n, m = num.shape
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    value = _ratio(num.sum(0), den.sum(0))
    if n == 0:
        nan = np.full(m, np.nan)
        return RatioBootstrap(nan, nan, nan, np.full((n_boot, m), np.nan), 0)
    draws = np.empty((n_boot, m))
    p = np.full(n, 1.0 / n)
    for i in range(0, n_boot, CHUNK):
        k = min(CHUNK, n_boot - i)
        w = rng.multinomial(n, p, size=k).astype(float)  # (k, n) resampling weights
        draws[i : i + k] = _ratio(w @ num, w @ den)
    a = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore"):
        low, high = np.nanquantile(draws, [a, 1.0 - a], axis=0) if np.isfinite(draws).any() else (value, value)
    return RatioBootstrap(value, np.asarray(low), np.asarray(high), draws, n)


def bootstrap_mean_ci(values: Sequence[float], *, n_boot: int = N_BOOT, seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``values`` and its percentile bootstrap interval ``(mean, low, high)``.

    >>> m, lo, hi = bootstrap_mean_ci([1.0, 2.0, 3.0, 4.0], n_boot=500)
    >>> lo <= m <= hi
    True
    """
    v = np.asarray(values, dtype=float)
    est = bootstrap_ratio(v[:, None], np.ones((len(v), 1)), n_boot=n_boot, seed=seed, level=level)
    return float(est.value[0]), float(est.low[0]), float(est.high[0])


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN stays NaN and is not counted).

    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    running = 0.0
    for rank, idx in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[idx]))
        out[idx] = running
    return out


@dataclass(frozen=True)
class Comparison:
    """One pair of groups on one metric."""

    metric: str
    group_a: str
    group_b: str
    diff: float
    low: float
    high: float
    p: float
    p_holm: float
    flag: bool

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _boot_p(d: np.ndarray) -> float:
    d = d[np.isfinite(d)]
    if d.size == 0:
        return float("nan")
    le = (np.count_nonzero(d <= 0) + 1) / (d.size + 1)
    ge = (np.count_nonzero(d >= 0) + 1) / (d.size + 1)
    return float(min(1.0, 2.0 * min(le, ge)))


def compare_groups(
    estimates: dict[str, RatioBootstrap],
    metrics: Sequence[str],
    *,
    alpha: float = 0.05,
    min_n: int = 5,
    level: float = 0.95,
) -> list[Comparison]:
    """Every pair of groups on every metric, Holm-corrected across the pairs of each metric.

    ``estimates[group].draws[:, j]`` holds the bootstrap draws of ``metrics[j]``. Pairs where a
    group has fewer than ``min_n`` articles get an interval but are never flagged (their
    p-values are left out of the correction).
    """
    groups = list(estimates)
    a = (1.0 - level) / 2.0
    out: list[Comparison] = []
    for j, metric in enumerate(metrics):
        rows: list[tuple[str, str, float, float, float, float]] = []
        for ga, gb in itertools.combinations(groups, 2):
            ea, eb = estimates[ga], estimates[gb]
            d = ea.draws[:, j] - eb.draws[:, j]
            diff = float(ea.value[j] - eb.value[j])
            fin = d[np.isfinite(d)]
            lo, hi = (np.quantile(fin, [a, 1 - a]) if fin.size else (np.nan, np.nan))
            p = _boot_p(d) if min(ea.n, eb.n) >= min_n else float("nan")
            rows.append((ga, gb, diff, float(lo), float(hi), p))
        adj = holm([r[5] for r in rows])
        for (ga, gb, diff, lo, hi, p), ph in zip(rows, adj, strict=True):
            out.append(Comparison(metric, ga, gb, diff, lo, hi, p, float(ph), bool(np.isfinite(ph) and ph < alpha)))
    return out
