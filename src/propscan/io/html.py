"""Read an article out of HTML: main text, title, date and outlet, without executing anything.

trafilatura finds the main text (boilerplate, navigation, scripts and styles dropped); when it finds
nothing (very short or broken pages) a plain tag strip takes its place. The document text is the
extracted text, paragraphs separated by a blank line (the PTC shape); the page title goes to
``Document.title``.

>>> html_to_document("<html><title>T</title><body><p>Plain words here.</p></body></html>").text
'Plain words here.'
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from propscan import defaults
from propscan.document import Document, check_text
from propscan.errors import InputError
from propscan.io.charsets import decode_html
from propscan.io.files import read_file_bytes

__all__ = ["html_to_document", "looks_like_html", "read_html_file"]

_HTML_HEAD_RE = re.compile(r"<(?:!doctype\s+html|html|head|body|article|main|div|p|title)\b", re.I)


def looks_like_html(text: str) -> bool:
    """Heuristic: starts with ``<`` and has an HTML tag near the start.

    >>> looks_like_html("<!DOCTYPE html><p>Hi</p>"), looks_like_html("<3 plain text")
    (True, False)
    """
    head = text[:4096].lstrip("\ufeff \t\r\n")
    return head.startswith("<") and bool(_HTML_HEAD_RE.search(head))


class _TextStripper(HTMLParser):
    """Fallback extractor: visible text by blocks, skipping script/style/template/nav chrome."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "head"})
    _BLOCK = frozenset({
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
        "section", "article", "blockquote", "pre", "header", "footer", "nav", "aside", "main", "dd",
        "dt", "hr", "figcaption",
    })

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.title_parts: list[str] = []
        self.in_title = False

    def _flush(self) -> None:
        chunk = " ".join("".join(self.current).split())
        if chunk:
            self.blocks.append(chunk)
        self.current = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in self._SKIP:
            self.skip_depth += 1
        elif tag in self._BLOCK:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        if tag in self._BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in self._SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in self._BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        elif not self.skip_depth:
            self.current.append(data)

    def result(self) -> tuple[str, str | None]:
        self._flush()
        title = " ".join("".join(self.title_parts).split()) or None
        return "\n\n".join(self.blocks), title


def _strip_html(html: str) -> tuple[str, str | None]:
    parser = _TextStripper()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; last resort: drop every tag
        text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", html)
        text = _html.unescape(re.sub(r"(?s)<[^>]*>", "\n", text))
        blocks = [" ".join(line.split()) for line in text.split("\n")]
        return "\n\n".join(b for b in blocks if b), None
    return parser.result()


def _paragraphs(text: str) -> str:
    """One paragraph per line (trafilatura's output) -> paragraphs separated by a blank line."""
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def _trafilatura_extract(html: str, url: str | None) -> dict[str, Any] | None:
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        result = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            as_dict=True,
        )
    except Exception:  # noqa: BLE001 - broken markup must fall back, not crash
        return None
    return result if isinstance(result, dict) else None


def _safe_date(value: Any) -> _dt.date | None:
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def html_to_document(
    html: str,
    *,
    url: str | None = None,
    id: str | None = None,
    source: str | None = None,
    max_chars: int = defaults.MAX_CHARS,
) -> Document:
    """Extract an article from HTML: main text, title, date, outlet (nothing is executed).

    Uses trafilatura (boilerplate, navigation, scripts and styles dropped); falls back to a plain
    tag strip when it finds nothing (very short or broken pages). ``Document.text`` is the
    extracted text, paragraphs separated by a blank line; the title is in ``Document.title``.
    ``source`` names the input in error messages (default: the URL, else "HTML input").

    >>> doc = html_to_document("<html><title>T</title><body><p>Plain words here.</p></body></html>")
    >>> doc.text, doc.title
    ('Plain words here.', 'T')
    """
    source = source or url or "HTML input"
    if not isinstance(html, str):
        raise InputError(f"{source}: HTML must be a string, got {type(html).__name__}.")
    check_text(html, source=source, max_chars=max(defaults.MAX_FILE_BYTES, max_chars))
    meta = _trafilatura_extract(html, url) or {}
    text = _paragraphs(meta.get("text") or "")
    title = meta.get("title")
    page_text, page_title = _strip_html(html)
    if not text.strip():  # trafilatura found nothing: the plain tag strip
        text = page_text
    title = title or page_title
    if not text.strip():
        raise InputError(f"{source}: no readable text found in the HTML.")
    outlet = meta.get("sitename") or meta.get("hostname") or (urlsplit(url).hostname if url else None)
    check_text(text, source=source, max_chars=max_chars)
    return Document(
        text,
        id=id or "",
        title=" ".join(title.split()) or None if title else None,
        url=url,
        outlet=outlet or None,
        published=_safe_date(meta.get("date")),
        source_words=len(page_text.split()),
    )


def read_html_file(path: str | os.PathLike[str]) -> str:
    """An HTML file's text, decoded as a browser would (BOM, ``<meta charset>``, UTF-8, detection).

    >>> html_to_document(read_html_file("page.html"), source="page.html").title  # doctest: +SKIP
    """
    p = Path(path)
    html, _ = decode_html(read_file_bytes(p))
    if "\x00" in html:
        raise InputError(f"{p}: looks binary (contains NUL bytes); expected an HTML page.")
    return html
