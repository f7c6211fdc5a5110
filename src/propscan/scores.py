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
from collections.abc import Sequence
from typing import Any

from .document import Span

#: median gold spans per 1,000 words over PTC train (see ``benchmarks/calibrate_article_score.py``)
MEDIAN_DENSITY = 15.0
MIN_WORDS = 150

_WORD_RE = re.compile(r"\w+(?:['’]\w+)*")


def count_words(text: str) -> int:
    return len(_WORD_RE.findall(text))


def sentence_score(spans: Sequence[Span], start: int, end: int) -> float:
    """Noisy-OR of the confidences of spans overlapping ``[start, end)``."""
    p_none = 1.0
    for sp in spans:
        if sp.start < end and start < sp.end:
            p_none *= 1.0 - min(max(float(sp.score), 0.0), 1.0)
    return 1.0 - p_none


def density(spans: Sequence[Span], n_words: int) -> float:
    """Expected technique spans per 1,000 words."""
    expected = sum(min(max(float(s.score), 0.0), 1.0) for s in spans)
    return 1000.0 * expected / max(n_words, MIN_WORDS)


def article_score(spans: Sequence[Span], *, n_words: int, median_density: float | None = None) -> float:
    """Article-level score in [0, 1] (see module docstring); ``median_density`` is ``M`` (default: gold)."""
    ref = (median_density if median_density and median_density > 0 else MEDIAN_DENSITY) / math.log(2)
    return 1.0 - math.exp(-density(spans, n_words) / ref)


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
