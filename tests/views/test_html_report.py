"""The HTML report: highlighting, overlaps, escaping (XSS), self-containment, fragment, batch.

Fast: hand-made spans on invented texts, no model. Output is parsed with ``html.parser``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from propscan.analysis.analyzer import build_analysis
from propscan.document import Document
from propscan.techniques import get
from propscan.views.html import (
    render_analysis_fragment,
    render_article_block,
    render_report,
    report_css,
    report_js,
    safe_link,
)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)]


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, dict(attrs), self.cur))

    def handle_endtag(self, tag):
        node = self.cur
        while node is not self.root and node.tag != tag:
            node = node.parent
        assert node is not self.root, f"stray </{tag}>"
        self.cur = node.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(html: str) -> Node:
    p = TreeBuilder()
    p.feed(html)
    p.close()
    return p.root


TEXT = (
    "Harbour Plan Sparks Row\n\n"
    "The mayor called the harbour plan a reckless disaster for the town. "
    '"Only cowards would vote for this," said Ann Field. '
    "Can we really trust a council that hides its own figures?"
)


def _span(doc: Document, phrase: str, technique: str, score: float, **kw):
    i = doc.text.index(phrase)
    return doc.span(i, i + len(phrase), technique, score=score, **kw)


@pytest.fixture()
def analysis():
    doc = Document(
        TEXT, id="harbour-1", title="Harbour Plan Sparks Row", url="https://news.example/harbour", outlet="Example Post"
    )
    spans = [
        _span(doc, "a reckless disaster for the town", "Loaded_Language", 0.81, voice="author"),
        _span(doc, "reckless disaster", "Exaggeration,Minimisation", 0.55, voice="author"),  # nested
        _span(doc, "Only cowards would vote", "Name_Calling,Labeling", 0.9, voice="quoted", speaker="Ann Field"),
        _span(
            doc, "cowards would vote for this", "Loaded_Language", 0.35, voice="quoted", speaker="Ann Field"
        ),  # partial
        _span(doc, "Can we really trust a council", "Doubt", 0.66, voice="author"),
    ]
    return build_analysis(doc, spans, voice=False)


def _marks(tree: Node) -> list[Node]:
    return tree.find_all("mark", "ps-seg")


def _span_data(tree: Node) -> dict:
    (data,) = [n for n in tree.find_all("script") if n.attrs.get("type") == "application/json"]
    return json.loads(data.text())


def test_every_span_appears_with_its_text_and_technique_class(analysis):
    tree = parse(render_report([analysis]))
    marks = _marks(tree)
    for i, sp in enumerate(analysis.spans):
        covering = [m for m in marks if str(i) in m.attrs["data-spans"].split()]
        assert "".join(m.text() for m in covering) == sp.text
        assert all(f"ps-t-{get(sp.technique).id}" in m.classes for m in covering)
        assert all("ps-on" in m.classes and m.attrs.get("tabindex") == "0" for m in covering)
    # one end-of-span text label per span
    tags = tree.find_all("span", "ps-tag")
    assert sorted(int(t.attrs["data-span"]) for t in tags) == list(range(len(analysis.spans)))
    assert {t.attrs["data-abbr"] for t in tags} >= {"LOAD", "EXAG", "NAME", "DOUBT"}


def test_text_is_reproduced_exactly(analysis):
    tree = parse(render_report([analysis]))
    (box,) = tree.find_all("div", "ps-text")
    assert box.text() == analysis.document.text


def test_overlapping_spans_split_into_segments_with_all_classes(analysis):
    tree = parse(render_report([analysis]))
    by_text = {m.text(): m for m in _marks(tree)}
    nested = by_text["reckless disaster"]  # inside the Loaded_Language span
    assert {"ps-t-loaded_language", "ps-t-exaggeration_minimisation", "ps-multi"} <= nested.classes
    assert nested.attrs["data-top"] == "loaded_language"  # 0.81 beats 0.55
    partial = by_text["cowards would vote"]  # Name_Calling 0.9 and Loaded_Language 0.35 overlap here
    assert {"ps-t-name_calling_labeling", "ps-t-loaded_language", "ps-multi"} <= partial.classes
    assert partial.attrs["data-top"] == "name_calling_labeling"
    assert "ps-multi" not in by_text[" for this"].classes
    assert by_text[" for this"].attrs["data-top"] == "loaded_language"
    assert "ps-multi" not in by_text["Only "].classes


def test_span_data_json_matches_spans(analysis):
    tree = parse(render_report([analysis]))
    data = _span_data(tree)
    assert data["id"] == "harbour-1"
    assert [(s["t"], s["c"], s["v"]) for s in data["spans"]] == [
        (get(sp.technique).id, round(sp.score, 4), sp.voice) for sp in analysis.spans
    ]
    quoted = [s for s in data["spans"] if s["v"] == "quoted"]
    assert quoted and all(s["vt"] == "quoted: Ann Field" for s in quoted)
    assert all(s["def"] == get(sp.technique).definition for s, sp in zip(data["spans"], analysis.spans))


def test_legend_counts_and_voice_counts(analysis):
    tree = parse(render_report([analysis]))
    counts = {c.attrs["data-tech"]: int(c.text()) for c in tree.find_all("span", "ps-lg-count")}
    assert counts == {"loaded_language": 2, "exaggeration_minimisation": 1, "name_calling_labeling": 1, "doubt": 1}
    boxes = [n for n in tree.find_all("input", "ps-tech")]
    assert sorted(b.attrs["value"] for b in boxes) == sorted(counts)
    radios = {r.attrs["value"]: r for r in tree.find_all("input", "ps-voice-opt")}
    assert set(radios) == {"all", "author", "quoted"} and "checked" in radios["all"].attrs
    slider = tree.find_all("input", "ps-conf")[0]
    assert slider.attrs["type"] == "range" and slider.attrs["min"] == "0" and slider.attrs["max"] == "100"


def test_sentence_scores_are_rendered(analysis):
    tree = parse(render_report([analysis]))
    sents = tree.find_all("span", "ps-sent")
    assert len(sents) == len(analysis.sentences)
    for node, s in zip(sents, analysis.sentences):
        assert float(node.attrs["data-score"]) == pytest.approx(s.score)
    flagged = [n for n in sents if float(n.attrs["data-score"]) > 0.5]
    assert flagged and all(
        n.find_all("span", "ps-sbar")[0].attrs["title"].startswith("Sentence score") for n in flagged
    )


def test_profile_chart_has_a_row_per_technique(analysis):
    tree = parse(render_report([analysis]))
    (prof,) = tree.find_all("section", "ps-profile")
    rows = prof.find_all("tr")[1:]
    assert len(rows) == 4
    names = [r.find_all("th")[0].text().strip() for r in rows]
    assert names[0] == "Loaded language"  # highest rate first
    bars = prof.find_all("rect")
    assert any("ps-bar-quoted" in b.classes for b in bars) and any("ps-bar-author" in b.classes for b in bars)


HOSTILE = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture()
def hostile():
    text = f"Title {HOSTILE}\n\nThey said {IMG} and \u2028 then </script><script>alert(2)</script> left."
    doc = Document(
        text,
        id='evil"><script>alert(3)</script>',
        title=f"{HOSTILE}{IMG}",
        url="javascript:alert(1)",
        outlet="<b onmouseover=alert(4)>Outlet</b>",
    )
    spans = [
        doc.span(6, 6 + len(HOSTILE), "Loaded_Language", score=0.7, voice="quoted", speaker=IMG, cue=HOSTILE),
        doc.span(text.index("<img"), text.index("<img") + len(IMG), f"Bogus_{HOSTILE}", score=0.5),
    ]
    return build_analysis(doc, spans, voice=False)


@pytest.mark.parametrize(
    "render", [lambda a: render_report([a]), lambda a: render_report([a, a]), render_analysis_fragment]
)
def test_hostile_article_produces_no_executable_markup(hostile, render):
    html = render(hostile)
    tree = parse(html)
    for node in tree.iter():
        assert node.tag != "img"
        for name, value in node.attrs.items():
            assert not name.startswith("on"), f"event handler attribute {name} on <{node.tag}>"
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                assert not (value or "").strip().lower().startswith(("javascript:", "data:text")), value
    scripts = tree.find_all("script")
    ours = [s for s in scripts if s.text() == report_js()]
    data = [s for s in scripts if s.attrs.get("type") == "application/json"]
    assert len(ours) == 1 and len(ours) + len(data) == len(scripts)
    for s in data:
        assert "<" not in s.text() and "\u2028" not in s.text()
        parsed = json.loads(s.text())
        assert any(sp.get("cue") == HOSTILE for sp in parsed["spans"])  # same string back, only escaped
    assert HOSTILE not in html and IMG not in html
    # the article strings are shown, as text
    assert HOSTILE in tree.find_all("div", "ps-text")[0].text()
    assert tree.find_all("h2", "ps-title")[0].text() == f"{HOSTILE}{IMG}"
    assert "javascript:alert(1)" in tree.find_all("span", "ps-url")[0].text()


def test_links_only_for_http_urls():
    assert safe_link("https://example.org/x?a=1&b=2") == "https://example.org/x?a=1&b=2"
    assert safe_link("http://example.org") == "http://example.org"
    for bad in (
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<b>x</b>",
        "vbscript:x",
        "//example.org",
        "ftp://example.org",
        "java\tscript:alert(1)",
        " https://example.org",
        "https:///nohost",
        None,
        "",
    ):
        assert safe_link(bad) is None, bad
    doc = Document("Plain words here.", id="u", url="https://example.org/a?b=1&c=<2>")
    tree = parse(render_report([build_analysis(doc, [], voice=False)]))
    links = [a for a in tree.find_all("a") if a.attrs.get("href", "").startswith("http")]
    assert [a.attrs["href"] for a in links] == ["https://example.org/a?b=1&c=<2>"]
    assert "noopener" in links[0].attrs["rel"]


def test_page_is_self_contained_with_strict_csp(analysis):
    html = render_report([analysis])
    tree = parse(html)
    assert not tree.find_all("link") and not tree.find_all("img") and not tree.find_all("iframe")
    assert not re.search(r"""\b(src|srcset|data)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"""<link[^>]+href""", html, re.I)
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?\s*(https?:)?//", html)
    assert "fetch(" not in report_js() and "XMLHttpRequest" not in report_js()
    for node in tree.iter():
        assert "style" not in node.attrs, f"inline style attribute on <{node.tag}> would be blocked by the CSP"
    (meta,) = [m for m in tree.find_all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    policy = meta.attrs["content"]
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    (style,) = tree.find_all("style")
    assert style.text() == report_css() and f"style-src {digest(style.text())}" in policy
    (script,) = [s for s in tree.find_all("script") if "type" not in s.attrs]
    assert f"script-src {digest(script.text())}" in policy


def test_css_is_scoped_under_wrapper_class():
    css = re.sub(r"/\*.*?\*/", "", report_css(), flags=re.S)
    selectors = [
        s.strip()
        for group in re.findall(r"([^{}]+)\{", css)
        if not group.strip().startswith("@")
        for s in group.split(",")
    ]
    scopes = (".psr", ".propscan-corpus")  # the article report's and the corpus report's wrappers
    assert selectors and all(s.startswith(scopes) for s in selectors), [s for s in selectors if not s.startswith(scopes)]
    assert any(s.startswith(".propscan-corpus") for s in selectors)
    for t in ("loaded_language", "doubt", "slogans"):
        assert f'[data-top="{t}"]{{--hl:{get(t).color}}}' in report_css()


def test_fragment_for_jupyter(analysis):
    frag = analysis._repr_html_()
    assert frag == render_analysis_fragment(analysis)
    assert frag.startswith('<div class="psr psr-fragment">') and frag.rstrip().endswith("</div>")
    tree = parse(frag)
    assert "<html" not in frag and "<body" not in frag
    assert len(_marks(tree)) == len(_marks(parse(render_report([analysis]))))
    (style,) = tree.find_all("style")
    assert style.text() == report_css()


def test_article_block_anchor_and_ids_are_unique(analysis):
    block = render_article_block(analysis, anchor="one")
    tree = parse(block)
    (article,) = tree.find_all("article", "ps-article")
    assert article.attrs["id"] == "one"
    ids = [n.attrs["id"] for n in tree.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids)) and all(i.startswith("one") for i in ids)
    assert render_article_block(analysis, anchor='x" onclick="y').count("onclick=") == 0


