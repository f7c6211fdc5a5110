"""Compare groups of a corpus store (outlets, months, weeks, any metadata column).

Per group: number of articles, mean article score and the rate of each technique per 1,000
words, each with a 95 % bootstrap interval over articles (resampled within the group, seeded);
and, for every pair of groups and every metric, the bootstrap interval of the difference and a
flag when the difference is beyond noise after a **Holm** correction across the pairs (see
:mod:`propscan.corpus.stats`). Formats: a Rich table, CSV, a self-contained HTML page (charts
inlined as base64 PNG, no network) and PNG charts.

In the HTML page every number of a group links to the passages behind it (:class:`PassageCell`:
the most confident spans of that technique in that group's articles, with context), listed in
anchored sections of the page itself; the web app links the same numbers to a page that queries
the store (:func:`cell_passages`). HTML is rendered by autoescaped Jinja2 templates
(``templates/corpus_*.html.j2``), so every article string is escaped.

>>> report = make_report("corpus.duckdb", by="outlet", fmt="html", output="report.html")  # doctest: +SKIP
>>> report.groups.head()  # doctest: +SKIP
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from propscan.corpus import store as st
from propscan.corpus.groups import GROUP_FIELDS, SCORE, TIME_FIELDS, UNKNOWN, group_labels, metric_label, order_groups
from propscan.corpus.passages import PASSAGES_PER_CELL, PassageCell, cell_passages, render_passages, report_passages
from propscan.corpus.stats import N_BOOT, RatioBootstrap, bootstrap_ratio, compare_groups
from propscan.errors import InputError
from propscan.views.html import csp_policy, report_css, template_env

log = logging.getLogger("propscan.corpus")

__all__ = ["Report", "build_report", "make_report", "render_corpus_html", "GROUP_FIELDS", "PassageCell",
           "report_passages", "cell_passages", "render_passages"]

#: heatmap/profile charts show at most this many groups (largest first) and techniques
MAX_CHART_GROUPS = 30
MAX_PROFILE_GROUPS = 6
#: the timeline's group when the report is grouped by time (one pooled line)
ALL_ARTICLES = "all articles"


@dataclass
class Report:
    """A computed group comparison.

    Attributes
    ----------
    by : str
        The grouping field.
    model_version : str
    groups : pandas.DataFrame
        Long format, one row per group and metric: group, metric (``score`` or a technique),
        kind (``mean_article_score`` / ``rate_per_1000_words``), n_articles, n_words, value,
        ci_low, ci_high.
    differences : pandas.DataFrame
        metric, group_a, group_b, diff (a − b), ci_low, ci_high, p, p_holm, flag.
    techniques : list of str
    timeline : pandas.DataFrame or None
        group, period, n_articles, value, ci_low, ci_high of the mean score per group and month
        (one row per group and month that has articles). When ``by`` is a time field the
        periods are the groups and ``group`` is ``"all articles"``. ``None`` without
        publication dates.
    files : list of Path
        Files written by :func:`make_report`.
    notes : list of str
        Caveats a reader must see (e.g. no document has the grouping field); shown in the
        table and HTML reports and logged as warnings.
    members : pandas.DataFrame or None
        content_hash, doc_id, group of every article: which articles (and so which spans) are
        behind each group's numbers (:func:`report_passages`).
    """

    by: str
    model_version: str
    groups: Any
    differences: Any
    techniques: list[str]
    timeline: Any = None
    n_boot: int = N_BOOT
    seed: int = 0
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    members: Any = None

    @property
    def group_names(self) -> list[str]:
        return list(dict.fromkeys(self.groups["group"]))

    def wide(self) -> Any:
        """One row per group: n_articles, score, score_low, score_high, then one column per technique rate."""
        g = self.groups
        out = g[g.metric == SCORE][["group", "n_articles", "n_words", "value", "ci_low", "ci_high"]].rename(
            columns={"value": "score", "ci_low": "score_low", "ci_high": "score_high"}).set_index("group")
        for t in self.techniques:
            out[t] = g[g.metric == t].set_index("group")["value"]
        return out.reset_index()

    def flagged(self) -> Any:
        """The pairs flagged as different beyond noise."""
        return self.differences[self.differences.flag].reset_index(drop=True)


# ---- computing ----------------------------------------------------------------------------------


def _matrices(articles: Any, tech: Any, techniques: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per article: numerators and denominators of [score, rate(t) for t in techniques]."""
    n = len(articles)
    m = 1 + len(techniques)
    num = np.zeros((n, m))
    den = np.zeros((n, m))
    num[:, 0] = articles["score"].to_numpy(dtype=float)
    den[:, 0] = 1.0
    words = articles["n_words"].to_numpy(dtype=float)
    den[:, 1:] = words[:, None] / 1000.0
    if len(techniques) and len(tech):
        pivot = tech.pivot_table(index="content_hash", columns="technique", values="expected", aggfunc="sum", fill_value=0.0)
        pivot = pivot.reindex(columns=list(techniques), fill_value=0.0)
        num[:, 1:] = pivot.reindex(articles["content_hash"]).fillna(0.0).to_numpy(dtype=float)
    return num, den


