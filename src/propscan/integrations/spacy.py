"""spaCy pipeline component: ``nlp.add_pipe("propscan")`` (``pip install 'propscan[spacy]'``).

The factory is registered through spaCy's entry points (``[project.entry-points.spacy_factories]``),
so no import is needed; it works on ``spacy.blank("en")`` without a downloaded spaCy model:

>>> import spacy  # doctest: +SKIP
>>> nlp = spacy.blank("en")  # doctest: +SKIP
>>> nlp.add_pipe("propscan", config={"threshold": 0.3})  # doctest: +SKIP
>>> doc = nlp("They are traitors and cowards, plain and simple.")  # doctest: +SKIP
>>> [(s.text, s.label_, s._.propscan_score, s._.propscan_voice) for s in doc.spans["propscan"]]  # doctest: +SKIP
>>> doc._.propscan_score  # the article score, in [0, 1]  # doctest: +SKIP

What the component sets:

``doc.spans["propscan"]``
    A ``SpanGroup`` with one span per technique passage shown (label = SemEval technique name).
    propscan's character offsets are mapped onto spaCy tokens with
    ``doc.char_span(start, end, alignment_mode="expand")``; the exact offsets stay in the group's
    ``attrs["char_offsets"]``. The group's ``attrs`` hold, index by index with the spans,
    ``scores``, ``voices``, ``speakers``, ``cues`` and ``char_offsets``, plus ``threshold``, ``model``
    and ``article_score`` (all plain JSON values: they travel with ``DocBin``/``Doc.to_bytes``).
``Span._.propscan_score``, ``._.propscan_voice``, ``._.propscan_speaker``, ``._.propscan_cue``, ``._.propscan_chars``
    Getters reading those lists for a span of the group (``None`` for any other span). They are
    getters, not stored values, because spaCy keys a stored span value by its offsets only: two
    techniques on the same words would overwrite each other's score.
``Doc._.propscan_score``, ``Doc._.propscan_warnings``
    The article score (``None`` when the text could not be analysed, e.g. an empty doc) and the
    analysis warnings (``not_english``, ``too_short``, ... or ``not_analysed``).

``nlp.pipe(texts, batch_size=...)`` goes through the same inference loop as
:meth:`propscan.Analyzer.pipe` (``as_tuples=True``, the spaCy ``Doc`` as the context), so a batch
of docs is one batch through the model.

``model`` is what :class:`propscan.Analyzer` takes: ``"default"``, ``"baseline"`` or a model
directory, or a model object given the spaCy way, as a registered function (spaCy configs hold
only JSON values)::

    @spacy.registry.misc("my_propaganda_model.v1")
    def my_model():
        return MyModel()  # any object with .predict(documents) -> spans, like propscan.models.Model

    nlp.add_pipe("propscan", config={"model": {"@misc": "my_propaganda_model.v1"}})
"""

from collections.abc import Iterable, Iterator
from typing import Any

from propscan import defaults
from propscan.analysis.analyzer import Analysis, Analyzer
from propscan.document import check_text
from propscan.errors import PropscanError

try:  # the module stays importable without spaCy (docs, doctest collection); using it asks for the extra
    from spacy.language import Language as _Language
except ImportError:  # pragma: no cover - depends on the environment
    _Language = None  # type: ignore[misc,assignment]

__all__ = ["PropscanComponent", "make_propscan", "SPANS_KEY", "DEFAULT_CONFIG"]

#: the ``doc.spans`` key the component fills by default
SPANS_KEY = "propscan"

DEFAULT_CONFIG: dict[str, Any] = {
    "model": defaults.MODEL,
    "threshold": defaults.THRESHOLD,
    "techniques": None,
    "voice": True,
    "batch_size": 8,
    "spans_key": SPANS_KEY,
}

#: per-span attrs of the SpanGroup, read by the ``Span._.propscan_*`` getters
_SPAN_ATTRS = {
    "propscan_score": "scores",
    "propscan_voice": "voices",
    "propscan_speaker": "speakers",
    "propscan_cue": "cues",
    "propscan_chars": "char_offsets",
}


def _require_spacy() -> Any:
    try:
        import spacy
    except ImportError as exc:
        raise ImportError("propscan's spaCy component needs spaCy; install it with: pip install 'propscan[spacy]'") from exc
    return spacy


def _span_getter(attr: str) -> Any:
    def get(span: Any) -> Any:
        key = span.doc.user_data.get(("propscan", "spans_key"), SPANS_KEY)
        group = span.doc.spans.get(key) if key in span.doc.spans else None
        if group is None:
            return None
        values = group.attrs.get(attr)
        if values is None:
            return None
        for i, s in enumerate(group):
            if s.start == span.start and s.end == span.end and s.label == span.label:
                return values[i]
        return None

    return get


