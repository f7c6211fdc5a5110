"""The documents table: a text read again updates its stored document instead of duplicating it,
and metadata can be attached to documents already analysed. Every change is recorded in
``metadata_changes``. The store (:mod:`propscan.corpus.store`) writes through these rules.

>>> plan_document({}, "0" * 64, "d1", {"outlet": "A"}).action
'insert'
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from propscan.errors import InputError

__all__ = ["META_FIELDS", "DocumentPlan", "plan_document", "document_rows", "merge_document", "MetadataRow",
           "apply_metadata", "metadata_changes_frame", "utc_now"]

#: document fields a later input or a metadata file may update (latest non-empty value wins)
META_FIELDS = ("title", "outlet", "url", "published")
#: ... plus the input a document was last read from (only batch runs set it)
_MERGED_FIELDS = (*META_FIELDS, "source")



def utc_now() -> _dt.datetime:
    """Naive UTC now (the store's timestamps)."""
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None)


# ---- document metadata: update, never duplicate ---------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, _dt.date) else str(value)


@dataclass(frozen=True)
class DocumentPlan:
    """What writing one document does to the store (see :func:`plan_document`).

    ``action``: ``insert`` (a new document row), ``update`` (the stored row ``target`` takes
    ``changes``), ``unchanged`` or ``ambiguous`` (a text without an id that is stored under
    several ids: nothing is written). ``changes`` maps a field to ``(old, new)``; a ``doc_id``
    entry renames the stored row.
    """

    action: str
    target: str | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def plan_document(stored: Mapping[str, Mapping[str, Any]], content_hash: str, doc_id: str,
                  values: Mapping[str, Any]) -> DocumentPlan:
    """Decide how a document read again merges with the rows already stored for its text.

    ``stored`` maps each stored ``doc_id`` of ``content_hash`` to its fields. The document is the
    stored one when (1) it has the same id; (2) it has an id and the text is stored under its
    automatic id (``content_hash[:12]``, i.e. it was read without one) — that row takes the id;
    (3) it has no id (its id is the automatic one) and the text is stored under exactly one id.
    Then each field of ``values`` that is non-empty and differs replaces the stored value (latest
    non-empty value wins). Otherwise — a new text, or the same text under another *given* id (a
    syndicated article) — it is a new row.

    >>> h = "ab" * 32
    >>> plan_document({}, h, "d1", {"outlet": "A"}).action
    'insert'
    >>> plan_document({"d1": {"outlet": None, "title": "T"}}, h, "d1", {"outlet": "A", "title": ""})
    DocumentPlan(action='update', target='d1', changes={'outlet': (None, 'A')})
    >>> plan_document({h[:12]: {"outlet": None}}, h, "d1", {"outlet": "A"}).changes
    {'outlet': (None, 'A'), 'doc_id': ('abababababab', 'd1')}
    >>> plan_document({"d1": {"outlet": "A"}}, h, "d2", {"outlet": "B"}).action  # syndicated
    'insert'
    """
    auto = content_hash[:12]
    if doc_id in stored:
        target = doc_id
    elif doc_id != auto and auto in stored:
        target = auto
    elif doc_id == auto and len(stored) == 1:
        target = next(iter(stored))
    elif doc_id == auto and stored:
        return DocumentPlan("ambiguous")
    else:
        return DocumentPlan("insert")
    old = stored[target]
    changes = {f: (old.get(f), v) for f, v in values.items() if not _empty(v) and v != old.get(f)}
    if target == auto and doc_id != auto:
        changes["doc_id"] = (auto, doc_id)
    return DocumentPlan("update" if changes else "unchanged", target, changes)


