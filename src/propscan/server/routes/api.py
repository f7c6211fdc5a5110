"""REST API, version 1 (``/api/v1``): analyze, classify, techniques, healthz, version.

>>> # curl -s localhost:8000/api/v1/analyze -H 'content-type: application/json' -d '{"text": "..."}'
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from propscan.analysis.analyzer import SCHEMA_VERSION
from propscan.document import Document
from propscan.server.deps import (
    InferenceQueueDep,
    SettingsDep,
    TokenDep,
    check_length,
    text_document,
    url_document,
)
from propscan.server.payloads import (
    AnalysisOut,
    AnalyzeRequest,
    ClassifyOut,
    ClassifyRequest,
    ErrorOut,
    HealthOut,
    TechniqueOut,
    VersionOut,
)
from propscan.techniques import catalogue_rows
from propscan.version import __version__

_E = {"model": ErrorOut}
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {**_E, "description": "Malformed JSON, or a URL that was refused or could not be fetched"},
    401: {**_E, "description": "Missing or wrong bearer token (when the server has one)"},
    413: {**_E, "description": "Request body too large"},
    422: {**_E, "description": "Invalid request (empty or too long text, bad threshold, unknown technique)"},
    429: {**_E, "description": "Too many requests waiting; see Retry-After"},
    500: {**_E, "description": "Internal error (no details are returned)"},
    503: {**_E, "description": "Model not ready, or overloaded; see Retry-After"},
}

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.post(
    "/analyze",
    response_model=AnalysisOut,
    response_model_exclude_unset=True,
    responses=COMMON_ERRORS,
    dependencies=[TokenDep],
    summary="Find and name propaganda techniques in a text or a web page",
)
async def analyze(req: AnalyzeRequest, request: Request, inference: InferenceQueueDep, settings: SettingsDep) -> Any:
    """Analyse ``text`` or the article at ``url``; returns schema ``propscan.analysis/1``."""
    if req.text is not None:
        doc = text_document(req.text, settings, id=req.id, title=req.title)
    else:
        assert req.url is not None
        doc = await url_document(req.url, request, settings)
        if req.id or req.title:
            doc = Document(doc.text, id=req.id or "", title=req.title or doc.title, url=doc.url, outlet=doc.outlet,
                           published=doc.published)
    analysis = await inference.analyze(doc, threshold=req.threshold, techniques=req.techniques)
    return analysis.to_dict()


@router.post(
    "/classify",
    response_model=ClassifyOut,
    responses=COMMON_ERRORS,
    dependencies=[TokenDep],
    summary="Name the technique of given passages",
)
async def classify(req: ClassifyRequest, inference: InferenceQueueDep, settings: SettingsDep) -> Any:
    """Each span (character offsets into ``text``, end exclusive) gets a technique and a confidence."""
    check_length(req.text, settings)
    doc = Document(req.text)
    spans = [doc.span(s.start, s.end) for s in req.spans]  # OffsetError -> 422 invalid_span
    out = await inference.classify(doc, spans)
    return {
        "spans": [
            {"start": s.start, "end": s.end, "text": s.text, "technique": s.technique, "score": round(float(s.score), 6)}
            for s in out
        ],
        "model": inference.info,
    }


@router.get("/techniques", response_model=list[TechniqueOut], responses=COMMON_ERRORS, dependencies=[TokenDep])
async def techniques() -> Any:
    """The 14 SemEval-2020 techniques: id, name, display name, definition, example, colour."""
    return catalogue_rows()


@router.get("/version", response_model=VersionOut, responses=COMMON_ERRORS, dependencies=[TokenDep])
async def version(inference: InferenceQueueDep) -> Any:
    """propscan version, analysis schema, and the model (name, version, weights sha256)."""
    return {"app": "propscan", "version": __version__, "schema": SCHEMA_VERSION, "model": inference.info or None}


@router.get("/healthz", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def healthz(inference: InferenceQueueDep) -> Any:
    """Liveness and readiness: 200 when the model is loaded, 503 while it loads or after it failed."""
    status = {"ready": "ok"}.get(inference.status, inference.status)
    body: dict[str, Any] = {
        "status": status,
        "model_ready": inference.status == "ready",
        "message": inference.error,
        "queue": inference.stats(),
    }
    if inference.status != "ready":
        return JSONResponse(HealthOut(**body).model_dump(), status_code=503, headers={"Retry-After": "2"})
    return body
