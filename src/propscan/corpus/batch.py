"""Batch analysis of a corpus into a DuckDB store: resumable, idempotent, bounded memory.

:func:`run_batch` streams documents from the inputs (files, folders, JSONL/CSV, URLs), skips
texts the store already holds an analysis of (for this model version), sends the rest in
batches to worker processes that each load the model once, and writes every finished batch
(documents + spans + analyses) in ONE DuckDB transaction from the parent, the single writer.
At most ``2 × workers`` batches are in flight, so memory does not grow with the corpus. Kill it
at any moment (even SIGKILL) and run it again: committed batches are kept, the batch that was in
flight is redone, nothing is duplicated. Worker processes die with the parent (a parent-death
signal on Linux, and a watchdog thread everywhere), so a killed run leaves no orphans computing.

A bad file of a folder or a bad row of a JSONL/CSV input is recorded in the ``failures`` table with
its reason and location (``file`` or ``file:line``) and the run goes on with the next one; the
summary lists this run's failures. Running again skips what is stored and retries what failed.

>>> run_batch(["articles/"], "corpus.duckdb", model="baseline", workers=2)  # doctest: +SKIP
{'processed': 371, 'skipped': 0, 'failed': 0, 'seconds': 41.2, ...}

Also a module script (used by the kill test); it exits 1 when anything failed, unless
``--allow-partial``::

    python -m propscan.corpus.batch articles/ --store corpus.duckdb --model baseline --workers 2
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from propscan import defaults
from propscan.corpus import store as st
from propscan.corpus.inputs import chunks, estimate_total, iter_documents
from propscan.corpus.worker import (  # re-exported: the batch API as before
    MAX_POOL_RESTARTS,
    STORE_THRESHOLD,
    ModelKey,
    analyze_docs,
    default_threads,
    die_with_parent,
    doc_payload,
    init_worker,
    model_version_of,
    one_line,
    pin_threads,
    result_to_record,
    work,
)
from propscan.errors import CorpusError, InputError, PropscanError

__all__ = ["run_batch", "model_version_of", "analyze_docs", "result_to_record", "ModelKey", "pin_threads",
           "default_threads", "die_with_parent", "init_worker"]

#: failures listed in a run's summary (all of them are in the store's ``failures`` table)
MAX_LISTED_FAILURES = 100


# ---- progress -----------------------------------------------------------------------------------


def _make_progress(enabled: bool, total: int | None) -> tuple[Any, Any]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.1f} art/s" if speed else "– art/s", style="progress.data.speed")

    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]analysing"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
        console=Console(stderr=True),
        disable=not enabled,
        transient=False,
    )
    task = progress.add_task("batch", total=total, status="")
    return progress, task


# ---- the job ------------------------------------------------------------------------------------


@dataclass
class _Job:
    """The parent's state: the single writer to the store."""

    con: Any
    key: ModelKey
    run_id: str
    store: Path
    progress: Any
    task: Any
    on_commit: Callable[[dict[str, int]], None] | None = None
    counts: dict[str, int] = field(default_factory=lambda: {"processed": 0, "skipped": 0, "failed": 0})
    failures: list[dict[str, Any]] = field(default_factory=list)
    #: stored documents whose metadata this run changed (they are counted in ``skipped`` or ``processed`` too)
    updated: int = 0

    def _note(self, source: str | None, location: str | None, doc_id: str | None, error: str) -> None:
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append({"source": source, "location": location or source, "doc_id": doc_id, "error": error})

    def _advance(self, n: int) -> None:
        c = self.counts
        self.progress.update(self.task, advance=n, status=f"new {c['processed']} · skipped {c['skipped']} · failed {c['failed']}")

    def begin_input(self, source: str) -> None:
        """Forget the input's earlier read failures: it is read again now (fixed ones stay gone)."""
        st.clear_input_failures(self.con, model_version=self.key.version, source=source)

    def fail_input(self, source: str, exc: BaseException, location: str | None = None) -> None:
        st.record_failure(self.con, model_version=self.key.version, source=source, doc_id=None, content_hash=None,
                          error=one_line(exc), run_id=self.run_id, location=location)
        self.counts["failed"] += 1
        self._note(source, location, None, one_line(exc))
        self._advance(0)

    def plan(self, chunk: list[tuple[str, Any]]) -> list[dict[str, Any]]:
        """Split a chunk into texts to analyse and texts already analysed by this model version.

        An analysed text is skipped, but its document row is written now when that changes the
        store (:func:`propscan.corpus.store.plan_document`): new metadata updates the stored
        document (counted in ``skipped`` and ``updated``), another given id adds a row (a syndicated
        article; counted in ``processed``).
        """
        from propscan.analysis.scores import count_words

        done = st.done_hashes(self.con, self.key.version, (d.hash for _, d in chunk))
        stored = st.document_rows(self.con, (d.hash for _, d in chunk if d.hash in done))
        link: list[st.AnalysisRecord] = []
        todo: list[dict[str, Any]] = []
        skipped = 0
        for source, doc in chunk:
            h = doc.hash
            if h not in done:
                todo.append(doc_payload(doc, source))
                continue
            values = {"title": doc.title, "outlet": doc.outlet, "url": doc.url, "published": doc.published, "source": source}
            if st.plan_document(stored.get(h, {}), h, doc.id, values).action in ("unchanged", "ambiguous"):
                skipped += 1
            else:  # a new id for the text, or new metadata: write the document row only
                link.append(st.AnalysisRecord(h, self.key.version, doc.id, doc.text, n_words=count_words(doc.text),
                                              title=doc.title, outlet=doc.outlet, url=doc.url,
                                              published=doc.published, source=source, analysis=False))
        if link:
            actions: dict[str, int] = {}
            st.write_batch(self.con, link, run_id=self.run_id, counts=actions)
            self.counts["processed"] += actions.get("insert", 0)
            skipped += len(link) - actions.get("insert", 0)
            self.updated += actions.get("update", 0)
        self.counts["skipped"] += skipped
        self._advance(len(chunk) - len(todo))
        return todo

    def write(self, results: list[dict[str, Any]]) -> None:
        """Write one batch's results: successes in one transaction, then failures."""
        good = [result_to_record(r, self.key) for r in results if r["ok"]]
        actions: dict[str, int] = {}
        st.write_batch(self.con, good, run_id=self.run_id, counts=actions)
        self.updated += actions.get("update", 0)
        for r in results:
            if not r["ok"]:
                st.record_failure(self.con, model_version=self.key.version, source=r.get("source"),
                                  doc_id=r["doc_id"], content_hash=r["content_hash"], error=r["error"],
                                  run_id=self.run_id)
                self._note(r.get("source"), None, r["doc_id"], r["error"])
        self.counts["processed"] += len(good)
        self.counts["failed"] += len(results) - len(good)
        self._advance(len(results))
        if self.on_commit is not None:
            self.on_commit(dict(self.counts))

    def fail_batch(self, docs: list[dict[str, Any]], message: str) -> None:
        self.write([{**d, "ok": False, "error": message} for d in docs])


