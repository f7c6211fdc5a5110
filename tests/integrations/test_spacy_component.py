"""The spaCy component: ``nlp.add_pipe("propscan")`` on ``spacy.blank("en")`` agrees with propscan.Analyzer."""

from __future__ import annotations

import pytest

spacy = pytest.importorskip("spacy")

from propscan import Analyzer  # noqa: E402
from propscan.document import Document, Span  # noqa: E402

TEXT = (
    "Critics called the plan reckless and corrupt. \u201cThey are traitors, every one of them, and reckless "
    "too,\u201d said Minister John Smith. Nobody answered the question."
)


class WordModel:
    """A deterministic stand-in model: fixed words get techniques (two techniques on 'traitors')."""

    info = {"name": "words", "version": "1"}
    WORDS = (
        ("reckless", "Loaded_Language", 0.8),
        ("corrupt", "Name_Calling,Labeling", 0.55),
        ("traitors", "Name_Calling,Labeling", 0.9),
        ("traitors", "Loaded_Language", 0.6),
        ("the questio", "Doubt", 0.2),  # ends inside a token: spaCy's span expands to the whole word
    )

    def __init__(self) -> None:
        self.batches: list[int] = []

    def predict(self, docs: list[Document]) -> list[list[Span]]:
        self.batches.append(len(docs))
        out = []
        for d in docs:
            spans = []
            for word, tech, score in self.WORDS:
                i = d.text.find(word)
                while i >= 0:
                    spans.append(d.span(i, i + len(word), tech, score=score))
                    i = d.text.find(word, i + 1)
            out.append(spans)
        return out


_MODELS: dict[str, WordModel] = {}


@spacy.registry.misc("propscan_test_word_model.v1")
def _word_model(key: str = "default") -> WordModel:
    return _MODELS.setdefault(key, WordModel())


def _nlp(key: str, **config):  # type: ignore[no-untyped-def]
    _MODELS.pop(key, None)
    nlp = spacy.blank("en")
    nlp.add_pipe("propscan", config={"model": {"@misc": "propscan_test_word_model.v1", "key": key}, **config})
    return nlp, _MODELS[key]


def _expected(doc, analysis):  # type: ignore[no-untyped-def]
    rows = []
    for sp in analysis.spans:
        s = doc.char_span(sp.start, sp.end, alignment_mode="expand")
        rows.append((s.start, s.end, s.start_char, s.end_char, sp.technique, sp.score, sp.voice, sp.speaker, [sp.start, sp.end]))
    return rows


def _got(doc):  # type: ignore[no-untyped-def]
    return [(s.start, s.end, s.start_char, s.end_char, s.label_, s._.propscan_score, s._.propscan_voice,
             s._.propscan_speaker, s._.propscan_chars) for s in doc.spans["propscan"]]


def test_factory_comes_from_the_spacy_entry_point():
    from importlib.metadata import entry_points

    eps = {ep.name: ep.value for ep in entry_points(group="spacy_factories")}
    assert eps.get("propscan") == "propscan.integrations.spacy:make_propscan"
    assert spacy.blank("en").has_factory("propscan")


def test_component_spans_offsets_and_scores_match_the_analyzer():
    nlp, _ = _nlp("match", threshold=0.3)
    doc = nlp(TEXT)
    analysis = Analyzer(model=WordModel(), threshold=0.3)(TEXT)
    assert analysis.spans, "the stand-in model must flag something"
    assert _got(doc) == _expected(doc, analysis)
    assert doc._.propscan_score == pytest.approx(analysis.score)
    assert doc._.propscan_warnings == [dict(w) for w in analysis.warnings]
    group = doc.spans["propscan"]
    assert group.attrs["threshold"] == 0.3 and group.attrs["model"]["name"] == "words"
    assert group.attrs["article_score"] == pytest.approx(analysis.score)
    # the Doubt passage below the threshold is not shown; the score still counts it
    assert "Doubt" not in {s.label_ for s in group}
    # two techniques on the same words keep their own scores
    traitors = {s.label_: s._.propscan_score for s in group if s.text == "traitors"}
    assert traitors == {"Name_Calling,Labeling": 0.9, "Loaded_Language": 0.6}
    # voice and speaker: the quoted 'traitors' is the minister's
    quoted = [s for s in group if s.text == "traitors"]
    assert {s._.propscan_voice for s in quoted} == {"quoted"}
    assert {s._.propscan_speaker for s in quoted} == {"John Smith"}
    assert {s._.propscan_voice for s in group if s.text == "corrupt"} == {"author"}
    # a span that is not one of the component's has no propscan values
    assert doc[0:2]._.propscan_score is None


