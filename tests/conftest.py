"""Shared fixtures: where the PTC data lives (read at run time, never copied into the repo)."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]

# Property tests take their size from a profile: "ci" (the default, what `make test` and `.ci/run` use) or
# "nightly" for a long fuzz run: `HYPOTHESIS_PROFILE=nightly .venv/bin/python -m pytest -m "slow or not slow"`.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", max_examples=150, deadline=None)
_hypothesis_settings.register_profile("nightly", max_examples=5000, deadline=None)
_hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _data_root() -> Path:
    env = os.environ.get("PROPSCAN_DATA")
    return Path(env) if env else (REPO.parent / "shared" / "data" / "ptc-semeval2020")


def require_path(path: Path, what: str) -> Path:
    if path.exists():
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} missing at {path}; CI must have ../shared")
    pytest.skip(f"{what} not available at {path}")


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Models loaded by the tests export their ONNX encoder into a temporary cache, never the user's home."""
    if os.environ.get("PROPSCAN_CACHE_DIR"):
        yield
        return
    os.environ["PROPSCAN_CACHE_DIR"] = str(tmp_path_factory.mktemp("propscan-cache"))
    try:
        yield
    finally:
        os.environ.pop("PROPSCAN_CACHE_DIR", None)


@pytest.fixture(scope="session")
def ptc_root() -> Path:
    return require_path(_data_root(), "PTC corpus")


@pytest.fixture(scope="session")
def scorer_sample() -> Path:
    return require_path(_data_root().parent / "scorer-sample", "official scorer sample")


@pytest.fixture(scope="session")
def example_article() -> Path:
    return REPO / "examples" / "article_demo.txt"


CHROMIUM = Path("/usr/bin/chromium")
#: headless Debian Chromium on a closed network (Playwright drives it; it never downloads a browser)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium for the browser tests (skipped without it, a failure under CI=true)."""
    require_path(CHROMIUM, "Chromium (Debian package 'chromium')")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("the python package playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def watched_page(browser: Any) -> Iterator[tuple[Any, list[str], list[str]]]:
    """``page, errors, requests``: a new 1280×1000 page of :func:`browser` that records every script
    error and console error (a CSP violation is one) in ``errors`` and every URL it asks for in
    ``requests``; closed after the test."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("request", lambda req: requests.append(req.url))
    try:
        yield page, errors, requests
    finally:
        page.close()


@contextlib.contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yields its base URL; stops it after."""
    import httpx
    import uvicorn

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/v1/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    else:
        server.should_exit = True
        pytest.fail("the server did not start within 20 s")
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def serve() -> Any:
    """``with serve(app) as url:`` — :func:`live_server` as a fixture."""
    return live_server
