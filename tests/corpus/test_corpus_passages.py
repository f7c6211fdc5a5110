"""Every number of a corpus report leads to the passages behind it: anchored sections in the
self-contained HTML report, ``/corpus/passages`` in the web app (the browser test is slow).

The store is written directly (no model): texts and spans composed here, so each outlet's
passages are known.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from propscan.corpus import store as st
from propscan.corpus.report import cell_passages, make_report
from propscan.document import Document, Span, content_hash

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EVIL = '<img src=x onerror="alert(1)">Gazette'
#: outlet -> (its loaded phrase, articles, Loaded_Language spans per article)
OUTLETS = {
    "Calm Ledger": ("a costly mistake", 4, 2),
    "Loud Trumpet": ("a shameless betrayal", 6, 10),  # 60 spans: more than a report lists per number
    EVIL: ("a <b>rotten</b> deal", 3, 1),
}
DOUBT = "Who really pays for it?"


def _article(outlet: str, i: int) -> tuple[str, list[st.SpanRow]]:
    phrase, _, k = OUTLETS[outlet]
    parts = [f"Report {i} on the harbour plan. "]
    spans: list[st.SpanRow] = []
    for j in range(k):
        head = "".join(parts) + f"Point {j}: critics call the plan "
        spans.append(st.SpanRow(len(head), len(head) + len(phrase), "Loaded_Language", round(0.30 + 0.06 * j + 0.005 * i, 3)))
        parts.append(f"Point {j}: critics call the plan {phrase} for the town. ")
    head = "".join(parts)
    spans.append(st.SpanRow(len(head), len(head) + len(DOUBT), "Doubt", 0.4))
    parts.append(DOUBT + " The council will vote next month.")
    return "".join(parts), spans


def write_store(path: Path) -> Path:
    con = st.connect(path)
    records = []
    for outlet, (_, n, _) in OUTLETS.items():
        for i in range(n):
            text, spans = _article(outlet, i)
            slug = re.sub(r"[^a-z]+", "-", outlet.lower()).strip("-")
            records.append(st.AnalysisRecord(content_hash(text), "m", f"{slug}-{i}", text, score=0.5, n_words=len(text.split()),
                                             spans=tuple(spans), outlet=outlet, title=f"{outlet} story <{i}>",
                                             published=dt.date(2024, 1 + i % 3, 5)))
    st.write_batch(con, records)
    con.close()
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return write_store(tmp_path_factory.mktemp("passages") / "news.duckdb")


class _Page(HTMLParser):
    """Ids, links and the attributes of rows, sections and passages of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[dict[str, str]] = []
        self.rows: list[dict[str, str]] = []
        self.sections: dict[str, dict] = {}
        self._section: str | None = None
        self._row: dict | None = None
        self._mark = False
        self._in_a: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "tr" and "data-group" in a:
            self._row = {**a, "links": []}
            self.rows.append(self._row)
        if tag == "a":
            self._in_a = {**a, "text": ""}
            self.links.append(self._in_a)
            if self._row is not None:
                self._row["links"].append(self._in_a)
        if tag == "section" and "passages" in a.get("class", ""):
            self._section = a["id"]
            self.sections[a["id"]] = {**a, "passages": [], "text": ""}
        if tag == "li" and self._section and "passage" in a.get("class", ""):
            self.sections[self._section]["passages"].append({**a, "marks": []})
        if tag == "mark":
            self._mark = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._section = None
        if tag == "tr":
            self._row = None
        if tag == "mark":
            self._mark = False
        if tag == "a":
            self._in_a = None

    def handle_data(self, data: str) -> None:
        if self._in_a is not None:
            self._in_a["text"] += data
        if self._section:
            sec = self.sections[self._section]
            sec["text"] += data
            if self._mark and sec["passages"]:
                sec["passages"][-1]["marks"].append(data)


def _parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def test_every_number_of_the_html_report_links_to_its_anchored_passages(store, tmp_path):
    out = tmp_path / "r.html"
    rep = make_report(store, by="outlet", fmt="html", output=out, n_boot=200)
    html = out.read_text(encoding="utf-8")
    page = _parse(html)
    n_groups, n_tech = len(rep.group_names), len(rep.techniques)
    nums = [a for a in page.links if "num" in a.get("class", "")]
    # score table: articles, words, mean score; rates table: articles, rate — every one a link
    assert len(nums) == 3 * n_groups + 2 * n_groups * n_tech
    targets = {a["href"][1:] for a in page.links if a.get("href", "").startswith("#")}
    assert targets and targets <= page.ids, targets - page.ids
    assert len(page.sections) == n_groups * (1 + n_tech)
    # the page stays self-contained: no script, nothing fetched, article strings escaped
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Gazette" in html
    assert "<b>rotten</b>" not in html and "&lt;b&gt;rotten&lt;/b&gt;" in html
    assert "story <0>" not in html and "story &lt;0&gt;" in html


