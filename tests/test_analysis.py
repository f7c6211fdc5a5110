from __future__ import annotations

import pytest

from propscan import Document
from propscan.analysis import Analysis, Analyzer, build_analysis
from propscan.scores import article_score, sentence_score
from propscan.sentences import split_sentences

BODY = "The plan failed. Critics called it reckless. The minister said nothing. "


def test_article_score_monotone_in_evidence():
    doc = Document(BODY * 20, id="m")
    spans = [doc.span(17, 44, "Loaded_Language", score=0.5)]
    base = article_score(spans, n_words=300)
    assert article_score(spans + [doc.span(45, 70, "Doubt", score=0.3)], n_words=300) > base
    assert article_score([spans[0].with_(score=0.9)], n_words=300) > base
    assert article_score([], n_words=300) == 0.0
    assert 0.0 <= article_score(spans * 500, n_words=300) <= 1.0


def test_article_score_does_not_grow_with_length():
    short = Document(BODY * 20, id="s")
    long = Document(BODY * 80, id="l")
    # same density of flagged sentences: one span per repetition of the body
    def flagged(doc, reps):
        step = len(BODY)
        return [doc.span(i * step + 17, i * step + 44, "Loaded_Language", score=0.6) for i in range(reps)]

    a = build_analysis(short, flagged(short, 20), voice=False).score
    b = build_analysis(long, flagged(long, 80), voice=False).score
    assert a == pytest.approx(b, rel=1e-9)
    # the same evidence in a longer article is a lower density, never a higher score
    c = build_analysis(long, flagged(long, 20), voice=False).score
    assert c < a


def test_sentence_score_is_noisy_or():
    doc = Document("One bad thing. Another.", id="n")
    spans = [doc.span(0, 3, "Doubt", score=0.5), doc.span(4, 7, "Doubt", score=0.5)]
    assert sentence_score(spans, 0, 14) == pytest.approx(0.75)
    assert sentence_score(spans, 15, 23) == 0.0


def test_sentences_index_original_text():
    text = "Dr. Jones spoke.\u200b She said “no!” Then left.\n\nاختبار النص. Done"
    for s, e in split_sentences(text):
        assert text[s:e] == text[s:e].strip() and e > s
    assert [text[s:e] for s, e in split_sentences(text)][0].startswith("Dr. Jones spoke.")
    assert len(split_sentences(text)) == 5


class FixedModel:
    """A deterministic stand-in model: flags every occurrence of 'reckless'."""

    info = {"name": "fixed", "version": "1"}

    def predict(self, docs):
        out = []
        for d in docs:
            i = d.text.find("reckless")
            out.append([d.span(i, i + 8, "Loaded_Language", score=0.8), d.span(0, 3, "Doubt", score=0.1)] if i >= 0 else [])
        return out


def test_analyzer_threshold_pipe_order_and_json_round_trip():
    analyzer = Analyzer(model=FixedModel(), threshold=0.5, voice=False)
    texts = ["A reckless idea.", "Nothing here at all.", "So reckless!"]
    results = list(analyzer.pipe(texts, batch_size=2))
    assert [r.document.text for r in results] == texts
    assert [len(r.spans) for r in results] == [1, 0, 1]
    a = results[0]
    assert a.spans[0].text == "reckless" and a.model["name"] == "fixed"
    back = Analysis.from_json(a.to_json())
    assert back.spans == a.spans and back.score == pytest.approx(a.score) and back.document == a.document
    df = a.to_frame()
    assert list(df["text"]) == ["reckless"]


def test_analysis_json_validates_against_the_published_schema():
    import json

    from propscan.schema import SCHEMA_PATH, AnalysisModel, json_schema

    a = next(Analyzer(model=FixedModel(), voice=False).pipe(["A reckless idea. Another reckless one."]))
    AnalysisModel.model_validate(json.loads(a.to_json()))
    assert json.loads(SCHEMA_PATH.read_text()) == json_schema(), "run python -m propscan.schema"