def run_batch(
    inputs: Sequence[str], store: str | os.PathLike[str], *, model: str = defaults.BATCH_MODEL,
    threshold: float = STORE_THRESHOLD, engine: str = "local", workers: int = 1, batch_size: int = 8,
    text_column: str = "text", progress: bool = True, on_commit: Callable[[dict[str, int]], None] | None = None,
    metadata: str | os.PathLike[str] | None = None, threads: int | None = None, address: str | None = None,
) -> dict[str, Any]:
    """Analyse every document of ``inputs`` into the DuckDB ``store``; resumable and idempotent.

    Parameters
    ----------
    inputs : sequence of str
        Files (.txt, .html, .jsonl, .csv), folders, http(s) URLs, ``-`` for stdin. JSONL/CSV rows
        may carry ``id``, ``title``, ``url``, ``outlet``, ``published``/``date``.
    store : path
        DuckDB file, created when missing. Analyses are keyed by (text sha256, model version).
    model : str, default=:data:`propscan.defaults.BATCH_MODEL`
        ``fast`` (one tagger), ``default`` (the ensemble), ``baseline`` or a model directory.
    threshold : float, default=:data:`~propscan.corpus.worker.STORE_THRESHOLD` (0: every span)
        Keep spans at or above this confidence (part of the store key).
    engine : {"local", "ray"}
        ``local``: worker processes on this machine; ``ray``: a Ray Data pipeline (local or
        ``RAY_ADDRESS`` cluster; needs ``pip install 'propscan[ray]'``).
    workers : int, default=1
        Worker processes (local) or Ray actors, each loading the model once. ``0`` runs the
        model in this process (no worker; for debugging).
    batch_size : int, default=8
        Documents per batch (and per store transaction).
    text_column : str, default="text"
        Text column of JSONL/CSV inputs.
    progress : bool, default=True
        Show a progress bar (rate, ETA) on stderr.
    on_commit : callable, optional
        Called with the running counts after each committed batch.
    metadata : path, optional
        A CSV/JSONL metadata file (``id`` and/or ``content_hash`` plus ``outlet``, ``published``,
        ``title``, ``url``) applied to the store after the analysis (see
        :mod:`propscan.corpus.metadata`); it is read, and refused when unreadable, before anything
        is analysed.
    threads : int, optional
        Torch (intra-op) threads per worker process / Ray actor. Default: one per worker when
        ``workers > 1`` (so workers do not fight over cores), every core for a single worker
        (``workers`` 0 or 1).
    address : str, optional
        Ray cluster to join (``engine="ray"``): ``auto``, ``<head>:6379`` or ``ray://<head>:10001``;
        default ``RAY_ADDRESS``, else a local Ray.

    A text already analysed by this model version is not analysed again; read with new
    metadata (or under the id it lacked), its stored document is updated — latest non-empty
    value wins, each change logged in ``metadata_changes`` — instead of being added twice.

    Returns
    -------
    dict
        ``processed`` (documents written this run), ``skipped`` (already in the store),
        ``updated`` (stored documents whose metadata changed), ``failed`` (documents, rows, files
        or inputs that failed; all are in the store's ``failures`` table), ``failures`` (the first
        100 of this run: ``source``, ``location`` — the file or ``file:line`` —, ``doc_id``,
        ``error``), ``seconds``, ``model_version``, ``run_id``, ``store``; with ``metadata``
        also ``metadata`` (see :func:`propscan.corpus.metadata.update_metadata`: ``unknown``
        lists the rows that matched no document).

    Raises
    ------
    InputError, CorpusError, ModelLoadError
        Bad options (unknown engine, workers < 0, batch_size < 1, threads < 1); a store that cannot
        be opened (locked by another run, not a DuckDB file); a model that cannot be found.
    """
    threads = _checked_options(engine, workers, batch_size, threads, address)
    inputs = [os.fspath(i) for i in ([inputs] if isinstance(inputs, (str, os.PathLike)) else inputs)]
    key = model_version_of(model, threshold=threshold)
    meta_rows = _read_metadata(metadata)  # before anything is analysed: an unreadable file is refused now
    t0 = time.perf_counter()
    run = _Run(engine, workers, batch_size, text_column, threads, address)
    job = _start(store, key, inputs, run, progress, on_commit)
    return _execute(job, inputs, run, meta_rows, metadata, t0)


