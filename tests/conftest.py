"""Shared fixtures: where the PTC data lives (read at run time, never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _data_root() -> Path:
    env = os.environ.get("PROPSCAN_DATA")
    return Path(env) if env else (REPO.parent / "shared" / "data" / "ptc-semeval2020")


def require_path(path: Path, what: str) -> Path:
    if path.exists():
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} missing at {path}; CI must have ../shared")
    pytest.skip(f"{what} not available at {path}")


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
