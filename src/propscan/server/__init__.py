"""``propscan serve``: a local web app and REST API (FastAPI + uvicorn).

>>> from propscan.server import create_app, run
>>> run(host="127.0.0.1", port=8000, model="baseline")  # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
import logging
import sys
from typing import Any

from propscan import defaults
from propscan.server.app import create_app
from propscan.server.settings import Settings

__all__ = ["create_app", "run", "uvicorn_config", "uvicorn_options", "Settings", "is_loopback"]

LOOPBACK_HOST_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    """True for loopback bind addresses (``127.0.0.0/8``, ``::1``, ``localhost``).

    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("localhost")
    (True, False, True)
    """
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    model: str = defaults.MODEL,
    token: str | None = None,
    *,
    log_level: str = "info",
    access_log: bool = True,
    announce: bool = True,
    **settings: Any,
) -> None:
    """Serve the web app and API with uvicorn until interrupted (what ``propscan serve`` runs).

    Parameters
    ----------
    host : str
        Bind address; loopback by default. On another address without a token a warning is printed.
    port : int
    model : str
        Model name (``default``, ``baseline``) or directory; ``PROPSCAN_MODEL`` is used when this
        is ``"default"``. Checked before the server starts (raises ``ModelLoadError``).
    token : str, optional
        Require this bearer token (else ``PROPSCAN_TOKEN``; ``propscan serve`` reads only the variable,
        so the token never shows in the process list).
    announce : bool
        Print the address being served on stderr (``propscan --quiet serve`` does not).
    **settings
        Any other :class:`Settings` field (``queue_size=32``, ``workers=2``, ...).
    """
    import uvicorn

    from propscan.models.loading import resolve_model_dir

    cfg = Settings.from_env(model=None if model == defaults.MODEL else model, token=token, **settings)
    resolve_model_dir(cfg.model)  # fail fast, one line, on an unknown model
    loopback = is_loopback(host)
    if loopback and cfg.allowed_hosts is None:
        cfg = cfg.with_(allowed_hosts=(*LOOPBACK_HOST_NAMES, host))
    if not loopback and cfg.token is None:
        print(
            f"warning: propscan serve is bound to {host}, which other machines can reach, and has no token; "
            "anyone on the network can use it. Set the PROPSCAN_TOKEN environment variable "
            "(PROPSCAN_TOKEN=... propscan serve ...) or bind to 127.0.0.1.",
            file=sys.stderr,
        )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    shown = f"[{host}]" if ":" in host else host
    if announce:
        print(f"propscan: serving on http://{shown}:{port}/ (model: {cfg.model}; API docs at /docs)", file=sys.stderr)
    uvicorn.run(create_app(cfg), **uvicorn_options(cfg, host=host, port=port, log_level=log_level,
                                                   access_log=access_log))


def uvicorn_options(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, **options: Any) -> dict[str, Any]:
    """The ``uvicorn.run``/``uvicorn.Config`` keyword arguments ``propscan serve`` uses.

    Connections go through :func:`propscan.server.protocol.protocol_class`: header and body read
    timeouts, a per-client and a total connection cap, every refusal a JSON error object with
    ``Retry-After`` (uvicorn's own ``limit_concurrency``, which answers a plain-text 503 and counts
    idle sockets, is off). ``options`` override uvicorn settings (``log_level``, ...).
    """
    from propscan.server.protocol import protocol_class

    return {
        "host": host,
        "port": port,
        "http": protocol_class(settings),
        "server_header": False,
        "proxy_headers": False,
        "limit_concurrency": None,
        "timeout_keep_alive": 5,
        "timeout_graceful_shutdown": 5,
        "backlog": 2048,
        **options,
    }


def uvicorn_config(app: Any, settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, **options: Any) -> Any:
    """A ``uvicorn.Config`` for ``app`` with :func:`uvicorn_options` (for running the server in-process)."""
    import uvicorn

    return uvicorn.Config(app, **uvicorn_options(settings, host=host, port=port, **options))
