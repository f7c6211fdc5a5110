"""Turn what users give (text, files, folders, tables, stdin, URLs) into :class:`Document` objects.

Text is never normalised: a ``.txt`` file, a JSONL/CSV text cell or stdin becomes
``Document.text`` exactly (zero-width and right-to-left characters included), so offsets index
the original. For HTML the document text *is* the extracted main text (paragraphs joined by a
blank line, the PTC shape); the page title goes to ``Document.title``, not into the text.
HTML bytes (files, stdin, fetched pages) are decoded as a browser would: byte-order mark, declared
charset, ``<meta charset>``, UTF-8, else detection (:mod:`propscan.io.charsets`), and the article is
extracted by :mod:`propscan.io.html`; plain text must be UTF-8, or UTF-16/UTF-32 with a byte-order mark.

With ``on_error``, :func:`load_inputs` goes on past a bad file of a folder, a bad row of a JSONL/CSV
file or a bad input, reporting each with where it is, so every good document still arrives.

>>> docs = list(load_inputs(["article111.txt", "page.html", "rows.jsonl", "https://example.org/a"]))  # doctest: +SKIP
>>> document_from_text("They lie to you.", id="x").text
'They lie to you.'
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from propscan import defaults
from propscan.document import Document, check_text, check_unicode
from propscan.errors import InputError, PropscanError
from propscan.io.charsets import decode_html, decode_text
from propscan.io.fetch import FetchedPage, fetch_url
from propscan.io.files import CSV_EXTRA, CsvRows, iter_jsonl, iter_text_lines, read_text_file
from propscan.io.html import html_to_document, looks_like_html, read_html_file
from propscan.io.ptc import article_id_from_path, read_article

#: ``on_error(where, error)``: ``where`` is the file, ``file:line`` or URL that failed
ErrorHandler = Callable[[str, PropscanError], None]

__all__ = [
    "document_from_text",
    "load_inputs",
    "load_url_list",
    "is_url",
    "ErrorHandler",
    "TEXT_SUFFIXES",
    "HTML_SUFFIXES",
]

TEXT_SUFFIXES = frozenset({".txt"})
HTML_SUFFIXES = frozenset({".html", ".htm"})

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def is_url(value: str) -> bool:
    """True for ``scheme://...`` strings (``http``/``https`` are fetched; others are refused by fetch)."""
    return bool(_URL_RE.match(value.strip()))


def _first_line_title(text: str) -> str | None:
    return text.split("\n", 1)[0].strip() or None


def document_from_text(
    text: str,
    *,
    id: str | None = None,
    title: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
    published: _dt.date | str | None = None,
    source: str = "input",
    max_chars: int = defaults.MAX_CHARS,
) -> Document:
    """A :class:`Document` whose text is exactly ``text`` (checked with :func:`check_text`).

    >>> document_from_text("   ")
    Traceback (most recent call last):
    ...
    propscan.errors.InputError: [P001] input is empty or only whitespace; nothing to analyse.
    """
    if not isinstance(text, str):
        raise InputError(f"{source}: text must be a string, got {type(text).__name__}.")
    check_text(text, source=source, max_chars=max_chars)
    for name, value in (("id", id), ("title", title), ("url", url), ("outlet", outlet), ("published", published)):
        if isinstance(value, str):
            check_unicode(value, source=f"{source}: {name}")
    try:
        # Document parses an ISO date string itself (and raises InputError for a bad one)
        return Document(text, id=id or "", title=title, url=url, outlet=outlet, published=cast(Any, published))
    except InputError as exc:  # a bad date: say where it came from
        raise InputError(f"{source}: {_bare(exc)}") from exc


def _bare(exc: InputError) -> str:
    msg = str(exc)
    return msg.split("] ", 1)[1] if msg.startswith("[") and "] " in msg else msg


# ---- tables -----------------------------------------------------------------------------------

_META_FIELDS = ("title", "url", "outlet")


