"""Attach metadata (outlet, published date, title, url) to documents already in a store.

A metadata file is a CSV (or JSONL) table with an ``id`` column (the document id, as in the
batch input) and/or a ``content_hash`` column (the sha256 of the text, as in the store), plus
any of ``outlet``, ``published`` (or ``date``, ISO ``YYYY-MM-DD``), ``title`` and ``url``.
Column names are matched without regard to case. Empty cells leave stored values as they are
(the latest *non-empty* value wins); every change is logged in the store's ``metadata_changes``
table. Rows that match no document are reported (``unknown``), as are rows that cannot be read
(``invalid``) — none is silently ignored.

    propscan update-metadata corpus.duckdb outlets.csv
    propscan batch articles/ --store corpus.duckdb --metadata outlets.csv

>>> import tempfile, pathlib
>>> f = pathlib.Path(tempfile.mkdtemp()) / "meta.csv"
>>> _ = f.write_text("id,Outlet,date\\na1,Daily News,2024-03-01\\na2,,\\n")
>>> rows, info = read_metadata(f)
>>> [(r.line, r.doc_id, dict(r.values)) for r in rows]
[(2, 'a1', {'outlet': 'Daily News', 'published': datetime.date(2024, 3, 1)}), (3, 'a2', {})]
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from propscan.corpus import store as st
from propscan.errors import InputError

__all__ = ["read_metadata", "update_metadata", "KEY_COLUMNS", "VALUE_COLUMNS"]

#: columns that say which documents a row is about
KEY_COLUMNS = ("id", "content_hash")
#: columns with metadata (``date`` is read as ``published``)
VALUE_COLUMNS = ("outlet", "published", "title", "url")
_ALIASES = {"date": "published", "doc_id": "id"}
_HASH = re.compile(r"^[0-9a-f]{64}$")
#: rows listed as invalid in a result (all are counted)
MAX_LISTED = 100


def _canonical(name: str) -> str:
    n = name.strip().lower()
    return _ALIASES.get(n, n)


def _iter_rows(p: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    from propscan.io.files import CSV_EXTRA, CsvRows, iter_jsonl, iter_text_lines

    if p.suffix.lower() == ".jsonl":
        yield from iter_jsonl(p)
        return
    rows = CsvRows(iter_text_lines(p))
    try:
        if not rows.fieldnames:
            raise InputError(f"{p}: empty CSV file; expected a header with an id or content_hash column.")
        while True:
            try:
                row = rows.read()
            except StopIteration:
                return
            line = rows.line
            if CSV_EXTRA in row:
                raise InputError(f"{p}:{line}: row has more fields than the header; quote fields that hold commas.")
            if any(v is None for v in row.values()):
                raise InputError(f"{p}:{line}: row has fewer fields than the header.")
            yield line, row
    except csv.Error as exc:
        raise InputError(f"{p}:{rows.line}: broken CSV ({exc}).") from exc


def read_metadata(path: str | os.PathLike[str]) -> tuple[list[st.MetadataRow], dict[str, Any]]:
    """Read a metadata file; returns its rows and ``{"invalid": [...], "n_invalid", "ignored_columns"}``.

    A row is invalid (listed with its line and reason, then skipped) when it has neither an id
    nor a content hash, a content hash that is not 64 hex digits, or a date that is not ISO.

    Raises
    ------
    InputError
        The file is missing, not UTF-8, broken CSV/JSON, or has no ``id``/``content_hash``
        column or no metadata column.
    """
    p = Path(path)
    rows: list[st.MetadataRow] = []
    invalid: list[dict[str, Any]] = []
    n_invalid = 0
    columns: dict[str, str] = {}  # original name -> canonical name
    for line, raw in _iter_rows(p):
        for name in raw:
            if isinstance(name, str) and name not in columns:
                columns[name] = _canonical(name)
        row = {columns[k]: v for k, v in raw.items() if isinstance(k, str)}
        if not rows and not invalid:  # the header (CSV) or the first object (JSONL) names the columns
            if not set(row) & set(KEY_COLUMNS):
                raise InputError(f"{p}: no 'id' or 'content_hash' column (columns: {', '.join(raw) or 'none'}); "
                                 "say which documents each row is about.")
            if not set(row) & set(VALUE_COLUMNS):
                raise InputError(f"{p}: no metadata column (columns: {', '.join(raw)}); give any of "
                                 f"{', '.join(VALUE_COLUMNS)}.")
        try:
            rows.append(_row(row, line))
        except InputError as exc:
            n_invalid += 1
            if len(invalid) < MAX_LISTED:
                invalid.append({"line": line, "error": str(exc)})
    if not rows and not invalid and not columns:
        raise InputError(f"{p}: no rows; expected a header with an id or content_hash column.")
    ignored = sorted({k for k, v in columns.items() if v not in (*KEY_COLUMNS, *VALUE_COLUMNS)})
    return rows, {"invalid": invalid, "n_invalid": n_invalid, "ignored_columns": ignored}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def _row(row: Mapping[str, Any], line: int) -> st.MetadataRow:
    doc_id = _text(row.get("id"))
    h = _text(row.get("content_hash"))
    if h is not None:
        h = h.lower()
        if not _HASH.match(h):
            raise InputError(f"line {line}: content_hash {h[:80]!r} is not a sha256 (64 hex digits).")
    if doc_id is None and h is None:
        raise InputError(f"line {line}: neither an id nor a content_hash.")
    values: dict[str, Any] = {}
    for name in ("outlet", "title", "url"):
        v = _text(row.get(name))
        if v is not None:
            values[name] = v
    pub = _text(row.get("published"))
    if pub is not None:
        try:
            values["published"] = _dt.date.fromisoformat(pub[:10])
        except ValueError:
            raise InputError(f"line {line}: cannot read date {pub[:40]!r}; use ISO format YYYY-MM-DD.") from None
    return st.MetadataRow(line, doc_id, h, values)


def apply_rows(con: Any, rows: list[st.MetadataRow], info: Mapping[str, Any], *, origin: str,
               run_id: str | None = None) -> dict[str, Any]:
    """Apply rows read by :func:`read_metadata` to an open store; the result of :func:`update_metadata`."""
    res = st.apply_metadata(con, rows, origin=origin, run_id=run_id)
    n_unknown = len(res["unknown"])
    return {
        "file": origin,
        "rows": res["rows"] + int(info["n_invalid"]),
        "matched": res["matched"],
        "updated": res["updated"],
        "changes": res["changes"],
        "n_unknown": n_unknown,
        "unknown": res["unknown"][:MAX_LISTED],
        "n_invalid": int(info["n_invalid"]),
        "invalid": list(info["invalid"]),
        "ignored_columns": list(info["ignored_columns"]),
    }


def update_metadata(store: str | os.PathLike[str], path: str | os.PathLike[str]) -> dict[str, Any]:
    """Attach the metadata of ``path`` to the documents of ``store`` (one transaction).

    Returns
    -------
    dict
        ``file``, ``rows``, ``matched`` (rows that matched a document), ``updated`` (document
        rows changed), ``changes`` (fields changed), ``n_unknown``/``unknown`` (rows matching no
        document: ``line``, ``id``, ``content_hash``; the first 100), ``n_invalid``/``invalid``
        (rows that could not be read: ``line``, ``error``), ``ignored_columns``.

    Raises
    ------
    InputError
        No such store, or an unreadable metadata file (see :func:`read_metadata`).
    CorpusError
        The store is locked by a running batch.
    """
    if not Path(store).exists():
        raise InputError(f"{store}: no such store; create it with 'propscan batch ... --store {store}'.")
    rows, info = read_metadata(path)
    con = st.connect(store)
    try:
        return apply_rows(con, rows, info, origin=os.fspath(path))
    finally:
        con.close()
