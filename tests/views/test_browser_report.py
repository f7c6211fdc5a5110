"""The HTML report in a real headless Chromium: highlights, slider, filters, voice toggle, details, no XSS.

Needs /usr/bin/chromium (Debian package ``chromium``); skipped without it unless ``CI=true``.
Never runs ``playwright install``. Leaves screenshots in ``test-artifacts/`` (gitignored).

    .venv/bin/python -m pytest -m slow tests/test_browser_report.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from propscan.analysis.analyzer import build_analysis
from propscan.document import Document
from propscan.views.html import render_report

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

TEXT = (
    "Bridge Tolls Return to Eastport\n\n"
    "The transport board voted on Monday to bring back tolls on the Eastport bridge, a move that opponents "
    "described as daylight robbery of ordinary commuters. Board chair Lena Ortiz said the money was needed for "
    'repairs. "Every serious city has already introduced tolls," Ortiz said. "We are simply catching up."\n\n'
    'Critics were unmoved. "This board is a gang of greedy bureaucrats," said Tom Reyes of the Eastport Drivers '
    "Club. Can we really trust a board that has never published its repair budget? Either the tolls go, or "
    "Eastport dies.\n\n"
    "Residents will meet again on Thursday to plan a protest at the depot. Enough is enough."
)
HOSTILE_TEXT = (
    "Comment Section Test\n\n"
    'A reader wrote <script>window.__pwned = 1</script> and then <img src=x onerror="window.__pwned = 2"> '
    'and <a href="javascript:window.__pwned=3">click</a> under the story. It is a disgrace.'
)


def _span(doc, phrase, technique, score, voice, speaker=None):
    i = doc.text.index(phrase)
    return doc.span(i, i + len(phrase), technique, score=score, voice=voice, speaker=speaker)


def _analyses():
    doc = Document(
        TEXT,
        id="eastport-7",
        title="Bridge Tolls Return to Eastport",
        url="https://news.example/eastport",
        outlet="Eastport Evening Star",
    )
    spans = [
        _span(doc, "daylight robbery of ordinary commuters", "Loaded_Language", 0.84, "author"),
        _span(doc, "daylight robbery", "Exaggeration,Minimisation", 0.46, "author"),
        _span(
            doc,
            "Every serious city has already introduced tolls",
            "Bandwagon,Reductio_ad_hitlerum",
            0.72,
            "quoted",
            "Lena Ortiz",
        ),
        _span(doc, "a gang of greedy bureaucrats", "Name_Calling,Labeling", 0.91, "quoted", "Tom Reyes"),
        _span(doc, "greedy bureaucrats", "Loaded_Language", 0.38, "quoted", "Tom Reyes"),
        _span(doc, "Can we really trust a board that has never published its repair budget?", "Doubt", 0.67, "author"),
        _span(doc, "Either the tolls go, or Eastport dies.", "Black-and-White_Fallacy", 0.58, "author"),
        _span(doc, "Enough is enough.", "Thought-terminating_Cliches", 0.79, "author"),
    ]
    first = build_analysis(doc, spans, voice=False, model_info={"name": "hand-made test spans"})
    evil = Document(
        HOSTILE_TEXT, id="evil", title="<script>window.__pwned = 4</script>", url="javascript:window.__pwned=5"
    )
    second = build_analysis(
        evil,
        [
            _span(evil, "<script>window.__pwned = 1</script>", "Loaded_Language", 0.7, "author"),
            _span(evil, "It is a disgrace.", "Loaded_Language", 0.6, "author"),
        ],
        voice=False,
    )
    return first, second


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    first, second = _analyses()
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report([first, second]), encoding="utf-8")
    return path, first


class Page:
    def __init__(self, page, analysis):
        self.page, self.analysis = page, analysis
        self.root = page.locator("article.ps-article").first

    def ids(self, technique: str, phrase: str | None = None) -> list[int]:
        return [
            i
            for i, sp in enumerate(self.analysis.spans)
            if sp.technique == technique and (phrase is None or sp.text == phrase)
        ]

    def mark(self, text: str):
        return self.root.locator("mark.ps-seg").filter(has_text=text).first

    def on_marks(self) -> int:
        return self.root.locator("mark.ps-seg.ps-on").count()

    def visible(self) -> int:
        return int(self.root.get_attribute("data-visible"))

    def bg(self, locator) -> str:
        return locator.evaluate("e => getComputedStyle(e).backgroundColor")

    def tip(self):
        return self.root.locator(".ps-tip")


@pytest.fixture()
def ui(browser, report):
    path, analysis = report
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("article.ps-article[data-ps-ready]")
    p = Page(page, analysis)
    p.requests, p.errors = requests, errors
    yield p
    context.close()


def test_highlights_are_visible_and_labelled(ui):
    n = len(ui.analysis.spans)
    assert ui.visible() == n
    assert ui.root.locator(".ps-nvis").inner_text() == str(n)
    marks = ui.root.locator("mark.ps-seg.ps-on")
    assert marks.count() >= n
    for k in range(marks.count()):
        assert marks.nth(k).is_visible()
        assert ui.bg(marks.nth(k)) != "rgba(0, 0, 0, 0)"
    tags = ui.root.locator(".ps-tag")
    assert tags.count() == n and all(tags.nth(k).is_visible() for k in range(n))
    # colour of the most confident covering span: Name calling (0.91) over Loaded language (0.38)
    assert ui.bg(ui.mark("greedy bureaucrats")) == "rgb(252, 205, 229)"  # #fccde5
    assert "ps-multi" in ui.mark("greedy bureaucrats").get_attribute("class")
    assert ui.root.locator(".ps-controls").is_visible()


def test_confidence_slider_hides_low_confidence_spans(ui):
    before_marks, n = ui.on_marks(), ui.visible()
    bw = ui.mark("Either the tolls go")
    assert "ps-on" in bw.get_attribute("class")
    ui.root.locator("input.ps-conf").fill("60")
    kept = sum(1 for sp in ui.analysis.spans if sp.score >= 0.6)
    assert ui.visible() == kept < n
    assert ui.root.locator(".ps-nvis").inner_text() == str(kept)
    assert ui.root.locator(".ps-conf-val").inner_text() == "60%"
    assert ui.on_marks() < before_marks
    assert "ps-on" not in bw.get_attribute("class") and ui.bg(bw) == "rgba(0, 0, 0, 0)"
    (exag,) = ui.ids("Exaggeration,Minimisation")
    tag = ui.root.locator(f'.ps-tag[data-span="{exag}"]')
    assert tag.get_attribute("hidden") is not None and not tag.is_visible()
    # the nested segment keeps the visible, more confident span, and is no longer marked as an overlap
    robbery = ui.mark("daylight robbery")
    assert "ps-on" in robbery.get_attribute("class") and "ps-multi" not in robbery.get_attribute("class")
    ui.root.locator("input.ps-conf").fill("0")
    assert ui.visible() == n and ui.on_marks() == before_marks


def test_technique_filter_hides_that_technique(ui):
    doubt = ui.mark("Can we really trust")
    assert "ps-on" in doubt.get_attribute("class")
    box = ui.root.locator('input.ps-tech[value="doubt"]')
    box.uncheck()
    assert "ps-on" not in doubt.get_attribute("class") and ui.bg(doubt) == "rgba(0, 0, 0, 0)"
    assert ui.visible() == len(ui.analysis.spans) - 1
    assert ui.root.locator('.ps-lg-count[data-tech="doubt"]').inner_text() == "0 of 1"
    # unticking Loaded language leaves the overlapping Name-calling highlight on "greedy bureaucrats"
    ui.root.locator('input.ps-tech[value="loaded_language"]').uncheck()
    greedy = ui.mark("greedy bureaucrats")
    assert greedy.get_attribute("data-top") == "name_calling_labeling" and "ps-multi" not in greedy.get_attribute(
        "class"
    )
    assert "ps-on" in ui.mark("daylight robbery").get_attribute("class")  # still Exaggeration
    assert "ps-on" not in ui.mark(" of ordinary commuters").get_attribute("class")
    box.check()
    assert "ps-on" in doubt.get_attribute("class")


def test_voice_toggle(ui):
    quoted = {i for i, sp in enumerate(ui.analysis.spans) if sp.voice == "quoted"}
    ui.root.locator(".ps-voice label", has_text="Quoted").click()
    assert ui.visible() == len(quoted)
    on = ui.root.locator("mark.ps-seg.ps-on")
    for k in range(on.count()):
        assert {int(x) for x in on.nth(k).get_attribute("data-spans").split()} & quoted
    assert "ps-on" not in ui.mark("Enough is enough").get_attribute("class")
    ui.root.locator(".ps-voice label", has_text="Author").click()
    assert ui.visible() == len(ui.analysis.spans) - len(quoted)
    assert "ps-on" not in ui.mark("a gang of").get_attribute("class")
    assert "ps-on" in ui.mark("Enough is enough").get_attribute("class")
    ui.root.locator(".ps-voice label", has_text="All").click()
    assert ui.visible() == len(ui.analysis.spans)


def test_hover_focus_and_tap_show_span_details(ui):
    tip = ui.tip()
    assert tip.is_hidden()
    gang = ui.mark("a gang of")
    gang.hover()
    assert tip.is_visible()
    text = tip.inner_text()
    for expected in (
        "Name calling or labelling",
        "Confidence: 91%",
        "Voice: quoted: Tom Reyes",
        "Cue:",
        "Attaches a label",
        "Sentence score",
    ):
        assert expected in text
    assert gang.get_attribute("aria-describedby") == tip.get_attribute("id")
    ui.page.mouse.move(5, 5)
    assert tip.is_hidden()
    # keyboard: focus shows, Escape hides
    ui.mark("Enough is enough").focus()
    assert (
        tip.is_visible() and "Thought-terminating cliches" in tip.inner_text() and "Voice: author" in tip.inner_text()
    )
    ui.page.keyboard.press("Escape")
    assert tip.is_hidden()
    # an overlapping segment lists every visible covering span, most confident first
    ui.mark("greedy bureaucrats").focus()
    names = tip.locator(".ps-tip-name").all_inner_texts()
    assert names == ["Name calling or labelling", "Loaded language"]
    ui.page.keyboard.press("Escape")
    # tap/click pins the details until the next click elsewhere
    ui.mark("Every serious city").click()
    ui.page.mouse.move(5, 5)
    assert tip.is_visible() and "Bandwagon or guilt by association" in tip.inner_text()
    ui.page.mouse.click(5, 5)
    assert tip.is_hidden()
    # Tab reaches highlighted spans
    ui.page.locator("body").focus()
    for _ in range(40):
        ui.page.keyboard.press("Tab")
        if ui.page.evaluate("document.activeElement.matches('mark.ps-seg')"):
            break
    assert ui.page.evaluate("document.activeElement.matches('mark.ps-seg.ps-on')")
    assert tip.is_visible()


def test_injected_markup_did_not_run_and_nothing_was_fetched(ui):
    ui.page.locator('a[href^="#a2-"]').click()  # opens the hostile article's <details>
    second = ui.page.locator("article.ps-article").nth(1)
    assert second.is_visible()
    assert second.locator("mark.ps-seg.ps-on").first.inner_text() == "<script>window.__pwned = 1</script>"
    assert ui.page.evaluate("typeof window.__pwned") == "undefined"
    assert ui.page.locator("img").count() == 0
    assert ui.page.locator('a[href^="javascript:"]').count() == 0
    assert second.locator(".ps-url").inner_text() == "javascript:window.__pwned=5"
    assert ui.page.evaluate("typeof window.__pwned") == "undefined"
    assert all(url.startswith("file://") for url in ui.requests), ui.requests
    assert ui.errors == []  # a CSP violation or script error would be reported here


def test_screenshot(ui):
    ARTIFACTS.mkdir(exist_ok=True)
    ui.page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    ui.mark("greedy bureaucrats").hover()
    ui.root.locator(".ps-tip").wait_for(state="visible")
    ui.page.screenshot(path=str(ARTIFACTS / "report-details.png"))
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def _alpha(css_colour: str) -> float:
    """Alpha of a computed colour: rgb(...) = 1, rgba(..., a) / color(srgb r g b / a) = a."""
    import re

    m = re.search(r"/\s*([\d.]+)\)$", css_colour) or re.search(r"rgba\([^)]*,\s*([\d.]+)\)$", css_colour)
    return float(m.group(1)) if m else 1.0


def test_highlight_strength_follows_confidence(ui):
    strong = ui.mark("a gang of")  # top span 91 %
    middle = ui.mark("Enough is enough")  # 79 %
    weak = ui.mark("Either the tolls go")  # 58 %
    confs = [strong.get_attribute("data-conf"), middle.get_attribute("data-conf"), weak.get_attribute("data-conf")]
    assert confs == ["4", "3", "2"]
    alphas = [_alpha(ui.bg(m)) for m in (strong, middle, weak)]
    assert alphas[0] > alphas[1] > alphas[2] > 0.3, alphas
    ARTIFACTS.mkdir(exist_ok=True)
    ui.page.screenshot(path=str(ARTIFACTS / "report-confidence-strength.png"), full_page=True)


def test_warning_banner_for_a_non_english_page(browser, tmp_path):
    german = Document(
        "Brücke am Hafen wird geschlossen\n\n"
        + "Der Stadtrat hat am Dienstag beschlossen, die alte Brücke am Hafen im nächsten Frühjahr zu schließen. "
        "Viele Anwohner sind empört und sprechen von einer rücksichtslosen Entscheidung der Verwaltung. " * 8,
        id="de-1",
        title="Brücke am Hafen wird geschlossen",
    )
    analysis = build_analysis(german, [], voice=False)
    assert [w["code"] for w in analysis.warnings] == ["not_english"]
    path = tmp_path / "de.html"
    path.write_text(render_report([analysis]), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.goto(path.as_uri())
    banner = page.locator(".ps-warn")
    assert banner.is_visible() and "English only" in banner.inner_text()
    assert banner.get_attribute("role") == "alert"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-not-english-warning.png"), full_page=True)
    context.close()
