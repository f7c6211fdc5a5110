from __future__ import annotations

import pytest

from propscan import Document
from propscan.analysis.analyzer import Analysis, Analyzer, build_analysis
from propscan.analysis.scores import article_score, sentence_score
from propscan.text.sentences import split_sentences

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

    from propscan.schema.analysis import SCHEMA_PATH, AnalysisModel, json_schema

    a = next(Analyzer(model=FixedModel(), voice=False).pipe(["A reckless idea. Another reckless one."]))
    AnalysisModel.model_validate(json.loads(a.to_json()))
    assert json.loads(SCHEMA_PATH.read_text()) == json_schema(), "run python -m propscan.schema.analysis"


class RecommendingModel(FixedModel):
    """FixedModel that recommends a display threshold, as a tuned model's config does."""

    info = {"name": "fixed", "version": "1", "display_threshold": 0.5}


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.7])
def test_article_and_sentence_scores_do_not_depend_on_what_is_shown(threshold):
    text = "A reckless idea. Truly reckless."
    everything = Analyzer(model=FixedModel(), threshold=0.0, voice=False)(text)
    shown = Analyzer(model=FixedModel(), threshold=threshold, voice=False)(text)
    filtered = Analyzer(model=FixedModel(), threshold=threshold, techniques=["Doubt"], voice=False)(text)
    assert shown.score == everything.score == filtered.score
    assert [s.score for s in shown.sentences] == [s.score for s in everything.sentences]
    assert all(sp.score >= threshold for sp in shown.spans)
    assert len(shown.spans) <= len(everything.spans)


def test_default_threshold_is_the_models_recommended_one():
    a = Analyzer(model=RecommendingModel(), voice=False)("A reckless idea.")
    assert a.threshold == 0.5 and [s.technique for s in a.spans] == ["Loaded_Language"]
    b = Analyzer(model=RecommendingModel(), threshold=0.0, voice=False)("A reckless idea.")
    assert b.threshold == 0.0 and len(b.spans) == 2
    assert Analyzer(model=FixedModel(), voice=False)("A reckless idea.").threshold == 0.0  # no recommendation: show all


def test_pipe_as_tuples_passes_context_through_and_frames_cover_many_analyses():
    import propscan

    analyzer = Analyzer(model=FixedModel(), threshold=0.0, voice=False)
    items = [("A reckless idea.", {"outlet": "a"}), (Document("Calm words.", id="d2"), {"outlet": "b"})]
    out = list(analyzer.pipe(items, as_tuples=True, batch_size=1))
    assert [ctx["outlet"] for _, ctx in out] == ["a", "b"] and out[1][0].id == "d2"
    with pytest.raises(propscan.InputError):
        list(analyzer.pipe(["not a pair"], as_tuples=True))
    spans = propscan.to_frame([a for a, _ in out])
    assert list(spans["doc_id"]) == [out[0][0].id] * 2
    arts = propscan.to_frame([a for a, _ in out], level="articles")
    assert list(arts["doc_id"]) == [out[0][0].id, "d2"] and list(arts["n_spans"]) == [2, 0]


def test_analysis_id_and_short_repr():
    a = Analyzer(model=FixedModel(), voice=False)(Document("A reckless idea. " * 200, id="long"))
    assert a.id == "long" and len(repr(a)) < 200 and "reckless" not in repr(a)


def test_analyze_never_treats_a_string_as_a_path(tmp_path, monkeypatch):
    import propscan

    f = tmp_path / "a.txt"
    f.write_text("A reckless idea.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert propscan.analyze("a.txt", model=FixedModel()).document.text == "a.txt"  # text, not a file name
    assert propscan.analyze(path="a.txt", model=FixedModel()).document.text.startswith("A reckless idea.")
    assert propscan.analyze(f, model=FixedModel()).spans  # a Path object is a path
    with pytest.raises(propscan.InputError, match="no such file"):
        propscan.analyze(path="missing.txt", model=FixedModel())
    with pytest.raises(propscan.InputError):
        propscan.analyze("x", path="a.txt", model=FixedModel())
    shown = propscan.analyze("A reckless idea.", model=FixedModel(), threshold=0.0, techniques=["Loaded language"])
    assert [s.technique for s in shown.spans] == ["Loaded_Language"]


def test_warnings_for_short_and_non_english_text():
    short = Analyzer(model=FixedModel(), voice=False)("A reckless idea.")
    assert [w["code"] for w in short.warnings] == ["too_short"]
    german = ("Der Stadtrat hat am Dienstag beschlossen, die alte Brücke am Hafen im nächsten Frühjahr zu schließen. "
              "Viele Anwohner sind empört und sprechen von einer rücksichtslosen Entscheidung der Verwaltung. ") * 6
    a = Analyzer(model=FixedModel(), voice=False)(german)
    assert "not_english" in [w["code"] for w in a.warnings]
    assert Analysis.from_json(a.to_json()).warnings == a.warnings
    english = ("The council voted on Tuesday to close the old harbour bridge next spring, and many residents "
               "called the decision reckless. ") * 6
    assert Analyzer(model=FixedModel(), voice=False)(english).warnings == ()


def test_warning_when_extraction_keeps_a_small_part_of_the_page():
    from propscan.io.html import html_to_document

    article = "<article><p>" + "The council closed the old bridge after a long and bitter debate. " * 3 + "</p></article>"
    menu = "".join(f"<li><a href='/s{i}'>Section {i} news and more stories from the region today</a></li>" for i in range(150))
    page = f"<html><head><title>Bridge</title></head><body><nav><ul>{menu}</ul></nav>{article}<footer>{menu}</footer></body></html>"
    doc = html_to_document(page)
    assert doc.source_words and doc.source_words > 10 * len(doc.text.split())
    codes = [w["code"] for w in Analyzer(model=FixedModel(), voice=False)(doc).warnings]
    assert "partial_extraction" in codes
    plain = Analyzer(model=FixedModel(), voice=False)(Document(doc.text, id="same-text-no-page"))
    assert "partial_extraction" not in [w["code"] for w in plain.warnings]
