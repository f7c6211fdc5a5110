"""The Ray Data engine of :func:`propscan.corpus.run_batch` (``engine="ray"``; ``pip install 'propscan[ray]'``).

The same job as the local engine, as a Ray Data pipeline::

    documents (streamed by the driver, already-done texts skipped)
      -> ray.data.from_items(chunk)
      -> map_batches(RayAnalyzer, concurrency=workers)   # actor pool; each actor loads the model once
      -> write_parquet(<store>.ray/<run>-<chunk>/)        # shards, then a _SUCCESS marker
      -> ingest shards into the DuckDB store               # idempotent, one transaction per shard file

The driver works through the corpus in chunks of ``chunk_docs`` documents, so its memory is
bounded; actors are created once per chunk (model loads are amortised over the chunk). Shards
that were completely written but not yet ingested when a run was killed are ingested at the
start of the next run; incomplete shard folders (no ``_SUCCESS``) are discarded and their
documents redone.

Cluster: ``RAY_ADDRESS=ray://head:10001 propscan batch ... --engine ray --workers N``. The
workers need propscan (same version, same model weights) installed and the input files are read
by the driver, so only the driver needs them.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from ..errors import CorpusError

__all__ = ["run_ray", "RayAnalyzer", "ingest_shards", "shard_root", "COLUMNS"]

#: columns of a shard (a document payload plus its result; spans as JSON)
COLUMNS = ["content_hash", "doc_id", "text", "title", "outlet", "url", "published", "source",
           "ok", "score", "n_words", "spans_json", "error", "model_name"]
SUCCESS = "_SUCCESS"


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise CorpusError("engine 'ray' needs Ray Data; install it with: pip install 'propscan[ray]'.") from exc
    return ray


def shard_root(store: str | os.PathLike[str]) -> Path:
    """``<store>.ray/``: where a Ray run writes its Parquet shards before ingesting them."""
    return Path(str(store) + ".ray")


class RayAnalyzer:
    """Ray Data actor: loads the model once, analyses pandas batches of document payloads."""

    def __init__(self, model: str, threshold: float, batch_size: int, expect_version: str) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from ..analysis import Analyzer
        from .batch import model_version_of

        found = model_version_of(model, threshold=threshold).version
        if found != expect_version:
            raise CorpusError(f"model {model!r} on this Ray worker is {found}, the driver has {expect_version}; "
                              "install the same propscan and weights on every node.")
        self.analyzer = Analyzer(model=model, threshold=threshold)
        _ = self.analyzer.model_
        self.batch_size = batch_size

    def __call__(self, batch: Any) -> Any:
        import pandas as pd

        from .batch import analyze_docs

        docs = []
        for row in batch.to_dict("records"):
            docs.append({k: (None if not isinstance(v, str) and v is not None and pd.isna(v) else v) for k, v in row.items()})
        results = analyze_docs(self.analyzer, docs, batch_size=self.batch_size)
        for r in results:
            r["spans_json"] = json.dumps(r.pop("spans"))
        return pd.DataFrame(results, columns=COLUMNS)


def _shard_results(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    rows = pq.read_table(path).to_pylist()
    for r in rows:
        r["spans"] = json.loads(r.pop("spans_json") or "[]")
    return rows


def ingest_shards(job: Any, root: Path) -> int:
    """Ingest every complete shard folder under ``root`` into the store, then delete it.

    Folders without ``_SUCCESS`` (a run killed while writing) are deleted: their documents are
    not in the store and will be analysed again. Returns the number of shard files ingested.
    """
    if not root.is_dir():
        return 0
    n = 0
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if (folder / SUCCESS).is_file():
            for f in sorted(folder.glob("*.parquet")):
                job.write(_shard_results(f))  # idempotent: already-stored analyses are skipped
                n += 1
        shutil.rmtree(folder, ignore_errors=True)
    return n


def _init_ray(ray: Any, workers: int) -> bool:
    """Connect to ``RAY_ADDRESS`` or start a local Ray; returns True when this call started it."""
    if ray.is_initialized():
        return False
    address = os.environ.get("RAY_ADDRESS")
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "ignore_reinit_error": True}
    if address:
        ray.init(address=address, **kwargs)
    else:
        ray.init(num_cpus=max(2, workers + 1), **kwargs)
    return True


def run_ray(job: Any, inputs: list[str], *, workers: int, batch_size: int, text_column: str,
            chunk_docs: int | None = None) -> None:
    """Run the batch job on Ray Data (called by :func:`run_batch` with ``engine="ray"``)."""
    ray = _import_ray()
    from .batch import _chunks, _iter_documents

    root = shard_root(job.store)
    root.mkdir(parents=True, exist_ok=True)
    ingest_shards(job, root)  # leftovers of a killed run
    started = _init_ray(ray, workers)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    chunk_docs = chunk_docs or max(512, workers * batch_size * 16)
    try:
        todo: list[dict[str, Any]] = []
        for i, chunk in enumerate(_chunks(_iter_documents(inputs, text_column, job.fail_input, job.begin_input), batch_size)):
            todo.extend(job.plan(chunk))
            if len(todo) >= chunk_docs:
                _run_chunk(ray, job, todo, root, workers=workers, batch_size=batch_size, tag=f"{i:06d}")
                todo = []
        if todo:
            _run_chunk(ray, job, todo, root, workers=workers, batch_size=batch_size, tag="last")
        if root.is_dir() and not any(root.iterdir()):
            root.rmdir()
    finally:
        if started:
            ray.shutdown()


def _run_chunk(ray: Any, job: Any, todo: list[dict[str, Any]], root: Path, *, workers: int, batch_size: int, tag: str) -> None:
    folder = root / f"{job.run_id}-{tag}-{uuid.uuid4().hex[:6]}"
    ds = ray.data.from_items(todo, override_num_blocks=max(1, min(len(todo) // batch_size, workers * 4)))
    ds = ds.map_batches(
        RayAnalyzer,
        fn_constructor_kwargs={"model": job.key.spec, "threshold": job.key.threshold, "batch_size": batch_size,
                               "expect_version": job.key.version},
        batch_size=batch_size,
        batch_format="pandas",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=1,
    )
    ds.write_parquet(str(folder))
    (folder / SUCCESS).touch()
    ingest_shards(job, root)
