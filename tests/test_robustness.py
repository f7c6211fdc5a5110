"""Bad input gets a clear error or a valid analysis whose offsets index the original text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propscan.analysis.analyzer import Analyzer
from propscan.errors import InputError
from propscan.io.html import html_to_document
from propscan.io.ingest import document_from_text

ANALYZER = Analyzer(model="baseline")

odd_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "“", "”", '"', "\n", ".", " ", "ש", "م"]),
    ),
    max_size=400,
)


def _check(analysis, text: str) -> None:
    assert analysis.document.text == text
    for sp in analysis.spans:
        assert 0 <= sp.start < sp.end <= len(text) and sp.text == text[sp.start : sp.end]
    for s in analysis.sentences:
        assert 0 <= s.start < s.end <= len(text)
    for q in analysis.quotes:
        assert 0 <= q["start"] < q["end"] <= len(text)
    assert 0.0 <= analysis.score <= 1.0


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_text)
def test_any_text_gives_error_or_valid_offsets(text):
    try:
        doc = document_from_text(text)
    except InputError:
        assert not text.strip() or "\x00" in text
        return
    _check(ANALYZER(doc), text)


def test_ten_megabytes_is_a_clear_error():
    with pytest.raises(InputError, match="limit"):
        document_from_text("word " * 2_000_001)


def test_zero_width_and_rtl_text_keeps_offsets():
    text = "The \u200bcorrupt\u200b elite \u202eliars\u202c keep lying. “Shameful!” she said.\n\nשלום עולם. Done."
    _check(ANALYZER(document_from_text(text)), text)


def test_broken_html_gives_analysis_or_clear_error():
    for html in ["<html><body><p>Unclosed <b>bold <i>text about traitors", "<<<>>>", "<p></p>"]:
        try:
            doc = html_to_document(html)
        except InputError:
            continue
        _check(ANALYZER(doc), doc.text)