def _checked_options(engine: str, workers: int, batch_size: int, threads: int | None, address: str | None) -> int:
    """Refuse bad options before anything is opened; returns the torch threads per worker."""
    if engine not in ("local", "ray"):
        raise InputError(f"unknown engine {engine!r}; use local or ray.")
    if workers < 0 or (engine == "ray" and workers < 1):
        raise InputError(f"workers must be >= {1 if engine == 'ray' else 0}; got {workers}.")
    if batch_size < 1:
        raise InputError(f"batch_size must be >= 1; got {batch_size}.")
    if threads is not None and threads < 1:
        raise InputError(f"threads must be >= 1; got {threads}.")
    if address is not None and engine != "ray":
        raise InputError("address is for engine 'ray' only.")
    return threads or default_threads(workers)


def _read_metadata(metadata: str | os.PathLike[str] | None) -> Any:
    if metadata is None:
        return None
    from propscan.corpus.metadata import read_metadata

    return read_metadata(metadata)


@dataclass(frozen=True)
class _Run:
    """How a run analyses: the engine and its settings (already checked)."""

    engine: str
    workers: int
    batch_size: int
    text_column: str
    threads: int
    address: str | None


def _start(store: Any, key: ModelKey, inputs: list[str], run: _Run, progress: bool,
           on_commit: Callable[[dict[str, int]], None] | None) -> _Job:
    """Open the store, record the run as started, and set up the progress bar."""
    con = st.connect(store)
    run_id = uuid.uuid4().hex[:16]
    st.start_run(con, run_id, model_version=key.version, model_name=key.name, threshold=key.threshold,
                 engine=run.engine, workers=run.workers, inputs=inputs)
    prog, task = _make_progress(progress, estimate_total(inputs))
    return _Job(con, key, run_id, Path(store), prog, task, on_commit)


