"""How a corpus report groups articles (outlet, month, week, any metadata column) and names its metrics.

>>> metric_label("score")
'mean article score'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from propscan.errors import InputError

__all__ = ["GROUP_FIELDS", "UNKNOWN", "SCORE", "TIME_FIELDS", "group_labels", "order_groups", "metric_label"]

#: the fields a report can group by (``month``/``week`` come from ``published``)
GROUP_FIELDS = ("outlet", "month", "week", "year", "source", "title", "url", "doc_id", "published")
UNKNOWN = "(unknown)"
SCORE = "score"
#: grouping fields that are periods of time (the score-over-time chart then has a single line)
TIME_FIELDS = ("month", "week", "year")


def group_labels(articles: Any, by: str) -> Any:
    import pandas as pd

    if by == "year":
        col = articles["published"].map(lambda d: str(d.year) if d is not None and not pd.isna(d) else None)
    elif by == "source":
        col = articles["source"].map(lambda s: Path(str(s)).name if s else None)
    elif by in articles.columns:
        col = articles[by].map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))
    else:
        raise InputError(f"cannot group by {by!r}; use one of: {', '.join(GROUP_FIELDS)}.")
    return col.fillna(UNKNOWN).replace("", UNKNOWN)


def order_groups(labels: Any, by: str) -> list[str]:
    counts = labels.value_counts()
    if by in ("month", "week", "year", "published"):
        known = sorted(g for g in counts.index if g != UNKNOWN)
        return known + ([UNKNOWN] if UNKNOWN in counts.index else [])
    return sorted(counts.index, key=lambda g: (g == UNKNOWN, -int(counts[g]), str(g)))


def metric_label(metric: str) -> str:
    from propscan.techniques import display_name

    return "mean article score" if metric == SCORE else display_name(metric)
