"""Reading a batch run's inputs: every good document of every input, the bad ones reported, never fatal.

>>> for source, doc in iter_documents(["articles/"], "text", on_error=print):  # doctest: +SKIP
...     ...
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from propscan.errors import PropscanError

__all__ = ["iter_documents", "estimate_total", "chunks"]


def iter_documents(
    inputs: Sequence[str],
    text_column: str,
    on_error: Callable[..., None],
    on_start: Callable[[str], None] | None = None,
) -> Iterator[tuple[str, Any]]:
    """(source, Document) for every good document of every input.

    A bad file of a folder, a bad row of a JSONL/CSV file, or a bad input is reported with
    ``on_error(source, error, location=...)`` and skipped; reading goes on with the next one.
    ``on_start(source)`` is called before each input is read.
    """
    from propscan.io.ingest import load_inputs

    for item in inputs:
        raw = os.fspath(item)
        if on_start is not None:
            on_start(raw)

        def report(where: str, exc: BaseException, raw: str = raw) -> None:
            on_error(raw, exc, location=where if where != raw else None)

        try:
            for doc in load_inputs([raw], text_column=text_column, on_error=report):
                yield raw, doc
        except PropscanError as exc:
            on_error(raw, exc)
        except (OSError, ValueError) as exc:
            on_error(raw, exc)


def estimate_total(inputs: Sequence[str]) -> int | None:
    """Documents expected (for the progress bar's ETA); ``None`` when it cannot be told cheaply."""
    from propscan.io.ingest import HTML_SUFFIXES, TEXT_SUFFIXES, is_url

    total = 0
    try:
        for raw in map(os.fspath, inputs):
            p = Path(raw)
            if raw == "-" or is_url(raw):
                total += 1
            elif p.is_dir():
                total += sum(1 for f in p.iterdir() if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES)
            elif p.suffix.lower() == ".jsonl":
                with p.open("rb") as fh:
                    total += sum(1 for line in fh if line.strip())
            elif p.suffix.lower() == ".csv":
                return None  # rows may span lines
            else:
                total += 1
    except OSError:
        return None
    return total


def chunks(it: Iterator[Any], n: int) -> Iterator[list[Any]]:
    """Lists of up to ``n`` items of ``it``, in order."""
    chunk: list[Any] = []
    for x in it:
        chunk.append(x)
        if len(chunk) >= n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
