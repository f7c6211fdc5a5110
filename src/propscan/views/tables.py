"""Span tables as CSV or Parquet (one row per span, with the article id and text slice)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..analysis import Analysis
from ..corpus_io import atomic_write


def span_frame(analyses: Sequence[Analysis]):  # type: ignore[no-untyped-def]
    import pandas as pd

    frames = [a.to_frame() for a in analyses]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_span_table(analyses: Sequence[Analysis], output: Path, fmt: str) -> None:
    df = span_frame(analyses)
    with atomic_write(output, "wb") as fh:
        if fmt == "csv":
            fh.write(df.to_csv(index=False).encode("utf-8"))
        else:
            df.to_parquet(fh, index=False)
