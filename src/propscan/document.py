"""The data model: a :class:`Document` owns its text; :class:`Span` and :class:`Sentence` point into it.

Offsets are Python ``str`` indices into the *original* text, end exclusive (the PTC convention).
Nothing in propscan copies span text to find it again: ``span.text`` is always a slice.

>>> doc = Document("They are traitors, plain and simple.", id="1")
>>> span = doc.span(9, 17, "Name_Calling,Labeling", score=0.9)
>>> span.text
'traitors'
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from propscan import defaults
from propscan.errors import InputError, OffsetError

Align = Literal["strict", "contract", "expand"]
Voice = Literal["author", "quoted"]

_WORD_EDGE_TRIM = " \t\r\n.,:;"


def content_hash(text: str) -> str:
    """Stable sha256 hex digest of a text (used as a key by corpus stores)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Document:
    """One article. Immutable; owns the one copy of the text every span points into.

    Parameters
    ----------
    text : str
        The article text, exactly as read (PTC articles: title line, blank line, body).
    id : str, default=""
        Article id; when empty, the first 12 hex digits of the text's sha256.
    title, url, outlet : str or None
        Optional metadata.
    published : datetime.date or None
        Publication date, when known.

    Examples
    --------
    >>> Document("Hello.", id="a").span(0, 5).text
    'Hello'
    """

    text: str
    id: str = ""
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: _dt.date | None = None
    #: visible words of the page the text was extracted from (HTML inputs; not serialised), so a result can
    #: warn when extraction kept only a small part of the page (:mod:`propscan.analysis.quality`)
    source_words: int | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise InputError(f"Document text must be str, got {type(self.text).__name__}.")
        if not self.id:
            object.__setattr__(self, "id", content_hash(self.text)[:12])
        if isinstance(self.published, str):
            object.__setattr__(self, "published", _parse_date(self.published))

    def __len__(self) -> int:
        return len(self.text)

    @property
    def hash(self) -> str:
        """sha256 of the text."""
        return content_hash(self.text)

    def span(
        self,
        start: int,
        end: int,
        technique: str | None = None,
        *,
        score: float = 1.0,
        align: Align = "strict",
        **extra: Any,
    ) -> Span:
        """Make a :class:`Span` on this document, checking the offsets.

        ``align="strict"`` refuses offsets outside the text or empty spans; ``"contract"`` trims
        whitespace and ``. , : ;`` from both ends (PTC spans never start or end with them);
        ``"expand"`` clips offsets to the text.
        """
        n = len(self.text)
        if align == "expand":
            start, end = max(0, min(start, n)), max(0, min(end, n))
        elif align not in ("strict", "contract"):
            raise ValueError(f"align must be one of strict, contract, expand; got {align!r}")
        if not (0 <= start < end <= n):
            raise OffsetError(
                f"Span {start}:{end} does not fit the text of document {self.id} ({n} chars); "
                "offsets count characters, end exclusive, and must satisfy 0 <= start < end <= len(text)."
            )
        if align == "contract":
            while start < end and self.text[start] in _WORD_EDGE_TRIM:
                start += 1
            while end > start and self.text[end - 1] in _WORD_EDGE_TRIM:
                end -= 1
            if start >= end:
                raise OffsetError(f"Span {start}:{end} of document {self.id} holds only whitespace/punctuation.")
        return Span(start, end, technique, score=score, doc=self, **extra)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "title": self.title,
            "url": self.url,
            "outlet": self.outlet,
            "published": self.published.isoformat() if self.published else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(
            text=data["text"],
            id=str(data.get("id") or ""),
            title=data.get("title"),
            url=data.get("url"),
            outlet=data.get("outlet"),
            published=_parse_date(data.get("published")),
        )


def _parse_date(value: Any) -> _dt.date | None:
    if value is None or value == "" or isinstance(value, _dt.date):
        return value or None
    text = str(value).strip()
    try:
        return _dt.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise InputError(f"Cannot read date {text!r}; use ISO format YYYY-MM-DD.") from exc