def _row_to_document(row: Mapping[str, Any], text_column: str, where: str, max_chars: int) -> Document:
    text = row.get(text_column)
    if text is None:
        raise InputError(
            f"{where}: no {text_column!r} field (fields: {', '.join(map(str, row)) or 'none'}); use --text-column NAME."
        )
    if not isinstance(text, str):
        raise InputError(f"{where}: field {text_column!r} must be a string, got {type(text).__name__}.")
    meta: dict[str, Any] = {}
    for key in _META_FIELDS:
        value = row.get(key)
        if value not in (None, ""):
            meta[key] = str(value)
    doc_id = row.get("id")
    published = row.get("published") or row.get("date") or None
    return document_from_text(
        text,
        id=str(doc_id) if doc_id not in (None, "") else None,
        published=published,
        source=where,
        max_chars=max_chars,
        **meta,
    )


def _check_size(p: Path, limit: int) -> None:
    size = p.stat().st_size
    if size > limit:
        raise InputError(f"{p}: file is {size / 1e6:.1f} MB, over the limit of {limit / 1e6:g} MB; split it up.")


def _report(on_error: ErrorHandler | None, where: str, exc: PropscanError) -> None:
    """Raise ``exc`` (the default), or hand it to ``on_error`` so that loading goes on."""
    if on_error is None:
        raise exc
    on_error(where, exc)


def _line_of(exc: InputError, p: Path) -> str:
    """``file:line`` from an error that starts with it (else the file)."""
    msg = str(exc).split("] ", 1)[-1]
    head = msg.split(": ", 1)[0]
    return head if head.startswith(f"{p}:") else str(p)


def _read_jsonl_docs(p: Path, text_column: str, max_chars: int, on_error: ErrorHandler | None = None) -> Iterator[Document]:
    n = 0

    def bad_line(exc: InputError) -> None:
        nonlocal n
        n += 1
        _report(on_error, _line_of(exc, p), exc)

    # streamed: a corpus file of any size is read one line at a time
    for line_no, row in iter_jsonl(p, on_error=bad_line if on_error is not None else None):
        n += 1
        try:
            doc = _row_to_document(row, text_column, f"{p}:{line_no}", max_chars)
        except InputError as exc:
            _report(on_error, f"{p}:{line_no}", exc)
            continue
        yield doc
    if n == 0:
        raise InputError(f"{p}: holds no JSON lines; nothing to analyse.")


def _read_csv_docs(p: Path, text_column: str, max_chars: int, on_error: ErrorHandler | None = None) -> Iterator[Document]:
    if csv.field_size_limit() < max_chars + 1:
        csv.field_size_limit(max_chars + 1)
    failed = 0

    def bad_line(exc: InputError) -> None:
        nonlocal failed
        failed += 1
        _report(on_error, _line_of(exc, p), exc)

    # streamed; names a line that is not UTF-8 (and, with on_error, skips it)
    rows = CsvRows(iter_text_lines(p, on_error=bad_line if on_error is not None else None))
    try:
        header = rows.fieldnames
    except csv.Error as exc:
        raise InputError(f"{p}: line 1: broken CSV header ({exc}).") from exc
    if not header:
        raise InputError(f"{p}: empty CSV file; nothing to analyse.")
    if text_column not in header:
        raise InputError(f"{p}: no {text_column!r} column (columns: {', '.join(header)}); use --text-column NAME.")
    n = 0
    while True:
        try:
            row = rows.read()
        except StopIteration:
            break
        except csv.Error as exc:
            start_line = rows.line
            err = InputError(f"{p}:{start_line}: broken CSV in the row starting on this line ({exc}).")
            err.__cause__ = exc
            failed += 1
            _report(on_error, f"{p}:{start_line}", err)
            continue
        where = f"{p}:{rows.line}"
        try:
            if CSV_EXTRA in row:
                raise InputError(
                    f"{where}: row has more fields than the header ({len(header)}); quote fields that hold commas."
                )
            if any(v is None for v in row.values()):
                raise InputError(f"{where}: row has fewer fields than the header ({len(header)}).")
            doc = _row_to_document(row, text_column, where, max_chars)
        except InputError as exc:
            failed += 1
            _report(on_error, where, exc)
            continue
        n += 1
        yield doc
    if n == 0 and failed == 0:
        raise InputError(f"{p}: holds a header but no rows; nothing to analyse.")


