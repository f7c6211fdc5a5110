"""Tests for propscan.analysis.voice: quotation finding, speaker attribution and span voice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propscan.analysis.voice import Quote, attribute, find_quotes
from propscan.document import Document

DATA_DIR = Path(__file__).resolve().parents[2] / "src" / "propscan" / "data"
GOLD = DATA_DIR / "quotes_gold.jsonl"
HELDOUT = DATA_DIR / "quotes_heldout.jsonl"
HELDOUT2 = DATA_DIR / "quotes_heldout2.jsonl"
HELDOUT3 = DATA_DIR / "quotes_heldout3.jsonl"
WRITTEN = DATA_DIR / "quotes_written.jsonl"


def quotes(text: str) -> tuple[Document, list[Quote]]:
    doc = Document(text, id="t")
    return doc, find_quotes(doc)


def only(text: str) -> tuple[Document, Quote]:
    doc, qs = quotes(text)
    assert len(qs) == 1, [(doc.text[q.start : q.end], q.kind) for q in qs]
    return doc, qs[0]


# ---------------------------------------------------------------- direct quotes


def test_straight_quote_attribution_after() -> None:
    doc, q = only('"The bridge will open in May," she said. The mayor, Ana Lopez, spoke first.')
    assert doc.text[q.start : q.end] == '"The bridge will open in May,"'
    assert q.kind == "direct" and q.cue == "said"
    assert doc.text[q.speaker_start : q.speaker_end] == "she"


def test_curly_quote_inverted_attribution_with_title() -> None:
    doc, q = only("\u201cWe have nothing to hide,\u201d said Russian Foreign Minister Sergei Lavrov.")
    assert doc.text[q.start] == "\u201c" and doc.text[q.end - 1] == "\u201d"
    assert q.speaker == "Sergei Lavrov"
    assert doc.text[q.speaker_start : q.speaker_end].endswith("Sergei Lavrov")


def test_attribution_before_with_colon() -> None:
    doc, q = only('The farmer Tom Reed said: "Our harvest was ruined by the floods this spring."')
    assert doc.text[q.start : q.end] == '"Our harvest was ruined by the floods this spring."'
    assert q.speaker == "Tom Reed"


def test_title_stripped_president() -> None:
    _, q = only('"Taxes will fall next year," President Smith told reporters.')
    assert q.speaker == "Smith"
    assert q.cue == "told"


def test_organisation_kept() -> None:
    _, q = only('"The talks were productive," the State Department said in a statement.')
    assert q.speaker == "State Department"


def test_single_curly_quotes_not_apostrophes() -> None:
    doc, q = only("He said \u2018we don\u2019t negotiate with anyone like that\u2019 and left the room.")
    assert q.kind == "direct" and q.cue == "said"
    assert doc.text[q.start : q.end] == "\u2018we don\u2019t negotiate with anyone like that\u2019"
    # apostrophes alone never make a quote
    _, none = quotes("The workers\u2019 union didn\u2019t strike, and the children\u2019s park stayed open.")
    assert none == []


def test_scare_quotes_are_not_speech() -> None:
    _, qs = quotes('The so-called "experts" met again on Tuesday in the town hall.')
    assert qs == []


def test_interrupted_quote_shares_speaker() -> None:
    doc, qs = quotes('"We tried," said Maria Gomez, pausing, "but the river rose too fast for the sandbags."')
    assert len(qs) == 2
    assert all(q.speaker == "Maria Gomez" for q in qs)
    assert doc.text[qs[1].start : qs[1].end].startswith('"but')


# ---------------------------------------------------------------- multi-paragraph and block quotes


def test_multi_paragraph_english_convention() -> None:
    text = (
        'Coach Dan Miles spoke after the game. "We played badly in the first half.\n\n'
        '"In the second half we found our rhythm and never looked back," Miles said.\n'
    )
    doc, qs = quotes(text)
    direct = [q for q in qs if q.kind != "reported"]
    assert len(direct) == 1
    q = direct[0]
    assert doc.text[q.start : q.end].startswith('"We played') and doc.text[q.end - 1] == '"'
    assert "\n\n" in doc.text[q.start : q.end]
    assert q.speaker == "Dan Miles"


def test_quote_running_over_a_line_break_without_reopening() -> None:
    text = "\u201cThe water is safe to drink.\nWe tested it twice this week,\u201d said Dr. Helen Park.\n"
    doc, q = only(text)
    assert doc.text[q.start] == "\u201c" and doc.text[q.end - 1] == "\u201d"
    assert q.speaker == "Helen Park"


def test_continuation_paragraph_inherits_speaker() -> None:
    text = '"We were shocked by the video," the company said.\n"No employee took part in the incident."\n'
    doc, qs = quotes(text)
    assert [q.speaker for q in qs] == ["company", "company"]
    assert [q.kind for q in qs] == ["direct", "block"]


def test_block_quote_after_colon() -> None:
    text = "The minister Paul Okoro wrote:\n\u201cThe reform is finished and it will stay.\u201d\n"
    doc, q = only(text)
    assert q.kind == "block" and q.speaker == "Paul Okoro"


# ---------------------------------------------------------------- reported speech


def test_reported_said_that() -> None:
    doc, q = only("Senator Jane Doe said that the budget would be cut by a third.")
    assert q.kind == "reported"
    assert doc.text[q.start : q.end] == "the budget would be cut by a third"
    assert q.speaker == "Jane Doe" and q.cue == "said"


def test_reported_according_to_front_and_back() -> None:
    doc, q = only("According to the city council, the road will close for two weeks.")
    assert q.speaker == "city council" and q.cue == "according to"
    assert doc.text[q.start : q.end] == "the road will close for two weeks"
    doc, q = only("Prices rose sharply in March, according to the statistics office.")
    assert doc.text[q.start : q.end] == "Prices rose sharply in March"
    assert q.speaker == "statistics office"


def test_reported_told_reporters_and_postposed() -> None:
    doc, q = only("Mark Evans told reporters on Monday the deal was dead.")
    assert doc.text[q.start : q.end] == "the deal was dead" and q.speaker == "Mark Evans"
    doc, q = only("The factory will close next year, the company spokesman Li Wei said.")
    assert doc.text[q.start : q.end] == "The factory will close next year" and q.speaker == "Li Wei"


def test_reported_claimed_and_argued() -> None:
    _, qs = quotes("Critics claimed the vote was rigged, but officials argued the count was fair.")
    assert [q.cue for q in qs] == ["claimed", "argued"]


def test_relative_clause_speech_is_not_a_quote() -> None:
    _, qs = quotes("The firm expelled staff for what it said was a breach of rules.")
    assert qs == []


# ---------------------------------------------------------------- pronouns


def test_pronoun_resolves_to_last_named_speaker_previous_paragraph() -> None:
    text = 'Anna Berg said the plan was sound.\n\n"It will save money for every family in the region," she added.\n'
    doc, qs = quotes(text)
    assert qs[-1].speaker == "Anna Berg"
    assert doc.text[qs[-1].speaker_start : qs[-1].speaker_end] == "she"


def test_pronoun_prefers_same_paragraph() -> None:
    text = "Tom Hale said the bridge was safe.\nLater, Peter Grant said the bridge was not safe, and he said the report was wrong.\n"
    _, qs = quotes(text)
    assert qs[-1].speaker == "Peter Grant"


def test_surname_maps_to_full_name() -> None:
    text = "Foreign Ministry spokesman Lu Kang spoke on Monday.\nThe ties are strong, Lu said.\n"
    _, q = only(text)
    assert q.speaker == "Lu Kang"


# ---------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        '"',
        '"""""',
        "\u201c\u201c\u201c open quotes that never close",
        'He said "unbalanced quote and then\n\nnothing at all.',
        "\u201d closing first \u201c then opening",
        "zero\u200bwidth \u201cquote\u200b here\u201d said\u200b he.",
        '\u05d4\u05d5\u05d0 \u05d0\u05de\u05e8 "\u05e9\u05dc\u05d5\u05dd \u05dc\u05db\u05d5\u05dd" \u200f\u05d0\u05de\u05e8 \u05d3\u05d5\u05d3.',
        '\n\n\n"a"\n\n\n"b\n"c"\n',
        "' ' ' \u2018 \u2019 \u2018x",
        "said said said according to according to , , ,",
    ],
)
def test_odd_text_never_crashes(text: str) -> None:
    doc = Document(text if text else " ", id="odd")
    for q in find_quotes(doc):
        assert 0 <= q.start < q.end <= len(doc.text)