def test_batch_page_links_each_article(analysis, hostile):
    other = build_analysis(Document("Nothing to see here at all.", id="calm"), [], voice=False)
    html = render_report([analysis, other, hostile], title="Weekly <review>")
    tree = parse(html)
    assert tree.find_all("title")[0].text() == "Weekly <review>"
    rows = tree.find_all("table", "ps-batch")[0].find_all("tr")[1:]
    assert len(rows) == 3
    ids = {n.attrs["id"] for n in tree.iter() if "id" in n.attrs}
    hrefs = [r.find_all("a")[0].attrs["href"] for r in rows]
    assert all(h.startswith("#") and h[1:] in ids for h in hrefs) and len(set(hrefs)) == 3
    details = tree.find_all("details", "ps-item")
    assert len(details) == 3 and "open" in details[0].attrs and "open" not in details[1].attrs
    assert len(tree.find_all("article", "ps-article")) == 3
    badges = [r.find_all("span", "ps-badge")[0].text() for r in rows]
    assert badges == [f"{analysis.score:.2f}", "0.00", f"{hostile.score:.2f}"]
    assert "No technique spans" in tree.find_all("article")[1].text()


def test_unknown_technique_gets_neutral_colour_and_escaped_name(hostile):
    tree = parse(render_report([hostile]))
    other = [m for m in _marks(tree) if m.attrs["data-top"].startswith("other")]
    assert len(other) == 1 and other[0].text() == IMG
    names = [n.text() for n in tree.find_all("span", "ps-lg-name")]
    assert f"Bogus {HOSTILE}" in names


