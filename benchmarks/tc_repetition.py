"""Article-wide Repetition features and the small TC stacker that reads them.

A span's *normalised form* is its content words (lower case, no punctuation, no stop words), each
cut to a crude stem; it is counted over the **whole article text** (never over other spans: counting
the given gold spans is a scorer artefact). :func:`repetition_features` turns that count, an
earlier-occurrence flag and a few related cues into a small vector; :class:`TCStacker` is an
offset multinomial logistic regression on top of the classifier's temperature-scaled log-probabilities:
``z = log p + W · x + b`` (``W`` restricted to chosen rows, L2-penalised), fitted on held-out
articles (the tune split) by ``benchmarks/tc_stacker.py``.

>>> text = "Build the wall. They said no. We will build the walls!"
>>> f = repetition_features(text, [(0, 14)])[0]
>>> int(round(math.expm1(f[REP_FEATURES.index("rep_log_count")])))
2
>>> float(f[REP_FEATURES.index("rep_not_first")])
0.0
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from propscan.models.features import STOP_WORDS
from propscan.text.tokens import word_tokens

#: the article-wide repetition features of a span, in vector order
REP_FEATURES: tuple[str, ...] = (
    "rep_log_count",  # log(1 + occurrences of the normalised form in the article), the span's own included
    "rep_multi",  # the normalised form occurs at least twice
    "rep_not_first",  # an occurrence starts before the span
    "rep_longest_word",  # log(1 + occurrences of the stem of the span's longest content word)
    "rep_log_words",  # log(1 + words in the span)
    "rep_share_repeated",  # share of the span's content stems that occur at least twice in the article
    "rep_quoted",  # the span is inside (or holds) double quotes
)

_SUFFIXES = ("ingly", "edly", "ings", "ing", "ies", "ied", "ed", "es", "ly", "s")
_DOUBLE_QUOTES = "\"“”«»"


def stem(word: str) -> str:
    """A crude, deterministic suffix stripper (lower-cased input): enough to match inflected repeats.

    >>> [stem(w) for w in ("walls", "building", "built", "parties", "ss")]
    ['wall', 'build', 'built', 'party', 'ss']
    """
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            base = word[: -len(suf)]
            if suf in ("ies", "ied"):
                return base + "y"
            if suf == "s" and base.endswith("s"):
                return word
            return base
    return word


class RepetitionIndex:
    """Content-word stems of one article with their offsets (built once per article).

    >>> RepetitionIndex("The walls, the WALL!").stems
    ['wall', 'wall']
    """

    def __init__(self, text: str) -> None:
        self.text = text
        words = [t for t in word_tokens(text) if t.text[:1].isalnum() or t.text[:1] == "_"]
        self.all_words = [(t.start, stem(t.text.lower())) for t in words]
        content = [(t.start, t.text.lower()) for t in words if t.text.lower() not in STOP_WORDS]
        self.starts = np.asarray([s for s, _ in content], dtype=np.int64)
        self.words = [w for _, w in content]
        self.stems = [stem(w) for w in self.words]
        self.counts = Counter(self.stems)
        self._at: dict[str, list[int]] = {}
        for i, s in enumerate(self.stems):
            self._at.setdefault(s, []).append(i)

    def slice(self, start: int, end: int) -> tuple[int, int]:
        """Indices ``[a, b)`` of the content words that start inside ``[start, end)``."""
        return int(np.searchsorted(self.starts, start, side="left")), int(np.searchsorted(self.starts, end, side="left"))

    def occurrences(self, a: int, b: int) -> list[int]:
        """Start indices where the stem sequence ``stems[a:b]`` occurs in the article."""
        if b <= a:
            return []
        key, k = self.stems[a:b], b - a
        return [i for i in self._at.get(key[0], []) if self.stems[i : i + k] == key]


def _quoted(text: str, start: int, end: int) -> bool:
    """The span holds a double quote, or an odd number of them open its paragraph before it."""
    if any(q in text[start:end] for q in _DOUBLE_QUOTES):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    opened = sum(before.count(q) for q in _DOUBLE_QUOTES)
    return opened % 2 == 1


def span_repetition(idx: RepetitionIndex, start: int, end: int) -> np.ndarray:
    """The :data:`REP_FEATURES` vector (float32) of span ``[start, end)`` of the indexed article."""
    a, b = idx.slice(start, end)
    occ = idx.occurrences(a, b)
    if b <= a:  # only stop words: count the whole lower-cased word sequence instead
        seq = [w for s, w in idx.all_words if start <= s < end]
        k = len(seq)
        stems = [w for _, w in idx.all_words]
        first = next((i for i, (s, _) in enumerate(idx.all_words) if s >= start), len(stems))
        hits = [i for i in range(len(stems) - k + 1) if k and stems[i : i + k] == seq]
        n, earlier = len(hits), any(i < first for i in hits)
        longest, share = 0.0, 0.0
    else:
        n, earlier = len(occ), any(i < a for i in occ)
        words = idx.words[a:b]
        j = max(range(len(words)), key=lambda i: (len(words[i]), -i))
        longest = math.log1p(idx.counts[idx.stems[a + j]])
        share = float(np.mean([idx.counts[s] >= 2 for s in idx.stems[a:b]]))
    n_words = sum(1 for t in word_tokens(idx.text[start:end]) if t.text[:1].isalnum())
    return np.asarray(
        [math.log1p(n), float(n >= 2), float(earlier), longest, math.log1p(n_words), share, float(_quoted(idx.text, start, end))],
        dtype=np.float32,
    )


def repetition_features(text: str, spans: Sequence[tuple[int, int]], idx: RepetitionIndex | None = None) -> np.ndarray:
    """Stacked :data:`REP_FEATURES` ``(len(spans), len(REP_FEATURES))`` for spans of one article."""
    if not spans:
        return np.zeros((0, len(REP_FEATURES)), dtype=np.float32)
    idx = idx or RepetitionIndex(text)
    return np.stack([span_repetition(idx, s, e) for s, e in spans])


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax."""
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


