"""Span decoding: clean edges (whole words, balanced quotes, no dangling punctuation) for any input."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from propscan.models.edges import clean_edges, is_ragged
from propscan.models.transformer.decode import decode_spans
from propscan.models.transformer.windows import TokenizedDoc

WORDS = ["the", "anti-imperialist", "slow-motion", "“so-called", "experts”", "\"abrasive", "demeaning\"", "…", "(bad)",
         "they're", "-", "—", "traitors,", "plain", "and", "simple.", "don't", "[sic]", "«non»", "x"]


def _tokens(text: str) -> TokenizedDoc:
    """Sub-word-ish tokens: every alphanumeric run split in pieces of <= 3 chars, every other char alone."""
    starts, ends = [], []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        j = i + 1
        if text[i].isalnum():
            while j < len(text) and text[j].isalnum() and j - i < 3:
                j += 1
        starts.append(i)
        ends.append(j)
        i = j
    return TokenizedDoc(np.zeros(len(starts), dtype=np.int64), np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64))


@settings(deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=25), st.data())
def test_decoded_spans_never_have_ragged_edges(words, data):
    text = " ".join(words)
    tok = _tokens(text)
    if len(tok) == 0:
        return
    inside = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(tok), max_size=len(tok))))
    begin = inside * np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(tok), max_size=len(tok))))
    probs = np.stack([1 - inside, begin, inside - begin], axis=1)
    spans = decode_spans(text, tok, probs, threshold=0.3, split_threshold=0.5)
    last_end = 0
    for s, e, score in spans:
        assert 0 <= s < e <= len(text) and s >= last_end and 0 <= score <= 1
        assert not is_ragged(text, s, e), (text, text[s:e])
        last_end = e


def test_the_ragged_cases_users_reported_are_cleaned():
    t = "a slow-motion death spiral"
    assert t[slice(*clean_edges(t, 6, len(t)))] == "slow-motion death spiral"
    t = "the anti-imperialist left"
    assert t[slice(*clean_edges(t, 9, 20))] == "anti-imperialist"
    t = 'they endure "abrasive and demeaning" treatment'
    assert t[slice(*clean_edges(t, 5, 35))] == 'endure "abrasive and demeaning"'
    t = 'with "decolonial perspectives on it'
    assert t[slice(*clean_edges(t, 5, 29))] == "decolonial perspectives"
    t = "worth more … than any monetary gain"
    assert t[slice(*clean_edges(t, 11, 30))] == "than any monetary"