@dataclass(frozen=True, slots=True)
class Span:
    """A marked passage: ``doc.text[start:end]`` uses ``technique`` with confidence ``score``.

    ``doc`` is a back-reference (not compared, not serialised) that makes ``text`` available.
    ``voice``/``speaker`` say whether it is the author's own voice or a quoted speaker's, ``cue``
    is the evidence shown as the rationale (set by analysis; ``None`` when unknown).

    >>> Span(0, 4, "Doubt").length
    4
    """

    start: int
    end: int
    technique: str | None = None
    score: float = 1.0
    voice: Voice | None = None
    speaker: str | None = None
    cue: str | None = None
    doc: Document | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not (isinstance(self.start, int) and isinstance(self.end, int)) or self.start < 0 or self.end <= self.start:
            raise OffsetError(f"Span offsets must be integers with 0 <= start < end; got {self.start}:{self.end}.")
        if self.doc is not None and self.end > len(self.doc.text):
            raise OffsetError(f"Span {self.start}:{self.end} is outside document {self.doc.id} ({len(self.doc.text)} chars).")

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def text(self) -> str:
        """The passage, sliced from the document (never a stored copy)."""
        if self.doc is None:
            raise OffsetError("This span is not attached to a document; use doc.span(...) or span.attach(doc).")
        return self.doc.text[self.start : self.end]

    def attach(self, doc: Document) -> Span:
        """Return this span bound to ``doc`` (offsets are checked)."""
        return replace(self, doc=doc)

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def with_(self, **changes: Any) -> Span:
        """Copy with some fields changed (``span.with_(score=0.5)``)."""
        return replace(self, **changes)

    def to_dict(self, *, with_text: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "technique": self.technique,
            "score": float(self.score),
        }
        if with_text and self.doc is not None:
            out["text"] = self.text
        if self.voice is not None:
            out["voice"] = self.voice
            out["speaker"] = self.speaker
        if self.cue is not None:
            out["cue"] = self.cue
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], doc: Document | None = None) -> Span:
        span = cls(
            int(data["start"]),
            int(data["end"]),
            data.get("technique"),
            score=float(data.get("score", 1.0)),
            voice=data.get("voice"),
            speaker=data.get("speaker"),
            cue=data.get("cue"),
            doc=doc,
        )
        if doc is not None and "text" in data and data["text"] != span.text:
            raise OffsetError(f"Span {span.start}:{span.end} text does not match document {doc.id}.")
        return span


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a document with its propaganda score (``None`` before analysis)."""

    start: int
    end: int
    score: float | None = None
    doc: Document | None = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        if self.doc is None:
            raise OffsetError("This sentence is not attached to a document.")
        return self.doc.text[self.start : self.end]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end}
        if self.score is not None:
            out["score"] = float(self.score)
        return out


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def check_unicode(text: str, *, source: str = "input") -> str:
    """Refuse text holding a lone surrogate (``\\ud800``..``\\udfff``, e.g. from a JSON escape):
    it is not valid Unicode, cannot be written as UTF-8, and would crash tokenizers downstream.

    >>> check_unicode("ok \\ud800", source="row 3")
    Traceback (most recent call last):
    ...
    propscan.errors.InputError: [P001] row 3 contains a lone surrogate (U+D800) at character 3, which is not valid Unicode; send valid UTF-8 text.
    """
    m = _SURROGATE_RE.search(text)
    if m is not None:
        raise InputError(f"{source} {surrogate_message(text, m.start())}")
    return text


def surrogate_message(text: str, index: int) -> str:
    """The one wording used everywhere (CLI, batch, API) for a lone surrogate at ``text[index]``."""
    return (
        f"contains a lone surrogate (U+{ord(text[index]):04X}) at character {index}, which is not valid Unicode; "
        "send valid UTF-8 text."
    )


def find_surrogate(text: str) -> int | None:
    """Index of the first lone surrogate in ``text``, or ``None``."""
    m = _SURROGATE_RE.search(text)
    return None if m is None else m.start()


def check_text(text: str, *, source: str = "input", max_chars: int = defaults.MAX_CHARS) -> str:
    """Refuse text that cannot be analysed, with one actionable line.

    >>> check_text("  ")
    Traceback (most recent call last):
    ...
    propscan.errors.InputError: [P001] input is empty or only whitespace; nothing to analyse.
    """
    if not text or not text.strip():
        raise InputError(f"{source} is empty or only whitespace; nothing to analyse.")
    if "\x00" in text:
        raise InputError(f"{source} looks binary (contains NUL bytes); give a UTF-8 text, HTML, JSONL or CSV file.")
    if len(text) > max_chars:
        raise InputError(f"{source} has {len(text):,} characters, over the limit of {max_chars:,}; split it into articles.")
    check_unicode(text, source=source)
    return text