class TCStacker:
    """Offset multinomial logistic regression: ``z = log p + x · W.T + b``, ``p' = softmax(z)``.

    ``log p`` are the classifier's temperature-scaled log-probabilities (kept as a fixed offset, so
    strong L2 on ``W`` and ``b`` shrinks towards the classifier, not towards a uniform guess); ``x``
    are the :data:`REP_FEATURES` (standardised while fitting; the scale is folded into ``W`` and
    ``b``). ``rows`` lists the classes whose logit may read ``x`` (``None``: all); every class gets an
    intercept ``b`` (a learnt per-class bias).
    """

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, features: Sequence[str] = REP_FEATURES) -> None:
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.features = tuple(features)

    @classmethod
    def fit(
        cls, log_probs: np.ndarray, x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, l2_bias: float = 1.0, rows: Sequence[int] | None = None
    ) -> TCStacker:
        """Fit on spans of known class (``y >= 0``), minimising ``mean NLL + l2/2·|W|² + l2_bias/2·|b|²`` (per span)."""
        from scipy.optimize import minimize

        ok = y >= 0
        lp, xx, yy = log_probs[ok].astype(np.float64), x[ok].astype(np.float64), y[ok].astype(np.int64)
        n, k = lp.shape
        d = xx.shape[1]
        mu, sd = xx.mean(0), xx.std(0)
        sd = np.where(sd > 1e-6, sd, 1.0)
        xs = (xx - mu) / sd
        mask = np.zeros((k, d))
        mask[list(range(k)) if rows is None else list(rows)] = 1.0
        onehot = np.eye(k)[yy]

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            w, b = theta[: k * d].reshape(k, d) * mask, theta[k * d :]
            z = lp + xs @ w.T + b
            ls = log_softmax(z)
            g = (np.exp(ls) - onehot) / n
            val = -float((ls * onehot).sum()) / n + 0.5 * l2 * float((w**2).sum()) + 0.5 * l2_bias * float((b**2).sum())
            gw = (g.T @ xs + l2 * w) * mask
            gb = g.sum(0) + l2_bias * b
            return val, np.concatenate([gw.ravel(), gb])

        res = minimize(loss, np.zeros(k * d + k), jac=True, method="L-BFGS-B", options={"maxiter": 500})
        w, b = res.x[: k * d].reshape(k, d) * mask, res.x[k * d :]
        return cls(w / sd, b - (w / sd) @ mu)

    def log_probs(self, log_probs: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Stacked log-probabilities ``(n, n_labels)``."""
        if not len(log_probs):
            return log_probs
        return log_softmax(log_probs + x.astype(np.float64) @ self.coef.T + self.intercept)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays to store (float32)."""
        return {"coef": self.coef.astype(np.float32), "intercept": self.intercept.astype(np.float32)}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Any], features: Sequence[str]) -> TCStacker:
        """The stacker stored by :meth:`to_arrays` (``features``: the names recorded in the config)."""
        if tuple(features) != REP_FEATURES:
            raise ValueError(f"stacker features {list(features)} differ from this propscan's {list(REP_FEATURES)}")
        return cls(np.asarray(arrays["coef"]), np.asarray(arrays["intercept"]), features)
