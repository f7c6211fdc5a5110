"""Self-contained HTML views of analyses: a full report page, a Jupyter fragment, reusable blocks.

Public API (names and signatures are stable; the web app reuses them):

``render_report(analyses, *, title=None) -> str``
    One complete HTML page for one article or a batch (a batch gets a summary table whose rows
    link to each article's anchor; each article is a collapsible ``<details>``). CSS and JS are
    inlined, nothing is fetched from the network, and a Content-Security-Policy meta tag allows
    only the page's own style and script (by sha256 hash).
``render_analysis_fragment(analysis) -> str``
    An HTML fragment for Jupyter's ``_repr_html_``: the same article block with the CSS (scoped
    under the ``.psr`` wrapper class) and the JS (optional enhancement: without it the highlights,
    legend and native tooltips still work).
``render_article_block(analysis, *, anchor=None) -> str``
    The markup of one article: header with score gauge, controls (confidence slider, technique
    filter/legend, voice toggle), highlighted text, technique profile chart and the span data as
    ``<script type="application/json" class="ps-data">``. It must sit inside an element with
    class ``psr``; give distinct ``anchor`` ids when putting several blocks on one page.
``report_css() -> str``
    The stylesheet (every rule scoped under ``.psr``), including the technique colours.
``report_js() -> str``
    The script; it enhances every ``.ps-article`` not yet initialised, so it may run more than once.

Rendering rules: the text is split at every span and sentence boundary; each segment is a
``<mark class="ps-seg ps-on ps-t-<technique id> …" data-spans="i j">`` carrying the classes of all covering
spans, coloured by the most confident one (``data-top``), striped when several overlap. Every
string from an article is escaped by Jinja2 autoescaping; the JS reads its data from JSON (with
``<``, ``>``, ``&``, U+2028 and U+2029 escaped) and builds the tooltip with ``textContent`` only.
URLs become links only for http and https.

>>> from propscan.document import Document
>>> from propscan.analysis.analyzer import build_analysis
>>> doc = Document("They are traitors.", id="d1")
>>> page = render_report([build_analysis(doc, [doc.span(9, 17, "Name_Calling,Labeling", score=0.8)], voice=False)])
>>> page.startswith("<!DOCTYPE html>") and 'class="ps-seg ps-on ps-t-name_calling_labeling"' in page
True
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from propscan.analysis.analyzer import Analysis
from propscan.analysis.scores import density_from_score, score_level
from propscan.document import Span

__all__ = ["render_report", "render_analysis_fragment", "render_article_block", "report_css", "report_js"]

_PKG = Path(__file__).resolve().parent.parent
_TEMPLATES = _PKG / "templates"
_STATIC = _PKG / "static"
#: the web app's page templates: loaded by the same environment so that every page of propscan
#: shares one escaping and one set of filters (they extend ``base.html``, the reports do not)
_PAGE_TEMPLATES = _PKG / "server" / "templates"


# ---------------------------------------------------------------------------
# Assets
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def template_env() -> Any:
    """The one Jinja2 environment of every HTML page (article report, corpus report, web app pages): autoescaped.

    Usage: ``template_env().get_template("article.html.j2").render(a=context)``.
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from propscan.version import __version__

    env = Environment(
        loader=FileSystemLoader([str(_TEMPLATES), str(_PAGE_TEMPLATES)]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["pct"] = lambda x: f"{round(100 * float(x))}%"
    env.globals["version"] = __version__
    return env


def colour_rules(rule: str) -> str:
    """One CSS line per technique from ``rule``, a format string with ``{id}`` and ``{color}``.

    The web app's glossary and the report both colour techniques from the catalogue this way.

    >>> colour_rules(".tech-{id}{{--tech:{color}}}").splitlines()[0]
    '.tech-appeal_to_authority{--tech:#80b1d3}'
    """
    from propscan.techniques import CATALOGUE

    return "\n".join(rule.format(id=t.id, color=t.color) for t in CATALOGUE) + "\n"


@functools.lru_cache(maxsize=1)
def report_css() -> str:
    """The one report stylesheet: article reports (rules under ``.psr``, technique colours included) and
    corpus reports (rules under ``.propscan-corpus``).

    >>> ".psr" in report_css() and "#ffffb3" in report_css()
    True
    """
    from propscan.techniques import OTHER_COLOUR

    base = (_STATIC / "report.css").read_text(encoding="utf-8")
    colours = colour_rules('.psr [data-top="{id}"]{{--hl:{color}}}')
    colours += f'.psr [data-top^="other"]{{--hl:{OTHER_COLOUR}}}\n'
    return base.rstrip() + "\n/* technique colours (propscan.techniques.CATALOGUE) */\n" + colours


@functools.lru_cache(maxsize=1)
def report_js() -> str:
    """The report script (no external dependencies; idempotent per ``.ps-article``).

    >>> "textContent" in report_js() and "innerHTML" not in report_js()
    True
    """
    return (_STATIC / "report.js").read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def csp_policy(css: str | None = None, js: str | None = None) -> str:
    """The Content-Security-Policy of a standalone page: only its own inline style and script run.

    Default: the article report's (:func:`report_css`, :func:`report_js`). With ``css`` and no
    ``js``, a page without scripts (the corpus report). Usage: ``csp_policy(report_css())``.
    """
    if css is None:
        css, js = report_css(), report_js()
    script = f"script-src '{_sha256(js)}'; " if js is not None else ""
    return (
        "default-src 'none'; "
        f"style-src '{_sha256(css)}'; "
        f"{script}"
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def json_for_script(data: Any) -> Markup:
    """JSON safe to embed in ``<script type="application/json">`` (``<>&`` and U+2028/9 escaped).

    >>> str(json_for_script({"a": "</script>"}))
    '{"a": "\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return Markup(text)


def safe_link(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL that may become a link, else ``None``.

    >>> safe_link("https://example.org/a"), safe_link("javascript:alert(1)"), safe_link(" http://x")
    ('https://example.org/a', None, None)
    """
    if not url or url != url.strip() or any(ord(c) < 32 or c in "\x7f\\" for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:limit] or "x"


class _Techniques:
    """Maps technique names of one article to CSS-safe keys, colours, display names."""

    def __init__(self) -> None:
        self._others: dict[str, str] = {}

    def info(self, name: str | None) -> dict[str, str]:
        """Key, name, display name, definition, colour and abbreviation of one span's label.

        A label outside the catalogue gets a key of its own (``other1``, ``other2``, ...) and is
        shown by the same rule as everywhere else (:func:`propscan.techniques.display_name`).
        """
        from propscan.techniques import UNLABELLED, abbreviation, colour, display_name, find

        t = find(name)
        if t is not None:
            key, label, definition = t.id, t.name, t.definition
        else:
            label = str(name) if name else UNLABELLED
            key, definition = self._others.setdefault(label, f"other{len(self._others) + 1}"), ""
        return {
            "key": key,
            "name": label,
            "display": display_name(label),
            "definition": definition,
            "color": colour(label),
            "abbr": abbreviation(label),
        }


def _voice_text(sp: Span) -> str:
    if sp.voice == "author":
        return "author's own voice"
    if sp.voice == "quoted":
        return f"quoted: {sp.speaker}" if sp.speaker else "quoted (speaker unknown)"
    return "voice not determined"


def _sentence_bucket(score: float | None) -> int:
    return 0 if score is None else max(0, min(9, int(float(score) * 10)))


def flag_meaning(model_info: dict[str, Any]) -> str | None:
    """Plain words for what a flag at the model's recommended threshold means, from its measured figures.

    >>> flag_meaning({"reader_figures": {"flag_precision_same": 0.29, "hit_any": 0.41, "hit_same": 0.21, "display_threshold": 0.175}})
    'At the recommended setting (confidence at least 18 %), about 3 in 10 flags name the technique a trained annotator marked on that passage, and the flags touch about 4 in 10 of the passages annotators mark (measured on 75 held-out news articles). Treat every flag as a prompt to read closely, not a verdict.'
    """
    fig = (model_info or {}).get("reader_figures")
    if not fig:
        return None
    return (f"At the recommended setting (confidence at least {100 * fig.get('display_threshold', 0):.0f} %), about "
            f"{round(10 * fig['flag_precision_same'])} in 10 flags name the technique a trained annotator marked on that passage, "
            f"and the flags touch about {round(10 * fig['hit_any'])} in 10 of the passages annotators mark "
            "(measured on 75 held-out news articles). Treat every flag as a prompt to read closely, not a verdict.")


def confidence_bucket(score: float) -> int:
    """0-4: how strongly a span is highlighted (the report's CSS and JS use the same five steps).

    >>> [confidence_bucket(x) for x in (0.02, 0.25, 0.5, 0.79, 0.95)]
    [0, 1, 2, 3, 4]
    """
    return max(0, min(4, int(score * 5)))


def top_span_order(spans: Sequence[Span], indices: Any) -> list[int]:
    """``indices`` of ``spans`` with the one shown on top first: most confident, then shortest, then first.

    The one rule for overlapping spans: the HTML report colours a segment by the first of its
    covering spans, and the terminal view shows the same span there.

    >>> from propscan.document import Span
    >>> top_span_order([Span(0, 9, "Doubt", score=0.5), Span(2, 5, "Slogans", score=0.5)], [0, 1])
    [1, 0]
    """
    return sorted(indices, key=lambda i: (-float(spans[i].score), spans[i].end - spans[i].start, i))


def _text_items(analysis: Analysis, techs: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Flat render list: sentence open/close, plain text, highlighted segments, end-of-span tags."""
    text = analysis.document.text
    n = len(text)
    spans = analysis.spans
    sents = []
    last = 0
    for s in sorted(analysis.sentences, key=lambda s: s.start):
        a, b = max(s.start, last), min(s.end, n)
        if a < b:
            sents.append((a, b, s.score))
            last = b
    bounds = {0, n}
    for sp in spans:
        bounds.update((min(sp.start, n), min(sp.end, n)))
    for a, b, _ in sents:
        bounds.update((a, b))
    order = sorted(bounds)
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for i, sp in enumerate(spans):
        starts.setdefault(sp.start, []).append(i)
        ends.setdefault(sp.end, []).append(i)
    sent_start = {a: (k, sc) for k, (a, _, sc) in enumerate(sents)}
    sent_end = {b for _, b, _ in sents}
    items: list[dict[str, Any]] = []
    active: set[int] = set()
    in_sent = False
    for a, b in zip(order, order[1:]):
        if in_sent and a in sent_end:
            items.append({"kind": "close"})
            in_sent = False
        if a in sent_start:
            k, sc = sent_start[a]
            items.append({"kind": "open", "k": k, "score": sc, "bucket": _sentence_bucket(sc)})
            in_sent = True
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        chunk = text[a:b]
        if not active:
            items.append({"kind": "text", "text": chunk})
        else:
            cover = top_span_order(spans, active)
            keys = []
            for i in cover:
                if techs[i]["key"] not in keys:
                    keys.append(techs[i]["key"])
            items.append(
                {
                    "kind": "seg",
                    "text": chunk,
                    "ids": " ".join(str(i) for i in sorted(cover)),
                    "classes": " ".join(f"ps-t-{k}" for k in keys),
                    "top": techs[cover[0]]["key"],
                    "conf": confidence_bucket(float(spans[cover[0]].score)),
                    "multi": len(cover) > 1,
                    "title": "; ".join(f"{techs[i]['display']} {round(100 * float(spans[i].score))}%" for i in cover),
                }
            )
        for i in ends.get(b, ()):
            items.append({"kind": "tag", "i": i, "abbr": techs[i]["abbr"], "key": techs[i]["key"]})
    if in_sent:
        items.append({"kind": "close"})
    return items


def _profile_rows(analysis: Analysis, techs: list[dict[str, str]]) -> tuple[list[dict[str, Any]], list[str]]:
    n_words = max(analysis.n_words, 1)
    rows: dict[str, dict[str, Any]] = {}
    voices_seen: list[str] = []
    for sp, t in zip(analysis.spans, techs):
        voice = sp.voice if sp.voice in ("author", "quoted") else "unknown"
        if voice not in voices_seen:
            voices_seen.append(voice)
        row = rows.setdefault(
            t["key"],
            {
                "key": t["key"],
                "display": t["display"],
                "color": t["color"],
                "count": 0,
                "author": 0.0,
                "quoted": 0.0,
                "unknown": 0.0,
            },
        )
        row["count"] += 1
        row[voice] += 1000.0 * float(sp.score) / n_words
    out = sorted(rows.values(), key=lambda r: -(r["author"] + r["quoted"] + r["unknown"]))
    top = max((r["author"] + r["quoted"] + r["unknown"] for r in out), default=0.0) or 1.0
    for r in out:
        r["total"] = r["author"] + r["quoted"] + r["unknown"]
        x = 0.0
        r["bars"] = []
        for voice in ("author", "quoted", "unknown"):
            w = 100.0 * r[voice] / top
            if w > 0:
                r["bars"].append({"voice": voice, "x": round(x, 3), "w": round(w, 3)})
                x += w
    order: list[str] = [v for v in ("author", "quoted", "unknown") if v in voices_seen]
    return out, order


def _article_context(analysis: Analysis, anchor: str) -> dict[str, Any]:
    from propscan.analysis.rationale import rationale

    doc = analysis.document
    registry = _Techniques()
    techs = [registry.info(sp.technique) for sp in analysis.spans]
    legend: dict[str, dict[str, Any]] = {}
    for t in techs:
        legend.setdefault(t["key"], {**t, "count": 0})["count"] += 1
    legend_rows = sorted(legend.values(), key=lambda r: (-r["count"], r["display"]))
    span_data = []
    for i, (sp, t) in enumerate(zip(analysis.spans, techs)):
        r = rationale(sp)
        passage = doc.text[sp.start : sp.end]
        span_data.append(
            {
                "i": i,
                "t": t["key"],
                "d": t["display"],
                "def": r["definition"] or t["definition"],
                "c": round(float(sp.score), 4),
                "v": sp.voice,
                "sp": sp.speaker,
                "cue": sp.cue,
                "vt": _voice_text(sp),
                "n": sp.end - sp.start,
                "x": passage if len(passage) <= 160 else passage[:157] + "…",
            }
        )
    voices = {"author": 0, "quoted": 0, "unknown": 0}
    for sp in analysis.spans:
        voices[sp.voice if sp.voice in ("author", "quoted") else "unknown"] += 1
    score = float(analysis.score)
    key, label, explanation = score_level(score)
    title = doc.title or ""
    if not title:
        first = doc.text.strip().split("\n", 1)[0].strip()
        title = first if 0 < len(first) <= 160 else f"Article {doc.id}"
    profile_rows, profile_voices = _profile_rows(analysis, techs)
    model = analysis.model or {}
    return {
        "anchor": anchor,
        "doc": doc,
        "title": title,
        "link": safe_link(doc.url),
        "published": doc.published.isoformat() if doc.published else None,
        "score": score,
        "score_pct": round(100 * score),
        "score_dash": f"{100 * score:.2f} {100 - 100 * score:.2f}",
        "level": key,
        "level_label": label,
        "explanation": explanation,
        "density": density_from_score(score, model.get("article_reference_density")),  # from all candidates, like the score
        "n_words": analysis.n_words,
        "n_spans": len(analysis.spans),
        "n_sentences": len(analysis.sentences),
        "n_flagged_sentences": sum(1 for s in analysis.sentences if (s.score or 0) >= 0.5),
        "pieces": _text_items(analysis, techs),
        "legend": legend_rows,
        "voices": voices,
        "has_voice": voices["author"] + voices["quoted"] > 0,
        "data": json_for_script({"id": doc.id, "spans": span_data}),
        "profile": profile_rows,
        "profile_voices": profile_voices,
        "model_name": str(model.get("name") or ""),
        "threshold": float(analysis.threshold or 0.0),
        "threshold_pct": round(100 * float(analysis.threshold or 0.0)),
        "meaning": flag_meaning(model),
        "warnings": list(analysis.warnings),
    }


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def render_article_block(analysis: Analysis, *, anchor: str | None = None) -> str:
    """The highlighted article with its header, legend/filter, controls, profile and JSON data.

    Parameters
    ----------
    analysis : Analysis
    anchor : str, optional
        Element id of the block (letters, digits, ``-``, ``_``); default ``"ps-" + article id``.
        Give distinct anchors when several blocks share a page.

    Usage: ``f'<div class="psr">{render_article_block(a)}</div>'`` with ``report_css()``/``report_js()``.
    """
    anchor = _slug(anchor, 80) if anchor else "ps-" + _slug(analysis.document.id)
    ctx = _article_context(analysis, anchor)
    return template_env().get_template("article.html.j2").render(a=ctx)


def render_analysis_fragment(analysis: Analysis) -> str:
    """An HTML fragment for Jupyter (``Analysis._repr_html_``): scoped CSS, article block, JS.

    >>> from propscan.document import Document
    >>> from propscan.analysis.analyzer import build_analysis
    >>> frag = render_analysis_fragment(build_analysis(Document("Fine.", id="f"), [], voice=False))
    >>> frag.startswith('<div class="psr psr-fragment">')
    True
    """
    anchor = (
        "ps-"
        + _slug(analysis.document.id)
        + "-"
        + hashlib.sha1(analysis.document.text.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    )
    block = Markup(render_article_block(analysis, anchor=anchor))
    return template_env().get_template("fragment.html.j2").render(css=Markup(report_css()), js=Markup(report_js()), block=block)


def render_report(analyses: Sequence[Analysis], *, title: str | None = None) -> str:
    """One complete, self-contained HTML page for one article or a batch.

    Parameters
    ----------
    analyses : sequence of Analysis
        One article gives a single-article page; several give a summary table linking to each.
    title : str, optional
        Page title; default from the article title, or "propscan report — N articles".

    Usage: ``Path("report.html").write_text(render_report([analysis]), encoding="utf-8")``.
    """
    from propscan.version import __version__

    analyses = list(analyses)
    blocks: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for k, a in enumerate(analyses):
        anchor = f"a{k + 1}-{_slug(a.document.id)}"
        ctx = _article_context(a, anchor)
        html = template_env().get_template("article.html.j2").render(a=ctx)
        blocks.append({"anchor": anchor, "html": Markup(html), "ctx": ctx})
        top = ctx["legend"][0]["display"] if ctx["legend"] else ""
        rows.append(
            {
                "anchor": anchor,
                "title": ctx["title"],
                "id": a.document.id,
                "outlet": a.document.outlet,
                "score": ctx["score"],
                "score_pct": ctx["score_pct"],
                "level": ctx["level"],
                "level_label": ctx["level_label"],
                "n_spans": ctx["n_spans"],
                "top": top,
            }
        )
    heading = title or ("Propaganda-technique report" if len(analyses) == 1 else f"Report on {len(analyses)} articles")
    if title is None:
        title = f"propscan — {blocks[0]['ctx']['title']}" if len(analyses) == 1 else heading
    mean = sum(r["score"] for r in rows) / len(rows) if rows else 0.0
    return (
        template_env()
        .get_template("report.html.j2")
        .render(
            title=title,
            heading=heading,
            csp=csp_policy(),
            css=Markup(report_css()),
            js=Markup(report_js()),
            blocks=blocks,
            rows=rows,
            batch=len(analyses) > 1,
            mean=mean,
            version=__version__,
        )
    )
