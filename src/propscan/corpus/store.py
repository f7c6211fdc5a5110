"""The corpus store: an embedded DuckDB file holding documents, spans, analyses and runs.

All SQL of the corpus package lives here, one named, documented function per query. The store
never imports a model: it stores what :mod:`propscan.corpus.batch` hands it.

Schema (keys in brackets)::

    documents  [content_hash, doc_id]  title, outlet, url, published, source, n_words, text
    analyses   [content_hash, model_version]  model_name, threshold, score, n_spans, n_words, run_id, created_at
    spans      (content_hash, model_version) start, end, technique, score, voice, speaker, cue
    failures   (model_version, source, location, doc_id) content_hash, error, run_id, created_at
    runs       [run_id]  started_at, finished_at, status, model_version, engine, workers, inputs, counts
    metadata_changes  (content_hash, doc_id) field, old_value, new_value, origin, run_id, changed_at

An analysis is keyed by the text's sha256 and the model version, so the same text under two ids
(a syndicated article) is analysed once; a document row is keyed by (content_hash, doc_id).
Each batch of documents + spans + analyses is written in ONE transaction (:func:`write_batch`),
which is what makes a batch run safe to kill at any moment and restart.

Metadata of a stored document is *updated*, never duplicated (:func:`plan_document`): a text
read again under the same id, or under an id when it was stored without one (the id was the
first 12 hex digits of its hash), or without an id when it is stored under exactly one id, is the
same document. Its title, outlet, url, published date and source take the latest **non-empty**
value (an empty value never clears a stored one), and every change is a ``metadata_changes`` row
(old and new value, where it came from, the run). The same text under two *given* ids stays two
documents (a syndicated article). :func:`apply_metadata` attaches metadata to stored documents by
``doc_id`` or ``content_hash`` (``propscan update-metadata``, ``propscan batch --metadata``).

>>> con = connect(":memory:")
>>> write_batch(con, [AnalysisRecord("h1", "v1", "doc1", text="Some text.", score=0.5, n_words=2)])
1
>>> count_rows(con)["analyses"]
1
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from propscan import defaults
from propscan.corpus.documents import (  # the documents table's rules; re-exported as part of the store API
    META_FIELDS,
    MetadataRow,
    apply_metadata,
    document_rows,
    merge_document,
    metadata_changes_frame,
    plan_document,
)
from propscan.corpus.documents import utc_now as _now
from propscan.errors import CorpusError, InputError

__all__ = [
    "AnalysisRecord",
    "SpanRow",
    "SCHEMA_VERSION",
    "connect",
    "ensure_schema",
    "write_batch",
    "record_failure",
    "clear_input_failures",
    "done_hashes",
    "known_documents",
    "start_run",
    "finish_run",
    "count_rows",
    "model_versions",
    "default_model_version",
    "article_frame",
    "technique_frame",
    "table_rows",
    "export_parquet",
    "failures_frame",
    "runs_frame",
    "META_FIELDS",
    "MetadataRow",
    "plan_document",
    "document_rows",
    "apply_metadata",
    "metadata_changes_frame",
]

SCHEMA_VERSION = "propscan.corpus/1"

_DDL = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS documents (
        content_hash VARCHAR NOT NULL,
        doc_id VARCHAR NOT NULL,
        title VARCHAR,
        outlet VARCHAR,
        url VARCHAR,
        published DATE,
        source VARCHAR,
        n_words INTEGER,
        text VARCHAR,
        PRIMARY KEY (content_hash, doc_id))""",
    """CREATE TABLE IF NOT EXISTS analyses (
        content_hash VARCHAR NOT NULL,
        model_version VARCHAR NOT NULL,
        model_name VARCHAR,
        threshold DOUBLE,
        score DOUBLE,
        n_spans INTEGER,
        n_words INTEGER,
        run_id VARCHAR,
        created_at TIMESTAMP,
        PRIMARY KEY (content_hash, model_version))""",
    """CREATE TABLE IF NOT EXISTS spans (
        content_hash VARCHAR NOT NULL,
        model_version VARCHAR NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        technique VARCHAR,
        score DOUBLE,
        voice VARCHAR,
        speaker VARCHAR,
        cue VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS failures (
        model_version VARCHAR,
        source VARCHAR,
        doc_id VARCHAR,
        content_hash VARCHAR,
        error VARCHAR,
        run_id VARCHAR,
        created_at TIMESTAMP,
        location VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY,
        started_at TIMESTAMP,
        finished_at TIMESTAMP,
        status VARCHAR,
        model_version VARCHAR,
        model_name VARCHAR,
        threshold DOUBLE,
        engine VARCHAR,
        workers INTEGER,
        inputs VARCHAR,
        processed INTEGER,
        skipped INTEGER,
        failed INTEGER,
        seconds DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS metadata_changes (
        content_hash VARCHAR NOT NULL,
        doc_id VARCHAR NOT NULL,
        field VARCHAR NOT NULL,
        old_value VARCHAR,
        new_value VARCHAR,
        origin VARCHAR,
        run_id VARCHAR,
        changed_at TIMESTAMP)""",
]