@settings(deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_property_never_raises_and_offsets_in_bounds(text: str) -> None:
    doc = Document(text, id="h")
    qs = find_quotes(doc)
    last_end = 0
    for q in qs:
        assert 0 <= q.start < q.end <= len(text)
        assert q.start >= last_end  # sorted, non-overlapping
        last_end = q.end
        if q.speaker_start is not None:
            assert 0 <= q.speaker_start < q.speaker_end <= len(text)
        assert q.kind in ("direct", "block", "reported")


@settings(deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                '"',
                "\u201c",
                "\u201d",
                "\u2018",
                "\u2019",
                "'",
                " he said",
                ", ",
                ".",
                "\n",
                "\n\n",
                "Ann Lee",
                " that ",
                "according to",
                "x",
            ]
        ),
        max_size=60,
    )
)
def test_property_quote_soup(parts: list[str]) -> None:
    text = "".join(parts)
    for q in find_quotes(Document(text, id="s")):
        assert 0 <= q.start < q.end <= len(text)


def test_direct_offsets_include_marks() -> None:
    text = 'Intro line.\n\u201cFirst,\u201d she said. "Second one is here," Bob Ray said.\n'
    doc, qs = quotes(text)
    direct = [q for q in qs if q.kind in ("direct", "block")]
    assert len(direct) == 2
    for q in direct:
        assert doc.text[q.start] in '"\u201c' and doc.text[q.end - 1] in '"\u201d'


