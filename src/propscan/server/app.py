"""The FastAPI application: middleware, lifespan (model loading), routers, static files.

>>> app = create_app(Settings(token="s3cret"), model=my_fake_model)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from propscan.server.deps import Fetcher, PageAccessDep, default_fetcher
from propscan.server.errors import ApiError, error_body, install_handlers
from propscan.server.markup import inline_markup
from propscan.server.queue import InferenceQueue
from propscan.server.routes import api, pages
from propscan.server.settings import Settings
from propscan.version import __version__
from propscan.views.html import template_env

#: the web pages' static files (scripts, styles, icons), served at ``/static``
STATIC = Path(__file__).resolve().parent / "static"

#: Content-Security-Policy of every response: only the app's own scripts and styles run.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


class SecurityHeadersMiddleware:
    """Adds CSP, nosniff, Referrer-Policy and framing headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_bytes``: by ``Content-Length`` before reading, and by
    counting streamed bytes (chunked uploads or a lying header) while the app reads them; and
    bodies that do not arrive within ``timeout`` seconds (408, the connection is closed)."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    def _error(self) -> ApiError:
        return ApiError(
            413,
            "payload_too_large",
            f"request body larger than this server's limit of {self.max_bytes:,} bytes; send a shorter text.",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for key, value in scope.get("headers", ()):
            if key == b"content-length":
                declared = value
                break
        if declared is not None:
            try:
                n = int(declared)
            except ValueError:
                n = -1
            if n < 0 or n > self.max_bytes:
                err = self._error() if n >= 0 else ApiError(400, "bad_request", "invalid Content-Length header.")
                await _send_error(send, err, scope)
                return
        received = 0
        body_done = False
        deadline: float | None = None

        async def counting_receive() -> Message:
            nonlocal received, body_done, deadline
            if body_done or self.timeout is None:  # waiting for a disconnect is not reading a body
                message = await receive()
            else:
                loop = asyncio.get_running_loop()
                deadline = deadline if deadline is not None else loop.time() + self.timeout
                try:
                    message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.001))
                except TimeoutError:
                    raise ApiError(
                        408, "request_timeout",
                        f"the request body did not arrive within {self.timeout:g} s; send it at once.",
                        headers={"Connection": "close"},
                    ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._error()
                body_done = not message.get("more_body", False)
            return message

        await self.app(scope, counting_receive, send)


class HostCheckMiddleware:
    """Answers a request whose ``Host`` header is not one of ``allowed_hosts`` with a 400 error object
    (DNS-rebinding protection). Patterns as Starlette's: ``example.org``, ``*.example.org``, ``*``;
    ``[::1]:8000`` is host ``[::1]``."""

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...] | list[str]) -> None:
        self.app = app
        self.allowed = tuple(h.lower() for h in allowed_hosts)
        self.any = "*" in self.allowed

    @staticmethod
    def host_name(header: str) -> str:
        header = header.strip().lower()
        if header.startswith("["):
            return header[: header.find("]") + 1] if "]" in header else header
        return header.split(":", 1)[0]

    def allows(self, header: str) -> bool:
        host = self.host_name(header)
        return self.any or any(
            host == p or (p.startswith("*.") and host.endswith(p[1:])) for p in self.allowed
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.any:
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        err = ApiError(400, "invalid_host", "this server does not answer to that host name (the Host header); "
                       "use the address it was started on.")
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await _send_error(send, err, scope)


async def _send_error(send: Send, err: ApiError, scope: Scope) -> None:
    """A minimal error response sent before the app runs (JSON for API clients, HTML for browsers)."""
    path = str(scope.get("path", ""))
    headers = [(b"connection", b"close")]
    accept = Headers(scope=scope).get("accept", "")
    if path.startswith("/api/") or path == "/openapi.json" or "application/json" in accept:
        body = json.dumps(error_body(err.code, err.message)).encode()
        headers.append((b"content-type", b"application/json"))
    else:
        # answered below the app (no request state, no page layout): a bare page, still through the one
        # autoescaped template environment
        page = template_env().get_template("bare_error.html")
        body = page.render(status=err.status_code, message=err.message).encode()
        headers.append((b"content-type", b"text/html; charset=utf-8"))
    headers.append((b"content-length", str(len(body)).encode()))
    headers.extend((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (err.headers or {}).items()
                   if k.lower() not in ("connection", "content-type", "content-length"))
    await send({"type": "http.response.start", "status": err.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(
    settings: Settings | None = None,
    *,
    model: Any = None,
    fetcher: Fetcher | None = None,
) -> FastAPI:
    """Build the propscan web app and REST API.

    Parameters
    ----------
    settings : Settings, optional
        Defaults to :meth:`Settings.from_env`.
    model : model object, Analyzer or model name, optional
        Use this instead of loading ``settings.model``. Any object with ``predict``,
        ``classify`` and ``info`` works (tests pass a tiny fake); of an Analyzer only its model is
        used. An object is installed at startup without warm-up; a model *name* is loaded in the
        background like ``settings.model``.
    fetcher : callable, optional
        ``fetcher(url) -> FetchedPage`` for ``{"url": ...}`` requests; defaults to
        :func:`propscan.io.fetch.fetch_url` with ``allow_private=False`` and the server's limits.

    Returns
    -------
    FastAPI
        Serve it with uvicorn (``propscan serve`` does) or test it with ``TestClient``.
    """
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="propscan",
        version=__version__,
        summary="Find, name and explain propaganda techniques in news articles — offline.",
        description=(
            "Local REST API of propscan. Errors are `{\"error\": {\"code\", \"message\"}}`. "
            "When the server has a token, send `Authorization: Bearer <token>`."
        ),
        lifespan=_lifespan(settings, model),
        docs_url=None,  # /docs is our own page (routes/pages.py says why not Swagger UI/ReDoc)
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.fetcher = fetcher or default_fetcher(settings)
    _add_routes(app)
    _add_middleware(app, settings)
    return app


def _lifespan(settings: Settings, model: Any) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up and shut-down: the inference queue, its model (loaded in the background when named)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        inference = InferenceQueue(
            workers=settings.workers,
            queue_size=settings.queue_size,
            batch_size=settings.batch_size,
            timeout=settings.request_timeout,
            retry_after=settings.retry_after,
            max_chars=settings.max_text_chars,
        )
        app.state.inference_queue = inference
        app.state.fetch_slots = asyncio.Semaphore(4)
        if model is not None and not isinstance(model, str):
            inference.load(model, warm_up=False)
        else:
            inference.load_in_background(model if model is not None else settings.model)
        try:
            yield
        finally:
            await asyncio.to_thread(inference.close)

    return lifespan


def _add_routes(app: FastAPI) -> None:
    """The API, the pages (with their templates) and the static files."""
    pages.install_templates(app)
    app.state.templates.env.filters["markup"] = inline_markup  # docstrings' ``code`` -> <code> (escaped)
    install_handlers(app)
    app.include_router(api.router)
    # pages that show stored data need the token like the API (deps.PROTECTED_PAGES)
    app.include_router(pages.router, dependencies=[PageAccessDep])
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Body limits, the Host check and the security headers; the last added runs first (outermost)."""
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout)
    if settings.allowed_hosts:
        app.add_middleware(HostCheckMiddleware, allowed_hosts=tuple(settings.allowed_hosts))
    app.add_middleware(SecurityHeadersMiddleware)