def test_char_offsets_expand_to_whole_tokens():
    nlp, _ = _nlp("expand", threshold=0.0)
    doc = nlp(TEXT)
    doubt = [s for s in doc.spans["propscan"] if s.label_ == "Doubt"]
    assert len(doubt) == 1
    start, end = doubt[0]._.propscan_chars
    assert TEXT[start:end] == "the questio" and doubt[0].text == "the question"


def test_techniques_filter_and_config():
    nlp, _ = _nlp("filter", threshold=0.0, techniques=["Loaded language"], voice=False)
    doc = nlp(TEXT)
    assert {s.label_ for s in doc.spans["propscan"]} == {"Loaded_Language"}
    assert {s._.propscan_voice for s in doc.spans["propscan"]} == {None}
    assert nlp.get_pipe_meta("propscan").factory == "propscan"


def test_nlp_pipe_batches_through_analyzer_pipe(monkeypatch):
    calls = []
    original = Analyzer.pipe

    def spy(self, items, *, batch_size=8, as_tuples=False):  # type: ignore[no-untyped-def]
        calls.append((batch_size, as_tuples))
        return original(self, items, batch_size=batch_size, as_tuples=as_tuples)

    monkeypatch.setattr(Analyzer, "pipe", spy)
    nlp, model = _nlp("batch", threshold=0.3, batch_size=3)
    texts = [TEXT, "Quite calm text with nothing in it.", "", "So reckless!", TEXT, "   ", "Corrupt, corrupt, corrupt."]
    docs = list(nlp.pipe(texts, batch_size=3))
    assert [d.text for d in docs] == texts
    assert calls and all(bs == 3 and tuples for bs, tuples in calls)
    assert model.batches == [2, 2, 1]  # chunks of 3 docs; the empty ones never reach the model
    reference = Analyzer(model=WordModel(), threshold=0.3)
    expected = {i: a for a, i in original(reference, [(t, i) for i, t in enumerate(texts) if t.strip()], as_tuples=True)}
    for i, doc in enumerate(docs):
        if i in expected:
            assert _got(doc) == _expected(doc, expected[i])
            assert doc._.propscan_score == pytest.approx(expected[i].score)
        else:  # an empty doc: no spans, no score, one warning; the stream goes on
            assert len(doc.spans["propscan"]) == 0 and doc._.propscan_score is None
            assert [w["code"] for w in doc._.propscan_warnings] == ["not_analysed"]
    # nlp.pipe's batch_size can lower the model batch, never raise it above the component's
    nlp2, model2 = _nlp("batch2", threshold=0.3, batch_size=2)
    list(nlp2.pipe([TEXT] * 5, batch_size=1000))
    assert model2.batches == [2, 2, 1]


def test_annotations_survive_docbin():
    from spacy.tokens import DocBin

    nlp, _ = _nlp("docbin", threshold=0.3)
    doc = nlp(TEXT)
    db = DocBin(store_user_data=True)
    db.add(doc)
    back = next(DocBin(store_user_data=True).from_bytes(db.to_bytes()).get_docs(nlp.vocab))
    assert _got(back) == _got(doc)
    assert back._.propscan_score == pytest.approx(doc._.propscan_score)


@pytest.mark.slow
def test_real_default_model_on_blank_english(example_article):
    text = example_article.read_text(encoding="utf-8")
    nlp = spacy.blank("en")
    nlp.add_pipe("propscan")
    doc = nlp(text)
    analysis = Analyzer()(text)
    assert analysis.spans, "the default model should flag the demo article"
    assert _got(doc) == _expected(doc, analysis)
    assert doc._.propscan_score == pytest.approx(analysis.score)
    assert all(0.0 <= s._.propscan_score <= 1.0 for s in doc.spans["propscan"])
