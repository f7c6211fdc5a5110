"""The versioned JSON Schema of an analysis result, as pydantic models.

The one definition of the wire format: ``Analysis.to_dict()`` / ``propscan analyze --format json``
produce it, and the REST API validates its responses against these same models
(:mod:`propscan.server.payloads` re-exports them). ``python -m propscan.schema.analysis`` writes
``src/propscan/schema/analysis.v1.json``.

>>> AnalysisModel.model_json_schema()["title"]
'AnalysisModel'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from propscan.analysis.analyzer import SCHEMA_VERSION

SchemaVersion = Literal["propscan.analysis/1"]
assert SCHEMA_VERSION in get_args(SchemaVersion), "bump the Literal with propscan.analysis.analyzer.SCHEMA_VERSION"


class DocumentModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = Field(None, description="ISO date YYYY-MM-DD")


class RationaleModel(BaseModel):
    display: str
    definition: str


class SpanModel(BaseModel):
    start: int = Field(ge=0, description="offset into document.text, inclusive")
    end: int = Field(gt=0, description="offset into document.text, exclusive")
    technique: str | None
    score: float = Field(ge=0.0, le=1.0)
    text: str | None = None
    voice: Literal["author", "quoted"] | None = None
    speaker: str | None = None
    cue: str | None = None
    rationale: RationaleModel | None = None


class ModelInfoModel(BaseModel):
    """Which model produced the spans (``Analyzer.model_info``); empty for spans given by hand."""

    model_config = ConfigDict(extra="allow", protected_namespaces=())
    name: str | None = None
    version: str | None = None
    weights_sha256: str | None = None
    encoder: Any = None


class SentenceModel(BaseModel):
    start: int
    end: int
    score: float | None = None


class ProfileRow(BaseModel):
    count: int
    expected: float
    per_1000_words: float


class QuoteModel(BaseModel):
    start: int
    end: int
    kind: str
    speaker: str | None = None


class WarningModel(BaseModel):
    """A reason the result may mislead (``not_english``, ``too_short``, ``partial_extraction``)."""

    code: str
    message: str


class AnalysisModel(BaseModel):
    """An analysis, schema ``propscan.analysis/1`` (the JSON of ``propscan analyze --format json``)."""

    model_config = ConfigDict(populate_by_name=True)
    schema_: SchemaVersion = Field("propscan.analysis/1", alias="schema")
    id: str
    document: DocumentModel
    score: float = Field(ge=0.0, le=1.0, description="Article score in [0, 1].")
    threshold: float
    model: ModelInfoModel
    n_words: int
    spans: list[SpanModel]
    sentences: list[SentenceModel]
    profile: dict[str, ProfileRow]
    quotes: list[QuoteModel] = []
    warnings: list[WarningModel] = []


SCHEMA_PATH = Path(__file__).parent / "analysis.v1.json"


def json_schema() -> dict[str, object]:
    schema = AnalysisModel.model_json_schema(by_alias=True)
    schema["$id"] = "https://propscan.invalid/schema/analysis.v1.json"
    schema["description"] = f"propscan analysis result, version {SCHEMA_VERSION}"
    return schema


if __name__ == "__main__":
    SCHEMA_PATH.parent.mkdir(exist_ok=True)
    SCHEMA_PATH.write_text(json.dumps(json_schema(), indent=2) + "\n")
    print(SCHEMA_PATH)
