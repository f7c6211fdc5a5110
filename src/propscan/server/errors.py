"""HTTP errors with stable ``{"error": {"code", "message"}}`` bodies, and the one place they are mapped.

Every error the server returns goes through :func:`install_handlers`: ``ApiError`` (raised by
routes, the body limit and the inference queue), FastAPI validation errors, library
:class:`~propscan.errors.PropscanError` subclasses, and — last resort — any other exception,
which becomes a 500 without a trace of internals (the traceback goes to the server log only).

>>> ApiError(429, "queue_full", "busy").code
'queue_full'
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from propscan.errors import (
    CorpusError,
    FetchError,
    InputError,
    ModelLoadError,
    NotFittedError,
    OffsetError,
    PropscanError,
)

log = logging.getLogger("propscan.server")

_DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "queue_full",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(StarletteHTTPException):
    """An error answer: HTTP ``status``, machine ``code``, one user-safe line ``message``.

    It subclasses Starlette's ``HTTPException`` so that FastAPI lets it through unchanged even
    when raised while the request body is read (the streamed body limit does that).
    """

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.message = message


def queue_full(retry_after: int) -> ApiError:
    """429: every worker busy and the queue full (``raise queue_full(2)``)."""
    return ApiError(
        429,
        "queue_full",
        "the server is busy: too many analyses are waiting; retry in a few seconds.",
        headers={"Retry-After": str(retry_after)},
    )


def overloaded(retry_after: int, seconds: float) -> ApiError:
    """503: the result did not come within ``seconds`` (``raise overloaded(2, 60.0)``)."""
    return ApiError(
        503,
        "overloaded",
        f"the analysis did not finish within {seconds:g} s because the server is overloaded; retry later.",
        headers={"Retry-After": str(retry_after)},
    )


def model_not_ready(retry_after: int, why: str | None = None) -> ApiError:
    """503: the model is loading, or ``why`` it failed to load (``raise model_not_ready(2)``)."""
    msg = "the model is still loading; retry in a few seconds." if why is None else f"the model is not available: {why}"
    return ApiError(503, "model_not_ready", msg, headers={"Retry-After": str(retry_after)})


def internal_error() -> ApiError:
    """500 without details (they go to the server log): ``raise internal_error() from None``."""
    return ApiError(500, "internal_error", "internal server error; the details were written to the server log.")


def _bare(message: str) -> str:
    """``"[P006] refused: ..."`` -> ``"refused: ..."`` (the code travels in ``code``)."""
    return message.split("] ", 1)[1] if message.startswith("[") and "] " in message else message


def from_propscan_error(exc: PropscanError) -> ApiError:
    """Map a library error to an HTTP error (messages are one user-safe line by contract)."""
    msg = _bare(str(exc))
    if isinstance(exc, FetchError):
        return ApiError(400, "url_refused" if msg.startswith("refused") else "url_fetch_failed", msg)
    if isinstance(exc, OffsetError):
        return ApiError(422, "invalid_span", msg)
    if isinstance(exc, InputError):
        return ApiError(422, "invalid_input", msg)
    if isinstance(exc, (ModelLoadError, NotFittedError)):
        log.error("model unavailable: %s", msg)
        return model_not_ready(2, msg)
    if isinstance(exc, CorpusError):
        return ApiError(422, "invalid_input", msg)
    return ApiError(400, "bad_request", msg)


def _validation_message(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        e = next(e for e in errors if e.get("type") == "json_invalid")
        detail = (e.get("ctx") or {}).get("error", "invalid JSON")
        return 400, "malformed_json", f"the request body is not valid JSON ({detail})."
    parts = []
    for e in errors[:3]:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "form"))
        msg = str(e.get("msg", "invalid value"))
        msg = msg.removeprefix("Value error, ")
        if e.get("type") == "string_unicode":  # pydantic's words for a lone surrogate in some fields
            msg = "contains a lone surrogate, which is not valid Unicode; send valid UTF-8 text."
        parts.append(f"{loc}: {msg}" if loc else msg)
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return 422, "validation_error", "; ".join(parts) + more


def error_body(code: str, message: str) -> dict[str, Any]:
    """The JSON body of every error: ``error_body("queue_full", "...")`` -> ``{"error": {"code", "message"}}``."""
    return {"error": {"code": code, "message": message}}


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/openapi.json" or "application/json" in request.headers.get("accept", "")


def respond(request: Request, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """JSON error object for API clients, an HTML error page for browsers."""
    if _is_api(request) or not hasattr(request.app.state, "templates"):
        return JSONResponse(error_body(code, message), status_code=status, headers=headers)
    templates = request.app.state.templates
    try:
        return templates.TemplateResponse(
            request,
            "error.html",
            {"status": status, "code": code, "message": message},
            status_code=status,
            headers=headers,
        )
    except Exception:  # noqa: BLE001 - never fail while reporting a failure
        log.exception("could not render the error page")
        return HTMLResponse(f"<h1>Error {status}</h1>", status_code=status, headers=headers)


def install_handlers(app: FastAPI) -> None:
    """Register the exception handlers (one mapping for every error the server may answer)."""

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = getattr(exc, "code", None) or _DEFAULT_CODES.get(exc.status_code, "error")
        message = getattr(exc, "message", None) or (
            str(exc.detail) if exc.status_code < 500 else "internal server error; the details were written to the server log."
        )
        if exc.status_code == 404 and not isinstance(exc, ApiError):
            message = f"no such page or endpoint: {request.url.path}"
        return respond(request, exc.status_code, code, message, dict(exc.headers or {}) or None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        status, code, message = _validation_message(exc)
        return respond(request, status, code, message)

    @app.exception_handler(PropscanError)
    async def _propscan(request: Request, exc: PropscanError) -> Response:
        err = from_propscan_error(exc)
        return respond(request, err.status_code, err.code, err.message, dict(err.headers or {}) or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        err = internal_error()
        return respond(request, 500, err.code, err.message)