@dataclass(frozen=True)
class SpanRow:
    """One technique span as stored (offsets index ``documents.text``)."""

    start: int
    end: int
    technique: str | None
    score: float
    voice: str | None = None
    speaker: str | None = None
    cue: str | None = None


@dataclass
class AnalysisRecord:
    """Everything one analysed document adds to the store (a document row, an analysis, its spans).

    ``text``/``title``/... describe the document; ``score``/``spans`` the analysis of its text
    by ``model_version``. With ``analysis=False`` only the document row is written (its text was
    already analysed under another id).
    """

    content_hash: str
    model_version: str
    doc_id: str
    text: str
    score: float = 0.0
    n_words: int = 0
    spans: Sequence[SpanRow] = field(default_factory=tuple)
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: _dt.date | None = None
    source: str | None = None
    model_name: str | None = None
    threshold: float = defaults.STORE_THRESHOLD
    analysis: bool = True


def connect(path: str | os.PathLike[str], *, read_only: bool = False) -> Any:
    """Open (and, unless ``read_only``, create) a store; returns a DuckDB connection.

    Raises
    ------
    CorpusError
        The file is not a DuckDB database, or is locked by a running batch job.
    InputError
        ``read_only`` and the store does not exist.

    >>> con = connect(":memory:")
    """
    import duckdb

    p = str(path)
    if read_only and p != ":memory:" and not Path(p).exists():
        raise InputError(f"{p}: no such store; create it with 'propscan batch ... --store {p}'.")
    if p != ":memory:":
        Path(p).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(p, read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc).splitlines()[0]
        if "lock" in msg.lower():
            raise CorpusError(f"{p}: the store is in use by another process (a running batch?); wait or stop it.") from exc
        raise CorpusError(f"{p}: cannot open the store ({msg}).") from exc
    except duckdb.Error as exc:
        raise CorpusError(f"{p}: not a propscan store ({str(exc).splitlines()[0]}).") from exc
    if not read_only:
        ensure_schema(con)
    else:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if not {"documents", "analyses", "spans"} <= tables:
            con.close()
            raise CorpusError(f"{p}: not a propscan store (tables documents/analyses/spans missing).")
    return con


def ensure_schema(con: Any) -> None:
    """Create the tables when missing (idempotent) and record the schema version."""
    for ddl in _DDL:
        con.execute(ddl)
    # stores written before failures had a location (the file or file:line that failed)
    con.execute("ALTER TABLE failures ADD COLUMN IF NOT EXISTS location VARCHAR")
    con.execute("INSERT INTO meta VALUES ('schema', ?) ON CONFLICT DO NOTHING", [SCHEMA_VERSION])


