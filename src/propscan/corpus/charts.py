"""Report charts with matplotlib (Agg backend, no display, no network).

* :func:`technique_heatmap` — technique rate per 1,000 words, techniques × groups;
* :func:`score_lines` — mean article score per period, one line per group, each with its 95 %
  interval as a band (:func:`score_over_time` is the one-line case);
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

__all__ = ["technique_heatmap", "score_lines", "score_over_time", "technique_profile", "to_png", "to_svg", "to_data_uri", "save_png"]


def _plt() -> Any:
    import matplotlib.pyplot as plt

    return plt


def _short(name: str, n: int = 28) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def _display(technique: str) -> str:
    from propscan.techniques import display_name

    return display_name(technique)


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


#: colour of a single series (and of the first of several)
_SINGLE_COLOR = "#c0392b"
#: half-width of the band drawn around a lone point (a band over one x would have no width)
_LONE_HALF_WIDTH = 0.18


def _band(ax: Any, x: Any, low: Any, high: Any, color: Any) -> bool:
    """Shade ``low``..``high`` over ``x`` as a band, run by run (gaps where the interval is unknown).

    A run of one point gets a short band around it, so a single period or group still shows its
    interval. Returns True when some band of positive height was drawn.
    """
    import numpy as np

    xs, lo, hi = (np.asarray(a, dtype=float) for a in (x, low, high))
    ok = np.isfinite(lo) & np.isfinite(hi)
    drawn = False
    i = 0
    while i < len(xs):
        if not ok[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(xs) and ok[j + 1]:
            j += 1
        rx, rlo, rhi = xs[i : j + 1], lo[i : j + 1], hi[i : j + 1]
        if len(rx) == 1:
            rx = np.array([rx[0] - _LONE_HALF_WIDTH, rx[0] + _LONE_HALF_WIDTH])
            rlo, rhi = np.repeat(rlo, 2), np.repeat(rhi, 2)
        ax.fill_between(rx, rlo, rhi, alpha=0.22, color=color, linewidth=0)
        drawn = drawn or bool(np.any(rhi > rlo))
        i = j + 1
    return drawn


def score_lines(periods: Sequence[str], series: Sequence[tuple[str, Sequence[float], Sequence[float], Sequence[float]]],
                *, title: str | None = None, counts: Sequence[int] | None = None) -> Any:
    """Mean article score per period, one line per group, each with its 95 % interval as a band.

    ``series`` holds ``(label, value, low, high)`` per group, each aligned with ``periods``
    (NaN where a group has no article in a period). ``counts`` (one series only) annotates the
    points with their number of articles. The legend names every line and, only when a band was
    actually drawn, the shaded 95 % bootstrap interval.
    """
    import numpy as np
    from matplotlib.patches import Patch

    plt = _plt()
    x = np.arange(len(periods), dtype=float)
    fig, ax = plt.subplots(figsize=(max(5.0 if len(series) <= 1 else 7.0, 0.5 * len(periods) + 2),
                                    3.4 if len(series) <= 1 else 4.0), layout="constrained")
    colors = [_SINGLE_COLOR] if len(series) <= 1 else [plt.get_cmap("tab10")(i % 10) for i in range(len(series))]
    handles = []
    any_band = False
    for (label, value, low, high), color in zip(series, colors, strict=False):
        any_band = _band(ax, x, low, high, color) or any_band
        (line,) = ax.plot(x, np.asarray(value, dtype=float), marker="o", color=color, label=_short(str(label), 24))
        handles.append(line)
    if any_band:
        handles.append(Patch(facecolor=colors[0] if len(series) == 1 else "#888888", alpha=0.3,
                             label="shaded: 95 % bootstrap CI"))
    step = max(1, len(periods) // 16)
    ax.set_xlim(-0.6, max(len(periods), 1) - 0.4)
    ax.set_xticks(x[::step], [str(p) for p in periods][::step], rotation=35, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("article score")
    if counts is not None and len(series) == 1:
        for xi, (v, c) in enumerate(zip(series[0][1], counts, strict=True)):
            if not np.isfinite(v):
                continue
            ax.annotate(f"n={c}", (xi, v), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=6)
    ax.legend(handles=handles, loc="upper left", fontsize=7 if len(series) > 3 else 8,
              ncols=1 if len(handles) <= 4 else 2)
    ax.set_title(title or "Article score over time", fontsize=10)
    return fig


def score_over_time(periods: Sequence[str], value: Sequence[float], low: Sequence[float], high: Sequence[float],
                    *, title: str | None = None, counts: Sequence[int] | None = None,
                    label: str = "mean article score") -> Any:
    """Mean article score per period (one series), with the 95 % interval drawn as a band.

    A lone point gets a short band too; see :func:`score_lines` for one line per group.
    """
    return score_lines(periods, [(label, value, low, high)], title=title, counts=counts)


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
    from propscan.io.files import atomic_write

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(p, "wb") as fh:
        fh.write(png)
    return p