# ---- files, folders, stdin, URLs --------------------------------------------------------------


def _read_txt(p: Path, max_chars: int) -> Document:
    _check_size(p, defaults.MAX_FILE_BYTES)
    doc = read_article(p)
    check_text(doc.text, source=str(p), max_chars=max_chars)
    return doc


def _read_html(p: Path, max_chars: int) -> Document:
    _check_size(p, defaults.MAX_FILE_BYTES)
    html = read_html_file(p)
    return html_to_document(html, id=article_id_from_path(p), source=str(p), max_chars=max_chars)


def _load_file(p: Path, text_column: str, max_chars: int, on_error: ErrorHandler | None = None) -> Iterator[Document]:
    suffix = p.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        yield _read_txt(p, max_chars)
    elif suffix in HTML_SUFFIXES:
        yield _read_html(p, max_chars)
    elif suffix == ".jsonl":
        yield from _read_jsonl_docs(p, text_column, max_chars, on_error)
    elif suffix == ".csv":
        yield from _read_csv_docs(p, text_column, max_chars, on_error)
    else:
        raise InputError(
            f"{p}: unsupported file type {suffix or '(no suffix)'!r}; give .txt, .html, .htm, .jsonl or .csv."
        )


def _load_dir(p: Path, max_chars: int, on_error: ErrorHandler | None = None) -> Iterator[Document]:
    files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES)
    if not files:
        raise InputError(f"{p}: folder holds no .txt or .html files.")
    for f in files:
        try:
            doc = _read_txt(f, max_chars) if f.suffix.lower() in TEXT_SUFFIXES else _read_html(f, max_chars)
        except PropscanError as exc:
            _report(on_error, str(f), exc)
            continue
        except OSError as exc:  # unreadable (permissions, vanished): one line naming the file
            _report(on_error, str(f), InputError(f"{f}: cannot read ({exc.strerror or type(exc).__name__})."))
            continue
        yield doc


def _read_stdin(max_chars: int) -> Document:
    stream = sys.stdin
    if stream is None:
        raise InputError("stdin is not available; pass a file, folder or URL instead of '-'.")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:  # bytes: exact, no newline translation
        data = buffer.read(defaults.MAX_FILE_BYTES + 1)
        if len(data) > defaults.MAX_FILE_BYTES:
            raise InputError(f"stdin: more than {defaults.MAX_FILE_BYTES / 1e6:g} MB; split it up.")
        head = data[:4096].decode("latin-1").lstrip("\xef\xbb\xbf")
        if looks_like_html(head) and b"\x00" not in data:  # HTML: by its declared or detected charset
            html, _ = decode_html(data)
            return html_to_document(html, source="stdin", max_chars=max_chars)
        try:
            text = decode_text(data, source="stdin")
        except InputError as exc:
            msg = str(exc).split("] ", 1)[-1].replace("stdin: looks binary", "stdin looks binary")
            msg = msg.replace("re-save it as UTF-8 (or UTF-16 with a byte-order mark)", "send UTF-8 text")
            raise InputError(msg.replace("expected UTF-8 text.", "expected UTF-8 text or HTML.")) from exc
    else:
        text = stream.read()
    if looks_like_html(text):
        return html_to_document(text, source="stdin", max_chars=max_chars)
    return document_from_text(text, title=_first_line_title(text), source="stdin", max_chars=max_chars)


def _page_to_document(page: FetchedPage, max_chars: int) -> Document:
    if page.content_type == "text/plain" and not looks_like_html(page.text):
        return document_from_text(
            page.text,
            title=_first_line_title(page.text),
            url=page.url,
            outlet=urlsplit(page.url).hostname,
            source=page.url,
            max_chars=max_chars,
        )
    return html_to_document(page.text, url=page.url, max_chars=max_chars)