def write_batch(con: Any, records: Sequence[AnalysisRecord], *, run_id: str | None = None,
                counts: dict[str, int] | None = None) -> int:
    """Write documents, analyses and spans of ``records`` in ONE transaction; returns analyses added.

    Idempotent: an analysis that already exists is left as it is (its spans are not written
    again), and a stored document is updated, not duplicated (:func:`plan_document`: its metadata
    takes the latest non-empty values, each change logged in ``metadata_changes``), so replaying a
    batch after a crash adds nothing. A failure row for a document that now succeeded is removed.
    ``counts``, when given, counts the document actions (``insert``, ``update``, ``unchanged``,
    ``ambiguous``).
    """
    if not records:
        return 0
    added = 0
    now = _now()
    con.execute("BEGIN TRANSACTION")
    try:
        for r in records:
            action = merge_document(con, r, run_id=run_id, now=now)
            if counts is not None:
                counts[action] = counts.get(action, 0) + 1
            if r.analysis:
                exists = con.execute(
                    "SELECT 1 FROM analyses WHERE content_hash = ? AND model_version = ?",
                    [r.content_hash, r.model_version],
                ).fetchone()
                if exists is None:
                    con.execute(
                        "INSERT INTO analyses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [r.content_hash, r.model_version, r.model_name, r.threshold, r.score, len(r.spans),
                         r.n_words, run_id, now],
                    )
                    if r.spans:
                        con.executemany(
                            "INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [[r.content_hash, r.model_version, s.start, s.end, s.technique, s.score, s.voice,
                              s.speaker, s.cue] for s in r.spans],
                        )
                    added += 1
            con.execute(
                "DELETE FROM failures WHERE model_version = ? AND (content_hash = ? OR (doc_id = ? AND source IS NOT DISTINCT FROM ?))",
                [r.model_version, r.content_hash, r.doc_id, r.source],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return added


def record_failure(
    con: Any,
    *,
    model_version: str,
    source: str | None,
    doc_id: str | None,
    content_hash: str | None,
    error: str,
    run_id: str | None = None,
    location: str | None = None,
) -> None:
    """Record (or replace) a failed document or input, with its one-line error message.

    ``source`` is the input as given (file, folder, URL); ``location`` where in it the failure is
    (the file of a folder, ``file:line`` of a JSONL/CSV row), when that is narrower.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "DELETE FROM failures WHERE model_version = ? AND source IS NOT DISTINCT FROM ? "
            "AND doc_id IS NOT DISTINCT FROM ? AND content_hash IS NOT DISTINCT FROM ? "
            "AND location IS NOT DISTINCT FROM ?",
            [model_version, source, doc_id, content_hash, location],
        )
        con.execute(
            "INSERT INTO failures (model_version, source, doc_id, content_hash, error, run_id, created_at, location) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [model_version, source, doc_id, content_hash, error[:2000], run_id, _now(), location],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def clear_input_failures(con: Any, *, model_version: str, source: str) -> None:
    """Forget the failures of reading ``source`` (bad files or rows; not failed analyses) before it is read
    again: what still fails is recorded anew, what was fixed is gone."""
    con.execute(
        "DELETE FROM failures WHERE model_version = ? AND source = ? AND content_hash IS NULL",
        [model_version, source],
    )


def done_hashes(con: Any, model_version: str, hashes: Iterable[str]) -> set[str]:
    """Which of ``hashes`` already have an analysis by ``model_version`` (a bounded lookup)."""
    hs = list(dict.fromkeys(hashes))
    if not hs:
        return set()
    rows = con.execute(
        "SELECT content_hash FROM analyses WHERE model_version = ? AND content_hash IN (SELECT unnest(?::VARCHAR[]))",
        [model_version, hs],
    ).fetchall()
    return {r[0] for r in rows}


def known_documents(con: Any, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (content_hash, doc_id) pairs already have a document row."""
    ks = list(dict.fromkeys(keys))
    if not ks:
        return set()
    rows = con.execute(
        "SELECT d.content_hash, d.doc_id FROM documents d "
        "JOIN (SELECT unnest(?::VARCHAR[]) AS h, unnest(?::VARCHAR[]) AS i) k ON d.content_hash = k.h AND d.doc_id = k.i",
        [[k[0] for k in ks], [k[1] for k in ks]],
    ).fetchall()
    return {(r[0], r[1]) for r in rows}


def start_run(
    con: Any,
    run_id: str,
    *,
    model_version: str,
    model_name: str | None,
    threshold: float,
    engine: str,
    workers: int,
    inputs: Sequence[str],
) -> None:
    """Add a ``runs`` row with status ``running`` (a killed run keeps that status)."""
    con.execute(
        "INSERT INTO runs VALUES (?, ?, NULL, 'running', ?, ?, ?, ?, ?, ?, 0, 0, 0, NULL)",
        [run_id, _now(), model_version, model_name, threshold, engine, workers, json.dumps(list(inputs))],
    )


def finish_run(con: Any, run_id: str, *, status: str, processed: int, skipped: int, failed: int, seconds: float) -> None:
    """Close a ``runs`` row with its counts and final status (``done``, ``interrupted``, ``error``)."""
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, processed = ?, skipped = ?, failed = ?, seconds = ? WHERE run_id = ?",
        [_now(), status, processed, skipped, failed, seconds, run_id],
    )


def count_rows(con: Any) -> dict[str, int]:
    """Rows per table: documents, analyses, spans, failures, runs."""
    return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # noqa: S608 - fixed names
            for t in ("documents", "analyses", "spans", "failures", "runs")}


def model_versions(con: Any) -> list[tuple[str, int]]:
    """Model versions in the store with their number of analyses, most analyses first."""
    return [(r[0], int(r[1])) for r in con.execute(
        "SELECT model_version, count(*) AS n FROM analyses GROUP BY model_version ORDER BY n DESC, model_version"
    ).fetchall()]


def default_model_version(con: Any) -> str:
    """The model version a report uses by default: the one with the most analyses.

    Raises
    ------
    CorpusError
        The store holds no analyses yet.
    """
    versions = model_versions(con)
    if not versions:
        raise CorpusError("the store holds no analyses yet; run 'propscan batch' first.")
    return versions[0][0]


