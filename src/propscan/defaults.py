"""Every default and environment setting propscan has, in one place; every layer reads them from here.

>>> from propscan import defaults
>>> defaults.MODEL
'default'

A user changes behaviour through arguments (CLI options, ``Analyzer(...)`` keywords, server
settings), never by editing this module; it exists so that a default is written once and the
CLI, the Python API, the server and the corpus engines cannot drift apart.
"""

from __future__ import annotations

import os
from pathlib import Path

# ---------------------------------------------------------------- models
MODEL = "default"
"""The model name every entry point uses when none is given: the embedded transformer."""

BATCH_MODEL = "fast"
"""The model ``propscan batch`` (and :func:`propscan.corpus.batch.run_batch`) uses when none is given:
the default ensemble's first member served alone, about twice the throughput (falls back to
:data:`MODEL` where no fast model is installed)."""

INFERENCE_STRIDE = 112
"""Token step between the 254-token windows a shipped tagger reads at inference (it trained at 224).
Chosen on the tune split by a rule fixed beforehand (``benchmarks/inference_stride.py``): every
token is seen by two or three windows, with context on both sides; tune SI F1 +0.018 for the
ensemble, +0.009 for its first member alone."""

ENCODER = "default"
"""The base encoder of a new transformer model: the installed, hash-checked all-MiniLM-L6-v2."""

THRESHOLD: float | None = None
"""Display threshold when none is given: ``None`` means the model's own recommended threshold
(``display_threshold`` in its config, chosen on the tune split). SemEval formats use the model's
F1-optimal decoding instead."""

STORE_THRESHOLD = 0.0
"""Confidence from which a corpus run (``propscan batch``) stores spans when none is given: 0 keeps every
candidate so a report can filter later. Unlike :data:`THRESHOLD` it is part of the store key; article
scores never depend on it."""

# ---------------------------------------------------------------- input limits
MAX_CHARS = 2_000_000
"""Longest document accepted from files, JSONL/CSV rows and stdin, in characters."""

MAX_FILE_BYTES = 10_000_000
"""A .txt/.html file larger than this is refused before it is read."""

FETCH_MAX_BYTES = 5_000_000
"""Largest decoded body the URL fetcher reads."""

FETCH_TIMEOUT_S = 10.0
"""Whole-request deadline of the URL fetcher, DNS included."""

FETCH_MAX_REDIRECTS = 5
"""Redirects the URL fetcher follows (each hop checked again)."""

# ---------------------------------------------------------------- threads and offline use
THREADS = 2
"""Torch threads of one process when nothing else is said (``PROPSCAN_THREADS`` overrides for training)."""

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",  # never reach the Hugging Face hub: weights are installed and hash-checked
    "TRANSFORMERS_OFFLINE": "1",  # the same for transformers' own look-ups
    "TOKENIZERS_PARALLELISM": "false",  # the Rust tokenizer's threads would fight torch's and warn after fork
}


def set_offline_env() -> None:
    """Set the offline variables unless the user set them (CLI start-up and every worker process).

    >>> set_offline_env(); os.environ["TRANSFORMERS_OFFLINE"]
    '1'
    """
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)


def training_threads() -> int:
    """Torch threads for training: ``PROPSCAN_THREADS`` or :data:`THREADS`.

    >>> training_threads() >= 1
    True
    """
    return max(1, int(os.environ.get("PROPSCAN_THREADS", str(THREADS))))


# ---------------------------------------------------------------- inference backend
BACKEND = "torch"
"""How a loaded transformer runs its encoder when ``PROPSCAN_BACKEND`` is unset (:func:`inference_backend`).

torch: on a quiet 2-core CPU ONNX Runtime ran the default encoder only 1.10-1.19x faster (MPNet 1.08x),
below the 1.3x adoption bar, and costs memory and a first-load export (``benchmarks/bench_onnx.py``,
``benchmarks/results/onnx.json``). Under CPU contention it measured 1.7-2.2x, hence the opt-in."""

BACKENDS = ("auto", "torch", "onnx")
"""``torch``: always torch (the default); ``auto``: ONNX Runtime for plain BERT-family encoders (MiniBert,
no adapters) when the ``onnx`` extra is installed, torch otherwise; ``onnx``: ONNX Runtime for every
encoder (an error when onnxruntime or onnx is missing). Whatever the choice, an ONNX graph whose states
differ from torch's by more than 1e-4 on a probe batch is dropped (with a warning) and torch runs."""


def inference_backend() -> str:
    """The encoder backend of a model loaded for inference: ``PROPSCAN_BACKEND`` or :data:`BACKEND`.

    >>> inference_backend() in BACKENDS
    True
    """
    value = os.environ.get("PROPSCAN_BACKEND", "").strip().lower() or BACKEND
    if value not in BACKENDS:
        raise ValueError(f"PROPSCAN_BACKEND must be one of {', '.join(BACKENDS)}; got {value!r}.")
    return value


def cache_dir() -> Path:
    """Where propscan keeps files it can rebuild (the ONNX graphs of encoders, under ``onnx/``).

    ``PROPSCAN_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/propscan``, else ``~/.cache/propscan``.

    >>> cache_dir().name == "propscan" or bool(os.environ.get("PROPSCAN_CACHE_DIR"))
    True
    """
    if env := os.environ.get("PROPSCAN_CACHE_DIR"):
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"  # XDG: relative paths are ignored
    return base / "propscan"


# ---------------------------------------------------------------- training
SEED = 13
"""Seed of a new model (torch, numpy, scikit-learn) and of ``propscan train`` when none is given."""
