"""What a batch worker (a process of the local engine, or a Ray actor) does, and which model it uses.

* :class:`ModelKey` / :func:`model_version_of` — the model a run uses and the version string the
  store keys on (no weights loaded);
* :func:`analyze_docs` — analyse document payloads, isolating a failing document;
* :func:`result_to_record` — one result as a store record (in the parent, the single writer);
* process set-up — :func:`die_with_parent`, :func:`pin_threads`, the pool initialiser.

>>> model_version_of("baseline").version  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from propscan import defaults
from propscan.corpus import store as st
from propscan.errors import PropscanError

#: a worker pool (local processes or Ray actors) that dies this many times in one run stops the run
MAX_POOL_RESTARTS = 3

STORE_THRESHOLD = defaults.STORE_THRESHOLD  # re-exported: the corpus layer's name for it

__all__ = ["ModelKey", "model_version_of", "analyze_docs", "result_to_record", "die_with_parent", "pin_threads",
           "default_threads", "init_worker", "work", "doc_payload", "one_line"]


# ---- model identity -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelKey:
    """Which model a run uses: its directory, name, and the version string the store keys on."""

    directory: Path
    name: str
    version: str
    threshold: float
    spec: str = defaults.MODEL


def model_version_of(model: str = defaults.MODEL, *, threshold: float = STORE_THRESHOLD) -> ModelKey:
    """Resolve ``model`` to a directory and a store key, without loading any weights.

    The key is ``<config version>+<12 hex of sha256 over the model's whole config.json>`` (which holds
    the sha256 of every weight file, the decoding thresholds and the calibration) plus
    ``@<threshold>`` when a threshold is set (spans under the threshold are not stored, so two
    thresholds are two analyses). Retraining or re-calibrating a model changes its key.

    >>> model_version_of("baseline").version  # doctest: +SKIP
    'baseline-1+4d1c0e...'
    """
    from propscan.models.loading import read_config, resolve_model_dir

    d = resolve_model_dir(model)
    cfg = read_config(d, verify=False)
    digest = hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest()[:12]
    version = f"{cfg.get('version') or cfg.get('model_type') or d.name}+{digest}"
    if threshold:
        version += f"@{threshold:g}"
    return ModelKey(d.resolve(), str(cfg.get("model_type") or d.name), version, float(threshold), str(model))


# ---- the work (runs in workers and Ray actors) --------------------------------------------------


def doc_payload(doc: Any, source: str) -> dict[str, Any]:
    return {
        "content_hash": doc.hash,
        "doc_id": doc.id,
        "text": doc.text,
        "title": doc.title,
        "outlet": doc.outlet,
        "url": doc.url,
        "published": doc.published.isoformat() if doc.published else None,
        "source": source,
    }


def one_line(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {msg}" if not isinstance(exc, PropscanError) else msg


def analyze_docs(analyzer: Any, docs: Sequence[dict[str, Any]], *, batch_size: int = 8) -> list[dict[str, Any]]:
    """Analyse document payloads; returns each payload plus ``ok, score, n_words, spans, error``.

    Documents go through :meth:`~propscan.analysis.analyzer.Analyzer.pipe` with their payload as
    context. A batch that fails is retried one document at a time, so one bad document fails alone.
    ``spans`` is a list of ``[start, end, technique, score, voice, speaker, cue]``.
    """
    from propscan.document import Document

    out: list[dict[str, Any]] = []
    name = None
    step = max(1, batch_size)
    for i in range(0, len(docs), step):
        chunk = docs[i : i + step]
        try:
            name = analyzer.model_info.get("name")
            pairs = [(Document(p["text"], id=p["doc_id"]), p) for p in chunk]
            done = list(analyzer.pipe(pairs, batch_size=len(pairs), as_tuples=True))  # all or none of the chunk
            out.extend(_ok(p, a, name) for a, p in done)
        except Exception:  # noqa: BLE001 - isolate the bad document(s)
            for p in chunk:
                try:
                    out.append(_ok(p, analyzer(Document(p["text"], id=p["doc_id"])), name))
                except Exception as exc:  # noqa: BLE001 - recorded as a failure, the run goes on
                    out.append({**p, "ok": False, "score": None, "n_words": None, "spans": [], "error": one_line(exc),
                                "model_name": name})
    return out


def _ok(payload: dict[str, Any], analysis: Any, model_name: str | None) -> dict[str, Any]:
    """One analysed payload as the worker sends it back (plain values: it crosses processes)."""
    from propscan.analysis.scores import count_words

    return {
        **payload,
        "ok": True,
        "score": float(analysis.score),
        "n_words": count_words(payload["text"]),
        "spans": [[s.start, s.end, s.technique, float(s.score), s.voice, s.speaker, s.cue] for s in analysis.spans],
        "error": None,
        "model_name": model_name,
    }


def result_to_record(result: dict[str, Any], key: ModelKey) -> st.AnalysisRecord:
    """Turn one :func:`analyze_docs` result (ok) into a store record."""
    published = result.get("published")
    if isinstance(published, str):
        published = _dt.date.fromisoformat(published[:10])
    return st.AnalysisRecord(
        content_hash=result["content_hash"],
        model_version=key.version,
        doc_id=result["doc_id"],
        text=result["text"],
        score=float(result["score"]),
        n_words=int(result["n_words"]),
        spans=tuple(st.SpanRow(int(s[0]), int(s[1]), s[2], float(s[3]), s[4], s[5], s[6]) for s in result["spans"]),
        title=result.get("title"),
        outlet=result.get("outlet"),
        url=result.get("url"),
        published=published,
        source=result.get("source"),
        model_name=result.get("model_name") or key.name,
        threshold=key.threshold,
    )


_ANALYZER: Any = None
_BATCH_SIZE = 8


def die_with_parent(parent_pid: int, *, poll: float = 0.5) -> None:
    """Make this (worker) process exit when its parent dies, even by SIGKILL.

    On Linux the kernel sends SIGKILL when the parent goes (``prctl(PR_SET_PDEATHSIG)``); everywhere
    a daemon thread also checks every ``poll`` seconds that the parent is still the parent. Without
    this, a ``kill -9`` of ``propscan batch`` leaves its workers (model loaded, still computing) and,
    through them, multiprocessing's resource tracker running under PID 1.
    """
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc/prctl: the watchdog still works
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="propscan-parent-watch", daemon=True).start()


def pin_threads(threads: int) -> int:
    """Limit this process to ``threads`` compute threads (torch intra-op, OpenMP/MKL); returns it.

    Called in a worker before the model is loaded, so that N workers on N cores do not each start
    one thread per core and fight over them. The environment variables cover native libraries
    that read them when first loaded; torch is set directly.
    """
    threads = max(1, int(threads))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    try:
        import torch
    except ImportError:  # pragma: no cover - the baseline model needs no torch
        return threads
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:  # already set, or parallel work already started in this process
        pass
    return threads


def default_threads(workers: int) -> int:
    """Torch threads per worker when not given: all cores for one worker, else one per worker."""
    return max(1, os.cpu_count() or 1) if workers <= 1 else 1


def init_worker(model_dir: str, threshold: float, batch_size: int, threads: int, parent_pid: int | None = None) -> None:
    """Worker initialiser: die with the parent, pin ``threads`` torch threads, load the model ONCE.

    Usage: ``ProcessPoolExecutor(initializer=init_worker, initargs=(model_dir, 0.0, 8, 1, os.getpid()))``.
    """
    global _ANALYZER, _BATCH_SIZE
    if parent_pid is not None:
        die_with_parent(parent_pid)
    defaults.set_offline_env()
    pin_threads(threads)  # before the model loads: torch only ever lowers it afterwards
    from propscan.analysis.analyzer import Analyzer

    _ANALYZER = Analyzer(model=model_dir, threshold=threshold)
    _ = _ANALYZER.model_  # load now, not on the first batch
    _BATCH_SIZE = batch_size


def work(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return analyze_docs(_ANALYZER, docs, batch_size=_BATCH_SIZE)
