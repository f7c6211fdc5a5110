"""Connection limits uvicorn does not have: header and body read timeouts, connection caps.

uvicorn (with h11) waits forever for a request's headers, so one slow client holds a connection
as long as it likes, and a thousand idle half-open sockets fill ``limit_concurrency`` so that every
request — ``/healthz`` included — gets a plain-text 503 until they go away. :func:`protocol_class`
returns uvicorn's h11 protocol with:

* a **header timeout**: a connection that has not sent a complete request head within
  ``header_timeout`` seconds of connecting (or of its previous response) is answered 408 (when it
  sent part of one) or closed (when it sent nothing);
* a **body timeout** backstop: a body still arriving ``body_timeout`` seconds (plus a grace) after
  its headers is cut off (the app itself answers 408 at ``body_timeout``, see
  :class:`propscan.server.app.BodyLimitMiddleware`);
* a **per-client cap**: more than ``max_connections_per_client`` open connections from one address
  are refused with 429;
* a **total cap**: at ``max_connections`` the oldest *idle* connection (no request in progress) is
  closed to make room, so fresh requests are still served; only when every connection is busy is a
  new one refused with 503.

Every refusal is a JSON error object (``{"error": {"code", "message"}}``) with ``Retry-After`` and
``Connection: close``.

>>> import uvicorn  # doctest: +SKIP
>>> uvicorn.run(app, http=protocol_class(settings), limit_concurrency=None)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from propscan.server.settings import Settings

__all__ = ["protocol_class", "GuardedH11Protocol"]

#: extra seconds the protocol waits past ``body_timeout`` (the app answers 408 at ``body_timeout``)
BODY_GRACE = 5.0

_PHRASES = {400: "Bad Request", 408: "Request Timeout", 429: "Too Many Requests", 503: "Service Unavailable"}


def error_response(status: int, code: str, message: str, retry_after: int | None) -> bytes:
    """A complete HTTP/1.1 response carrying an error object, with ``Connection: close``."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = [
        f"HTTP/1.1 {status} {_PHRASES.get(status, 'Error')}",
        "content-type: application/json",
        f"content-length: {len(body)}",
        "connection: close",
        "x-content-type-options: nosniff",
        "cache-control: no-store",
    ]
    if retry_after is not None:
        head.append(f"retry-after: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with read timeouts and connection caps (configure via :func:`protocol_class`)."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000
    max_connections_per_client: int = 128
    retry_after: int = 2
    #: open connections in the order they were made (shared by every connection of one server)
    _open: dict[GuardedH11Protocol, None]
    _per_client: dict[str, int]
    _last_log: float = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._refused = False
        self._counted = False
        self._partial = False  # bytes of a request head have arrived, the head is not complete
        self._ip = self.client[0] if self.client else "unknown"
        cls = type(self)
        if cls._per_client.get(self._ip, 0) >= self.max_connections_per_client:
            self._refuse(429, "too_many_connections",
                         f"too many open connections from your address (at most {self.max_connections_per_client}); "
                         "close idle ones and retry.")
            return
        if len(cls._open) >= self.max_connections and not self._evict_idle():
            self._refuse(503, "server_busy", "the server has too many open connections; retry in a few seconds.")
            return
        cls._open[self] = None
        cls._per_client[self._ip] = cls._per_client.get(self._ip, 0) + 1
        self._counted = True
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        cls = type(self)
        if getattr(self, "_counted", False):
            self._counted = False
            cls._open.pop(self, None)
            left = cls._per_client.get(self._ip, 1) - 1
            if left > 0:
                cls._per_client[self._ip] = left
            else:
                cls._per_client.pop(self._ip, None)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        self._update_timers(bool(data))

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._refused and not self.transport.is_closing():
            self._partial = False
            self._update_timers(False)

    # ---- state -----------------------------------------------------------------------------

    def _idle(self) -> bool:
        """No request is in progress: waiting for (the rest of) a request head, no response pending."""
        return self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete)

    def _update_timers(self, got_bytes: bool) -> None:
        state = self.conn.their_state
        if state is h11.IDLE:
            if got_bytes:
                self._partial = True
            if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
                self._arm_header_timer()
        else:
            self._cancel(header=True)
            self._partial = False
        if state is h11.SEND_BODY:
            if self._body_timer is None:
                self._body_timer = self.loop.call_later(self.body_timeout + BODY_GRACE, self._on_body_timeout)
        else:
            self._cancel(body=True)

    def _arm_header_timer(self) -> None:
        self._cancel(header=True)
        self._header_timer = self.loop.call_later(self.header_timeout, self._on_header_timeout)

    def _cancel(self, *, header: bool = False, body: bool = False) -> None:
        if header and self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        if body and self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _cancel_timers(self) -> None:
        if getattr(self, "_header_timer", None) is not None or getattr(self, "_body_timer", None) is not None:
            self._cancel(header=True, body=True)

    # ---- actions ---------------------------------------------------------------------------

    def _on_header_timeout(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or not self._idle():
            return
        if self._partial:
            self.transport.write(error_response(
                408, "request_timeout",
                f"the request head did not arrive within {self.header_timeout:g} s; send it at once.", self.retry_after))
        self._close()

    def _on_body_timeout(self) -> None:
        self._body_timer = None
        if self.conn.their_state is h11.SEND_BODY and not self.transport.is_closing():
            self._close()  # the app has answered 408 already, or the client is gone

    def _refuse(self, status: int, code: str, message: str) -> None:
        self._refused = True
        cls = type(self)
        now = self.loop.time()
        if now - cls._last_log >= 1.0:  # a flood of refusals is one log line a second, not one per socket
            cls._last_log = now
            self.logger.warning("refusing connections (%s), e.g. from %s", code, self._ip)
        self.transport.write(error_response(status, code, message, self.retry_after))
        self._close()

    def _close(self) -> None:
        try:
            self.conn.send(h11.ConnectionClosed())
        except h11.LocalProtocolError:
            pass
        self.transport.close()

    def _evict_idle(self) -> bool:
        """Close the oldest idle connection (its slot is freed when it is gone); False when all are busy."""
        for other in list(type(self)._open):
            if other is not self and other._idle() and not other.transport.is_closing():
                other._partial = False
                other._close()
                return True
        return False


def protocol_class(settings: Settings) -> type[GuardedH11Protocol]:
    """A :class:`GuardedH11Protocol` subclass with ``settings``' limits and its own connection table.

    Pass it as ``uvicorn.run(..., http=protocol_class(settings))``.
    """
    attrs: dict[str, Any] = {
        "header_timeout": float(settings.header_timeout),
        "body_timeout": float(settings.body_timeout),
        "max_connections": int(settings.max_connections),
        "max_connections_per_client": int(settings.max_connections_per_client),
        "retry_after": int(settings.retry_after),
        "_open": {},
        "_per_client": {},
    }
    return type("PropscanH11Protocol", (GuardedH11Protocol,), attrs)