def test_cli_html_format_uses_render_report(analysis):
    from propscan.views.output import render

    html = render([analysis], "html")
    assert html == render_report([analysis])


def test_empty_batch_renders_a_page():
    tree = parse(render_report([]))
    assert "No articles" in tree.text()


def test_random_overlaps_reproduce_text_and_spans():
    """Property check: any set of (overlapping) spans renders the exact text and each span's exact passage."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from propscan.techniques import NAMES

    text = "One two three. Four five six seven! Eight nine ten?\n\nEleven twelve & <thirteen> fourteen."

    @st.composite
    def span_sets(draw):
        out = []
        for _ in range(draw(st.integers(0, 8))):
            start = draw(st.integers(0, len(text) - 1))
            end = draw(st.integers(start + 1, len(text)))
            out.append((start, end, draw(st.sampled_from(NAMES)), draw(st.floats(0.01, 1.0))))
        return out

    @settings(deadline=None)
    @given(span_sets())
    def check(raw):
        doc = Document(text, id="prop")
        a = build_analysis(doc, [doc.span(s, e, t, score=c) for s, e, t, c in raw], voice=False)
        tree = parse(render_article_block(a))
        assert tree.find_all("div", "ps-text")[0].text() == text
        marks = _marks(tree)
        for i, sp in enumerate(a.spans):
            covering = [m for m in marks if str(i) in m.attrs["data-spans"].split()]
            assert "".join(m.text() for m in covering) == sp.text
        for m in marks:
            ids = [int(x) for x in m.attrs["data-spans"].split()]
            best = max(ids, key=lambda i: (a.spans[i].score, -(a.spans[i].end - a.spans[i].start), -i))
            assert m.attrs["data-top"] == get(a.spans[best].technique).id
            assert ("ps-multi" in m.classes) == (len(ids) > 1)

    check()
