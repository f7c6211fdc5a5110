"""Span tables as CSV or Parquet (one row per span, with the article id and text slice)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from propscan.analysis.analyzer import Analysis
from propscan.io.files import atomic_write

#: a cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'`` (OWASP CSV injection).

    >>> csv_safe("=SUM(A1:A9)"), csv_safe("-5"), csv_safe("plain"), csv_safe(-5)
    ("'=SUM(A1:A9)", "'-5", 'plain', -5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_safe_frame(df):  # type: ignore[no-untyped-def]
    """A copy of ``df`` whose text cells (and column names) are :func:`csv_safe`; numbers stay numbers."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str", "category"):
            out[col] = out[col].map(csv_safe, na_action="ignore")
    out.columns = [csv_safe(str(c)) for c in out.columns]
    return out


def span_frame(analyses: Sequence[Analysis]):  # type: ignore[no-untyped-def]
    import pandas as pd

    frames = [a.to_frame() for a in analyses]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_span_table(analyses: Sequence[Analysis], output: Path | None, fmt: str) -> None:
    """Write the span table to ``output`` atomically, or (CSV only) to stdout when ``output`` is None."""
    df = span_frame(analyses)
    with atomic_write(output, "wb") if output is not None else _stdout_bytes() as fh:
        if fmt == "csv":
            fh.write(csv_safe_frame(df).to_csv(index=False).encode("utf-8"))
        else:
            df.to_parquet(fh, index=False)


@contextmanager
def _stdout_bytes() -> Iterator[IO[bytes]]:
    """A binary handle on stdout (its buffer when it has one; else the bytes are decoded onto it)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        yield buffer
        buffer.flush()
        return
    tmp = io.BytesIO()
    yield tmp
    sys.stdout.write(tmp.getvalue().decode("utf-8"))
    sys.stdout.flush()