def _execute(job: _Job, inputs: list[str], run: _Run, meta_rows: Any, metadata: Any, t0: float) -> dict[str, Any]:
    """Analyse, apply the metadata file, record how the run ended (even when interrupted); the summary."""
    status = "error"
    meta_result: dict[str, Any] | None = None
    engine_stats: dict[str, Any] | None = None
    try:
        with job.progress:
            engine_stats = _analyse(job, inputs, run)
        if meta_rows is not None:
            from propscan.corpus.metadata import apply_rows

            meta_result = apply_rows(job.con, *meta_rows, origin=os.fspath(metadata), run_id=job.run_id)
        status = "done"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        seconds = round(time.perf_counter() - t0, 3)
        try:
            st.finish_run(job.con, job.run_id, status=status, seconds=seconds, **job.counts)
        finally:
            job.con.close()
    out = {**job.counts, "updated": job.updated, "seconds": seconds, "model_version": job.key.version,
           "run_id": job.run_id, "store": str(job.store), "failures": list(job.failures)}
    if meta_result is not None:
        out["metadata"] = meta_result
    if engine_stats is not None:
        out["ray"] = engine_stats
    return out


def _analyse(job: _Job, inputs: list[str], run: _Run) -> dict[str, Any] | None:
    """Run the chosen engine over the inputs; the Ray engine's statistics, else None."""
    if run.engine == "ray":
        from propscan.corpus.ray_engine import run_ray

        return run_ray(job, inputs, workers=run.workers, batch_size=run.batch_size, text_column=run.text_column,
                       threads=run.threads, address=run.address)
    if run.workers == 0:
        _run_inline(job, inputs, batch_size=run.batch_size, text_column=run.text_column, threads=run.threads)
    else:
        _run_local(job, inputs, workers=run.workers, batch_size=run.batch_size, text_column=run.text_column,
                   threads=run.threads)
    return None


def _run_inline(job: _Job, inputs: Sequence[str], *, batch_size: int, text_column: str, threads: int) -> None:
    from propscan.analysis.analyzer import Analyzer

    del threads  # workers=0 runs in the caller's process: its thread settings are left alone

    analyzer = Analyzer(model=str(job.key.directory), threshold=job.key.threshold)
    for chunk in chunks(iter_documents(inputs, text_column, job.fail_input, job.begin_input), batch_size):
        todo = job.plan(chunk)
        if todo:
            job.write(analyze_docs(analyzer, todo, batch_size=batch_size))


