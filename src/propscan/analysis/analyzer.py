"""Analyse articles: :class:`Analyzer` runs a model over documents and returns :class:`Analysis`.

>>> analyzer = Analyzer(model="baseline", threshold=0.3)  # doctest: +SKIP
>>> result = analyzer("They are traitors and cowards.")  # doctest: +SKIP
>>> [(s.text, s.technique) for s in result.spans]  # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from propscan import defaults
from propscan.analysis.scores import article_score, count_words, profile, sentence_scores
from propscan.document import Document, Sentence, Span, check_text
from propscan.errors import InputError
from propscan.techniques import resolve_names
from propscan.text.sentences import split_sentences

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
        Article score in [0, 1] (see :mod:`propscan.analysis.scores`), computed from every candidate span the
        model found: the display threshold and the technique filter change what is shown, never the score.
    model : dict
        Name, version and weights hash of the model that produced the spans.
    threshold : float
        Confidence threshold applied to the shown spans.
    quotes : tuple of dict
        Quotations found (start, end, kind, speaker).
    warnings : tuple of dict
        ``{"code", "message"}`` when the result may mislead (``not_english``, ``too_short``,
        ``partial_extraction``; see :mod:`propscan.analysis.quality`).
    """

    document: Document
    spans: tuple[Span, ...]
    sentences: tuple[Sentence, ...]
    score: float
    model: dict[str, Any] = field(default_factory=dict)
    threshold: float = 0.0
    quotes: tuple[dict[str, Any], ...] = ()
    warnings: tuple[dict[str, str], ...] = ()

    @property
    def id(self) -> str:
        """The document's id."""
        return self.document.id

    def __repr__(self) -> str:
        return (f"Analysis(id={self.id!r}, score={self.score:.3f}, spans={len(self.spans)}, "
                f"threshold={self.threshold:g}, words={self.n_words}, warnings={[w['code'] for w in self.warnings]})")

    @property
    def n_words(self) -> int:
        """Words in the document text (``analysis.n_words``), the denominator of every rate."""
        return count_words(self.document.text)

    @property
    def profile(self) -> dict[str, Any]:
        """Technique → count, expected count and rate per 1,000 words."""
        return profile(self.spans, n_words=self.n_words)

    @property
    def profile_by_voice(self) -> dict[str, Any]:
        """As :attr:`profile`, split into the author's voice and quoted speakers."""
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
        """The ``propscan.analysis/1`` JSON object (``json.dumps(analysis.to_dict())``)."""
        from propscan.analysis.rationale import rationale

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
            "warnings": list(self.warnings),
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text; ``kwargs`` go to :func:`json.dumps` (``analysis.to_json(indent=2)``)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        """Rebuild an Analysis from :meth:`to_dict` output (``Analysis.from_dict(row)``); other schemas raise InputError."""
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
            warnings=tuple(data.get("warnings") or ()),
        )

    @classmethod
    def from_json(cls, text: str) -> Analysis:
        """Rebuild an Analysis from :meth:`to_json` output (``Analysis.from_json(line)``)."""
        return cls.from_dict(json.loads(text))

    def to_frame(self) -> Any:
        """Spans as a pandas DataFrame (one row per span)."""
        import pandas as pd

        rows = [{"doc_id": self.document.id, **sp.to_dict()} for sp in self.spans]
        cols = ["doc_id", "start", "end", "technique", "score", "text", "voice", "speaker", "cue"]
        return pd.DataFrame(rows, columns=cols)