def test_an_outlet_technique_rate_leads_to_that_outlets_passages_of_that_technique(store, tmp_path):
    out = tmp_path / "r.html"
    make_report(store, by="outlet", fmt="html", output=out, n_boot=200)
    page = _parse(out.read_text(encoding="utf-8"))
    for outlet, (phrase, n_articles, per_article) in OUTLETS.items():
        (row,) = [r for r in page.rows if r["data-group"] == outlet and r["data-technique"] == "Loaded_Language"]
        (rate,) = [a for a in row["links"] if "rate" in a["class"]]
        sec = page.sections[rate["href"][1:]]
        assert (sec["data-group"], sec["data-metric"]) == (outlet, "Loaded_Language")
        total = n_articles * per_article
        shown = sec["passages"]
        assert len(shown) == min(total, 50)
        assert {p["data-outlet"] for p in shown} == {outlet} and {p["data-technique"] for p in shown} == {"Loaded_Language"}
        assert all(p["marks"] == [phrase] for p in shown), shown[0]
        confs = [float(c) for c in re.findall(r"confidence (\d\.\d\d)", sec["text"])]
        assert confs == sorted(confs, reverse=True) and len(confs) == len(shown)
        if total > 50:
            assert f"… and {total - 50} more passages with lower confidence." in sec["text"]
        else:
            assert f"All {total} Loaded language spans in this group" in sec["text"]
    # the mean score of an outlet leads to its spans of every technique
    (row,) = [r for r in page.rows if r["data-group"] == "Calm Ledger" and r["data-technique"] == "Doubt"]
    score_links = [a for a in page.links if a.get("href", "").startswith("#p-") and a["href"].endswith("-0")]
    calm = [page.sections[a["href"][1:]] for a in score_links if page.sections[a["href"][1:]]["data-group"] == "Calm Ledger"]
    assert calm and {p["data-technique"] for p in calm[0]["passages"]} == {"Loaded_Language", "Doubt"}
    assert {p["data-outlet"] for p in calm[0]["passages"]} == {"Calm Ledger"}


def test_report_by_month_links_to_that_months_passages(store, tmp_path):
    out = tmp_path / "m.html"
    make_report(store, by="month", fmt="html", output=out, n_boot=200, passages_per_cell=5)
    page = _parse(out.read_text(encoding="utf-8"))
    (row,) = [r for r in page.rows if r["data-group"] == "2024-02" and r["data-technique"] == "Doubt"]
    sec = page.sections[row["links"][-1]["href"][1:]]
    # articles 1 and 4 of each outlet are from February: Calm 1, Loud 1 and 4, Evil 1 -> 4 Doubt spans
    assert len(sec["passages"]) == 4 and {p["marks"][0] for p in sec["passages"]} == {DOUBT}
    assert {p["data-doc"].rsplit("-", 1)[1] for p in sec["passages"]} == {"1", "4"}
    loud = page.sections[[r for r in page.rows if r["data-group"] == "2024-01"
                          and r["data-technique"] == "Loaded_Language"][0]["links"][-1]["href"][1:]]
    assert len(loud["passages"]) == 5 and "more passages with lower confidence" in loud["text"]


def test_cell_passages_pages_through_all_of_them(store):
    first = cell_passages(store, by="outlet", group="Loud Trumpet", metric="Loaded language", limit=50)
    assert first.metric == "Loaded_Language" and first.n_total == 60 and len(first.passages) == 50 and first.more == 10
    rest = cell_passages(store, by="outlet", group="Loud Trumpet", metric="Loaded_Language", limit=50, offset=50)
    assert len(rest.passages) == 10 and rest.more == 0 and rest.first_rank == 51
    seen = [(p["doc_id"], p["passage"], p["score"]) for p in first.passages + rest.passages]
    assert len(set(seen)) == 60 and [s for *_, s in seen] == sorted((s for *_, s in seen), reverse=True)
    assert cell_passages(store, by="outlet", group="No Such Outlet", metric="score").n_total == 0


