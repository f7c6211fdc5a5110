"""Analyse articles: :class:`Analyzer` runs a model over documents and returns :class:`Analysis`.

>>> analyzer = Analyzer(model="baseline", threshold=0.3)  # doctest: +SKIP
>>> result = analyzer("They are traitors and cowards.")  # doctest: +SKIP
>>> [(s.text, s.technique) for s in result.spans]  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .document import Document, Sentence, Span, check_text
from .errors import InputError
from .scores import article_score, count_words, profile, sentence_score
from .sentences import split_sentences

SCHEMA_VERSION = "propscan.analysis/1"


@dataclass(frozen=True)
class Analysis:
    """The result of analysing one document. Immutable; every offset indexes ``document.text``.

    Attributes
    ----------
    document : Document
    spans : tuple of Span
        Technique spans (sorted by start), each with technique, calibrated score, voice, cue.
    sentences : tuple of Sentence
        Every sentence with its score (probability it uses at least one technique).
    score : float
        Article score in [0, 1] (see :mod:`propscan.scores`).
    model : dict
        Name, version and weights hash of the model that produced the spans.
    threshold : float
        Confidence threshold applied to the spans.
    quotes : tuple of dict
        Quotations found (start, end, kind, speaker).
    """

    document: Document
    spans: tuple[Span, ...]
    sentences: tuple[Sentence, ...]
    score: float
    model: dict[str, Any] = field(default_factory=dict)
    threshold: float = 0.0
    quotes: tuple[dict[str, Any], ...] = ()

    @property
    def n_words(self) -> int:
        return count_words(self.document.text)

    @property
    def profile(self) -> dict[str, Any]:
        """Technique → count, expected count and rate per 1,000 words."""
        return profile(self.spans, n_words=self.n_words)

    @property
    def profile_by_voice(self) -> dict[str, Any]:
        return profile(self.spans, n_words=self.n_words, by_voice=True)

    @property
    def speakers(self) -> dict[str, int]:
        """Quoted speaker → number of technique spans in their quotes."""
        out: dict[str, int] = {}
        for sp in self.spans:
            if sp.voice == "quoted":
                key = sp.speaker or "(unattributed)"
                out[key] = out.get(key, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def to_dict(self) -> dict[str, Any]:
        from .rationale import rationale

        return {
            "schema": SCHEMA_VERSION,
            "id": self.document.id,
            "document": self.document.to_dict(),
            "score": self.score,
            "threshold": self.threshold,
            "model": self.model,
            "n_words": self.n_words,
            "spans": [
                {**sp.to_dict(), "rationale": {k: v for k, v in rationale(sp).items() if k in ("display", "definition")}}
                for sp in self.spans
            ],
            "sentences": [s.to_dict() for s in self.sentences],
            "profile": self.profile,
            "quotes": list(self.quotes),
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        if data.get("schema") != SCHEMA_VERSION:
            raise InputError(f"unsupported analysis schema {data.get('schema')!r}; expected {SCHEMA_VERSION}.")
        doc = Document.from_dict(data["document"])
        return cls(
            document=doc,
            spans=tuple(Span.from_dict(s, doc) for s in data["spans"]),
            sentences=tuple(Sentence(s["start"], s["end"], s.get("score"), doc=doc) for s in data["sentences"]),
            score=float(data["score"]),
            model=dict(data.get("model") or {}),
            threshold=float(data.get("threshold", 0.0)),
            quotes=tuple(data.get("quotes") or ()),
        )

    @classmethod
    def from_json(cls, text: str) -> Analysis:
        return cls.from_dict(json.loads(text))

    def to_frame(self) -> Any:
        """Spans as a pandas DataFrame (one row per span)."""
        import pandas as pd

        rows = [{"doc_id": self.document.id, **sp.to_dict()} for sp in self.spans]
        cols = ["doc_id", "start", "end", "technique", "score", "text", "voice", "speaker", "cue"]
        return pd.DataFrame(rows, columns=cols)

    def _repr_html_(self) -> str:
        from .views.html import render_analysis_fragment

        return render_analysis_fragment(self)


def build_analysis(
    doc: Document,
    spans: Sequence[Span],
    *,
    model_info: dict[str, Any] | None = None,
    threshold: float = 0.0,
    techniques: Sequence[str] | None = None,
    voice: bool = True,
) -> Analysis:
    """Turn a model's spans for ``doc`` into an :class:`Analysis` (filter, voice, cues, scores)."""
    from .rationale import add_cues

    kept = [sp.attach(doc) if sp.doc is not doc else sp for sp in spans]
    kept = [sp for sp in kept if sp.score >= threshold and (techniques is None or sp.technique in techniques)]
    kept.sort(key=lambda s: (s.start, -s.end, str(s.technique)))
    quotes: tuple[dict[str, Any], ...] = ()
    if voice:
        try:
            from . import voice as _voice
        except ImportError:  # pragma: no cover - voice module is part of the package
            _voice = None  # type: ignore[assignment]
        if _voice is not None:
            found = _voice.find_quotes(doc)
            kept = list(_voice.attribute(doc, kept, found))
            quotes = tuple(
                {"start": q.start, "end": q.end, "kind": q.kind, "speaker": q.speaker} for q in found
            )
    kept = add_cues(doc, kept)
    sents = tuple(Sentence(s, e, round(sentence_score(kept, s, e), 6), doc=doc) for s, e in split_sentences(doc.text))
    score = article_score(kept, n_words=count_words(doc.text), median_density=(model_info or {}).get("article_reference_density"))
    return Analysis(doc, tuple(kept), sents, score, dict(model_info or {}), threshold, quotes)


