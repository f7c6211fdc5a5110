from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propscan import Document, OffsetError, Span
from propscan.document import check_text
from propscan.errors import InputError


def test_span_text_is_a_slice_of_the_original_text():
    doc = Document("Ünïcode — “quotes” and\u200b zero-width.", id="u")
    sp = doc.span(10, 18, "Loaded_Language")
    assert sp.text == doc.text[10:18] == "“quotes”"
    assert sp.doc is doc


@pytest.mark.parametrize("start,end", [(-1, 3), (3, 3), (5, 2), (0, 999)])
def test_bad_offsets_are_refused(start, end):
    doc = Document("short text", id="s")
    with pytest.raises(OffsetError):
        doc.span(start, end)


def test_contract_trims_ptc_edge_characters_and_expand_clips():
    doc = Document("  loud words.  ", id="c")
    assert doc.span(0, 15, align="contract").text == "loud words"
    assert doc.span(2, 400, align="expand").end == len(doc.text)


def test_document_and_span_are_immutable():
    doc = Document("abc", id="i")
    with pytest.raises(AttributeError):
        doc.text = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        doc.span(0, 1).start = 2  # type: ignore[misc]


def test_json_round_trip_keeps_offsets_and_checks_text():
    doc = Document("They lie, they always lie.", id="7", title="T", outlet="Daily", published="2024-05-01")
    sp = doc.span(5, 8, "Name_Calling,Labeling", score=0.75)
    doc2 = Document.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert doc2 == doc and str(doc2.published) == "2024-05-01"
    sp2 = Span.from_dict(json.loads(json.dumps(sp.to_dict())), doc2)
    assert sp2 == sp and sp2.text == "lie"
    bad = {**sp.to_dict(), "text": "xyz"}
    with pytest.raises(OffsetError):
        Span.from_dict(bad, doc2)


def test_default_id_is_content_hash_prefix():
    assert Document("same").id == Document("same").id != Document("other").id


@pytest.mark.parametrize("text", ["", "   \n\t", "a\x00b"])
def test_check_text_refuses_unusable_text(text):
    with pytest.raises(InputError):
        check_text(text)


@given(st.text(min_size=1, max_size=200), st.data())
def test_any_valid_offsets_slice_the_original(text, data):
    doc = Document(text, id="h")
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    assert doc.span(start, end).text == text[start:end]