def build_report(
    store: str | os.PathLike[str],
    *,
    by: str = "outlet",
    techniques: Sequence[str] | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
    model_version: str | None = None,
    alpha: float = 0.05,
    min_n: int = 5,
) -> Report:
    """Compute a :class:`Report` from a store (no output written). See :func:`make_report`."""
    import pandas as pd

    if n_boot < 100:
        raise InputError(f"n_boot must be at least 100 for a 95 % interval; got {n_boot}.")
    con = st.connect(store, read_only=True)
    try:
        mv = model_version or st.default_model_version(con)
        articles = st.article_frame(con, mv)
        tech = st.technique_frame(con, mv)
    finally:
        con.close()
    if articles.empty:
        raise InputError(f"{store}: no analyses by model version {mv!r}.")
    if techniques is None:
        totals = tech.groupby("technique")["expected"].sum().sort_values(ascending=False) if len(tech) else pd.Series(dtype=float)
        techniques = [str(t) for t in totals.index]
    else:  # SemEval names, ids or display names, any case or separator
        from propscan.techniques import resolve_names

        techniques = resolve_names(techniques) or []
    labels = group_labels(articles, by)
    order = order_groups(labels, by)
    notes = _grouping_notes(labels, order, by)
    for note in notes:
        log.warning("warning: %s", note)
    num, den = _matrices(articles, tech, techniques)
    metrics = [SCORE, *techniques]
    rng = np.random.default_rng(seed)
    estimates: dict[str, RatioBootstrap] = {}
    rows: list[dict[str, Any]] = []
    lab = labels.to_numpy()
    words = articles["n_words"].to_numpy()
    for g in order:
        idx = np.flatnonzero(lab == g)
        est = bootstrap_ratio(num[idx], den[idx], n_boot=n_boot, seed=rng)
        estimates[g] = est
        for j, metric in enumerate(metrics):
            rows.append({
                "group": g, "metric": metric,
                "kind": "mean_article_score" if j == 0 else "rate_per_1000_words",
                "n_articles": int(idx.size), "n_words": int(words[idx].sum()),
                "value": float(est.value[j]), "ci_low": float(est.low[j]), "ci_high": float(est.high[j]),
            })
    groups = pd.DataFrame(rows, columns=["group", "metric", "kind", "n_articles", "n_words", "value", "ci_low", "ci_high"])
    comps = compare_groups(estimates, metrics, alpha=alpha, min_n=min_n)
    diffs = pd.DataFrame([c.to_dict() for c in comps],
                         columns=["metric", "group_a", "group_b", "diff", "low", "high", "p", "p_holm", "flag"])
    diffs = diffs.rename(columns={"low": "ci_low", "high": "ci_high"})
    timeline = _timeline(articles, labels, order, by, num, den, n_boot, seed)
    members = pd.DataFrame({"content_hash": articles["content_hash"].astype(str), "doc_id": articles["doc_id"].astype(str),
                            "group": labels.astype(str)})
    return Report(by, mv, groups, diffs, list(techniques), timeline, n_boot, seed, notes=notes, members=members)


def _grouping_notes(labels: Any, order: list[str], by: str) -> list[str]:
    """Say so when the grouping cannot compare anything (no document has the field, or one group)."""
    n = len(labels)
    missing = int((labels == UNKNOWN).sum())
    what = "publication date" if by in (*TIME_FIELDS, "published") else f"value for {by!r}"
    if missing == n:
        hint = ("give the documents a 'published' date" if by in (*TIME_FIELDS, "published") else
                f"give the input documents an '{by}' field (a JSONL key or CSV column) and run propscan batch again")
        return [f"no document has a {what}: all {n:,} articles fall in the one group {UNKNOWN}, so there are no "
                f"groups to compare; {hint}, or group by another field (--by month, week, year or source)."]
    notes = []
    if missing:
        notes.append(f"{missing:,} of {n:,} articles have no {what}; they form the group {UNKNOWN}.")
    if len(order) == 1:
        notes.append(f"all {n:,} articles have the same {by} ({order[0]}): there are no groups to compare.")
    return notes