class Analyzer:
    """Runs a model over documents. Like spaCy's ``Language``: call it, or ``pipe`` many.

    Parameters
    ----------
    model : str, path or model object, default="default"
        ``"default"`` (the embedded transformer, or the baseline when absent), ``"baseline"``,
        a model directory, or any object following :class:`propscan.models.Model`.
    threshold : float, default=0.0
        Keep spans whose calibrated confidence is at least this.
    techniques : sequence of str, optional
        Keep only these techniques (SemEval names).
    voice : bool, default=True
        Attribute spans to the author or a quoted speaker.

    Examples
    --------
    >>> analyzer = Analyzer(model="baseline")  # doctest: +SKIP
    >>> for analysis in analyzer.pipe(["First text.", "Second text."], batch_size=8):  # doctest: +SKIP
    ...     print(analysis.score)
    """

    def __init__(
        self,
        model: Any = "default",
        *,
        threshold: float = 0.0,
        techniques: Sequence[str] | None = None,
        voice: bool = True,
    ) -> None:
        self.model = model
        self.threshold = threshold
        self.techniques = techniques
        self.voice = voice
        self._model_obj: Any = None

    @property
    def model_(self) -> Any:
        """The loaded model (loaded on first use)."""
        if self._model_obj is None:
            if isinstance(self.model, str) or hasattr(self.model, "__fspath__"):
                from .models.loading import load_model

                self._model_obj = load_model(self.model)
            else:
                self._model_obj = self.model
        return self._model_obj

    @property
    def model_info(self) -> dict[str, Any]:
        info = getattr(self.model_, "info", None)
        return dict(info) if info else {"name": type(self.model_).__name__}

    def _as_document(self, item: Document | str) -> Document:
        if isinstance(item, Document):
            check_text(item.text, source=f"document {item.id}")
            return item
        if isinstance(item, str):
            return Document(check_text(item))
        raise InputError(f"expected a Document or str, got {type(item).__name__}.")

    def __call__(self, item: Document | str) -> Analysis:
        return next(self.pipe([item]))

    def pipe(self, items: Iterable[Document | str], *, batch_size: int = 8) -> Iterator[Analysis]:
        """Analyse many documents lazily, in input order."""
        batch: list[Document] = []
        for item in items:
            batch.append(self._as_document(item))
            if len(batch) >= batch_size:
                yield from self._run(batch)
                batch = []
        if batch:
            yield from self._run(batch)

    def _run(self, docs: list[Document]) -> Iterator[Analysis]:
        info = self.model_info
        for doc, spans in zip(docs, self.model_.predict(docs)):
            yield build_analysis(
                doc, spans, model_info=info, threshold=self.threshold, techniques=self.techniques, voice=self.voice
            )


def analyze(source: Document | str, *, model: Any = "default", threshold: float = 0.0) -> Analysis:
    """Analyse one text, file path or URL and return an :class:`Analysis`.

    >>> propscan.analyze("examples/article_demo.txt")  # doctest: +SKIP
    """
    if isinstance(source, str) and "\n" not in source and len(source) < 2048:
        from pathlib import Path

        if source.startswith(("http://", "https://")) or Path(source).is_file():
            from .ingest import load_inputs

            docs = list(load_inputs([source]))
            if not docs:
                raise InputError(f"{source}: no text found.")
            source = docs[0]
    return Analyzer(model=model, threshold=threshold)(source)
