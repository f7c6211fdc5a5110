"""Corpus analytics: batch runs into a DuckDB store, group comparisons with bootstrap CIs, charts.

>>> from propscan.corpus import run_batch, make_report, export_parquet  # doctest: +SKIP
>>> run_batch(["articles/"], "corpus.duckdb", model="baseline", workers=2)  # doctest: +SKIP
>>> make_report("corpus.duckdb", by="outlet", fmt="html", output="report.html")  # doctest: +SKIP

Submodules are imported lazily so that ``import propscan.corpus`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_batch", "make_report", "export_parquet", "render_corpus_html"]


def __getattr__(name: str) -> Any:
    if name == "run_batch":
        from propscan.corpus.batch import run_batch

        return run_batch
    if name in ("make_report", "render_corpus_html"):
        from propscan.corpus import report

        return getattr(report, name)
    if name == "export_parquet":
        from propscan.corpus.store import export_parquet

        return export_parquet
    raise AttributeError(f"module 'propscan.corpus' has no attribute {name!r}")
