"""Sentence scores, article scores and technique profiles, computed from spans only.

Definitions (also in the README):

* **Sentence score** — the probability that the sentence uses at least one technique, treating
  the calibrated confidences ``c`` of the spans that overlap it as independent:
  ``1 − Π(1 − c)``.
* **Article score** — ``1 − exp(−D / D₀)`` where ``D`` is the expected number of technique spans
  per 1,000 words (the sum of span confidences, per 1,000 words, with articles shorter than
  ``MIN_WORDS`` counted as ``MIN_WORDS`` long) and ``D₀ = M / ln 2``, where ``M`` is the median of
  ``D`` over the PTC training articles *as the model sees them* (recorded in the model's
  ``config.json`` as ``article_reference_density`` by ``benchmarks/calibrate_article_score.py``;
  the gold-span median when a model has none). So an article as dense as the median PTC training
  article scores 0.5 whichever model is used. It is a density, so it does not grow with length;
  it only rises when a span is added or a confidence rises.
* **Profile** — per technique: count, expected count (sum of confidences) and the rate per 1,000
  words, optionally split by voice (author / quoted).

>>> article_score([], n_words=800)
0.0
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from propscan.document import Span

#: median gold spans per 1,000 words over PTC train (see ``benchmarks/calibrate_article_score.py``)
MEDIAN_DENSITY = 15.0
MIN_WORDS = 150

_WORD_RE = re.compile(r"\w+(?:['’]\w+)*")


def count_words(text: str) -> int:
    return len(_WORD_RE.findall(text))


def sentence_score(spans: Sequence[Span], start: int, end: int) -> float:
    """Noisy-OR of the confidences of spans overlapping ``[start, end)``.

    Scoring every sentence of an article this way would scan every span once per sentence
    (quadratic in the text's length); for many spans the sequence is indexed once and the index is
    reused while the same (unchanged) sequence object is passed again. :func:`sentence_scores`
    scores all sentences in one call.
    """
    if len(spans) <= _INDEX_MIN:
        return _noisy_or(sp for sp in spans if sp.start < end and start < sp.end)
    return _span_index(spans).score(start, end)


def sentence_scores(spans: Sequence[Span], bounds: Sequence[tuple[int, int]]) -> list[float]:
    """:func:`sentence_score` of each ``(start, end)`` in ``bounds``, indexing ``spans`` once.

    >>> from propscan.document import Document
    >>> d = Document("One two. Three four.", id="s")
    >>> sentence_scores([d.span(0, 3, score=0.5), d.span(4, 12, score=0.5)], [(0, 8), (9, 20)])
    [0.75, 0.5]
    """
    if len(spans) <= _INDEX_MIN:
        return [sentence_score(spans, s, e) for s, e in bounds]
    index = _SpanIndex(spans)
    return [index.score(s, e) for s, e in bounds]


_INDEX_MIN = 32
_LONG = 4096  # spans longer than this (characters) are checked for every sentence


def _noisy_or(spans: Iterable[Span]) -> float:
    p_none = 1.0
    for sp in spans:
        p_none *= 1.0 - min(max(float(sp.score), 0.0), 1.0)
    return 1.0 - p_none


class _SpanIndex:
    """Spans sorted by start: the spans overlapping ``[start, end)`` start in ``(start - longest, end)``.

    Overlapping spans are combined in their original order, so scores equal the plain scan's bit
    for bit.
    """

    def __init__(self, spans: Sequence[Span]) -> None:
        self.spans = spans
        self.n = len(spans)
        short = [(sp.start, i) for i, sp in enumerate(spans) if sp.end - sp.start <= _LONG]
        short.sort()
        self.starts = [s for s, _ in short]
        self.order = [i for _, i in short]
        self.long = [i for i, sp in enumerate(spans) if sp.end - sp.start > _LONG]
        self.reach = max((spans[i].end - spans[i].start for i in self.order), default=0)

    def score(self, start: int, end: int) -> float:
        import bisect

        lo = bisect.bisect_right(self.starts, start - self.reach)
        hi = bisect.bisect_left(self.starts, end)
        hits = [i for i in self.order[lo:hi] if start < self.spans[i].end]
        hits += [i for i in self.long if self.spans[i].start < end and start < self.spans[i].end]
        hits.sort()
        return _noisy_or(self.spans[i] for i in hits)


_CACHE = threading.local()


def _span_index(spans: Sequence[Span]) -> _SpanIndex:
    cached: _SpanIndex | None = getattr(_CACHE, "index", None)
    if cached is None or cached.spans is not spans or cached.n != len(spans):
        cached = _SpanIndex(spans)
        _CACHE.index = cached
    return cached


def density(spans: Sequence[Span], n_words: int) -> float:
    """Expected technique spans per 1,000 words."""
    expected = sum(min(max(float(s.score), 0.0), 1.0) for s in spans)
    return 1000.0 * expected / max(n_words, MIN_WORDS)


def article_score(spans: Sequence[Span], *, n_words: int, median_density: float | None = None) -> float:
    """Article-level score in [0, 1] (see module docstring); ``median_density`` is ``M`` (default: gold)."""
    ref = (median_density if median_density and median_density > 0 else MEDIAN_DENSITY) / math.log(2)
    return 1.0 - math.exp(-density(spans, n_words) / ref)


#: (upper bound, css key, label, explanation): the one definition of the article score's levels;
#: every view (HTML report, web page, terminal) takes its words and colours from here
LEVELS: tuple[tuple[float, str, str, str], ...] = (
    (0.15, "low", "low", "Few or no propaganda techniques were detected."),
    (0.35, "mod", "moderate", "Some techniques, used less densely than in a typical reference article."),
    (0.65, "typ", "typical", "About as dense as a typical article in the reference corpus."),
    (0.85, "high", "high", "Techniques are used more densely than in most reference articles."),
    (1.01, "vhigh", "very high", "Techniques are used very densely throughout the text."),
)


def score_level(score: float) -> tuple[str, str, str]:
    """``(key, label, explanation)`` of an article score.

    >>> score_level(0.5)[1], score_level(0.1)[1]
    ('typical', 'low')
    """
    for bound, key, label, text in LEVELS:
        if score < bound:
            return key, label, text
    return LEVELS[-1][1:]


def density_from_score(score: float, median_density: float | None = None) -> float:
    """The density ``D`` behind an article score (the inverse of :func:`article_score`).

    >>> round(density_from_score(0.5, 2.0), 6)
    2.0
    """
    ref = (median_density if median_density and median_density > 0 else MEDIAN_DENSITY) / math.log(2)
    return -math.log(max(1e-12, 1.0 - score)) * ref


def profile(spans: Sequence[Span], *, n_words: int, by_voice: bool = False) -> dict[str, Any]:
    """Technique → {count, expected, per_1000_words}; with ``by_voice`` one such table per voice."""
    if by_voice:
        voices: dict[str, list[Span]] = {}
        for sp in spans:
            voices.setdefault(sp.voice or "unknown", []).append(sp)
        return {v: profile(group, n_words=n_words) for v, group in sorted(voices.items())}
    out: dict[str, dict[str, float]] = {}
    for sp in spans:
        row = out.setdefault(str(sp.technique), {"count": 0, "expected": 0.0, "per_1000_words": 0.0})
        row["count"] += 1
        row["expected"] += float(sp.score)
    for row in out.values():
        row["expected"] = round(row["expected"], 4)
        row["per_1000_words"] = round(1000.0 * row["expected"] / max(n_words, 1), 4)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["expected"]))
