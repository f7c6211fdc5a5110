"""Request and response models of the REST API (one model per direction).

The analysis response is :meth:`propscan.analysis.analyzer.Analysis.to_dict` (schema
``propscan.analysis/1``); routes return that dict and FastAPI validates it against
:class:`propscan.schema.analysis.AnalysisModel`, re-exported here as ``AnalysisOut`` (unset optional
fields are left out, as ``to_dict`` does).

>>> AnalyzeRequest(text="They lie.", threshold=0.5).threshold
0.5
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from propscan import techniques as _techniques
from propscan.document import find_surrogate, surrogate_message
from propscan.schema.analysis import AnalysisModel, ModelInfoModel

MAX_SPANS = 2000
MAX_TECHNIQUES = len(_techniques.CATALOGUE)


def normalise_techniques(values: list[str] | None) -> list[str] | None:
    """Technique names, ids or display names, any case or separator -> SemEval names.

    Uses :func:`propscan.techniques.resolve_names`; ``ValueError`` lists the valid names.
    """
    try:
        return _techniques.resolve_names(
            values, hint=f"valid names: {', '.join(_techniques.NAMES)} (see GET /api/v1/techniques)"
        )
    except _techniques.UnknownTechniqueError as exc:
        raise ValueError(exc.args[0]) from None  # the message without the CLI's error code


def valid_unicode(value: str | None) -> str | None:
    """Refuse a lone surrogate (a ``\\ud800`` JSON escape): 422, worded as everywhere else in propscan."""
    if isinstance(value, str):
        at = find_surrogate(value)
        if at is not None:
            raise ValueError(surrogate_message(value, at))
    return value


# ---- requests ---------------------------------------------------------------------------------


class AnalyzeRequest(BaseModel):
    """Analyse a text, or the article at a URL (exactly one of ``text`` and ``url``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "They are traitors, plain and simple.", "threshold": 0.3}]},
    )

    text: str | None = Field(None, description="Article text (title line, blank line, body is the usual shape).")
    url: str | None = Field(None, max_length=2048, description="http(s) URL of an article page to fetch and extract.")
    id: str | None = Field(None, max_length=200, description="Your id for the article (default: a hash of the text).")
    title: str | None = Field(None, max_length=1000)
    threshold: float | None = Field(
        None, ge=0.0, le=1.0,
        description="Show spans with confidence at least this (default: the model's recommended display threshold). "
        "The article score does not depend on it.",
    )
    techniques: list[str] | None = Field(
        None, max_length=50, description="Keep only these techniques (SemEval names, ids or display names)."
    )

    @field_validator("text", "url", "id", "title")
    @classmethod
    def _valid_unicode(cls, v: str | None) -> str | None:
        return valid_unicode(v)

    @field_validator("techniques")
    @classmethod
    def _known_techniques(cls, v: list[str] | None) -> list[str] | None:
        return normalise_techniques(v)

    @model_validator(mode="after")
    def _text_xor_url(self) -> AnalyzeRequest:
        if (self.text is None) == (self.url is None):
            raise ValueError("give exactly one of 'text' or 'url'")
        if self.text is not None and not self.text.strip():
            raise ValueError("text is empty or only whitespace; nothing to analyse")
        if self.url is not None and not self.url.strip():
            raise ValueError("url is empty")
        return self


class SpanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=0, description="Character offset (Python str index), inclusive.")
    end: int = Field(gt=0, description="Character offset, exclusive.")

    @model_validator(mode="after")
    def _ordered(self) -> SpanIn:
        if self.end <= self.start:
            raise ValueError(f"span end ({self.end}) must be greater than start ({self.start})")
        return self


class ClassifyRequest(BaseModel):
    """Name the technique of given passages of a text (the SemEval TC subtask)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "They are traitors, plain and simple.", "spans": [{"start": 9, "end": 17}]}]},
    )

    text: str = Field(description="The text the offsets index.")
    spans: list[SpanIn] = Field(min_length=1, max_length=MAX_SPANS)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        valid_unicode(v)
        if not v.strip():
            raise ValueError("text is empty or only whitespace; nothing to classify")
        return v


# ---- responses --------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. queue_full, url_refused, validation_error.")
    message: str = Field(description="One line a person can act on.")


class ErrorOut(BaseModel):
    error: ErrorBody


# The analysis wire format has one definition, propscan.schema.analysis (also published as a JSON Schema).
AnalysisOut = AnalysisModel
ModelInfo = ModelInfoModel


class ClassifiedSpan(BaseModel):
    start: int
    end: int
    text: str
    technique: str | None
    score: float


class ClassifyOut(BaseModel):
    spans: list[ClassifiedSpan]
    model: ModelInfo


class TechniqueOut(BaseModel):
    """The public subset of :class:`propscan.techniques.Technique`, written out on purpose: the API's
    contract must not change when the catalogue gains fields for internal use (cue hints, mappings)."""

    id: str
    name: str
    display: str
    definition: str
    example: str
    color: str


class VersionOut(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    app: str = "propscan"
    version: str
    schema_: str = Field(alias="schema", serialization_alias="schema")
    model: ModelInfo | None


class QueueOut(BaseModel):
    pending: int
    capacity: int
    workers: int
    completed: int
    batches: int


class HealthOut(BaseModel):
    status: Literal["ok", "loading", "error", "stopped"]
    model_ready: bool
    message: str | None = None
    queue: QueueOut