def test_attribute_sets_voice_and_speaker() -> None:
    text = '"These traitors must go," said Mayor Carl Jones. The council met for hours and the vote was close.'
    doc = Document(text, id="a")
    inside = doc.span(1, 23, "Name_Calling,Labeling")
    outside = doc.span(text.index("The council"), text.index("The council") + 11, "Doubt")
    straddle = doc.span(15, 40)  # mostly outside the quote
    out = attribute(doc, [inside, outside, straddle])
    assert [s.voice for s in out] == ["quoted", "author", "author"]
    assert out[0].speaker == "Carl Jones" and out[1].speaker is None
    assert out[0].technique == "Name_Calling,Labeling" and (out[0].start, out[0].end) == (1, 23)


def test_attribute_uses_given_quotes_and_keeps_order() -> None:
    doc = Document("abcdefghij", id="g")
    qs = [Quote(2, 8, "direct", speaker="X")]
    spans = [doc.span(5, 9), doc.span(0, 2), doc.span(3, 6)]
    out = attribute(doc, spans, qs)
    assert [(s.start, s.voice, s.speaker) for s in out] == [(5, "quoted", "X"), (0, "author", None), (3, "quoted", "X")]


def test_attribute_empty() -> None:
    doc = Document("Nothing quoted here.", id="e")
    assert attribute(doc, []) == []


