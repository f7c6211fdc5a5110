"""Clean the edges of a highlighted passage: whole words, balanced quotes, no dangling punctuation.

Spans are widened to whole words (never half a word; hyphenated words count as one), lose dangling
function words at their edges (``a``, ``of``, ``our``, ...), are trimmed of whitespace, ``. , : ;``
and dangling dashes, brackets or ellipses at both ends (as PTC spans are), and never hold an
unmatched double quote. Shared by the transformer's decoder and the baseline; :func:`is_ragged`
is the measure of what is left undone.

>>> t = 'and then … than any monetary gain ('
>>> s, e = clean_edges(t, 9, len(t))
>>> t[s:e]
'than any monetary gain'
"""

from __future__ import annotations

import re

#: characters a passage never starts or ends with (PTC spans are trimmed the same way)
TRIM = " \t\r\n\u00a0.,:;"

#: function words a highlighted passage does not end with (``... a``, ``... of our``)
TRAILING_WORDS = frozenset(
    "a an the of our and or to in on for with that is are was by as at their his her its this these from but be".split()
)
#: function words a highlighted passage does not start with
LEADING_WORDS = frozenset("and or but of to that is are was by as at for with in on".split())
#: closed-class words never flagged on their own (PTC train: of 6,128 gold spans, 13 are a lone "our", none another)
LONE_WORDS = TRAILING_WORDS | LEADING_WORDS | frozenset(
    "into onto upon about after before over under than then so if because while were has have had been being "
    "will would can could should may might do does did it he she they them there here which who what when where".split()
)
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


def trim(text: str, start: int, end: int, chars: str = TRIM) -> tuple[int, int]:
    """Drop ``chars`` (whitespace and ``. , : ;``) from both ends (may return an empty range).

    >>> trim("  so-called experts, ", 0, 21)
    (2, 19)
    """
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


def drop_edge_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Remove dangling function words at the edges; ``None`` if only a function word is left.

    >>> t = "what a shameful disaster, a"
    >>> s, e = drop_edge_words(t, 5, len(t))
    >>> t[s:e]
    'a shameful disaster'
    >>> drop_edge_words("turned into a desert", 7, 11) is None  # a lone "into" is never a passage
    True
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
    if not left or (len(left) == 1 and left[0] in LONE_WORDS):
        return None
    return start, end