def to_frame(analyses: Iterable[Analysis], *, level: str = "spans") -> Any:
    """One pandas DataFrame over many analyses: a row per span (``level="spans"``) or per article.

    >>> propscan.to_frame(analyzer.pipe(texts), level="articles")  # doctest: +SKIP
    """
    import pandas as pd

    if level == "spans":
        frames = [a.to_frame() for a in analyses]
        cols = ["doc_id", "start", "end", "technique", "score", "text", "voice", "speaker", "cue"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    if level == "articles":
        rows = [{"doc_id": a.id, "title": a.document.title, "outlet": a.document.outlet, "published": a.document.published,
                 "score": a.score, "n_words": a.n_words, "n_spans": len(a.spans), "threshold": a.threshold,
                 "warnings": ",".join(w["code"] for w in a.warnings)} for a in analyses]
        return pd.DataFrame(rows, columns=["doc_id", "title", "outlet", "published", "score", "n_words", "n_spans", "threshold", "warnings"])
    raise InputError(f"level must be 'spans' or 'articles', got {level!r}.")


def resolve_threshold(threshold: float | None, model_info: dict[str, Any] | None) -> float:
    """The display threshold to apply: ``threshold`` if given, else the model's recommended one.

    >>> resolve_threshold(None, {"display_threshold": 0.3}), resolve_threshold(0.5, {"display_threshold": 0.3})
    (0.3, 0.5)
    """
    if threshold is not None:
        return float(threshold)
    return float((model_info or {}).get("display_threshold") or 0.0)


def build_analysis(
    doc: Document,
    spans: Sequence[Span],
    *,
    model_info: dict[str, Any] | None = None,
    threshold: float | None = None,
    techniques: Sequence[str] | None = None,
    voice: bool = True,
) -> Analysis:
    """Turn a model's candidate spans for ``doc`` into an :class:`Analysis` (score, filter, voice, cues).

    The article and sentence scores are computed from all candidates; ``threshold`` (``None``: the
    model's recommended display threshold) and ``techniques`` only choose which spans are shown.
    """
    from propscan.analysis.quality import check_document_text
    from propscan.analysis.rationale import add_cues

    threshold = resolve_threshold(threshold, model_info)
    candidates = [sp.attach(doc) if sp.doc is not doc else sp for sp in spans]
    n_words = count_words(doc.text)
    score = article_score(candidates, n_words=n_words, median_density=(model_info or {}).get("article_reference_density"))
    sent_bounds = split_sentences(doc.text)
    sent_scores = sentence_scores(candidates, sent_bounds)
    kept = [sp for sp in candidates if sp.score >= threshold and (techniques is None or sp.technique in techniques)]
    kept.sort(key=lambda s: (s.start, -s.end, str(s.technique)))
    quotes: tuple[dict[str, Any], ...] = ()
    if voice:
        from propscan.analysis.voice import attribute, find_quotes

        found = find_quotes(doc)
        kept = list(attribute(doc, kept, found))
        quotes = tuple({"start": q.start, "end": q.end, "kind": q.kind, "speaker": q.speaker} for q in found)
    kept = add_cues(doc, kept)
    sents = tuple(Sentence(s, e, round(sc, 6), doc=doc) for (s, e), sc in zip(sent_bounds, sent_scores))
    warnings = tuple(check_document_text(doc.text, source_words=getattr(doc, "source_words", None)))
    return Analysis(doc, tuple(kept), sents, score, dict(model_info or {}), threshold, quotes, warnings)


class Analyzer:
    """Runs a model over documents. Like spaCy's ``Language``: call it, or ``pipe`` many.

    Parameters
    ----------
    model : str, path or model object, default="default"
        ``"default"`` (the embedded transformer, or the baseline when absent), ``"baseline"``,
        a model directory, or any object following :class:`propscan.models.Model`.
    threshold : float or None, default=None
        Show spans whose calibrated confidence is at least this; ``None`` uses the model's
        recommended display threshold (chosen on held-out articles, in its ``config.json``).
    techniques : sequence of str, optional
        Keep only these techniques (SemEval names).
    voice : bool, default=True
        Attribute spans to the author or a quoted speaker.
    semeval : bool, default=False
        Ask the model for its F1-optimal SemEval decoding instead of every candidate (for SemEval
        files; models without such a setting give their usual spans).
    max_chars : int, default=propscan.defaults.MAX_CHARS
        Longest text accepted; a longer one raises :class:`~propscan.errors.InputError`.

    Examples
    --------
    >>> analyzer = Analyzer(model="baseline")  # doctest: +SKIP
    >>> for analysis in analyzer.pipe(["First text.", "Second text."], batch_size=8):  # doctest: +SKIP
    ...     print(analysis.score)
    """

    def __init__(
        self,
        model: Any = defaults.MODEL,
        *,
        threshold: float | None = defaults.THRESHOLD,
        techniques: Sequence[str] | None = None,
        voice: bool = True,
        semeval: bool = False,
        max_chars: int = defaults.MAX_CHARS,
    ) -> None:
        self.model = model
        self.semeval = semeval
        self.threshold = threshold
        self.techniques = resolve_names(techniques) if techniques is not None else None
        self.voice = voice
        self.max_chars = max_chars
        self._model_obj: Any = None
        self._predict_options: dict[str, Any] = {}

    @property
    def model_(self) -> Any:
        """The loaded model (loaded on first use).

        >>> Analyzer("baseline").model_.info["name"]  # doctest: +SKIP
        'baseline'
        """
        if self._model_obj is None:
            if isinstance(self.model, str) or hasattr(self.model, "__fspath__"):
                from propscan.models.loading import load_model

                model = load_model(self.model)
            elif hasattr(self.model, "predict"):
                model = self.model
            else:
                raise TypeError(
                    f"expected a model name, a model directory or a model with predict(); got {type(self.model).__name__}"
                )
            # decided once per model, not per batch: inspect.signature is slow next to a small batch
            if self.semeval and "semeval" in inspect.signature(model.predict).parameters:
                self._predict_options = {"semeval": True}
            self._model_obj = model
        return self._model_obj

    @property
    def model_info(self) -> dict[str, Any]:
        """Name, version and weights hash of the model (its ``info``), as each :class:`Analysis` records it."""
        info = getattr(self.model_, "info", None)
        return dict(info) if info else {"name": type(self.model_).__name__}

    def _as_document(self, item: Document | str) -> Document:
        if isinstance(item, Document):
            check_text(item.text, source=f"document {item.id}", max_chars=self.max_chars)
            return item
        if isinstance(item, str):
            return Document(check_text(item, max_chars=self.max_chars))
        raise InputError(f"expected a Document or str, got {type(item).__name__}.")

    def __call__(self, item: Document | str) -> Analysis:
        return next(self.pipe([item]))

    def pipe(self, items: Iterable[Any], *, batch_size: int = 8, as_tuples: bool = False) -> Iterator[Any]:
        """Analyse many documents lazily, in input order (the one inference loop every layer uses).

        With ``as_tuples=True`` each item is ``(document_or_text, context)`` and each result is
        ``(analysis, context)``, context passed through untouched (as in spaCy's ``nlp.pipe``).

        >>> for analysis, meta in Analyzer().pipe([("Text.", {"outlet": "x"})], as_tuples=True):  # doctest: +SKIP
        ...     print(meta["outlet"], analysis.score)
        """
        batch: list[Document] = []
        contexts: list[Any] = []
        for item in items:
            if as_tuples:
                if not (isinstance(item, tuple) and len(item) == 2):
                    raise InputError("with as_tuples=True every item must be a (text or Document, context) pair.")
                item, context = item
                contexts.append(context)
            batch.append(self._as_document(item))
            if len(batch) >= batch_size:
                yield from self._emit(batch, contexts, as_tuples)
                batch, contexts = [], []
        if batch:
            yield from self._emit(batch, contexts, as_tuples)

    def _emit(self, batch: list[Document], contexts: list[Any], as_tuples: bool) -> Iterator[Any]:
        if as_tuples:
            yield from zip(self._run(batch), contexts)
        else:
            yield from self._run(batch)

    def _predict(self, docs: list[Document]) -> list[list[Span]]:
        model = self.model_  # loading it also sets _predict_options
        spans = list(model.predict(docs, **self._predict_options))
        if len(spans) != len(docs):  # zip() below would silently drop the documents left over
            raise RuntimeError(f"model returned {len(spans)} results for {len(docs)} documents")
        return spans

    def _run(self, docs: list[Document]) -> Iterator[Analysis]:
        info = self.model_info
        for doc, spans in zip(docs, self._predict(docs)):
            yield build_analysis(
                doc, spans, model_info=info, threshold=self.threshold, techniques=self.techniques, voice=self.voice
            )


def analyze(
    text: Document | str | os.PathLike[str] | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    url: str | None = None,
    model: Any = defaults.MODEL,
    threshold: float | None = defaults.THRESHOLD,
    techniques: Sequence[str] | None = None,
) -> Analysis:
    """Analyse one article given as ``text`` (a str is always article text, never a file name), a
    ``Document``, a ``pathlib.Path``, ``path=`` (a .txt or .html file) or ``url=``.

    ``threshold=None`` shows spans at the model's recommended display threshold; ``techniques``
    (display names or SemEval ids) limits what is shown. Neither changes the article score.

    >>> propscan.analyze(path="examples/article_demo.txt").score  # doctest: +SKIP
    >>> propscan.analyze("They are traitors, plain and simple.").spans  # doctest: +SKIP
    """
    from pathlib import Path

    given = [x for x in (text, path, url) if x is not None]
    if len(given) != 1:
        raise InputError("give exactly one of text, path= or url=.")
    if isinstance(text, os.PathLike):
        path, text = text, None
    source: Document | str
    if path is not None or url is not None:
        from propscan.io.ingest import load_inputs

        where = str(url) if url is not None else str(path)
        if path is not None and not Path(path).is_file():
            raise InputError(f"{where}: no such file.")
        docs = list(load_inputs([where]))
        if not docs:
            raise InputError(f"{where}: no text found.")
        source = docs[0]
    else:
        assert text is not None
        source = text  # type: ignore[assignment]
    return Analyzer(model=model, threshold=threshold, techniques=techniques)(source)
