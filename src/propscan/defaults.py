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

# ---------------------------------------------------------------- models
MODEL = "default"
"""The model name every entry point uses when none is given: the embedded transformer."""

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


# ---------------------------------------------------------------- training
SEED = 13
"""Seed of a new model (torch, numpy, scikit-learn) and of ``propscan train`` when none is given."""
