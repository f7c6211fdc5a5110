"""Turn per-token SI probabilities into character spans a reader would highlight.

Tokens whose inside-probability ``P(B) + P(I)`` passes a low threshold form runs; a run is kept
only if it has a confident core token (hysteresis), and splits before a word that is likely a span
start. Spans are widened to whole words (never half a word; hyphenated words count as one), lose
dangling function words at their edges (``a``, ``of``, ``our``, ...), are trimmed of whitespace,
``. , : ;`` and dangling dashes, brackets or ellipses at both ends (as PTC spans are), and never hold
an unmatched double quote (:func:`clean_edges`). No gap filling and no merging of neighbouring spans.

>>> import numpy as np
>>> from propscan.models.transformer.windows import TokenizedDoc
>>> doc = TokenizedDoc(np.zeros(3, dtype=np.int64), np.array([0, 4, 8]), np.array([3, 7, 12]))
>>> p = np.array([[.9, .05, .05], [.1, .8, .1], [.2, .1, .7]])
>>> decode_spans("The bad guys.", doc, p, threshold=0.5)
[(4, 12, 0.85)]
"""

from __future__ import annotations

import re

import numpy as np

from propscan.models.transformer.windows import TokenizedDoc

TRIM = " \t\r\n\u00a0.,:;"

#: function words a highlighted passage does not end with (``... a``, ``... of our``)
TRAILING_WORDS = frozenset(
    "a an the of our and or to in on for with that is are was by as at their his her its this these from but be".split()
)
#: function words a highlighted passage does not start with
LEADING_WORDS = frozenset("and or but of to that is are was by as at for with in on".split())
_WORD = re.compile(r"[\w'’-]+")


_JOINERS = "-'’‐‑"  # hyphens and apostrophes inside a word ("anti-imperialist", "slow-motion", "don't")


def _inside_word(text: str, i: int) -> bool:
    """True when position ``i`` (a boundary between ``text[i-1]`` and ``text[i]``) cuts a word in two."""
    if i <= 0 or i >= len(text):
        return False
    a, b = text[i - 1], text[i]
    if a.isalnum() and b.isalnum():
        return True
    if a in _JOINERS and b.isalnum():  # "-|motion": a joiner glued to the word before it
        return i >= 2 and text[i - 2].isalnum()
    if a.isalnum() and b in _JOINERS:  # "slow|-motion"
        return i + 1 < len(text) and text[i + 1].isalnum()
    return False


def widen_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend ``[start, end)`` so that it does not cut a word in two (hyphenated words count as one).

    >>> t = "a slow-motion death spiral"
    >>> s, e = widen_to_words(t, 7, 13)
    >>> t[s:e]
    'slow-motion'
    """
    while _inside_word(text, start):
        start -= 1
    while _inside_word(text, end):
        end += 1
    return start, end


_OPEN_QUOTES = "\"“„«"
_CLOSE_QUOTES = "\"”»"
#: characters a highlighted passage never starts with / ends with (besides whitespace and . , : ;)
_BAD_START = "…)]}–—-/|*"
_BAD_END = "([{–—-/|*"
#: how far (characters) to look past a span for the quote that closes one opened inside it
QUOTE_REACH = 60


def _quote_count(text: str, start: int, end: int) -> int:
    return sum(text.count(q, start, end) for q in set(_OPEN_QUOTES + _CLOSE_QUOTES))


def balance_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    """A span never holds an unmatched double quote: take the closing quote in, or leave the lone one out.

    >>> t = 'they called it "abrasive and demeaning" again'
    >>> s, e = balance_quotes(t, 15, 38)
    >>> t[s:e]
    '"abrasive and demeaning"'
    >>> t = 'the "decolonial perspectives of the day'
    >>> s, e = balance_quotes(t, 4, 28)
    >>> t[s:e]
    'decolonial perspectives'
    """
    if _quote_count(text, start, end) % 2 == 0:
        return start, end
    # an opened quote whose closing mark follows shortly (same paragraph): take it in
    stop = min(len(text), end + QUOTE_REACH)
    for j in range(end, stop):
        if text[j] == "\n":
            break
        if text[j] in _CLOSE_QUOTES:
            cand = (start, j + 1)
            if _quote_count(text, *cand) % 2 == 0:
                return cand
            break
    # otherwise drop the lone quote nearest an edge (and whatever lies between it and that edge)
    first = next((i for i in range(start, end) if text[i] in _OPEN_QUOTES + _CLOSE_QUOTES), None)
    last = next((i for i in range(end - 1, start - 1, -1) if text[i] in _OPEN_QUOTES + _CLOSE_QUOTES), None)
    if first is None or last is None:
        return start, end
    if first - start <= end - 1 - last:
        return first + 1, end
    return start, last


def clean_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Whole words, balanced quotes, no dangling punctuation at either edge (may return an empty range).

    >>> t = 'and then … than any monetary gain ('
    >>> s, e = clean_edges(t, 9, len(t))
    >>> t[s:e]
    'than any monetary gain'
    """
    for _ in range(4):  # each step can expose another edge; a few rounds settle it
        before = (start, end)
        start, end = widen_to_words(text, start, end)
        start, end = trim(text, start, end)
        while start < end and (text[start] in _BAD_START or text[start].isspace()):
            start += 1
        while end > start and (text[end - 1] in _BAD_END or text[end - 1].isspace()):
            end -= 1
        start, end = trim(text, start, end)
        if start < end:
            start, end = balance_quotes(text, start, end)
            start, end = trim(text, start, end)
        if (start, end) == before or start >= end:
            break
    return start, end