def _timeline(articles: Any, labels: Any, order: list[str], by: str, num: np.ndarray, den: np.ndarray,
              n_boot: int, seed: int) -> Any:
    """Mean score per month (per ``by`` period) and group, with bootstrap intervals."""
    import pandas as pd

    if by in TIME_FIELDS:
        periods = labels
        series = [(ALL_ARTICLES, np.ones(len(labels), dtype=bool))]
    else:
        periods = articles["month"].fillna(UNKNOWN)
        lab = labels.to_numpy()
        series = [(g, lab == g) for g in order]
    known = sorted(p for p in set(periods) if p != UNKNOWN)
    if not known:
        return None
    rng = np.random.default_rng(seed + 1)
    arr = periods.to_numpy()
    rows = []
    for g, mask in series:
        for p in known:
            idx = np.flatnonzero(mask & (arr == p))
            if idx.size == 0:
                continue
            est = bootstrap_ratio(num[idx, :1], den[idx, :1], n_boot=n_boot, seed=rng)
            rows.append({"group": g, "period": p, "n_articles": int(idx.size), "value": float(est.value[0]),
                         "ci_low": float(est.low[0]), "ci_high": float(est.high[0])})
    return pd.DataFrame(rows, columns=["group", "period", "n_articles", "value", "ci_low", "ci_high"])


# ---- charts -------------------------------------------------------------------------------------


def _chart_pngs(report: Report) -> dict[str, bytes]:
    """PNG bytes of every chart, by name; the first is the main chart (see :data:`MAIN_CHARTS`)."""
    from propscan.corpus import charts

    return {name: charts.to_png(fig) for name, fig in _chart_figures(report).items()}


#: which chart ``report -f png -o file.png`` writes: the first of these the report has
MAIN_CHARTS = ("heatmap", "score_over_time", "score_by_group", "profile")


def _chart_figures(report: Report) -> dict[str, Any]:
    """The report's matplotlib figures, by name, main chart first (callers close them)."""
    from propscan.corpus import charts

    out: dict[str, Any] = {}
    g = report.groups
    names = report.group_names
    n_by_group = g[g.metric == SCORE].set_index("group")["n_articles"]
    chart_groups = sorted(names, key=lambda x: -int(n_by_group[x]))[:MAX_CHART_GROUPS]
    chart_groups = [x for x in names if x in chart_groups]  # keep report order (chronological for time)
    techs = report.techniques
    if techs:
        val = g[g.metric != SCORE].pivot(index="metric", columns="group", values="value").reindex(index=techs, columns=chart_groups)
        out["heatmap"] = charts.technique_heatmap(chart_groups, techs, val.to_numpy(),
                                                  title=f"Technique rate per 1,000 words by {report.by}")
        prof_groups = chart_groups[:MAX_PROFILE_GROUPS]
        piv = {k: g[g.metric != SCORE].pivot(index="group", columns="metric", values=k).reindex(index=prof_groups, columns=techs)
               for k in ("value", "ci_low", "ci_high")}
        out["profile"] = charts.technique_profile(techs, prof_groups, piv["value"].to_numpy(),
                                                  piv["ci_low"].to_numpy(), piv["ci_high"].to_numpy(),
                                                  title=f"Technique profile by {report.by}")
    tl = report.timeline
    if tl is not None and len(tl):
        out["score_over_time"] = _score_over_time_figure(report, tl, [str(x) for x in names], n_by_group)
    else:  # no dates: the score by group, same band style, so a score chart is always there
        s = g[g.metric == SCORE].set_index("group").reindex(chart_groups)
        out["score_by_group"] = charts.score_over_time(
            chart_groups, s["value"], s["ci_low"], s["ci_high"], counts=list(s["n_articles"]),
            title=f"Mean article score by {report.by} (no publication dates)")
    return {k: out[k] for k in sorted(out, key=lambda k: MAIN_CHARTS.index(k) if k in MAIN_CHARTS else len(MAIN_CHARTS))}


