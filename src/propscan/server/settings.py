"""Server settings: a small dataclass read from ``PROPSCAN_*`` environment variables.

>>> Settings.from_env(token=None, max_text_chars=1000).max_text_chars
1000
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..errors import InputError

_ENV: dict[str, str] = {
    "token": "PROPSCAN_TOKEN",
    "max_text_chars": "PROPSCAN_MAX_TEXT_CHARS",
    "max_body_bytes": "PROPSCAN_MAX_BODY_BYTES",
    "queue_size": "PROPSCAN_QUEUE_SIZE",
    "workers": "PROPSCAN_WORKERS",
    "model": "PROPSCAN_MODEL",
    "request_timeout": "PROPSCAN_REQUEST_TIMEOUT",
    "batch_size": "PROPSCAN_BATCH_SIZE",
    "corpus_dir": "PROPSCAN_CORPUS_DIR",
}


@dataclass(frozen=True)
class Settings:
    """Everything the server can be configured with.

    Attributes
    ----------
    token : str or None
        When set, every API call (except ``/api/v1/healthz``) and every web form post needs it
        (``Authorization: Bearer <token>``; the web form has a token field). ``PROPSCAN_TOKEN``.
    max_text_chars : int
        Longest text accepted, in characters (default 200,000). ``PROPSCAN_MAX_TEXT_CHARS``. This
        bounds the work of one request: analysis time grows linearly with the text.
    max_body_bytes : int
        Largest request body, in bytes (default 1 MB), checked on ``Content-Length`` and while
        streaming. ``PROPSCAN_MAX_BODY_BYTES``.
    queue_size : int
        Inference requests that may wait for a worker (default 16); more get 429. ``PROPSCAN_QUEUE_SIZE``.
    workers : int
        Inference worker threads (default 1: the model already uses the CPU's threads). ``PROPSCAN_WORKERS``.
    model : str
        Model name or directory (default ``"default"``). ``PROPSCAN_MODEL``.
    request_timeout : float
        Seconds a request may wait for its result before 503 (default 60). ``PROPSCAN_REQUEST_TIMEOUT``.
    batch_size : int
        Most queued articles run through the model together (default 8). ``PROPSCAN_BATCH_SIZE``.
    fetch_timeout, fetch_max_bytes : float, int
        Limits for fetching a URL (10 s, 5 MB).
    retry_after : int
        Seconds suggested in ``Retry-After`` for 429/503 (default 2).
    allowed_hosts : tuple of str or None
        ``Host`` header values accepted (guards against DNS rebinding when bound to loopback);
        ``None`` accepts any.
    corpus_dir : str or None
        Folder whose ``*.duckdb`` stores (written by ``propscan batch``) the corpus page may show.
        Pages pick a store by file name from this folder only, never by path. ``PROPSCAN_CORPUS_DIR``.
        With a token, the corpus page needs it too (bearer header or the web session cookie).
    header_timeout : float
        Seconds a connection may take to send a request's headers, counted from connecting or from
        its previous response (default 10); then 408, or the idle connection is closed.
    body_timeout : float
        Seconds a request's body may take to arrive after its headers (default 30); then 408.
    max_connections : int
        Open connections (default 1000). When full, the oldest idle connection is closed to make
        room; when every connection is busy, new ones get 503 with ``Retry-After``.
    max_connections_per_client : int
        Open connections from one client address (default 128); more get 429 with ``Retry-After``.
        Behind a reverse proxy every client has the proxy's address: raise it there.
    fetch_ports : tuple of int
        Ports a ``{"url": ...}`` page may be fetched from, redirects included (default 80 and 443).
    """

    token: str | None = None
    max_text_chars: int = 200_000
    max_body_bytes: int = 1_000_000
    queue_size: int = 16
    workers: int = 1
    model: str = "default"
    request_timeout: float = 60.0
    batch_size: int = 8
    fetch_timeout: float = 10.0
    fetch_max_bytes: int = 5_000_000
    retry_after: int = 2
    allowed_hosts: tuple[str, ...] | None = field(default=None)
    corpus_dir: str | None = None
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000
    max_connections_per_client: int = 128
    fetch_ports: tuple[int, ...] = (80, 443)

    def __post_init__(self) -> None:
        if self.token is not None and not self.token.strip():
            object.__setattr__(self, "token", None)
        for name in ("max_text_chars", "max_body_bytes", "workers", "batch_size", "retry_after"):
            if int(getattr(self, name)) < 1:
                raise InputError(f"server setting {name} must be at least 1, got {getattr(self, name)!r}.")
        if self.queue_size < 0:
            raise InputError(f"server setting queue_size must be 0 or more, got {self.queue_size!r}.")
        if self.request_timeout <= 0:
            raise InputError(f"server setting request_timeout must be positive, got {self.request_timeout!r}.")
        for name in ("header_timeout", "body_timeout"):
            if not float(getattr(self, name)) > 0:
                raise InputError(f"server setting {name} must be positive, got {getattr(self, name)!r}.")
        for name in ("max_connections", "max_connections_per_client"):
            if int(getattr(self, name)) < 1:
                raise InputError(f"server setting {name} must be at least 1, got {getattr(self, name)!r}.")
        ports = tuple(int(p) for p in self.fetch_ports)
        if not ports or any(not 0 < p < 65536 for p in ports):
            raise InputError(f"server setting fetch_ports must be TCP ports (1-65535), got {self.fetch_ports!r}.")
        object.__setattr__(self, "fetch_ports", ports)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``PROPSCAN_*`` variables, then ``overrides`` (``None`` overrides are ignored)."""
        env = os.environ if environ is None else environ
        types = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, var in _ENV.items():
            raw = env.get(var)
            if raw is None or raw == "":
                continue
            values[name] = _convert(name, var, raw, str(types[name]))
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - set(types)
        if unknown:
            raise TypeError(f"unknown server settings: {', '.join(sorted(unknown))}")
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _convert(name: str, var: str, raw: str, type_name: str) -> Any:
    try:
        if type_name.startswith("int"):
            return int(raw.replace("_", ""))
        if type_name.startswith("float"):
            return float(raw)
    except ValueError as exc:
        raise InputError(f"environment variable {var}={raw!r} is not a number.") from exc
    return raw