def article_frame(con: Any, model_version: str) -> Any:
    """One row per document analysed by ``model_version`` (pandas DataFrame).

    Columns: doc_id, content_hash, title, outlet, url, published (date), source, n_words, score,
    n_spans, month (``YYYY-MM``), week (ISO ``YYYY-Www``). Sorted by doc_id, content_hash.
    """
    return con.execute(
        """SELECT d.doc_id, d.content_hash, d.title, d.outlet, d.url, d.published, d.source,
                  d.n_words, a.score, a.n_spans,
                  strftime(d.published, '%Y-%m') AS month,
                  strftime(d.published, '%G-W%V') AS week
           FROM documents d JOIN analyses a USING (content_hash)
           WHERE a.model_version = ?
           ORDER BY d.doc_id, d.content_hash""",
        [model_version],
    ).df()


def technique_frame(con: Any, model_version: str) -> Any:
    """Per analysed text and technique: span count and expected count (sum of confidences).

    Columns: content_hash, technique, count, expected.
    """
    return con.execute(
        """SELECT content_hash, technique, count(*) AS count, sum(score) AS expected
           FROM spans WHERE model_version = ?
           GROUP BY content_hash, technique ORDER BY content_hash, technique""",
        [model_version],
    ).df()


def failures_frame(con: Any, model_version: str | None = None) -> Any:
    """Failed documents/inputs with their error messages (all model versions when ``None``)."""
    if model_version is None:
        return con.execute("SELECT * FROM failures ORDER BY created_at").df()
    return con.execute("SELECT * FROM failures WHERE model_version = ? ORDER BY created_at", [model_version]).df()


def runs_frame(con: Any) -> Any:
    """The ``runs`` table, oldest first."""
    return con.execute("SELECT * FROM runs ORDER BY started_at").df()


_TABLE_ORDER = {
    "documents": "content_hash, doc_id",
    "analyses": "content_hash, model_version",
    "spans": 'content_hash, model_version, start, "end", technique',
}
_TIMESTAMP_COLUMNS = {"created_at", "run_id"}


def snapshot(path: str | os.PathLike[str], tables: Sequence[str] = ("documents", "analyses", "spans")) -> dict[str, list[tuple[Any, ...]]]:
    """Sorted rows (no timestamps) of ``tables`` in the store at ``path``, opened read-only: two stores are equal
    when their snapshots are."""
    con = connect(path, read_only=True)
    try:
        return {t: table_rows(con, t) for t in tables}
    finally:
        con.close()


def table_rows(con: Any, table: str, *, exclude: Sequence[str] = tuple(_TIMESTAMP_COLUMNS)) -> list[tuple[Any, ...]]:
    """All rows of ``documents``, ``analyses`` or ``spans``, sorted, without the ``exclude`` columns.

    Used to compare two stores (e.g. a killed-and-resumed run with an uninterrupted one).
    """
    if table not in _TABLE_ORDER:
        raise ValueError(f"table must be one of {', '.join(_TABLE_ORDER)}; got {table!r}")
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in exclude]
    col_sql = ", ".join(f'"{c}"' for c in cols)
    rows = con.execute(f"SELECT {col_sql} FROM {table}").fetchall()  # noqa: S608 - names from DESCRIBE
    return sorted(rows, key=lambda r: tuple((x is None, str(x)) for x in r))


def export_parquet(store: str | os.PathLike[str], directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Export a store to ``documents.parquet`` and ``spans.parquet`` (plus ``analyses.parquet``).

    ``documents.parquet`` holds one row per document *and* model version, with the analysis
    (model_version, score, n_spans) joined in; ``spans.parquet`` one row per span with its
    ``doc_id``. Files are written under a temporary name and renamed, so a failed export never
    leaves a half-written file.

    >>> export_parquet("corpus.duckdb", "out/")  # doctest: +SKIP
    {'documents': PosixPath('out/documents.parquet'), 'spans': ..., 'analyses': ...}
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    con = connect(store, read_only=True)
    queries = {
        "documents": """SELECT d.doc_id, d.content_hash, d.title, d.outlet, d.url, d.published, d.source, d.n_words,
                               a.model_version, a.score, a.n_spans, d.text
                        FROM documents d LEFT JOIN analyses a USING (content_hash)
                        ORDER BY d.doc_id, d.content_hash, a.model_version""",
        "spans": """SELECT d.doc_id, s.content_hash, s.model_version, s.start, s."end", s.technique, s.score,
                           s.voice, s.speaker, s.cue
                    FROM spans s JOIN documents d USING (content_hash)
                    ORDER BY d.doc_id, s.model_version, s.start, s."end", s.technique""",
        "analyses": "SELECT * FROM analyses ORDER BY content_hash, model_version",
    }
    paths: dict[str, Path] = {}
    try:
        for name, sql in queries.items():
            final = out / f"{name}.parquet"
            tmp = out / f".{name}.parquet.tmp"
            con.execute(f"COPY ({sql}) TO '{_sql_str(tmp)}' (FORMAT PARQUET, COMPRESSION ZSTD)")
            os.replace(tmp, final)
            paths[name] = final
    finally:
        con.close()
    return paths


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")
