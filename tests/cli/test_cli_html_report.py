"""End to end: `propscan analyze some.html --format html --output report.html`, opened in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from propscan.cli import app

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FIXTURE = Path(__file__).parents[1] / "fixtures" / "article.html"


def test_cli_html_report_in_chromium(tmp_path, browser):
    out = tmp_path / "report.html"
    res = CliRunner().invoke(app, ["analyze", str(FIXTURE), "--format", "html", "--output", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.as_uri())
    page.wait_for_selector("article.ps-article[data-ps-ready]")
    root = page.locator("article.ps-article").first
    n = int(root.get_attribute("data-visible"))
    assert n > 0 and root.locator("mark.ps-seg.ps-on").count() > 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cli-report.png"), full_page=True)
    root.locator("input.ps-conf").fill("100")
    assert int(root.get_attribute("data-visible")) < n
    page.close()
    assert all(u.startswith("file:") or u.startswith("data:") for u in requests)