def _register_extensions() -> None:
    from spacy.tokens import Doc, Span

    for name, attr in _SPAN_ATTRS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, getter=_span_getter(attr))
    for name in ("propscan_score", "propscan_warnings"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


class PropscanComponent:
    """The ``propscan`` pipeline component (see the module docstring for what it sets).

    Parameters
    ----------
    nlp : spacy.language.Language
    name : str
    model : str, path or model object, default="default"
        As :class:`propscan.Analyzer`'s ``model``.
    threshold : float or None
        Show spans with calibrated confidence at least this (``None``: the model's recommended
        display threshold). Never changes the article score.
    techniques : list of str or None
        Keep only these techniques (any spelling :func:`propscan.techniques.resolve` knows).
    voice : bool
        Attribute spans to the author or a quoted speaker.
    batch_size : int
        Most docs that go through the model at once (``nlp.pipe(batch_size=...)`` can lower it).
    spans_key : str
        The ``doc.spans`` key to fill.
    """

    def __init__(
        self,
        nlp: Any = None,
        name: str = "propscan",
        *,
        model: Any = "default",
        threshold: float | None = None,
        techniques: list[str] | None = None,
        voice: bool = True,
        batch_size: int = 8,
        spans_key: str = SPANS_KEY,
    ) -> None:
        _require_spacy()
        _register_extensions()
        self.name = name
        self.analyzer = Analyzer(model=model, threshold=threshold, techniques=techniques, voice=voice)
        self.batch_size = int(batch_size)
        self.spans_key = spans_key

    def __call__(self, doc: Any) -> Any:
        return next(iter(self.pipe([doc], batch_size=1)))

    def pipe(self, stream: Iterable[Any], *, batch_size: int | None = None) -> Iterator[Any]:
        """Annotate docs in order; every ``batch_size`` docs go through the model together.

        A doc propscan cannot analyse (empty, only whitespace, binary) gets an empty span group,
        ``doc._.propscan_score = None`` and a ``not_analysed`` warning instead of stopping the stream.
        """
        from spacy.util import minibatch

        # spaCy's own default batch (1,000 docs) suits its cheap components, not a transformer:
        # the component's batch_size caps what goes through the model at once
        size = max(1, min(int(batch_size or self.batch_size), self.batch_size))
        for chunk in minibatch(stream, size=size):
            results: dict[int, Analysis] = {}
            problems: dict[int, str] = {}
            ok = []
            for i, doc in enumerate(chunk):
                try:
                    check_text(doc.text, source="doc")
                except PropscanError as exc:
                    problems[i] = str(exc)
                    continue
                ok.append((doc.text, i))
            for analysis, i in self.analyzer.pipe(ok, batch_size=size, as_tuples=True):
                results[i] = analysis
            for i, doc in enumerate(chunk):
                yield self._annotate(doc, results.get(i), problems.get(i))

    def _annotate(self, doc: Any, analysis: Analysis | None, problem: str | None = None) -> Any:
        from spacy.tokens import SpanGroup

        doc.user_data[("propscan", "spans_key")] = self.spans_key
        spans: list[Any] = []
        attrs: dict[str, Any] = {v: [] for v in _SPAN_ATTRS.values()}
        seen: dict[tuple[int, int, str], int] = {}
        if analysis is not None:
            for sp in analysis.spans:
                label = str(sp.technique or "")
                s = doc.char_span(sp.start, sp.end, label=label, alignment_mode="expand")
                if s is None:  # offsets on whitespace only: nothing to point at
                    continue
                key = (s.start, s.end, label)
                if key in seen:  # two passages expand to the same tokens: keep the more confident one
                    j = seen[key]
                    if sp.score <= attrs["scores"][j]:
                        continue
                    for name, value in self._span_values(sp).items():
                        attrs[name][j] = value
                    continue
                seen[key] = len(spans)
                spans.append(s)
                for name, value in self._span_values(sp).items():
                    attrs[name].append(value)
        attrs["threshold"] = None if analysis is None else float(analysis.threshold)
        attrs["model"] = None if analysis is None else _plain(analysis.model)
        attrs["article_score"] = None if analysis is None else float(analysis.score)
        doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, attrs=attrs, spans=spans)
        doc._.propscan_score = None if analysis is None else float(analysis.score)
        if analysis is None:
            doc._.propscan_warnings = [{"code": "not_analysed", "message": problem or "not analysed"}]
        else:
            doc._.propscan_warnings = [dict(w) for w in analysis.warnings]
        return doc

    @staticmethod
    def _span_values(sp: Any) -> dict[str, Any]:
        return {
            "scores": float(sp.score),
            "voices": sp.voice,
            "speakers": sp.speaker,
            "cues": sp.cue,
            "char_offsets": [int(sp.start), int(sp.end)],
        }


def _plain(value: Any) -> Any:
    """``value`` with only JSON types (SpanGroup attrs are serialised with the doc)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def make_propscan(
    nlp: Any,
    name: str,
    model: Any,
    threshold: float | None,
    techniques: list[str] | None,
    voice: bool,
    batch_size: int,
    spans_key: str,
) -> PropscanComponent:
    """The ``propscan`` factory (what ``nlp.add_pipe("propscan", config={...})`` calls)."""
    return PropscanComponent(nlp, name, model=model, threshold=threshold, techniques=techniques, voice=voice,
                             batch_size=batch_size, spans_key=spans_key)


if _Language is not None:
    _Language.factory(
        "propscan",
        default_config=DEFAULT_CONFIG,
        assigns=["doc.spans", "doc._.propscan_score", "doc._.propscan_warnings"],
    )(make_propscan)
