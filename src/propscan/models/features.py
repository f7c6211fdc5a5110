"""Hand-made span features for technique classification (computed over the whole article).

The most useful are the article-wide Repetition features: the span's normalised text (lower case,
no punctuation, no stop words) is counted over the *article text* (not over other spans), with a
flag for an earlier occurrence. The rest are surface cues: length, ``?``/``!``, quotes, capitals,
``#``, digits, position in the article, title, sentence edges.

>>> idx = ArticleIndex("Build the wall! We will build the wall.")
>>> f = span_features(idx, 0, 14)
>>> float(f[FEATURE_NAMES.index("rep_count")]) > 0
True
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)

STOP_WORDS = frozenset(
    """a an the and or but if then else of to in on at by for with from as is are was were be been being
    it its this that these those there here he she they we you i me him her them us my your his our their
    do does did not no so than too very can will would should could may might must shall has have had
    what which who whom whose when where why how all any both each few more most other some such only own
    same just into over under about up down out off again further once also s t don""".split()
)

FEATURE_NAMES: tuple[str, ...] = (
    "log_chars",
    "log_words",
    "one_word",
    "rep_count",
    "rep_multi",
    "rep_earlier",
    "rep_later",
    "word_mean_count",
    "word_frac_repeated",
    "question",
    "exclamation",
    "quoted",
    "cap_frac",
    "all_caps",
    "hashtag",
    "digit",
    "position",
    "in_title",
    "sentence_start",
    "sentence_end",
    "span_is_sentence",
)

_QUOTES = "\"'“”‘’«»"


class ArticleIndex:
    """Word positions and normalised content-word sequence of one article (built once per article)."""

    def __init__(self, text: str) -> None:
        self.text = text
        words = [(m.start(), m.end(), m.group(0).lower()) for m in _WORD.finditer(text)]
        self.content = [(s, e, w) for s, e, w in words if w not in STOP_WORDS]
        self.seq = [w for _, _, w in self.content]
        self.word_counts = Counter(self.seq)
        self.starts = np.asarray([s for s, _, _ in self.content], dtype=np.int64)
        self.positions: dict[str, list[int]] = {}
        for i, w in enumerate(self.seq):
            self.positions.setdefault(w, []).append(i)
        nl = text.find("\n")
        self.title_end = nl if nl >= 0 else len(text)

    def content_slice(self, start: int, end: int) -> tuple[int, int]:
        """Indices ``[a, b)`` into :attr:`seq` of content words starting inside ``[start, end)``."""
        a = int(np.searchsorted(self.starts, start, side="left"))
        b = int(np.searchsorted(self.starts, end, side="left"))
        return a, b

    def occurrences(self, a: int, b: int) -> list[int]:
        """Start indices in :attr:`seq` where the content-word sequence ``seq[a:b]`` occurs."""
        if b <= a:
            return []
        key = self.seq[a:b]
        k = b - a
        return [i for i in self.positions.get(key[0], []) if self.seq[i : i + k] == key]


def _prev_char(text: str, i: int) -> str:
    j = i - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    return text[j] if j >= 0 else "\n"


def _next_char(text: str, i: int) -> str:
    j = i
    while j < len(text) and text[j] in " \t":
        j += 1
    return text[j] if j < len(text) else "\n"


def span_features(idx: ArticleIndex, start: int, end: int) -> np.ndarray:
    """Feature vector (``len(FEATURE_NAMES)`` float32 values, roughly in [0, 3]) of span ``[start, end)``."""
    text = idx.text
    s = text[start:end]
    words = _WORD.findall(s)
    n_words = max(1, len(words))
    a, b = idx.content_slice(start, end)
    occ = idx.occurrences(a, b)
    counts = [idx.word_counts[w] for w in idx.seq[a:b]]
    caps = [w for w in words if w[:1].isupper()]
    prev, nxt = _prev_char(text, start), _next_char(text, end)
    sent_start = prev in ".!?\n" or (prev in _QUOTES and _prev_char(text, start - 1) in ".!?\n:")
    sent_end = s.rstrip()[-1:] in ".!?" or nxt in ".!?\n"
    f = [
        math.log1p(len(s)) / 5.0,
        math.log1p(len(words)) / 3.0,
        float(len(words) == 1),
        math.log1p(len(occ)),
        float(len(occ) >= 2),
        float(any(i < a for i in occ)),
        float(any(i > a for i in occ)),
        float(np.mean(np.log1p(counts))) if counts else 0.0,
        float(np.mean([c >= 2 for c in counts])) if counts else 0.0,
        float("?" in s or nxt == "?"),
        float("!" in s or nxt == "!"),
        float(any(q in s for q in _QUOTES) or (prev in _QUOTES and nxt in _QUOTES)),
        len(caps) / n_words,
        float(any(len(w) > 2 and w.isupper() for w in words)),
        float("#" in s),
        float(any(ch.isdigit() for ch in s)),
        start / max(1, len(text)),
        float(start < idx.title_end),
        float(sent_start),
        float(sent_end),
        float(sent_start and sent_end),
    ]
    return np.asarray(f, dtype=np.float32)


def features_for_spans(text: str, spans: list[tuple[int, int]], idx: ArticleIndex | None = None) -> np.ndarray:
    """Stacked features ``(len(spans), n_features)`` for spans of one article."""
    idx = idx or ArticleIndex(text)
    if not spans:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    return np.stack([span_features(idx, s, e) for s, e in spans])