def _run_local(job: _Job, inputs: Sequence[str], *, workers: int, batch_size: int, text_column: str, threads: int) -> None:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    init_args = (str(job.key.directory), job.key.threshold, batch_size, threads, os.getpid())

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=init_worker, initargs=init_args)

    pool = new_pool()
    restarts = 0
    pending: dict[Future[list[dict[str, Any]]], list[dict[str, Any]]] = {}
    max_in_flight = 2 * workers

    def drain(block_until: int) -> None:
        nonlocal pool, restarts
        while len(pending) > block_until:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                docs = pending.pop(fut)
                try:
                    results = fut.result()
                except BrokenProcessPool as exc:
                    broken = True
                    job.fail_batch(docs, f"worker process died ({exc or 'killed'}); rerun to retry")
                    continue
                job.write(results)
            if broken:
                for fut, docs in list(pending.items()):
                    job.fail_batch(docs, "worker process died; rerun to retry")
                    pending.pop(fut)
                restarts += 1
                pool.shutdown(wait=False, cancel_futures=True)
                if restarts > MAX_POOL_RESTARTS:
                    raise CorpusError(f"worker processes died {restarts} times; check memory and the model, then rerun.")
                pool = new_pool()

    try:
        for chunk in chunks(iter_documents(inputs, text_column, job.fail_input, job.begin_input), batch_size):
            todo = job.plan(chunk)
            if not todo:
                continue
            pending[pool.submit(work, todo)] = todo
            drain(max_in_flight - 1)
        drain(0)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# ---- module script ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m propscan.corpus.batch INPUTS... --store S [--model M] [--workers N] [--log-commits] [--allow-partial]``.

    Exit status: 0 when everything was analysed (or already stored), 1 when any file, row or
    document failed (each is in the summary and the store's ``failures`` table; run again to
    retry them) unless ``--allow-partial``, 2 on an error that stopped the run.
    """
    import argparse

    ap = argparse.ArgumentParser(prog="python -m propscan.corpus.batch", description=main.__doc__)
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--store", required=True)
    ap.add_argument("--model", default=defaults.BATCH_MODEL)
    ap.add_argument("--threshold", type=float, default=STORE_THRESHOLD)
    ap.add_argument("--engine", default="local", choices=["local", "ray"])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads-per-worker", type=int, default=None)
    ap.add_argument("--address", default=None)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--text-column", default="text")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--log-commits", action="store_true", help="print 'committed <counts>' to stdout after each batch")
    ap.add_argument("--allow-partial", action="store_true", help="exit 0 even when some files, rows or documents failed")
    ap.add_argument("--metadata", default=None, help="CSV/JSONL of id or content_hash plus outlet, published, title, url")
    args = ap.parse_args(argv)

    def log(counts: dict[str, int]) -> None:
        print("committed " + json.dumps(counts), flush=True)

    try:
        res = run_batch(args.inputs, args.store, model=args.model, threshold=args.threshold, engine=args.engine,
                        workers=args.workers, batch_size=args.batch_size, text_column=args.text_column,
                        progress=not args.no_progress, on_commit=log if args.log_commits else None,
                        metadata=args.metadata, threads=args.threads_per_worker, address=args.address)
    except PropscanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(res), flush=True)
    if res["failed"] and not args.allow_partial:
        print(f"error: {res['failed']} file(s), row(s) or document(s) failed (see 'failures'); fix them and run "
              "again to retry only those, or pass --allow-partial.", file=sys.stderr)
        return 1
    meta = res.get("metadata") or {}
    if (meta.get("n_unknown") or meta.get("n_invalid")) and not args.allow_partial:
        print(f"error: {meta.get('n_unknown', 0)} metadata row(s) matched no document and {meta.get('n_invalid', 0)} "
              "could not be read (see 'metadata'); fix the file, or pass --allow-partial.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