def load_inputs(
    inputs: Sequence[str | os.PathLike[str]],
    *,
    text_column: str = "text",
    fetch: Callable[[str], FetchedPage] = fetch_url,
    max_chars: int = defaults.MAX_CHARS,
    on_error: ErrorHandler | None = None,
) -> Iterator[Document]:
    """Yield one :class:`Document` per article found in ``inputs``, in order.

    Each input is one of: ``-`` (stdin: text, or HTML when it looks like HTML); an ``http(s)://``
    URL (fetched with ``fetch``, then :func:`html_to_document`); a folder (its ``*.txt``/``*.html``
    files, sorted, not recursive); a file: ``.txt`` (exact text, id from ``article<ID>.txt`` else
    the stem, title = first line), ``.html``/``.htm``, ``.jsonl``/``.csv`` (one document per
    row: ``text_column`` plus optional ``id``, ``title``, ``url``, ``outlet``, ``published`` or
    ``date``).

    ``on_error(where, error)``, when given, receives every failure instead of it being raised —
    a bad file of a folder, a bad row of a JSONL/CSV file (``where`` is ``file:line``), a bad or
    unreachable input, a duplicate id — and loading goes on with the next one, so every good
    document is yielded.

    Raises
    ------
    InputError
        One line naming the file (and line) for missing files, empty, binary or non-UTF-8 text,
        a missing text column, broken rows, too-long text, or two documents with the same id.
    FetchError
        A URL that was refused or could not be fetched.

    Examples
    --------
    >>> [d.id for d in load_inputs(["data/article111111.txt"])]  # doctest: +SKIP
    ['111111']
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    seen: dict[str, str] = {}
    for item in inputs:
        raw = os.fspath(item)
        docs = _load_one(raw, text_column, fetch, max_chars, on_error)
        while True:
            try:
                doc = next(docs)
            except StopIteration:
                break
            except PropscanError as exc:  # the whole input failed (raised at once without on_error)
                _report(on_error, raw, exc)
                break
            except OSError as exc:
                _report(on_error, raw, InputError(f"{raw}: cannot read ({exc.strerror or type(exc).__name__})."))
                break
            if doc.id in seen:
                _report(on_error, raw, InputError(
                    f"duplicate document id {doc.id!r} (from {seen[doc.id]} and {raw}); give each document a unique id."
                ))
                continue
            seen[doc.id] = raw
            yield doc


def _load_one(
    raw: str, text_column: str, fetch: Callable[[str], FetchedPage], max_chars: int, on_error: ErrorHandler | None = None
) -> Iterator[Document]:
    if raw == "-":
        yield _read_stdin(max_chars)
        return
    if is_url(raw):
        yield _page_to_document(fetch(raw.strip()), max_chars)
        return
    p = Path(raw)
    if p.is_dir():
        yield from _load_dir(p, max_chars, on_error)
    elif p.is_file():
        yield from _load_file(p, text_column, max_chars, on_error)
    elif p.exists():
        raise InputError(f"{p}: not a regular file or folder.")
    else:
        raise InputError(f"{p}: no such file or folder (give files, folders, http(s) URLs, or - for stdin).")


def load_url_list(path: str | os.PathLike[str]) -> list[str]:
    """Read a URL list (``--urls FILE``): one http(s) URL per line; blank lines and ``#`` comments skipped.

    >>> load_url_list("urls.txt")  # doctest: +SKIP
    ['https://example.org/a', 'https://example.org/b']
    """
    p = Path(path)
    text = read_text_file(p)
    urls: list[str] = []
    for i, line in enumerate(text.splitlines(), 1):
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        parts = urlsplit(item)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in item):
            raise InputError(f"{p}:{i}: not an http(s) URL: {item[:80]!r}; give one URL per line.")
        urls.append(item)
    if not urls:
        raise InputError(f"{p}: holds no URLs; give one http(s) URL per line.")
    return urls