def test_web_corpus_page_links_each_number_to_the_passages_route(store):
    from fastapi.testclient import TestClient

    from propscan.server import Settings, create_app

    with TestClient(create_app(Settings(corpus_dir=str(store.parent)), model=LexiconModel())) as c:
        page = _parse(c.get("/corpus", params={"store": store.name, "by": "outlet"}).text)
        (row,) = [r for r in page.rows if r["data-group"] == EVIL and r["data-technique"] == "Loaded_Language"]
        href = [a for a in row["links"] if "rate" in a["class"]][0]["href"]
        q = parse_qs(urlsplit(href).query)
        assert urlsplit(href).path == "/corpus/passages"
        assert q == {"store": [store.name], "by": ["outlet"], "group": [EVIL], "metric": ["Loaded_Language"]}
        r = c.get(href)
        assert r.status_code == 200 and "<img src=x" not in r.text and "<b>rotten</b>" not in r.text
        assert r.text.count('data-outlet="&lt;img src=x') == 3
        # 60 passages of Loud Trumpet: 50 on the first page, then a link to the next 10
        r = c.get("/corpus/passages", params={"store": store.name, "group": "Loud Trumpet", "metric": "Loaded_Language"})
        assert r.text.count('<li class="passage"') == 50
        nxt = re.search(r'href="([^"]+)" rel="next"', r.text)
        assert nxt is not None
        r2 = c.get(nxt.group(1).replace("&amp;", "&"))
        assert r2.text.count('<li class="passage"') == 10 and 'start="51"' in r2.text and 'rel="prev"' in r2.text
        # bad requests say what is wrong, and never read a path
        assert "Unknown store" in c.get("/corpus/passages", params={"store": "../news.duckdb", "group": "x"}).text
        assert "unknown technique" in c.get("/corpus/passages", params={"store": store.name, "group": "x",
                                                                         "metric": "Shouting"}).text.lower()


# ---- the browser: click an outlet's technique rate, land on its passages (slow) -----------------


class LexiconModel:
    """A stand-in model for the server (the corpus pages never run it)."""

    info = {"name": "stand-in", "version": "1", "weights_sha256": None, "encoder": None}

    def predict(self, documents: Sequence[Document]) -> list[list[Span]]:
        return [[] for _ in documents]

    def classify(self, documents: Sequence[Document], spans: Sequence[Sequence[Span]]) -> list[list[Span]]:
        return [list(s) for s in spans]


@pytest.fixture(scope="module")
def corpus_server(store, serve) -> Iterator[str]:
    from propscan.server import Settings, create_app

    with serve(create_app(Settings(allowed_hosts=("127.0.0.1",), corpus_dir=str(store.parent)), model=LexiconModel())) as url:
        yield url


def _check_passages(items, outlet: str, phrase: str, expected: int) -> None:
    assert items.count() == expected
    for i in range(items.count()):
        li = items.nth(i)
        assert li.get_attribute("data-outlet") == outlet and li.get_attribute("data-technique") == "Loaded_Language"
        assert li.locator("mark").inner_text() == phrase
        assert outlet in li.locator(".src").inner_text() and "Loaded language" in li.locator(".tech").inner_text()


@pytest.mark.slow
def test_browser_click_an_outlets_technique_rate_to_its_passages(corpus_server, store, watched_page, tmp_path) -> None:
    page, errors, requests = watched_page

    # the web app: /corpus -> click Calm Ledger's Loaded language rate -> /corpus/passages
    page.goto(f"{corpus_server}/corpus?store={store.name}&by=outlet")
    page.locator('tr[data-group="Calm Ledger"][data-technique="Loaded_Language"] a.rate').click()
    page.wait_for_url(re.compile(r"/corpus/passages\?"))
    assert page.locator(".cell-group").inner_text() == "Calm Ledger"
    assert page.locator(".passages-page").get_attribute("data-metric") == "Loaded_Language"
    _check_passages(page.locator("li.passage"), "Calm Ledger", "a costly mistake", 4 * 2)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "corpus-passages.png"), full_page=True)
    # back, then the escaped outlet: its passages and nobody else's, and no injected element ran
    page.go_back()
    page.locator("tr[data-technique='Loaded_Language'] a.rate").nth(2).click()
    page.wait_for_url(re.compile(r"/corpus/passages\?"))
    assert page.locator(".cell-group").inner_text() == EVIL
    _check_passages(page.locator("li.passage"), EVIL, "a <b>rotten</b> deal", 3)
    assert page.locator("li.passage img").count() == 0

    # the self-contained HTML report: the same click jumps to an anchored section
    out = tmp_path / "report.html"
    make_report(store, by="outlet", fmt="html", output=out, n_boot=200)
    page.goto(out.as_uri())
    page.locator('tr[data-group="Loud Trumpet"][data-technique="Loaded_Language"] a.rate').click()
    target = page.locator("section.passages:target")
    target.wait_for(state="visible")
    assert target.get_attribute("data-group") == "Loud Trumpet" and target.get_attribute("data-metric") == "Loaded_Language"
    _check_passages(target.locator("li.passage"), "Loud Trumpet", "a shameless betrayal", 50)
    assert "10 more passages" in target.inner_text()
    page.screenshot(path=str(ARTIFACTS / "corpus-report-passages.png"))
    assert not errors, errors
    assert all(u.startswith(corpus_server) or u.startswith(("data:", "file:")) for u in requests), requests