def _score_over_time_figure(report: Report, tl: Any, names: list[str], n_by_group: Any) -> Any:
    """One line per group (the largest :data:`MAX_PROFILE_GROUPS`), each with its 95 % band."""
    from propscan.corpus import charts

    periods = sorted(set(tl["period"]))
    in_timeline = list(dict.fromkeys(tl["group"]))
    if report.by in TIME_FIELDS:
        shown = in_timeline
    else:
        largest = sorted(in_timeline, key=lambda x: -int(n_by_group.get(x, 0)))[:MAX_PROFILE_GROUPS]
        shown = [x for x in names if x in largest]
    series = []
    for grp in shown:
        rows = tl[tl["group"] == grp].set_index("period").reindex(periods)
        series.append((str(grp) if len(shown) > 1 else "mean article score",
                       rows["value"].to_numpy(), rows["ci_low"].to_numpy(), rows["ci_high"].to_numpy()))
    counts = None
    if len(series) == 1:
        counts = [int(c) if c == c else 0 for c in tl[tl["group"] == shown[0]].set_index("period").reindex(periods)["n_articles"]]
    title = "Mean article score over time" + (f" (by {report.by})" if report.by in ("week", "year") else " (by month)")
    if report.by not in TIME_FIELDS:
        title += f", one line per {report.by}"
        if len(shown) < len(in_timeline):
            title += f" ({len(shown)} largest of {len(in_timeline)})"
    return charts.score_lines(periods, series, title=title, counts=counts)


# ---- rendering ----------------------------------------------------------------------------------


def _fmt_ci(v: float, lo: float, hi: float, digits: int = 2) -> str:
    if not np.isfinite(v):
        return "–"
    return f"{v:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def _print_table(report: Report, file: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file, width=160 if file is not None else None, record=False)
    g = report.groups
    t = Table(title=f"Articles by {report.by} — mean article score, 95 % bootstrap CI (model {report.model_version})")
    for col in ("group", "articles", "words", "mean score [95 % CI]"):
        t.add_column(col, justify="left" if col == "group" else "right")
    for _, r in g[g.metric == SCORE].iterrows():
        t.add_row(str(r.group), str(r.n_articles), f"{r.n_words:,}", _fmt_ci(r.value, r.ci_low, r.ci_high, 3))
    console.print(t)
    names = report.group_names
    shown = names[:MAX_PROFILE_GROUPS]
    if report.techniques:
        t2 = Table(title="Technique rate per 1,000 words [95 % CI]" + (f" (first {len(shown)} groups)" if len(names) > len(shown) else ""))
        t2.add_column("technique")
        for name in shown:
            t2.add_column(str(name), justify="right")
        piv = g[g.metric != SCORE].set_index(["metric", "group"])
        for tech in report.techniques:
            cells = [_fmt_ci(*piv.loc[(tech, name), ["value", "ci_low", "ci_high"]].to_numpy()) for name in shown]
            t2.add_row(tech, *cells)
        console.print(t2)
    flagged = report.flagged()
    t3 = Table(title=f"Differences beyond noise (bootstrap, Holm-corrected across pairs, α = 0.05): {len(flagged)}")
    for col in ("metric", "group A", "group B", "A − B [95 % CI]", "p (Holm)"):
        t3.add_column(col)
    for _, r in flagged.head(40).iterrows():
        t3.add_row(str(r.metric), str(r.group_a), str(r.group_b), _fmt_ci(r["diff"], r.ci_low, r.ci_high, 3), f"{r.p_holm:.4f}")
    console.print(t3)
    for note in report.notes:
        console.print(f"Note: {note}", markup=False, highlight=False)


