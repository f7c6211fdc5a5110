"""The passages behind a number of a corpus report: the most confident spans of a technique in a group.

The store query (:func:`passages_frame`), the cell a page shows (:class:`PassageCell`), the cells of a
whole report (:func:`report_passages`) or one cell paged from the store (:func:`cell_passages`, the web
app), and their HTML (:func:`render_passages`, autoescaped).

>>> cell = cell_passages("corpus.duckdb", by="outlet", group="Daily Bugle", metric="Loaded_Language")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from propscan.corpus import store as st
from propscan.corpus.groups import SCORE, group_labels, metric_label
from propscan.errors import InputError

__all__ = ["PASSAGES_PER_CELL", "PASSAGE_CONTEXT", "PassageCell", "passages_frame", "report_passages", "cell_passages",
           "render_passages"]

#: passages listed per number in the self-contained HTML report (the rest are counted)
PASSAGES_PER_CELL = 50
#: characters of context shown on each side of a passage
PASSAGE_CONTEXT = 80


@dataclass
class PassageCell:
    """The passages behind one number: spans of ``metric`` (a technique, or every technique for
    the mean score) in the articles of ``group``, most confident first.

    ``n_total`` counts all of them; ``passages`` holds ranks ``offset + 1 ..`` (dicts with
    doc_id, title, outlet, technique, technique_label, score, confidence, before, passage, after,
    cut_before, cut_after).
    """

    group: str
    metric: str
    n_total: int = 0
    passages: list[dict[str, Any]] = field(default_factory=list)
    offset: int = 0
    limit: int = PASSAGES_PER_CELL
    anchor: str = ""
    back: str = ""

    @property
    def label(self) -> str:
        return "Passages of every technique (mean article score)" if self.metric == SCORE else metric_label(self.metric)

    @property
    def first_rank(self) -> int:
        return self.offset + 1

    @property
    def more(self) -> int:
        return max(0, self.n_total - self.offset - len(self.passages))

    @property
    def summary(self) -> str:
        what = "spans of any technique" if self.metric == SCORE else f"{metric_label(self.metric)} spans"
        if not self.n_total:
            return f"No {what} in the articles of this group."
        if self.offset == 0 and not self.more:
            return f"All {self.n_total:,} {what} in this group, most confident first."
        last = self.offset + len(self.passages)
        return f"{self.n_total:,} {what} in this group; shown: {self.first_rank:,}–{last:,}, most confident first."

    @property
    def more_text(self) -> str:
        return f"… and {self.more:,} more passage{'' if self.more == 1 else 's'} with lower confidence."


def _trim_context(before: str, after: str, cut_before: bool, cut_after: bool) -> tuple[str, str]:
    """Drop the partial word at a cut edge of the context."""
    if cut_before and before and not before[0].isspace():
        parts = before.split(None, 1)
        before = parts[1] if len(parts) == 2 else ""
    if cut_after and after and not after[-1].isspace():
        parts = after.rsplit(None, 1)
        after = parts[0] if len(parts) == 2 else ""
    return before, after


def _passage_dicts(frame: Any) -> list[dict[str, Any]]:
    out = []
    for r in frame.itertuples(index=False):
        cut_b, cut_a = bool(r.cut_before), bool(r.cut_after)
        before, after = _trim_context(str(r.before or ""), str(r.after or ""), cut_b, cut_a)
        title = r.title if isinstance(r.title, str) and r.title.strip() else f"(untitled) {r.doc_id}"
        tech = r.span_technique if isinstance(r.span_technique, str) else ""
        out.append({
            "doc_id": str(r.doc_id), "title": title, "outlet": r.outlet if isinstance(r.outlet, str) else "",
            "technique": tech, "technique_label": metric_label(tech) if tech else "(no technique)",
            "score": float(r.score), "confidence": f"{float(r.score):.2f}", "before": before,
            "passage": str(r.passage or ""), "after": after, "cut_before": cut_b, "cut_after": cut_a,
            "rank": int(r.rank),
        })
    return out


def _members(report: Any, groups: Sequence[str] | None = None) -> list[tuple[str, str, str]]:
    m = report.members
    if m is None:
        raise InputError("this report has no article membership (build it with build_report).")
    if groups is not None:
        m = m[m["group"].isin(list(groups))]
    return list(zip(m["content_hash"], m["doc_id"], m["group"], strict=True))


def report_passages(store: str | os.PathLike[str], report: Any, *, per_cell: int = PASSAGES_PER_CELL,
                    context: int = PASSAGE_CONTEXT) -> dict[tuple[str, str], PassageCell]:
    """The passages behind every number of ``report``: ``{(group, metric): PassageCell}``.

    For each group and technique, the ``per_cell`` most confident spans of that technique in the
    group's articles; for the mean score (metric ``score``), those of every technique.
    """
    members = _members(report)
    con = st.connect(store, read_only=True)
    try:
        by_tech = passages_frame(con, report.model_version, members, techniques=report.techniques, limit=per_cell,
                                    context=context) if report.techniques else None
        overall = passages_frame(con, report.model_version, members, by_technique=False, limit=per_cell,
                                    context=context)
    finally:
        con.close()
    cells: dict[tuple[str, str], PassageCell] = {}
    for gi, g in enumerate(report.group_names):
        for mi, metric in enumerate([SCORE, *report.techniques]):
            cells[(str(g), metric)] = PassageCell(str(g), metric, limit=per_cell, anchor=f"p-{gi}-{mi}",
                                                  back="#scores" if metric == SCORE else "#rates")

    def fill(key: tuple[str, str], part: Any) -> None:
        if key in cells:
            cells[key].n_total = int(part["n_total"].iloc[0])
            cells[key].passages = _passage_dicts(part)

    for g, part in overall.groupby("group", sort=False):
        fill((str(g), SCORE), part)
    if by_tech is not None:
        for (g, t), part in by_tech.groupby(["group", "technique"], sort=False):
            fill((str(g), str(t)), part)
    return cells


def cell_passages(store: str | os.PathLike[str], *, by: str, group: str, metric: str, limit: int = PASSAGES_PER_CELL,
                  offset: int = 0, context: int = PASSAGE_CONTEXT, model_version: str | None = None) -> PassageCell:
    """The passages behind one number (``group`` × ``metric``) of a report by ``by``, queried from the store.

    ``metric`` is ``score`` (spans of every technique) or a technique (SemEval name, id or display
    name). Ranks ``offset + 1 .. offset + limit``, most confident first, plus the total count.

    Raises
    ------
    InputError
        Unknown grouping field or technique, or no analyses.
    """
    con = st.connect(store, read_only=True)
    try:
        mv = model_version or st.default_model_version(con)
        articles = st.article_frame(con, mv)
        labels = group_labels(articles, by)
        if metric != SCORE:
            from propscan.techniques import resolve_names

            metric = (resolve_names([metric]) or [metric])[0]
        mask = (labels == group).to_numpy()
        members = [(str(h), str(d), group) for h, d in
                   zip(articles["content_hash"][mask], articles["doc_id"][mask], strict=True)]
        frame = passages_frame(con, mv, members, techniques=None if metric == SCORE else [metric],
                                  by_technique=metric != SCORE, limit=limit, offset=offset, context=context)
        cell = PassageCell(group, metric, offset=offset, limit=limit)
        if len(frame):
            cell.n_total = int(frame["n_total"].iloc[0])
            cell.passages = _passage_dicts(frame)
        elif offset and members:  # past the last page: still say how many there are
            total = passages_frame(con, mv, members, techniques=None if metric == SCORE else [metric],
                                      by_technique=metric != SCORE, limit=1, offset=0, context=0)
            cell.n_total = int(total["n_total"].iloc[0]) if len(total) else 0
    finally:
        con.close()
    return cell


def render_passages(cell: PassageCell) -> str:
    """The HTML of one :class:`PassageCell` (a note and an ordered list; autoescaped)."""
    from propscan.views.html import template_env

    return str(template_env().get_template("corpus_passages.html.j2").module.passage_list(cell))  # type: ignore[attr-defined]



PASSAGE_COLUMNS = ("group", "technique", "rank", "n_total", "doc_id", "content_hash", "title", "outlet", "span_technique",
                   "score", "start", "end", "before", "passage", "after", "cut_before", "cut_after")


def passages_frame(
    con: Any,
    model_version: str,
    members: Iterable[tuple[str, str, str]],
    *,
    techniques: Sequence[str] | None = None,
    by_technique: bool = True,
    limit: int = 50,
    offset: int = 0,
    context: int = 80,
) -> Any:
    """The most confident spans per group (and technique), with their context (pandas DataFrame).

    ``members`` are ``(content_hash, doc_id, group)`` of the articles of each group (as a report
    groups them). Spans of ``model_version`` (only ``techniques`` when given) are ranked per group
    and technique (per group only with ``by_technique=False``; ``technique`` is then ``None``) by
    confidence, and ranks ``offset + 1 .. offset + limit`` of each are returned, with ``n_total``
    (all spans of that group and technique), the article's ``doc_id``/``title``/``outlet``, the span text
    (``passage``) and up to ``context`` characters ``before`` and ``after`` it (``cut_before`` /
    ``cut_after``: the text goes on). Only the returned rows' texts are read.
    """
    import pandas as pd

    m = list(members)
    if not m or limit <= 0:
        return pd.DataFrame(columns=list(PASSAGE_COLUMNS))
    part = "m.grp, s.technique" if by_technique else "m.grp"
    params: list[Any] = [[x[0] for x in m], [x[1] for x in m], [x[2] for x in m], model_version]
    tech_sql = ""
    if techniques is not None:
        tech_sql = "AND s.technique IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(techniques))
    c = max(0, int(context))
    params += [c, c, c, c, c, int(offset), int(offset) + int(limit)]
    sql = f"""
        WITH m AS (SELECT unnest(?::VARCHAR[]) AS content_hash, unnest(?::VARCHAR[]) AS doc_id,
                          unnest(?::VARCHAR[]) AS grp),
        hits AS (
            SELECT m.grp, m.content_hash, m.doc_id, s.technique, s.score, s.start, s."end",
                   row_number() OVER (PARTITION BY {part}
                                      ORDER BY s.score DESC, m.doc_id, m.content_hash, s.start, s."end", s.technique) AS rank,
                   count(*) OVER (PARTITION BY {part}) AS n_total
            FROM spans s JOIN m ON s.content_hash = m.content_hash
            WHERE s.model_version = ? {tech_sql})
        SELECT h.grp AS "group", {"h.technique" if by_technique else "NULL::VARCHAR"} AS technique, h.rank, h.n_total,
               h.doc_id, h.content_hash, d.title, d.outlet, h.technique AS span_technique, h.score, h.start, h."end",
               substring(d.text, greatest(h.start - ?, 0) + 1, h.start - greatest(h.start - ?, 0)) AS before,
               substring(d.text, h.start + 1, h."end" - h.start) AS passage,
               substring(d.text, h."end" + 1, ?) AS after,
               h.start - ? > 0 AS cut_before,
               length(d.text) > h."end" + ? AS cut_after
        FROM hits h JOIN documents d ON d.content_hash = h.content_hash AND d.doc_id = h.doc_id
        WHERE h.rank > ? AND h.rank <= ?
        ORDER BY "group", technique, h.rank"""  # noqa: S608 - only fixed fragments are formatted in
    return con.execute(sql, params).df()