def document_rows(con: Any, hashes: Iterable[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """The stored document rows of ``hashes``: ``{content_hash: {doc_id: {title, outlet, url, published, source}}}``."""
    hs = list(dict.fromkeys(hashes))
    out: dict[str, dict[str, dict[str, Any]]] = {}
    if not hs:
        return out
    rows = con.execute(
        "SELECT content_hash, doc_id, title, outlet, url, published, source FROM documents "
        "WHERE content_hash IN (SELECT unnest(?::VARCHAR[]))",
        [hs],
    ).fetchall()
    for h, doc_id, *vals in rows:
        out.setdefault(h, {})[doc_id] = dict(zip(_MERGED_FIELDS, vals, strict=True))
    return out


def _apply_changes(con: Any, content_hash: str, target: str, changes: Mapping[str, tuple[Any, Any]], *,
                   origin: str | None, run_id: str | None, now: _dt.datetime) -> None:
    """UPDATE one document row with ``changes`` and log each in ``metadata_changes`` (inside the caller's transaction)."""
    cols = [f for f in (*_MERGED_FIELDS, "doc_id") if f in changes]  # fixed names, never input
    sets = ", ".join(f"{c} = ?" for c in cols)
    con.execute(f"UPDATE documents SET {sets} WHERE content_hash = ? AND doc_id = ?",  # noqa: S608 - fixed names
                [*(changes[c][1] for c in cols), content_hash, target])
    final_id = changes["doc_id"][1] if "doc_id" in changes else target
    con.executemany(
        "INSERT INTO metadata_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [[content_hash, final_id, c, _as_text(changes[c][0]), _as_text(changes[c][1]), origin, run_id, now] for c in cols],
    )


def merge_document(con: Any, r: Any, *, run_id: str | None, now: _dt.datetime) -> str:
    """Insert or update the document row of ``r`` (see :func:`plan_document`); returns the action taken."""
    stored = document_rows(con, [r.content_hash]).get(r.content_hash, {})
    plan = plan_document(stored, r.content_hash, r.doc_id, {f: getattr(r, f) for f in _MERGED_FIELDS})
    if plan.action == "insert":
        con.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [r.content_hash, r.doc_id, r.title, r.outlet, r.url, r.published, r.source, r.n_words, r.text],
        )
    elif plan.action == "update":
        assert plan.target is not None
        _apply_changes(con, r.content_hash, plan.target, plan.changes, origin=r.source, run_id=run_id, now=now)
    return plan.action


# ---- metadata attached after the analysis ---------------------------------------------------------


@dataclass(frozen=True)
class MetadataRow:
    """One row of a metadata file: which documents (``doc_id`` and/or ``content_hash``) get ``values``.

    ``values`` holds non-empty fields of :data:`META_FIELDS` only (``published`` as a date);
    ``line`` is where the row is in its file (for messages).
    """

    line: int
    doc_id: str | None = None
    content_hash: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)


def apply_metadata(con: Any, rows: Sequence[MetadataRow], *, origin: str | None = None,
                   run_id: str | None = None) -> dict[str, Any]:
    """Attach metadata to stored documents, in ONE transaction; returns what happened.

    A row matches every document with its ``doc_id`` (any text) or its ``content_hash`` (any id),
    or both when both are given. Non-empty values that differ replace the stored ones (later rows
    win); each change is a ``metadata_changes`` row with ``origin``. Rows that match no document
    are returned in ``unknown`` (never silently dropped).

    Returns
    -------
    dict
        ``rows``, ``matched`` (rows that matched a document), ``updated`` (document rows
        changed), ``changes`` (fields changed), ``unknown`` (``line``, ``id``, ``content_hash`` of
        each row that matched nothing).

    >>> from propscan.corpus.store import AnalysisRecord, connect, write_batch
    >>> con = connect(":memory:")
    >>> _ = write_batch(con, [AnalysisRecord("h1", "v1", "doc1", text="Some text.")])
    >>> res = apply_metadata(con, [MetadataRow(2, "doc1", None, {"outlet": "Daily"}), MetadataRow(3, "nope")])
    >>> res["updated"], res["unknown"]
    (1, [{'line': 3, 'id': 'nope', 'content_hash': None}])
    """
    now = utc_now()
    out: dict[str, Any] = {"rows": len(rows), "matched": 0, "updated": 0, "changes": 0, "unknown": []}
    changed: set[tuple[str, str]] = set()
    con.execute("BEGIN TRANSACTION")
    try:
        for row in rows:
            if row.doc_id is None and row.content_hash is None:
                raise InputError(f"metadata row {row.line}: no id and no content_hash.")
            found = con.execute(
                "SELECT content_hash, doc_id, title, outlet, url, published FROM documents "
                "WHERE (?::VARCHAR IS NULL OR doc_id = ?) AND (?::VARCHAR IS NULL OR content_hash = ?) "
                "ORDER BY content_hash, doc_id",
                [row.doc_id, row.doc_id, row.content_hash, row.content_hash],
            ).fetchall()
            if not found:
                out["unknown"].append({"line": row.line, "id": row.doc_id, "content_hash": row.content_hash})
                continue
            out["matched"] += 1
            for h, doc_id, *vals in found:
                old = dict(zip(META_FIELDS, vals, strict=True))
                changes = {f: (old[f], v) for f, v in row.values.items()
                           if f in META_FIELDS and not _empty(v) and v != old[f]}
                if changes:
                    _apply_changes(con, h, doc_id, changes, origin=origin, run_id=run_id, now=now)
                    changed.add((h, doc_id))
                    out["changes"] += len(changes)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    out["updated"] = len(changed)
    return out


def metadata_changes_frame(con: Any) -> Any:
    """The metadata changes (oldest first): content_hash, doc_id, field, old_value, new_value, origin, run_id, changed_at."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "metadata_changes" not in tables:  # a store written before metadata was tracked
        return con.execute("SELECT NULL::VARCHAR AS content_hash, NULL::VARCHAR AS doc_id, NULL::VARCHAR AS field, "
                           "NULL::VARCHAR AS old_value, NULL::VARCHAR AS new_value, NULL::VARCHAR AS origin, "
                           "NULL::VARCHAR AS run_id, NULL::TIMESTAMP AS changed_at LIMIT 0").df()
    return con.execute("SELECT * FROM metadata_changes ORDER BY changed_at, content_hash, doc_id, field").df()