# ---------------------------------------------------------------- gold file


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(
    "path,min_articles",
    [(GOLD, 5), (HELDOUT, 4), (HELDOUT2, 10), (HELDOUT3, 3)],
    ids=["tuned", "heldout", "heldout2", "heldout3"],
)
def test_gold_file_holds_offsets_not_text(path: Path, min_articles: int) -> None:
    rows = _rows(path)
    assert len(rows) >= 40
    assert len({r["article_id"] for r in rows}) >= min_articles
    for r in rows:
        assert set(r) == {"article_id", "start", "end", "kind", "speaker"}
        assert 0 <= r["start"] < r["end"] and r["kind"] in ("direct", "block", "reported")
        assert r["speaker"] is None or isinstance(r["speaker"], str)


def test_heldout_articles_disjoint_from_tuned_set() -> None:
    assert not {r["article_id"] for r in _rows(GOLD)} & {r["article_id"] for r in _rows(HELDOUT)}
    assert not {r["article_id"] for r in _rows(HELDOUT2)} & {r["article_id"] for r in _rows(GOLD) + _rows(HELDOUT)}
    seen = {r["article_id"] for r in _rows(GOLD) + _rows(HELDOUT) + _rows(HELDOUT2)}
    assert not {r["article_id"] for r in _rows(HELDOUT3)} & seen


def test_heldout2_quotes_do_not_overlap() -> None:
    rows = sorted(_rows(HELDOUT2), key=lambda r: (r["article_id"], r["start"]))
    assert len(rows) >= 150
    for a, b in zip(rows, rows[1:], strict=False):
        if a["article_id"] == b["article_id"]:
            assert a["end"] <= b["start"]


def test_written_file_holds_own_texts_with_consistent_offsets() -> None:
    docs = _rows(WRITTEN)
    assert sum(len(d["quotes"]) for d in docs) >= 50
    for d in docs:
        assert set(d) == {"id", "text", "quotes"}
        last = 0
        for q in d["quotes"]:
            assert set(q) == {"start", "end", "kind", "speaker"}
            assert last <= q["start"] < q["end"] <= len(d["text"])
            assert q["kind"] in ("direct", "block", "reported")
            last = q["end"]


def test_it_resolves_to_the_organisation_that_opens_the_sentence_before() -> None:
    text = (
        'The Harbour Authority rejected the claims on Monday. "We will not back down," the authority said.\n\n'
        'It added that "the critics are spreading lies."\n\n'
        'Acme Corp also responded. It said the plan was "a disaster for workers."\n\n'
        'A team of engineers visited the site. "It is safe," the inspector said. It said "nothing is broken."'
    )
    speakers = [q.speaker for q in find_quotes(text)]
    assert speakers[:3] == ["Harbour Authority", "Harbour Authority", "Acme Corp"]
    assert "A team" not in speakers  # a determiner and a common noun do not make an organisation
    # an unnamed speaker described by an occupation still marks the quotation
    assert any(text[q.start : q.end] == '"It is safe,"' and q.speaker is None for q in find_quotes(text))


# ---------------------------------------------------------------- speakers named as on real pages


def speakers(text: str) -> list[tuple[str, str | None]]:
    return [(text[q.start : q.end], q.speaker) for q in find_quotes(Document(text, id="s"))]


def test_organisation_names_with_of_and_and_are_kept_whole() -> None:
    assert speakers('"Funding is falling fast," the Association of Colleges said.') == [
        ('"Funding is falling fast,"', "Association of Colleges")
    ]
    text = "Prices rose again, the National Oceanic and Atmospheric Administration (NOAA) said. NOAA said the trend would continue."
    assert [s for _, s in speakers(text)] == ["National Oceanic and Atmospheric Administration"] * 2
    text = 'The Harbour Employers Association (Hea) said the offer was fair. "It is our best," a Hea spokesperson said.'
    assert [s for _, s in speakers(text)] == ["Harbour Employers Association"] * 2


