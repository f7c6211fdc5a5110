"""Turn per-token SI probabilities into character spans a reader would highlight.

Tokens whose inside-probability ``P(B) + P(I)`` passes a low threshold form runs; a run is kept
only if it has a confident core token (hysteresis), and splits before a word that is likely a span
start. Each run's edges are then cleaned (:mod:`propscan.models.edges`: whole words, no dangling
function words or punctuation, balanced quotes). No gap filling and no merging of neighbouring spans.

>>> import numpy as np
>>> from propscan.models.transformer.windows import TokenizedDoc
>>> doc = TokenizedDoc(np.zeros(3, dtype=np.int64), np.array([0, 4, 8]), np.array([3, 7, 12]))
>>> p = np.array([[.9, .05, .05], [.1, .8, .1], [.2, .1, .7]])
>>> decode_spans("The bad guys.", doc, p, threshold=0.5)
[(4, 12, 0.85)]
"""

from __future__ import annotations

import numpy as np

from propscan.models.edges import clean_edges, drop_edge_words, widen_to_words
from propscan.models.transformer.windows import TokenizedDoc


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


#: words never named as cues (they carry no evidence of their own)
CUE_STOP = frozenset(
    "a an the of to in on at by for and or but is are was were be been it its this that these those will would".split()
)


def cue_words(text: str, tok: TokenizedDoc, si_probs: np.ndarray, start: int, end: int, k: int = 3) -> str | None:
    """The span's words the tagger was most sure about (highest inside-probability), in text order."""
    a, b = tok.token_range(start, end)
    if b <= a:
        return None
    inside = si_probs[a:b, 1] + si_probs[a:b, 2]
    words: dict[tuple[int, int], float] = {}
    for i in range(a, b):
        ws, we = widen_to_words(text, int(tok.starts[i]), int(tok.ends[i]))
        if we <= ws or not any(ch.isalnum() for ch in text[ws:we]) or text[ws:we].lower() in CUE_STOP:
            continue
        words[(ws, we)] = max(words.get((ws, we), 0.0), float(inside[i - a]))
    if len(words) <= 1:
        return None
    top = sorted(sorted(words, key=lambda w: -words[w])[: min(k, len(words) - 1)])
    return "strongest cue words: " + ", ".join(repr(text[ws:we]) for ws, we in top)
