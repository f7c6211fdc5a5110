"""Server settings: a pydantic-settings model, read from ``PROPSCAN_*`` environment variables.

``Settings(...)`` is exactly its arguments over the defaults (the environment is not read, so a
library user or a test gets what it wrote); :meth:`Settings.from_env` adds the documented
``PROPSCAN_*`` variables (the ones in ``_ENV``, listed in docs/configuration.md), which
pydantic-settings reads and converts (``PROPSCAN_MAX_BODY_BYTES=2_000_000`` works). Every invalid
value, from an argument or a variable, is one :class:`~propscan.errors.InputError` line.

>>> Settings.from_env(token=None, max_text_chars=1000).max_text_chars
1000
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from pydantic import ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from propscan import defaults
from propscan.errors import InputError

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

#: the environment :meth:`Settings.from_env` reads (unset: ``Settings(...)`` reads none)
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("propscan_settings_environ", default=None)


class _DocumentedEnv(EnvSettingsSource):
    """pydantic-settings' environment source limited to the documented variables, read from a given mapping."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        if field_name not in _ENV:  # e.g. PROPSCAN_RETRY_AFTER is not a setting anyone documented
            return None, field_name, False
        return super().get_field_value(field, field_name)


class Settings(BaseSettings):
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

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", env_prefix="PROPSCAN_", env_ignore_empty=True,
    )

    token: str | None = None
    max_text_chars: int = 200_000
    max_body_bytes: int = 1_000_000
    queue_size: int = 16
    workers: int = 1
    model: str = defaults.MODEL
    request_timeout: float = 60.0
    batch_size: int = 8
    fetch_timeout: float = defaults.FETCH_TIMEOUT_S
    fetch_max_bytes: int = defaults.FETCH_MAX_BYTES
    retry_after: int = 2
    allowed_hosts: tuple[str, ...] | None = None
    corpus_dir: str | None = None
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000
    max_connections_per_client: int = 128
    fetch_ports: tuple[int, ...] = (80, 443)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _setting_error(exc, given=set(values)) from None

    @field_validator("token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        for name in ("max_text_chars", "max_body_bytes", "workers", "batch_size", "retry_after"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"server setting {name} must be at least 1, got {getattr(self, name)!r}.")
        if self.queue_size < 0:
            raise ValueError(f"server setting queue_size must be 0 or more, got {self.queue_size!r}.")
        if self.request_timeout <= 0:
            raise ValueError(f"server setting request_timeout must be positive, got {self.request_timeout!r}.")
        for name in ("header_timeout", "body_timeout"):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"server setting {name} must be positive, got {getattr(self, name)!r}.")
        for name in ("max_connections", "max_connections_per_client"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"server setting {name} must be at least 1, got {getattr(self, name)!r}.")
        if not self.fetch_ports or any(not 0 < p < 65536 for p in self.fetch_ports):
            raise ValueError(f"server setting fetch_ports must be TCP ports (1-65535), got {self.fetch_ports!r}.")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first; the documented variables only inside :meth:`from_env`; no .env or secret files."""
        environ = _ENVIRON.get()
        if environ is None:
            return (init_settings,)
        return (init_settings, _DocumentedEnv(settings_cls, environ))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``PROPSCAN_*`` variables, then ``overrides`` (``None`` overrides are ignored)."""
        values = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(values) - set(cls.model_fields)
        if unknown:
            raise TypeError(f"unknown server settings: {', '.join(sorted(unknown))}")
        reset = _ENVIRON.set(os.environ if environ is None else environ)
        try:
            return cls(**values)
        finally:
            _ENVIRON.reset(reset)

    def with_(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied and checked (the environment is not read again)."""
        return type(self)(**{**dict(self), **changes})


def _setting_error(exc: ValidationError, *, given: set[str]) -> Exception:
    """One line for the first problem: the variable when the value came from the environment."""
    err = exc.errors(include_url=False)[0]
    name = str(err["loc"][0]) if err.get("loc") else ""
    if err["type"] == "extra_forbidden":
        extra = sorted(str(e["loc"][0]) for e in exc.errors() if e["type"] == "extra_forbidden")
        return TypeError(f"unknown server settings: {', '.join(extra)}")
    if name and name not in given and name in _ENV:
        problem = "is not a number" if err["type"] in ("int_parsing", "float_parsing", "int_from_float") else f"is not valid ({err['msg']})"
        return InputError(f"environment variable {_ENV[name]}={err.get('input')!r} {problem}.")
    ctx_error = (err.get("ctx") or {}).get("error")
    if isinstance(ctx_error, ValueError):  # our own checks (_check) say it in full
        return InputError(str(ctx_error))
    return InputError(f"server setting {name} {err.get('input')!r} is not valid: {err['msg']}.")