def is_ragged(text: str, start: int, end: int) -> bool:
    """Does the passage start or end inside a word, hold an unmatched double quote, or dangle punctuation?

    The measure behind the README's ragged-edge share.

    >>> t = 'a slow-motion death spiral'
    >>> is_ragged(t, 6, len(t)), is_ragged(t, 2, len(t))
    (True, False)
    """
    if end <= start:
        return False
    if _inside_word(text, start) or _inside_word(text, end):
        return True
    if _quote_count(text, start, end) % 2:
        return True
    first, last = text[start], text[end - 1]
    return first in _BAD_START or first.isspace() or last in _BAD_END or last.isspace() or first in TRIM or last in TRIM


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop whitespace and ``. , : ;`` from both ends (may return an empty range)."""
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return start, end


def drop_edge_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Remove dangling function words at the edges; ``None`` if only a function word is left.

    >>> t = "what a shameful disaster, a"
    >>> s, e = drop_edge_words(t, 5, len(t))
    >>> t[s:e]
    'a shameful disaster'
    """
    while True:
        words = list(_WORD.finditer(text, start, end))
        if len(words) <= 1:
            break
        if words[-1].group().lower() in TRAILING_WORDS:
            start, end = trim(text, start, words[-2].end())
        elif words[0].group().lower() in LEADING_WORDS:
            start, end = trim(text, words[1].start(), end)
        else:
            break
    left = [w.lower() for w in _WORD.findall(text, start, end)]
    if not left or (len(left) == 1 and left[0] in TRAILING_WORDS | LEADING_WORDS):
        return None
    return start, end


def mix_inside(probs: np.ndarray, lexical: np.ndarray | None, weight: float) -> np.ndarray:
    """Token ``O/B/I`` probabilities whose inside-probability is ``(1-weight)*P(B+I) + weight*lexical``.

    ``lexical`` is the :class:`~propscan.models.lexical.LexicalTagger` probability of each token's
    word; B and I keep their ratio. With ``weight == 0`` or no lexical probabilities, ``probs`` is
    returned unchanged.

    >>> mix_inside(np.array([[0.6, 0.1, 0.3]]), np.array([0.8]), 0.5).round(2).tolist()
    [[0.4, 0.15, 0.45]]
    """
    if lexical is None or weight <= 0:
        return probs
    inside = probs[:, 1] + probs[:, 2]
    mixed = (1.0 - weight) * inside + weight * lexical
    scale = np.where(inside > 0, mixed / np.maximum(inside, 1e-9), 0.0)
    out = probs.copy()
    out[:, 1] *= scale
    out[:, 2] = np.where(inside > 0, out[:, 2] * scale, mixed)
    out[:, 0] = 1.0 - out[:, 1] - out[:, 2]
    return out


def decode_spans(
    text: str,
    tok: TokenizedDoc,
    probs: np.ndarray,
    *,
    threshold: float = 0.5,
    core_threshold: float | None = None,
    split_threshold: float | None = 0.4,
    sentence_probs: np.ndarray | None = None,
    sentence_threshold: float = 0.0,
) -> list[tuple[int, int, float]]:
    """``[(start, end, score)]`` spans from ``probs`` ``(n_tokens, 3)`` over ``O/B/I``; score = mean inside-prob.

    Hysteresis decoding: a run of tokens with inside-probability ``>= threshold`` becomes a span only
    if one of its tokens reaches ``core_threshold`` (default: ``threshold``). A run splits before a
    word whose begin-probability exceeds ``split_threshold`` (``None``: exceeds its inside-probability). With ``sentence_probs`` (per token, the
    probability that its sentence holds propaganda), tokens of sentences below ``sentence_threshold``
    are never inside a span. Dangling function words at either edge are dropped (:func:`drop_edge_words`).
    """
    if len(tok) == 0:
        return []
    core = threshold if core_threshold is None else max(core_threshold, threshold)
    inside = probs[:, 1] + probs[:, 2]
    on = inside >= threshold
    if sentence_probs is not None and sentence_threshold > 0:
        on &= sentence_probs >= sentence_threshold
    runs: list[tuple[int, int]] = []
    a = None
    for i in range(len(tok)):
        if not on[i]:
            if a is not None:
                runs.append((a, i))
                a = None
            continue
        if a is None:
            a = i
        elif tok.starts[i] > tok.ends[i - 1] and probs[i, 1] > (probs[i, 2] if split_threshold is None else split_threshold):
            runs.append((a, i))  # a new span starts here (never inside a word)
            a = i
    if a is not None:
        runs.append((a, len(tok)))
    out: list[tuple[int, int, float]] = []
    for a, b in runs:
        if inside[a:b].max() < core:
            continue
        s, e = clean_edges(text, int(tok.starts[a]), int(tok.ends[b - 1]))
        if e <= s:
            continue
        kept = drop_edge_words(text, s, e)
        if kept is None:
            continue
        s, e = clean_edges(text, *kept)
        if e <= s:
            continue
        score = float(inside[a:b].mean())
        if out and s < out[-1][1]:  # widening made it overlap the previous span: join them (never cut a word)
            ps, pe, psc = out.pop()
            s, e, score = ps, max(e, pe), (psc + score) / 2
            s, e = clean_edges(text, s, e)
        out.append((s, e, round(score, 6)))
    return out
