"""Turn per-token SI probabilities into character spans a reader would highlight.

Tokens whose inside-probability ``P(B) + P(I)`` passes the threshold form runs; a run splits where
a token is more likely a span start than a continuation. Spans are widened to whole words (never
half a word) and trimmed of whitespace and ``. , : ;`` at both ends (as PTC spans are). No gap
filling and no merging of neighbouring spans.

>>> import numpy as np
>>> from propscan.models.windows import TokenizedDoc
>>> doc = TokenizedDoc(np.zeros(3, dtype=np.int64), np.array([0, 4, 8]), np.array([3, 7, 12]))
>>> p = np.array([[.9, .05, .05], [.1, .8, .1], [.2, .1, .7]])
>>> decode_spans("The bad guys.", doc, p, threshold=0.5)
[(4, 12, 0.85)]
"""

from __future__ import annotations

import numpy as np

from .windows import TokenizedDoc

TRIM = " \t\r\n\u00a0.,:;"


def widen_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend ``[start, end)`` so that it does not cut a word in two."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return start, end


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop whitespace and ``. , : ;`` from both ends (may return an empty range)."""
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return start, end


def decode_spans(
    text: str,
    tok: TokenizedDoc,
    probs: np.ndarray,
    *,
    threshold: float = 0.5,
    sentence_probs: np.ndarray | None = None,
    sentence_threshold: float = 0.0,
) -> list[tuple[int, int, float]]:
    """``[(start, end, score)]`` spans from ``probs`` ``(n_tokens, 3)`` over ``O/B/I``; score = mean inside-prob.

    With ``sentence_probs`` (per token, the probability that its sentence holds propaganda),
    tokens of sentences below ``sentence_threshold`` are never inside a span.
    """
    if len(tok) == 0:
        return []
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
        elif probs[i, 1] > probs[i, 2] and tok.starts[i] > tok.ends[i - 1]:
            runs.append((a, i))  # a new span starts here (never inside a word)
            a = i
    if a is not None:
        runs.append((a, len(tok)))
    out: list[tuple[int, int, float]] = []
    for a, b in runs:
        s, e = widen_to_words(text, int(tok.starts[a]), int(tok.ends[b - 1]))
        s, e = trim(text, s, e)
        if e <= s:
            continue
        score = float(inside[a:b].mean())
        if out and s < out[-1][1]:  # widening made it touch the previous span: keep them apart
            s = out[-1][1]
            s, e = trim(text, s, e)
            if e <= s:
                continue
        out.append((s, e, round(score, 6)))
    return out