def _cell(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else ""
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        return "–" if not np.isfinite(v) else f"{v:.3f}"
    return str(v)


PassageHref = Callable[[str, str], str]


def render_report_fragment(
    report: Report,
    pngs: dict[str, bytes] | None = None,
    *,
    passages: dict[tuple[str, str], PassageCell] | None = None,
    passage_href: PassageHref | None = None,
) -> str:
    """HTML fragment (``<section class="propscan-corpus">``) with tables and inlined charts.

    It is styled by :func:`propscan.views.html.report_css` (inlined by the standalone page,
    linked by the web app). Every number of a group links to the passages behind it: with ``passages`` (from
    :func:`report_passages`) to anchored sections of the fragment itself; with
    ``passage_href(group, metric)`` to that address (the web app's passages page).
    """

    from propscan.corpus import charts

    pngs = _chart_pngs(report) if pngs is None else pngs
    names = [str(x) for x in report.group_names]
    metrics = [SCORE, *report.techniques]
    gidx = {g: i for i, g in enumerate(names)}
    midx = {m: i for i, m in enumerate(metrics)}

    def href(group: Any, metric: str) -> str:
        if passage_href is not None:
            return passage_href(str(group), metric)
        if passages is not None:
            return f"#p-{gidx[str(group)]}-{midx[metric]}"
        return ""

    g = report.groups
    score = g[g.metric == SCORE]
    score_rows = [{"group": str(r.group), "n_articles": _cell(r.n_articles), "n_words": _cell(r.n_words),
                   "value_ci": _fmt_ci(r.value, r.ci_low, r.ci_high, 3), "href": href(r.group, SCORE)}
                  for r in score.itertuples(index=False)]
    rate_rows = [{"group": str(r.group), "metric": str(r.metric), "label": metric_label(str(r.metric)),
                  "n_articles": _cell(r.n_articles), "value_ci": _fmt_ci(r.value, r.ci_low, r.ci_high, 3),
                  "href": href(r.group, str(r.metric))}
                 for r in g[g.metric != SCORE].itertuples(index=False)]
    d = report.differences
    flagged = [{"metric": metric_label(str(r.metric)), "group_a": str(r.group_a), "group_b": str(r.group_b),
                "diff_ci": _fmt_ci(r.diff, r.ci_low, r.ci_high, 3), "p_holm": _cell(r.p_holm),
                "href_a": href(r.group_a, str(r.metric)), "href_b": href(r.group_b, str(r.metric))}
               for r in d[d.flag].itertuples(index=False)]
    chart_list = [{"title": title, "uri": charts.to_data_uri(pngs[name])}
                  for name, title in (("heatmap", "Technique rates by group"), ("score_over_time", "Score over time"),
                                      ("score_by_group", "Score by group"), ("profile", "Technique profile"))
                  if name in pngs]
    cells = [passages[(gname, m)] for gname in names for m in metrics if (gname, m) in passages] if passages else []
    per_cell = max((c.limit for c in cells), default=PASSAGES_PER_CELL)
    return template_env().get_template("corpus_report.html.j2").render(
        by=report.by, notes=report.notes, model_version=report.model_version,
        n_articles=_cell(int(score.n_articles.sum())), n_groups=len(score), n_boot=_cell(report.n_boot), seed=report.seed,
        links_note=("the passages open on their own page" if passage_href is not None else
                    "they are listed at the end of this page" if passages is not None else ""),
        score_rows=score_rows, charts=chart_list, flagged=flagged, n_comparisons=len(d), rate_rows=rate_rows,
        cells=cells, per_cell=per_cell,
    )


def render_corpus_html(
    store: str | os.PathLike[str],
    *,
    by: str = "outlet",
    techniques: Sequence[str] | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
    passage_href: PassageHref | None = None,
) -> str:
    """An HTML fragment (tables + base64 charts, no scripts, no network) for the web app.

    The page around it loads the stylesheet (:func:`propscan.views.html.report_css`).

    With ``passage_href(group, metric) -> url`` every number of a group links to that address
    (the web app's passages page); without it, the passages are anchored sections of the fragment.

    >>> fragment = render_corpus_html("corpus.duckdb", by="month")  # doctest: +SKIP
    """
    report = build_report(store, by=by, techniques=techniques, n_boot=n_boot, seed=seed)
    if passage_href is not None:
        return render_report_fragment(report, passage_href=passage_href)
    return render_report_fragment(report, passages=report_passages(store, report))


def _html_page(fragment: str, title: str) -> str:
    """The standalone page: the fragment with its stylesheet inlined, allowed by hash in the page's CSP."""
    from markupsafe import Markup

    css = report_css()
    return template_env().get_template("corpus_report_page.html.j2").render(
        title=title, csp=csp_policy(css), css=Markup(css), fragment=Markup(fragment)) + "\n"


def _write_text(text: str, output: str | os.PathLike[str] | None) -> Path | None:
    import sys

    if output is None:
        sys.stdout.write(text)
        return None
    from propscan.io.files import atomic_write

    with atomic_write(output) as fh:  # mode 0o666 less the umask, like any file the user writes
        fh.write(text)
    return Path(output)


def make_report(
    store: str | os.PathLike[str],
    *,
    by: str = "outlet",
    techniques: Sequence[str] | None = None,
    fmt: str = "table",
    output: str | os.PathLike[str] | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
    model_version: str | None = None,
    passages_per_cell: int = PASSAGES_PER_CELL,
) -> Report:
    """Compare groups of a store and write the comparison as a table, CSV, HTML or PNG charts.

    Parameters
    ----------
    store : path
        DuckDB store written by :func:`propscan.corpus.run_batch`.
    by : str, default="outlet"
        ``outlet``, ``month``, ``week`` (ISO), ``year``, ``source`` (the input a document came
        from), or another metadata column (``title``, ``url``, ``doc_id``, ``published``).
    techniques : sequence of str, optional
        Only these techniques (default: every technique found, most frequent first); SemEval
        names, ids or display names, any case (:func:`propscan.techniques.resolve_names`).
    fmt : {"table", "csv", "html", "png"}
        ``table``: Rich tables on stdout (or plain text to ``output``); ``csv``: the long group
        table (stdout or ``output``; with ``output`` the pairwise differences go to
        ``<output stem>.differences.csv``); ``html``: one self-contained page (stdout or
        ``output``) whose every number of a group links to an anchored section listing the
        passages behind it (the ``passages_per_cell`` most confident spans, with context, article
        title/id and confidence, and a count of the rest); ``png``: when ``output`` ends in ``.png``, the main chart only (the technique
        heatmap; the score chart when there are no technique rates) written to that file;
        otherwise ``heatmap.png``, ``profile.png`` and ``score_over_time.png`` (one line per
        group; ``score_by_group.png`` without dates) in the folder ``output`` (default
        ``<store>.charts/``).
    n_boot : int, default=:data:`propscan.corpus.stats.N_BOOT`
        Bootstrap resamples. ``seed`` makes the report reproducible.
    model_version : str, optional
        Which analyses to use when the store holds several models (default: the most common).
    passages_per_cell : int, default=50
        HTML only: passages listed per number (group × metric).

    Returns
    -------
    Report
        With ``files`` listing what was written.
    """
    if fmt not in _WRITERS:
        raise InputError(f"unknown report format {fmt!r}; use table, csv, html or png.")
    report = build_report(store, by=by, techniques=techniques, n_boot=n_boot, seed=seed, model_version=model_version)
    _WRITERS[fmt](report, store, output, passages_per_cell)
    return report


# ---- writing one format (each appends what it wrote to report.files) ------------------------------


def _write_table(report: Report, store: Any, output: Any, passages_per_cell: int) -> None:
    """Rich tables on stdout, or plain text to ``output``."""
    if output is None:
        _print_table(report)
        return
    buf = io.StringIO()
    _print_table(report, file=buf)
    report.files.append(_write_text(buf.getvalue(), output))  # type: ignore[arg-type]


def _write_csv(report: Report, store: Any, output: Any, passages_per_cell: int) -> None:
    """The long group table; with ``output``, the differences beside it (``<stem>.differences.csv``)."""
    from propscan.views.tables import csv_safe_frame  # cells such as an outlet '=HYPERLINK(...)' stay text

    path = _write_text(csv_safe_frame(report.groups).to_csv(index=False, float_format="%.6g"), output)
    if path is not None:
        report.files.append(path)
        report.files.append(_write_text(csv_safe_frame(report.differences).to_csv(index=False, float_format="%.6g"),
                                        path.with_name(path.stem + ".differences.csv")))  # type: ignore[arg-type]


def _write_html(report: Report, store: Any, output: Any, passages_per_cell: int) -> None:
    """One standalone page whose numbers link to anchored sections of passages."""
    cells = report_passages(store, report, per_cell=passages_per_cell)
    page = _html_page(render_report_fragment(report, passages=cells), f"propscan corpus report by {report.by}")
    path = _write_text(page, output)
    if path is not None:
        report.files.append(path)


def _write_pngs(report: Report, store: Any, output: Any, passages_per_cell: int) -> None:
    """The main chart to ``output`` when it ends in ``.png``, else every chart into a folder."""
    from propscan.corpus.charts import save_png

    pngs = _chart_pngs(report)  # main chart first
    if output is not None and Path(output).suffix.lower() == ".png" and not Path(output).is_dir():
        report.files.append(save_png(next(iter(pngs.values())), output))
        return
    folder = Path(output) if output is not None else Path(str(store) + ".charts")
    for name, png in pngs.items():
        report.files.append(save_png(png, folder / f"{name}.png"))


_WRITERS: dict[str, Callable[[Report, Any, Any, int], None]] = {
    "table": _write_table, "csv": _write_csv, "html": _write_html, "png": _write_pngs,
}
