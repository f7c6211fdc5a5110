"""Dependencies shared by the routes: settings, the inference queue, token checks, input -> Document.

Usage in a route: ``async def analyze(req: AnalyzeRequest, inference: InferenceQueueDep) -> dict: ...``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from propscan.document import Document
from propscan.errors import InputError
from propscan.io.charsets import decode_html, decode_text
from propscan.io.fetch import FetchedPage, fetch_url
from propscan.io.html import html_to_document, looks_like_html
from propscan.io.ingest import document_from_text
from propscan.server.errors import ApiError
from propscan.server.queue import InferenceQueue
from propscan.server.settings import Settings

Fetcher = Callable[[str], FetchedPage]

SESSION_COOKIE = "propscan_session"


def get_settings(request: Request) -> Settings:
    """The app's :class:`Settings` (use ``settings: SettingsDep`` in a route)."""
    settings: Settings = request.app.state.settings
    return settings


def get_inference_queue(request: Request) -> InferenceQueue:
    """The app's :class:`InferenceQueue` (use ``inference: InferenceQueueDep`` in a route)."""
    inference: InferenceQueue = request.app.state.inference_queue
    return inference


SettingsDep = Annotated[Settings, Depends(get_settings)]
InferenceQueueDep = Annotated[InferenceQueue, Depends(get_inference_queue)]


# ---- tokens -----------------------------------------------------------------------------------


def token_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a presented token with the configured one."""
    if given is None:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def session_value(token: str) -> str:
    """Cookie value the web pages set after a correct token (derived, never the token itself)."""
    return hmac.new(token.encode("utf-8"), b"propscan-web-session-v1", hashlib.sha256).hexdigest()


def unauthorized(message: str) -> ApiError:
    """401 with a ``WWW-Authenticate: Bearer`` challenge (``raise unauthorized("wrong token ...")``)."""
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="propscan"'})


def require_token(request: Request, settings: SettingsDep) -> None:
    """API guard: when a token is configured, ``Authorization: Bearer <token>`` must match it."""
    if settings.token is None:
        return
    header = request.headers.get("authorization")
    if not header:
        raise unauthorized("this server needs a token: send 'Authorization: Bearer <token>'.")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not token_matches(settings.token, value.strip()):
        raise unauthorized("wrong token: send 'Authorization: Bearer <token>' with the server's token.")


TokenDep = Depends(require_token)

#: pages that show stored data (the corpus stores); with a token they need it like the API does.
#: Every page under them is protected too (``/corpus/passages``). The analyse form checks its own
#: token field (the token travels in the form body).
PROTECTED_PAGES = frozenset({"/corpus"})


def is_protected_page(path: str) -> bool:
    """Whether ``path`` is a protected page or under one (``/corpus``, ``/corpus/passages``, ...)."""
    return any(path == p or path.startswith(p + "/") for p in PROTECTED_PAGES)


def require_page_access(request: Request, settings: SettingsDep) -> None:
    """Page guard: with a token, a protected page needs the bearer header or the web session cookie
    (set by a form post with the correct token)."""
    if settings.token is None or not is_protected_page(request.url.path):
        return
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and token_matches(session_value(settings.token), cookie):
        return
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and token_matches(settings.token, value.strip()):
            return
        raise unauthorized("wrong token: send 'Authorization: Bearer <token>' with the server's token.")
    raise unauthorized(
        "this page needs the server's access token: analyse an article with the token in the form first "
        "(this browser then stays signed in), or send 'Authorization: Bearer <token>'."
    )


PageAccessDep = Depends(require_page_access)


def check_page_token(request: Request, settings: Settings, form_token: str | None) -> bool:
    """Web form guard: the form's token field, or the session cookie a correct token set.

    Returns True when a session cookie should be (re)issued. Raises 401 otherwise.
    """
    if settings.token is None:
        return False
    if form_token and token_matches(settings.token, form_token):
        return True
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and token_matches(session_value(settings.token), cookie):
        return False
    if form_token:
        raise unauthorized("wrong access token.")
    raise unauthorized("this server needs an access token: enter it in the form.")


# ---- input -> Document ------------------------------------------------------------------------


def check_length(text: str, settings: Settings, source: str = "text") -> None:
    """422 ``text_too_long`` when ``text`` is over the server's ``max_text_chars``."""
    if len(text) > settings.max_text_chars:
        raise ApiError(
            422,
            "text_too_long",
            f"{source} has {len(text):,} characters, over this server's limit of {settings.max_text_chars:,}; "
            "split it into articles.",
        )


def text_document(text: str, settings: Settings, *, id: str | None = None, title: str | None = None) -> Document:
    """A pasted or posted text as a Document, checked against the server's limits."""
    check_length(text, settings)
    return document_from_text(text, id=id, title=title, source="text", max_chars=settings.max_text_chars)


def upload_document(data: bytes, filename: str, settings: Settings) -> Document:
    """A ``.txt`` or ``.html`` upload -> Document.

    HTML is decoded as a browser would (byte-order mark, ``<meta charset>``, UTF-8, detection) and
    extracted; text must be UTF-8 (a BOM is dropped) or UTF-16 with a byte-order mark.
    """
    name = (filename or "upload").rsplit("/", 1)[-1]
    lower = name.lower()
    if not lower.endswith((".txt", ".html", ".htm")):
        raise ApiError(415, "unsupported_file_type", f"{name}: give a .txt or .html file.")
    if lower.endswith((".html", ".htm")):
        text, _ = decode_html(data)
        if "\x00" in text:
            raise InputError(f"{name}: looks binary (contains NUL bytes); expected an HTML page.")
    else:
        text = decode_text(data, source=name).removeprefix("\ufeff")
    if lower.endswith((".html", ".htm")) or looks_like_html(text):
        doc = html_to_document(text, source=name, max_chars=settings.max_text_chars)
        check_length(doc.text, settings, source=name)
        return doc
    check_length(text, settings, source=name)
    return document_from_text(text, source=name, max_chars=settings.max_text_chars)


def default_fetcher(settings: Settings) -> Fetcher:
    """``fetch_url`` with the server's limits; private and loopback targets are always refused."""

    def fetch(url: str) -> FetchedPage:
        return fetch_url(url, max_bytes=settings.fetch_max_bytes, timeout=settings.fetch_timeout, allow_private=False,
                         ports=settings.fetch_ports)

    return fetch


async def url_document(url: str, request: Request, settings: Settings) -> Document:
    """Fetch ``url`` (SSRF-safe, in a thread) and extract its article."""
    fetcher: Fetcher = request.app.state.fetcher
    sem: asyncio.Semaphore = request.app.state.fetch_slots
    if sem.locked():
        raise ApiError(
            429,
            "queue_full",
            "the server is fetching too many pages at once; retry in a few seconds.",
            headers={"Retry-After": str(settings.retry_after)},
        )
    async with sem:
        page = await asyncio.to_thread(fetcher, url.strip())
        ctype = page.content_type.lower()

        def extract() -> Document:
            if "html" in ctype or (not ctype.startswith("text/plain") and looks_like_html(page.text)):
                return html_to_document(page.text, url=page.url, max_chars=max(settings.max_text_chars, 1))
            return document_from_text(page.text, url=page.url, source=page.url, max_chars=settings.max_text_chars)

        try:
            doc = await asyncio.to_thread(extract)
        except InputError as exc:
            if "over the limit" in str(exc):
                raise ApiError(422, "text_too_long", str(exc).split("] ", 1)[-1]) from None
            raise
    check_length(doc.text, settings, source=url)
    return doc
