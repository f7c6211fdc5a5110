"""Report charts with matplotlib (Agg backend, no display, no network).

* :func:`technique_heatmap` — technique rate per 1,000 words, techniques × groups;
* :func:`score_over_time` — mean article score per period with its 95 % interval as a band;
* :func:`technique_profile` — technique rates with 95 % intervals as bars, one colour per group.

Each returns a matplotlib ``Figure``; :func:`to_png` / :func:`to_svg` / :func:`to_data_uri`
serialise it (the HTML report inlines PNGs as base64 data URIs).

>>> fig = technique_heatmap(["a", "b"], ["Doubt"], [[1.0, 2.0]])  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)

__all__ = ["technique_heatmap", "score_over_time", "technique_profile", "to_png", "to_svg", "to_data_uri", "save_png"]


def _plt() -> Any:
    import matplotlib.pyplot as plt

    return plt


def _short(name: str, n: int = 28) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def _display(technique: str) -> str:
    try:
        from ..techniques import get

        return str(get(technique).display)
    except Exception:  # noqa: BLE001 - unknown label: show it as is
        return technique.replace("_", " ")


def technique_heatmap(groups: Sequence[str], techniques: Sequence[str], rates: Any, *, title: str | None = None) -> Any:
    """Heatmap of ``rates[t][g]`` (techniques × groups), annotated with the values."""
    import numpy as np

    plt = _plt()
    data = np.asarray(rates, dtype=float).reshape(len(techniques), len(groups))
    fig, ax = plt.subplots(figsize=(max(7.5, 4.5 + 0.9 * len(groups)), max(3.0, 0.45 * len(techniques) + 1.4)),
                           layout="constrained")
    im = ax.imshow(np.nan_to_num(data), aspect="auto", cmap="Reds")
    ax.set_xticks(range(len(groups)), [_short(str(g), 18) for g in groups], rotation=35, ha="right")
    ax.set_yticks(range(len(techniques)), [_display(t) for t in techniques])
    vmax = np.nanmax(data) if np.isfinite(data).any() else 0.0
    if len(groups) * len(techniques) <= 400:
        for i in range(len(techniques)):
            for j in range(len(groups)):
                v = data[i, j]
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=7,
                            color="white" if vmax and v > 0.6 * vmax else "black")
    fig.colorbar(im, ax=ax, label="per 1,000 words")
    ax.set_title(title or "Technique rate per 1,000 words", fontsize=10)
    return fig


def score_over_time(periods: Sequence[str], value: Sequence[float], low: Sequence[float], high: Sequence[float],
                    *, title: str | None = None, counts: Sequence[int] | None = None) -> Any:
    """Mean article score per period, with the 95 % interval drawn as a band."""
    plt = _plt()
    x = list(range(len(periods)))
    fig, ax = plt.subplots(figsize=(max(5.0, 0.5 * len(periods) + 2), 3.4), layout="constrained")
    ax.fill_between(x, low, high, alpha=0.25, color="#c0392b", label="95 % bootstrap CI", linewidth=0)
    ax.plot(x, value, marker="o", color="#c0392b", label="mean article score")
    step = max(1, len(periods) // 16)
    ax.set_xticks(x[::step], [str(p) for p in periods][::step], rotation=35, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("article score")
    if counts is not None:
        for xi, (v, c) in enumerate(zip(value, counts, strict=True)):
            ax.annotate(f"n={c}", (xi, v), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=6)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title or "Article score over time")
    return fig


def technique_profile(techniques: Sequence[str], groups: Sequence[str], value: Any, low: Any, high: Any,
                      *, title: str | None = None) -> Any:
    """Horizontal bars: rate per 1,000 words per technique, one bar per group, 95 % error bars.

    ``value``/``low``/``high`` are (groups × techniques) arrays.
    """
    import numpy as np

    plt = _plt()
    v, lo, hi = (np.asarray(a, dtype=float).reshape(len(groups), len(techniques)) for a in (value, low, high))
    nt, ng = len(techniques), len(groups)
    height = 0.8 / max(ng, 1)
    fig, ax = plt.subplots(figsize=(7.5, max(3.0, 0.32 * nt * max(1, ng) ** 0.6 + 1.5)), layout="constrained")
    y = np.arange(nt)
    for gi, g in enumerate(groups):
        err = np.vstack([np.clip(v[gi] - lo[gi], 0, None), np.clip(hi[gi] - v[gi], 0, None)])
        ax.barh(y + (gi - (ng - 1) / 2) * height, np.nan_to_num(v[gi]), height=height, xerr=np.nan_to_num(err),
                label=_short(str(g), 24), capsize=2, error_kw={"elinewidth": 0.8})
    ax.set_yticks(y, [_display(t) for t in techniques])
    ax.invert_yaxis()
    ax.set_xlabel("rate per 1,000 words (95 % bootstrap CI)")
    if ng > 1:
        ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title or "Technique profile")
    return fig


def to_png(fig: Any, *, dpi: int = 110) -> bytes:
    """PNG bytes of ``fig`` (the figure is closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    _plt().close(fig)
    return buf.getvalue()


def to_svg(fig: Any) -> str:
    """SVG text of ``fig`` (the figure is closed)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    _plt().close(fig)
    return buf.getvalue()


def to_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for inlining a PNG in HTML."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def save_png(png: bytes, path: str | os.PathLike[str]) -> Path:
    """Write PNG bytes atomically (never a half-written file)."""
    from ..corpus_io import atomic_write

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(p, "wb") as fh:
        fh.write(png)
    from .report import _readable

    _readable(p)
    return p
