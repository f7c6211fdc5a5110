"""The Ray engine of :func:`propscan.corpus.run_batch` (``engine="ray"``; ``pip install 'propscan[ray]'``).

The same job as the local engine, on a persistent pool of Ray actors::

    documents (streamed by the driver, already-done texts skipped)
      -> batches of ``batch_size`` payloads
      -> RayAnalyzer actors (``workers`` of them, created ONCE per run; each pins ``threads``
         torch threads and loads the model once), at most 2 batches in flight per actor
      -> results written by the driver, one DuckDB transaction per batch (the single writer)

The actors live for the whole run and are reused for every batch, so model loading is paid
``workers`` times per run, not once per chunk. The driver's memory is bounded (at most
``2 × workers`` batches in flight). Kill the run at any moment and run it again: committed
batches are kept, in-flight ones are redone. An actor that dies fails its in-flight batches
(recorded in ``failures``; a rerun retries them) and is replaced, at most
``MAX_POOL_RESTARTS`` times per run. Parquet shards left under ``<store>.ray/`` by older
versions (which staged results there) are ingested at the start of a run.

Cluster: ``propscan batch INPUTS --engine ray --address <head>:6379 --workers N`` (or
``RAY_ADDRESS``). Every node needs the same propscan and model weights (checked when an actor
starts); the inputs are read by the driver only. See ``docs/corpus.md``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from propscan.corpus.inputs import chunks, iter_documents
from propscan.corpus.worker import MAX_POOL_RESTARTS
from propscan.errors import CorpusError

__all__ = ["run_ray", "RayAnalyzer", "ingest_shards", "shard_root", "COLUMNS"]

#: batches in flight per actor (one computing, one queued, so an actor never waits for the driver)
IN_FLIGHT_PER_ACTOR = 2

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
    """Ray actor: pins ``threads`` torch threads, loads the model once, analyses batches of payloads.

    :meth:`analyse` takes a list of payloads (the engine's path); ``__call__`` takes a pandas batch
    (usable with Ray Data ``map_batches``).
    """

    def __init__(self, model: str, threshold: float, batch_size: int, expect_version: str, threads: int = 1) -> None:
        from propscan import defaults
        from propscan.corpus.worker import model_version_of, pin_threads

        defaults.set_offline_env()  # an actor is a fresh process: the CLI's start-up did not run in it

        self.threads = pin_threads(threads)  # before torch loads the model
        from propscan.analysis.analyzer import Analyzer

        found = model_version_of(model, threshold=threshold).version
        if found != expect_version:
            raise CorpusError(f"model {model!r} on this Ray worker is {found}, the driver has {expect_version}; "
                              "install the same propscan and weights on every node.")
        self.analyzer = Analyzer(model=model, threshold=threshold)
        _ = self.analyzer.model_
        self.batch_size = batch_size

    def analyse(self, docs: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
        """(this actor's process id, :func:`propscan.corpus.batch.analyze_docs` results)."""
        from propscan.corpus.worker import analyze_docs

        return os.getpid(), analyze_docs(self.analyzer, docs, batch_size=self.batch_size)

    def torch_threads(self) -> int | None:
        import sys

        return sys.modules["torch"].get_num_threads() if "torch" in sys.modules else None

    def __call__(self, batch: Any) -> Any:
        import pandas as pd

        from propscan.corpus.worker import analyze_docs

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


def _init_ray(ray: Any, workers: int, threads: int, address: str | None = None) -> bool:
    """Connect to ``address`` / ``RAY_ADDRESS`` or start a local Ray; returns True when this call started it."""
    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS")
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "ignore_reinit_error": True}
    if address:
        ray.init(address=address, **kwargs)
    else:
        ray.init(num_cpus=max(2, workers * threads), **kwargs)
    return True


def run_ray(job: Any, inputs: list[str], *, workers: int, batch_size: int, text_column: str, threads: int = 1,
            address: str | None = None, actor_cls: type | None = None) -> dict[str, Any]:
    """Run the batch job on a persistent Ray actor pool (called by :func:`run_batch` with ``engine="ray"``).

    Returns ``actors_created`` (``workers`` unless actors died and were replaced) and
    ``actor_pids`` (the processes that analysed batches). ``actor_cls`` replaces
    :class:`RayAnalyzer` (tests).
    """
    ray = _import_ray()

    root = shard_root(job.store)
    ingest_shards(job, root)  # leftovers of a killed run of an older version
    if root.is_dir() and not any(root.iterdir()):
        root.rmdir()
    started = _init_ray(ray, workers, threads, address)
    remote_cls = ray.remote(num_cpus=threads, max_restarts=0)(actor_cls or RayAnalyzer)
    kwargs = {"model": job.key.spec, "threshold": job.key.threshold, "batch_size": batch_size,
              "expect_version": job.key.version, "threads": threads}
    stats: dict[str, Any] = {"actors_created": 0, "actor_pids": set(), "batches": 0}

    def new_actor() -> Any:
        stats["actors_created"] += 1
        return remote_cls.remote(**kwargs)

    actors = [new_actor() for _ in range(workers)]
    load: dict[int, int] = dict.fromkeys(range(workers), 0)  # batches in flight per actor slot
    served: set[int] = set()  # slots whose actor finished a batch (it started fine)
    pending: dict[Any, tuple[int, list[dict[str, Any]]]] = {}
    restarts = 0

    def collect(block_until: int) -> None:
        nonlocal restarts
        while len(pending) > block_until:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                slot, docs = pending.pop(ref)
                load[slot] -= 1
                try:
                    pid, results = ray.get(ref)
                except ray.exceptions.RayActorError as exc:
                    if slot not in served:
                        raise CorpusError(f"a Ray actor could not start: {exc}") from exc
                    job.fail_batch(docs, f"Ray actor died ({type(exc).__name__}); rerun to retry")
                    restarts += 1
                    if restarts > MAX_POOL_RESTARTS:
                        raise CorpusError(f"Ray actors died {restarts} times; check memory and the model, then rerun.") from exc
                    actors[slot] = new_actor()
                    served.discard(slot)
                    continue
                served.add(slot)
                stats["actor_pids"].add(pid)
                stats["batches"] += 1
                job.write(results)

    try:
        for chunk in chunks(iter_documents(inputs, text_column, job.fail_input, job.begin_input), batch_size):
            todo = job.plan(chunk)
            if not todo:
                continue
            if min(load.values()) >= IN_FLIGHT_PER_ACTOR:
                collect(len(pending) - 1)
            slot = min(load, key=load.__getitem__)
            pending[actors[slot].analyse.remote(todo)] = (slot, todo)
            load[slot] += 1
        collect(0)
    finally:
        for ref in list(pending):
            ray.cancel(ref, force=False)
        for actor in actors:
            ray.kill(actor)
        if started:
            ray.shutdown()
    stats["actor_pids"] = sorted(stats["actor_pids"])
    return stats
