"""End-to-end: a real uvicorn server and headless Chromium drive the web page (slow).

Run: ``.venv/bin/python -m pytest tests/test_server_browser.py -m slow -q``. Skipped when
``/usr/bin/chromium`` is missing, unless ``CI=true`` (then it fails, so CI cannot silently skip it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from propscan.document import Document, Span

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# word -> (technique, calibrated score); scores straddle the slider position the test moves to
LEXICON = {
    "betrayal": ("Loaded_Language", 0.92),
    "heartless": ("Loaded_Language", 0.81),
    "cowards": ("Name_Calling,Labeling", 0.88),
    "disaster": ("Exaggeration,Minimisation", 0.45),
    "everyone knows": ("Bandwagon,Reductio_ad_hitlerum", 0.35),
    "what exactly it has to hide": ("Doubt", 0.62),
    "with us or against us": ("Black-and-White_Fallacy", 0.74),
    "Enough is enough": ("Slogans", 0.55),
}
ARTICLE = (
    "Council Votes to Close Riverside Library\n\n"
    "The council voted on Tuesday to close the Riverside branch, a decision critics called a betrayal of every "
    "family in the neighbourhood.\n\n"
    '"This is a heartless attack on our children," said Marcus Bell, who chairs the Friends of Riverside. '
    '"Only cowards would vote for it in the dark."\n\n'
    "The mayor's office has refused to publish the figures it relies on, raising questions about what exactly "
    "it has to hide. Everyone knows the branch is busy, and everyone knows who will pay. Supporters say the "
    "council is either with us or against us.\n\n"
    "The decision is a disaster for the east side. Enough is enough."
)


class LexiconModel:
    """Deterministic fake model: marks every LEXICON phrase (case-sensitive) with its score."""

    info = {"name": "lexicon-fake", "version": "1", "weights_sha256": None, "encoder": None}

    def predict(self, documents: Sequence[Document]) -> list[list[Span]]:
        out = []
        for d in documents:
            spans = []
            for phrase, (tech, score) in LEXICON.items():
                spans += [d.span(m.start(), m.end(), tech, score=score) for m in re.finditer(re.escape(phrase), d.text)]
            out.append(spans)
        return out

    def classify(self, documents: Sequence[Document], spans: Sequence[Sequence[Span]]) -> list[list[Span]]:
        return [list(s) for s in spans]


@pytest.fixture(scope="module")
def server_url(serve) -> Iterator[str]:
    from propscan.server import Settings, create_app

    with serve(create_app(Settings(allowed_hosts=("127.0.0.1",)), model=LexiconModel())) as url:
        yield url


def test_paste_submit_highlight_and_filter_by_confidence(server_url: str, watched_page: tuple) -> None:
    page, errors, requests = watched_page

    page.goto(server_url + "/")
    page.fill("#text", ARTICLE)
    page.fill("#threshold", "0")
    page.click("#submit")
    page.wait_for_selector("article.ps-article[data-ps-ready]")

    article = page.locator("article.ps-article")
    total = sum(len(re.findall(re.escape(p), ARTICLE)) for p in LEXICON)
    assert article.get_attribute("data-visible") == str(total)
    assert page.locator("mark.ps-seg.ps-on").count() >= len(LEXICON)
    assert "betrayal" in page.locator("mark.ps-seg.ps-on").all_inner_texts()

    # move the confidence slider to 70%: spans below it lose their highlight
    page.locator("input.ps-conf").fill("70")
    high = sum(len(re.findall(re.escape(p), ARTICLE)) for p, (_, s) in LEXICON.items() if s >= 0.70)
    page.wait_for_function(f"document.querySelector('article.ps-article').getAttribute('data-visible') === '{high}'")
    on = page.locator("mark.ps-seg.ps-on").all_inner_texts()
    assert "betrayal" in on and "cowards" in on
    assert "disaster" not in on and "Enough is enough" not in on
    assert page.locator("mark.ps-seg", has_text="disaster").first.evaluate("e => e.classList.contains('ps-on')") is False

    # hovering a highlight shows its rationale
    page.locator("mark.ps-seg.ps-on", has_text="cowards").first.hover()
    tip = page.locator(".ps-tip")
    tip.wait_for(state="visible")
    assert "Name calling" in tip.inner_text() or "Name" in tip.inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "server.png"), full_page=True)
    assert not errors, errors  # no CSP violations or script errors
    assert all(u.startswith(server_url) or u.startswith("data:") for u in requests), requests


def test_glossary_and_form_pages_load_without_errors(server_url: str, watched_page: tuple) -> None:
    page, errors, _ = watched_page
    page.goto(server_url + "/techniques")
    assert page.locator("article.term").count() == 14
    page.goto(server_url + "/")
    page.click("label[for=src-url]")
    assert page.locator("#url").is_visible() and not page.locator("#text").is_visible()
    page.screenshot(path=str(ARTIFACTS / "server-form.png"), full_page=True)
    assert not errors, errors
