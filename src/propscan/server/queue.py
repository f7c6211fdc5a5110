"""Inference off the event loop: a fixed pool of worker threads fed by a bounded queue.

* At most ``workers + queue_size`` analyses are accepted at once; one more is refused at once
  (:func:`~propscan.server.errors.queue_full`, 429 with ``Retry-After``).
* A worker takes the next job and, opportunistically, up to ``batch_size - 1`` more analyse jobs
  that are already waiting, and runs them through :meth:`Analyzer.pipe` together (the inference
  loop the CLI and the corpus engines use too); jobs with other display settings go through
  their own ``pipe``.
* A request that waits longer than ``timeout`` seconds gets 503 (:func:`overloaded`); if its job has
  not started yet it is cancelled, so abandoned work costs no CPU.
* The model loads in a background thread; until it is ready requests get 503 ``model_not_ready``.

>>> inference = InferenceQueue(workers=1, queue_size=4)  # doctest: +SKIP
>>> inference.load("baseline")  # doctest: +SKIP
>>> analysis = await inference.analyze(doc, threshold=0.3)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import queue as _queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Literal

from propscan import defaults
from propscan.analysis.analyzer import Analysis, Analyzer, resolve_threshold
from propscan.document import Document, Span
from propscan.errors import PropscanError
from propscan.server.errors import internal_error, model_not_ready, overloaded, queue_full

log = logging.getLogger("propscan.server")

Status = Literal["loading", "ready", "error", "stopped"]

_WARMUP_TEXT = "Warm-up. They are cowards, and everyone knows it. \"Act now,\" she said."


@dataclass(eq=False)
class _Job:
    kind: Literal["analyze", "classify"]
    doc: Document
    threshold: float | None = None
    techniques: tuple[str, ...] | None = None
    spans: Sequence[Span] = ()
    future: Future[Any] = field(default_factory=Future)


class InferenceQueue:
    """Holds the model and the worker threads that run every request's inference, off the event loop.

    Parameters
    ----------
    workers : int
        Worker threads (each runs one batch at a time).
    queue_size : int
        Jobs that may wait beyond the ones running.
    batch_size : int
        Most analyse jobs run through one :meth:`Analyzer.pipe` (one ``predict`` call) together.
    timeout : float
        Seconds a caller waits for its result.
    retry_after : int
        Seconds suggested to refused callers.
    max_chars : int
        Longest document text analysed (the server's ``max_text_chars``).
    """

    def __init__(
        self,
        *,
        workers: int = 1,
        queue_size: int = 16,
        batch_size: int = 8,
        timeout: float = 60.0,
        retry_after: int = 2,
        max_chars: int = defaults.MAX_CHARS,
    ) -> None:
        self.workers = workers
        self.capacity = workers + queue_size
        self.batch_size = batch_size
        self.timeout = timeout
        self.retry_after = retry_after
        self.max_chars = max_chars
        self.status: Status = "loading"
        self.error: str | None = None
        self.model: Any = None
        self.info: dict[str, Any] = {}
        self._q: _queue.Queue[_Job | None] = _queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0
        self._threads: list[threading.Thread] = []
        self.completed = 0
        self.batches = 0

    # ---- lifecycle --------------------------------------------------------------------------

    def load(self, spec: Any, *, warm_up: bool = True) -> None:
        """Load ``spec`` (model name, directory, model or Analyzer) and start the workers — blocking;
        errors go to ``status``. Display settings come with each request; an Analyzer gives only its model."""
        try:
            t0 = time.perf_counter()
            loader = spec if isinstance(spec, Analyzer) else Analyzer(spec)
            model = loader.model_
            if warm_up:
                self._warm_up(model)
            self.model = model
            self.info = loader.model_info
            self._start_workers()
            self.status = "ready"
            log.info("model %s ready in %.2f s", self.info.get("name"), time.perf_counter() - t0)
        except PropscanError as exc:
            self.status, self.error = "error", str(exc)
            log.error("could not load the model: %s", exc)
        except Exception as exc:  # noqa: BLE001 - reported through /healthz, never crash the server
            self.status, self.error = "error", f"{type(exc).__name__} while loading the model (see the server log)"
            log.exception("could not load the model")

    @staticmethod
    def _warm_up(model: Any) -> None:
        """One small analysis, so the first request does not pay for lazy initialisation."""
        t0 = time.perf_counter()
        Analyzer(model)(Document(_WARMUP_TEXT, id="warm-up"))
        log.info("model warmed up in %.2f s", time.perf_counter() - t0)

    def load_in_background(self, spec: Any, *, warm_up: bool = True) -> threading.Thread:
        """:meth:`load` in a daemon thread, so the server answers (503 ``model_not_ready``) while it loads."""
        t = threading.Thread(target=self.load, args=(spec,), kwargs={"warm_up": warm_up}, name="propscan-load", daemon=True)
        t.start()
        return t

    def _start_workers(self) -> None:
        if self._threads:
            return
        for i in range(self.workers):
            t = threading.Thread(target=self._worker, name=f"propscan-infer-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the workers (jobs still queued are cancelled)."""
        self.status = "stopped"
        while True:
            try:
                job = self._q.get_nowait()
            except _queue.Empty:
                break
            if job is not None:
                job.future.cancel()
        for _ in self._threads:
            self._q.put(None)
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    # ---- stats ------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Jobs accepted and not yet finished (running or waiting)."""
        return self._pending

    def stats(self) -> dict[str, Any]:
        """Queue figures for ``/api/v1/healthz``: pending, capacity, workers, completed, batches."""
        return {
            "pending": self._pending,
            "capacity": self.capacity,
            "workers": self.workers,
            "completed": self.completed,
            "batches": self.batches,
        }

    # ---- async API --------------------------------------------------------------------------

    async def analyze(
        self, doc: Document, *, threshold: float | None = None, techniques: Sequence[str] | None = None
    ) -> Analysis:
        """Analyse one document in a worker thread (may batch with other waiting requests).

        ``threshold=None`` shows spans at the model's recommended display threshold.
        """
        job = _Job("analyze", doc, threshold=threshold, techniques=tuple(techniques) if techniques else None)
        result: Analysis = await self._submit(job)
        return result

    async def classify(self, doc: Document, spans: Sequence[Span]) -> list[Span]:
        """Name the technique of given spans of ``doc`` in a worker thread."""
        result: list[Span] = await self._submit(_Job("classify", doc, spans=tuple(spans)))
        return result

    def _release(self, _fut: Future[Any]) -> None:
        with self._lock:
            self._pending -= 1
            self.completed += 1

    async def _submit(self, job: _Job) -> Any:
        if self.status != "ready":
            raise model_not_ready(self.retry_after, None if self.status == "loading" else (self.error or self.status))
        with self._lock:
            if self._pending >= self.capacity:
                raise queue_full(self.retry_after)
            self._pending += 1
        job.future.add_done_callback(self._release)
        self._q.put(job)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(job.future), self.timeout)
        except TimeoutError:
            raise overloaded(self.retry_after, self.timeout) from None
        except PropscanError:
            raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("inference failed for document %s", job.doc.id, exc_info=exc)
            raise internal_error() from None

    # ---- worker side ------------------------------------------------------------------------

    def _worker(self) -> None:
        while True:
            job = self._q.get()
            if job is None:
                return
            batch = [job]
            if job.kind == "analyze":
                while len(batch) < self.batch_size:
                    try:
                        nxt = self._q.get_nowait()
                    except _queue.Empty:
                        break
                    if nxt is None:  # keep the stop signal for after this batch
                        self._q.put(None)
                        break
                    batch.append(nxt)
            live = [j for j in batch if j.future.set_running_or_notify_cancel()]
            analyze = [j for j in live if j.kind == "analyze"]
            if analyze:
                self._run_analyze(analyze)
            for j in live:
                if j.kind == "classify":
                    self._run_classify(j)

    def _run_analyze(self, jobs: list[_Job]) -> None:
        self.batches += 1
        groups: dict[tuple[float, tuple[str, ...] | None], list[_Job]] = {}
        for job in jobs:  # None and the model's own threshold written out are one setting
            groups.setdefault((resolve_threshold(job.threshold, self.info), job.techniques), []).append(job)
        for (threshold, techniques), group in groups.items():
            self._analyze_together(group, threshold, techniques)

    def _analyze_together(self, jobs: list[_Job], threshold: float, techniques: tuple[str, ...] | None) -> None:
        """Run ``jobs`` through one :meth:`Analyzer.pipe`; each result or error goes to its request."""
        analyzer = Analyzer(self.model, threshold=threshold, techniques=techniques, max_chars=self.max_chars)
        done = 0
        try:
            for analysis, job in analyzer.pipe(((j.doc, j) for j in jobs), batch_size=len(jobs), as_tuples=True):
                job.future.set_result(analysis)
                done += 1
        except Exception as exc:  # noqa: BLE001 - delivered to the waiting request
            if len(jobs) == 1:
                jobs[0].future.set_exception(exc)
                return
            for job in jobs[done:]:  # one bad document must not fail its neighbours: the rest one by one
                self._analyze_together([job], threshold, techniques)

    def _run_classify(self, job: _Job) -> None:
        try:
            out = self.model.classify([job.doc], [list(job.spans)])[0]
        except Exception as exc:  # noqa: BLE001
            job.future.set_exception(exc)
        else:
            job.future.set_result([sp if sp.doc is job.doc else sp.attach(job.doc) for sp in out])
