"""Analysis work grows linearly with the text: nothing re-scans the whole article once per span or sentence.

The issue ("Nothing lost, nothing stalls" #3): ``rationale.repetition_count`` re-normalised the whole
text once per Repetition span, so an 80k-character article took 10 s to build and a 1 MB one never
finished. These tests count the work instead of timing it, so they are exact and fast.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propscan.analysis import rationale, scores
from propscan.analysis.rationale import PhraseIndex, add_cues
from propscan.analysis.scores import sentence_score, sentence_scores
from propscan.document import Document, Span
from propscan.text import sentences
from propscan.text.tokens import normalise_phrase

WORDS = "the council said budget tax people leaders must act now they lie we will win never forget".split()


def _article(n_chars: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < n_chars:
        s = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 16))).capitalize()
        s += rng.choice([".", "!", "?", '," she said.'])
        parts.append(s)
        size += len(s) + 1
        if rng.random() < 0.1:
            parts.append("\n\n")
    return " ".join(parts)


def _spans(doc: Document, every: int = 6, technique: str = "Repetition") -> list[Span]:
    words = [m.span() for m in re.finditer(r"\w+", doc.text)]
    rng = random.Random(3)
    return [doc.span(words[i][0], words[min(i + rng.randint(0, 3), len(words) - 1)][1], technique, score=0.6)
            for i in range(0, len(words) - 4, every)]


def _regex_count(text: str, phrase: str) -> int:
    """The original definition: the normalised phrase on word boundaries of the normalised text."""
    key = normalise_phrase(phrase)
    if not key:
        return 0
    hay = " " + normalise_phrase(text) + " "
    return len(re.findall(r"(?<= )" + re.escape(key) + r"(?= )", hay))


alphabet = st.sampled_from(["a", "b", "A", "ab", "b!", "'", "—", "İ", "ß", "_", "1", " ", "\n", "a-b", "é", "É"])


@settings(deadline=None)
@given(st.lists(alphabet, max_size=40).map(" ".join), st.data())
def test_phrase_index_counts_what_the_regex_definition_counts(text: str, data: st.DataObject) -> None:
    index = PhraseIndex(text)
    for _ in range(4):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, len(text)))
        phrase = data.draw(st.one_of(st.just(text[i:j]), st.lists(alphabet, max_size=4).map(" ".join)))
        assert index.count(phrase) == _regex_count(text, phrase)


def test_repetition_cues_normalise_the_article_once(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = Document(_article(30_000), id="long")
    spans = _spans(doc)
    assert len(spans) > 500
    normalised = 0
    real = rationale.normalise_phrase

    def counting(text: str) -> str:
        nonlocal normalised
        normalised += len(text)
        return real(text)

    monkeypatch.setattr(rationale, "normalise_phrase", counting)
    out = add_cues(doc, spans)
    span_chars = sum(sp.end - sp.start for sp in spans)
    # the article once, each span's own phrase a few times (key + the cue's display)
    assert normalised <= len(doc.text) + 3 * span_chars, (normalised, len(doc.text), span_chars)
    for sp in out[:50]:
        assert sp.cue.startswith(f"phrase occurs {_regex_count(doc.text, sp.text)}× in the article")


class _CountingSpans(Sequence[Span]):
    """A span list that counts how many spans are looked at."""

    def __init__(self, spans: list[Span]) -> None:
        self.spans = spans
        self.reads = 0

    def __len__(self) -> int:
        return len(self.spans)

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        got = self.spans[i]
        self.reads += len(got) if isinstance(i, slice) else 1
        return got

    def __iter__(self):  # type: ignore[no-untyped-def]
        for sp in self.spans:
            self.reads += 1
            yield sp


def test_sentence_scores_do_not_scan_every_span_per_sentence() -> None:
    doc = Document(_article(60_000), id="s")
    bounds = sentences.split_sentences(doc.text)
    plain = _spans(doc, every=5, technique="Loaded_Language")
    expected = [1.0 - _prod(1.0 - sp.score for sp in plain if sp.start < e and s < sp.end) for s, e in bounds]
    counted = _CountingSpans(plain)
    # the way build_analysis calls it: one sentence at a time, with the same span list
    got = [sentence_score(counted, s, e) for s, e in bounds]
    assert got == expected  # bit for bit
    assert counted.reads <= 10 * (len(plain) + len(bounds)), (counted.reads, len(plain), len(bounds))  # not |spans| x |sentences|
    again = _CountingSpans(plain)
    assert sentence_scores(again, bounds) == expected
    assert again.reads <= 10 * (len(plain) + len(bounds))


def test_sentence_score_with_few_or_long_spans_matches_the_plain_scan() -> None:
    doc = Document(_article(20_000), id="l")
    bounds = sentences.split_sentences(doc.text)
    spans = _spans(doc, every=40, technique="Doubt") + [doc.span(0, len(doc.text) - 1, "Doubt", score=0.3)]
    for group in (spans, spans[:5]):
        expected = [1.0 - _prod(1.0 - sp.score for sp in group if sp.start < e and s < sp.end) for s, e in bounds]
        assert [sentence_score(group, s, e) for s, e in bounds] == expected


def _prod(values) -> float:  # type: ignore[no-untyped-def]
    p = 1.0
    for v in values:
        p *= min(max(float(v), 0.0), 1.0)
    return p


class _CountingStr(str):
    """A str that counts the characters copied by slicing it."""

    copied = 0

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        got = str.__getitem__(self, key)
        if isinstance(key, slice):
            type(self).copied += len(got)
        return got


def test_sentence_splitting_does_not_copy_the_rest_of_the_text_per_sentence() -> None:
    text = _article(50_000)
    _CountingStr.copied = 0
    bounds = sentences.split_sentences(_CountingStr(text))
    assert bounds == sentences.split_sentences(text)
    assert _CountingStr.copied <= 2 * len(text), (_CountingStr.copied, len(text))


@pytest.mark.slow
def test_building_an_analysis_scales_linearly() -> None:
    from propscan.analysis.analyzer import build_analysis

    def seconds(n: int) -> float:
        doc = Document(_article(n, seed=n), id=str(n))
        spans = _spans(doc) + _spans(doc, every=7, technique="Loaded_Language")
        t0 = time.perf_counter()
        build_analysis(doc, spans)
        return time.perf_counter() - t0

    # best of three: a shared machine's pauses land on single runs, not on all three
    small, large = min(seconds(40_000) for _ in range(3)), min(seconds(160_000) for _ in range(3))
    assert large < 8 * max(small, 0.05), (small, large)  # 4x the text: ~4x the time, not 16x


def test_scores_module_exports_the_batch_function() -> None:
    assert scores.sentence_scores is sentence_scores