def test_titles_and_affiliations_are_not_speakers() -> None:
    assert speakers("Maya Thornton, the Labour MP for Leeds Central, said the vote was a disgrace.") == [
        ("the vote was a disgrace", "Maya Thornton")
    ]
    text = "Karl Brenner, the attorney general for the District of Columbia, said landlords would face fines."
    assert speakers(text) == [("landlords would face fines", "Karl Brenner")]
    assert speakers('"This is a giveaway," Rep. Marcus Bell, R-Texas, told reporters.') == [
        ('"This is a giveaway,"', "Marcus Bell")
    ]
    assert speakers("Analysts at Barclays said the cuts were likely to spread.")[0][1] == "Barclays"


def test_reported_speech_without_that() -> None:
    text = (
        "Jo Grady, general secretary of the University and College Union, said students would be shocked by the cuts."
    )
    doc, q = only(text)
    assert q.kind == "reported" and q.speaker == "Jo Grady"
    assert doc.text[q.start : q.end] == "students would be shocked by the cuts"
    _, q = only("The minister said councils would receive more money next year.")
    assert q.kind == "reported"
    # a verb with a plain object is not speech
    for text in (
        "He told reporters outside the court.",
        "She said goodbye to friends who had gathered.",
        "He was charged with fraud after the audit.",
    ):
        assert speakers(text) == [], text


def test_quantity_words_and_place_adverbs_never_speak() -> None:
    text = 'Thousands of nurses marched on Saturday. "We are exhausted," said one nurse in Leeds.'
    assert speakers(text) == [('"We are exhausted,"', None)]
    assert speakers("Thousands have signed a petition saying the closure is unlawful.") == [
        ("the closure is unlawful", None)
    ]
    text = 'Here is what the mayor, Luis Ortega, told reporters:\n\n"We will open every centre tonight."\n'
    assert speakers(text) == [('"We will open every centre tonight."', "Luis Ortega")]


def test_capitalised_headline_words_are_not_names() -> None:
    text = 'Mayor Vows to Close Library Again\n\n"We will see what happens," Oakes said.'
    assert speakers(text) == [('"We will see what happens,"', "Oakes")]


def test_names_ending_in_ly_are_not_adverbs() -> None:
    text = "Judge Megan Kelly ruled on Monday.\nKelly found that the law was clear."
    assert speakers(text) == [("the law was clear", "Megan Kelly")]


def test_next_sentence_of_a_quote_keeps_its_speaker() -> None:
    text = '"We tried," Grady said. "It was not enough."'
    assert [s for _, s in speakers(text)] == ["Grady", "Grady"]


def test_innermost_speaker_of_nested_reports() -> None:
    assert speakers("Police said the driver told officers he had not been drinking.") == [
        ("he had not been drinking", None)
    ]


def test_couple_and_they_resolve_to_plural_speakers() -> None:
    text = "Tanya and Jason Badger said they had seen the boy. The couple said police had waited too long."
    assert [s for _, s in speakers(text)] == ["Tanya and Jason Badger"] * 2


def test_embedded_post_with_signature_is_a_block_quote() -> None:
    text = (
        "Organisers posted an update:\n"
        "Crowds gathered at the town hall on Friday.\nThe rally starts at noon, so bring water.\n"
        "\u2014 Jane Doe (@janedoe) May 1, 2018\n"
    )
    qs = find_quotes(Document(text, id="p"))
    assert [(q.kind, q.speaker) for q in qs] == [("block", "Jane Doe")]
    assert text[qs[0].start : qs[0].end] == (
        "Crowds gathered at the town hall on Friday.\nThe rally starts at noon, so bring water."
    )


def test_quoted_characterisation_is_attributed() -> None:
    text = 'The mayor, Ana Ruiz, spoke on Monday. Ruiz described the plan as "a disaster for the harbour."'
    assert speakers(text)[-1] == ('"a disaster for the harbour."', "Ana Ruiz")
    # "described as" without an object is a participle: nobody is quoted
    assert speakers('A man described as a "former official" left the room.') == []
