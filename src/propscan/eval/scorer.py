"""Scorers equal to the official SemEval-2020 Task 11 scorers, number for number.

* :func:`score_si` — span identification (``task-SI_scorer.py -m``): overlapping spans of an
  article are merged (predicted and gold); precision credits each predicted span with
  ``Σ |s∩t| / |s|`` over gold spans, recall credits each gold span with ``Σ |s∩t| / |t|``;
  precision divides by the number of predicted spans, recall by the number of gold spans of
  *all* gold articles (a missing article lowers recall). Techniques are ignored.
* :func:`score_tc` — technique classification (``task-TC_scorer.py``): predictions must cover
  exactly the gold spans; spans are sorted by start (stable), identical spans with several labels
  are aligned greedily to maximise matches, then micro P/R/F1 and per-technique P/R/F1.
* :func:`score_flc` — the same overlap measure as SI but a predicted span only earns credit from
  gold spans of the same technique, with per-technique figures (diagnostic for full pipelines).

>>> from propscan.document import Span
>>> score_si({"1": [Span(0, 10)]}, {"1": [Span(0, 5)]}).f1
0.6666666666666666
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from propscan.document import Span
from propscan.errors import CorpusError
from propscan.techniques import NAMES

SpansById = Mapping[str, Sequence[Span]]


@dataclass(frozen=True)
class PRF:
    """Precision, recall, F1 with the numerators and denominators behind them."""

    precision: float
    recall: float
    f1: float
    p_num: float = 0.0
    p_den: int = 0
    r_num: float = 0.0
    r_den: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SIScore(PRF):
    """Result of :func:`score_si`."""


@dataclass(frozen=True)
class TCScore:
    """Result of :func:`score_tc`: micro P/R/F1 over gold spans plus a per-technique table."""

    precision: float
    recall: float
    f1: float
    n: int
    per_technique: dict[str, PRF] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "n": self.n,
            "per_technique": {k: v.to_dict() for k, v in self.per_technique.items()},
        }


@dataclass(frozen=True)
class FLCScore(PRF):
    """Result of :func:`score_flc`: overall plus per-technique overlap P/R/F1."""

    per_technique: dict[str, PRF] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["per_technique"] = {k: v.to_dict() for k, v in self.per_technique.items()}
        return out


def prf(p_num: float, p_den: int, r_num: float, r_den: int) -> PRF:
    """The official ``compute_prec_rec_f1``: F1 is 1.0 when both sides are empty."""
    p = p_num / p_den if p_den > 0 else 0.0
    r = r_num / r_den if r_den > 0 else 0.0
    f1 = 0.0
    if p_den == 0 and r_den == 0:
        f1 = 1.0
    if p > 0 and r > 0:
        f1 = 2 * (p * r / (p + r))
    return PRF(p, r, f1, p_num, p_den, r_num, r_den)


def merge_overlapping(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union spans that share at least one character (adjacent spans stay apart), sorted.

    >>> merge_overlapping([(0, 5), (5, 8), (3, 6)])
    [(0, 8)]
    >>> merge_overlapping([(0, 5), (5, 8)])
    [(0, 5), (5, 8)]
    """
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _check_ids(pred: SpansById, gold: SpansById) -> None:
    unknown = [aid for aid, spans in pred.items() if spans and aid not in gold]
    if unknown:
        shown = ", ".join(sorted(unknown)[:5])
        raise CorpusError(
            f"predictions for {len(unknown)} article(s) not in the gold labels ({shown}); "
            "score against the gold of the same split (a folder of per-article label files includes span-free articles)."
        )


def _overlap_sums(pred: list[tuple[int, int]], gold: list[tuple[int, int]]) -> tuple[float, float]:
    p_num = r_num = 0.0
    for ps, pe in pred:
        for gs, ge in gold:
            inter = min(pe, ge) - max(ps, gs)
            if inter > 0:
                p_num += inter / (pe - ps)
                r_num += inter / (ge - gs)
    return p_num, r_num


def _bounds(spans: Sequence[Span]) -> list[tuple[int, int]]:
    return [(int(s.start), int(s.end)) for s in spans]


def score_si(pred: SpansById, gold: SpansById) -> SIScore:
    """Official SI score (with ``-m``). ``pred``/``gold`` map article id → spans.

    Gold articles absent from ``pred`` count in recall; predicted articles absent from ``gold``
    raise :class:`~propscan.errors.CorpusError` (the official scorer aborts on them too).
    """
    _check_ids(pred, gold)
    p_num = r_num = 0.0
    p_den = r_den = 0
    merged_gold = {aid: merge_overlapping(_bounds(spans)) for aid, spans in gold.items()}
    r_den = sum(len(v) for v in merged_gold.values())
    for aid, spans in pred.items():
        mp = merge_overlapping(_bounds(spans))
        p_den += len(mp)
        a, b = _overlap_sums(mp, merged_gold.get(aid, []))
        p_num += a
        r_num += b
    r = prf(p_num, p_den, r_num, r_den)
    return SIScore(**asdict(r))


def score_flc(pred: SpansById, gold: SpansById, techniques: Sequence[str] = NAMES) -> FLCScore:
    """Overlap P/R/F1 where a predicted span is credited only by gold spans of its technique.

    Spans are merged per technique (the official FLC scorer's behaviour), then summed as in SI.
    """
    _check_ids(pred, gold)
    p_num: dict[str, float] = {}
    r_num: dict[str, float] = {}
    p_den: Counter[str] = Counter()
    r_den: Counter[str] = Counter()

    def by_tech(spans: Sequence[Span]) -> dict[str, list[tuple[int, int]]]:
        groups: dict[str, list[tuple[int, int]]] = {}
        for s in spans:
            groups.setdefault(str(s.technique), []).append((s.start, s.end))
        return {t: merge_overlapping(v) for t, v in groups.items()}

    gold_groups = {aid: by_tech(spans) for aid, spans in gold.items()}
    for groups in gold_groups.values():
        for t, v in groups.items():
            r_den[t] += len(v)
    for aid, spans in pred.items():
        g = gold_groups.get(aid, {})
        for t, v in by_tech(spans).items():
            p_den[t] += len(v)
            a, b = _overlap_sums(v, g.get(t, []))
            p_num[t] = p_num.get(t, 0.0) + a
            r_num[t] = r_num.get(t, 0.0) + b
    overall = prf(sum(p_num.values()), sum(p_den.values()), sum(r_num.values()), sum(r_den.values()))
    names = list(techniques) + sorted(set(p_den) | set(r_den) - set(techniques))
    table = {t: prf(p_num.get(t, 0.0), p_den[t], r_num.get(t, 0.0), r_den[t]) for t in names if t in techniques or p_den[t] or r_den[t]}
    return FLCScore(**asdict(overall), per_technique=table)


def _align(pred: list[tuple[int, int, str]], gold: list[tuple[int, int, str]]) -> None:
    """The official greedy alignment of labels on identical spans (in place, both lists)."""

    def same_span(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
        return a[0] == b[0] and a[1] == b[1]

    def matching(i: int) -> tuple[int, int]:
        j2 = i
        while j2 < len(gold) and same_span(gold[j2], gold[i]):
            j1 = i
            while j1 < len(pred) and same_span(pred[j1], pred[i]):
                if pred[j1] == gold[j2]:
                    return j1, j2
                j1 += 1
            j2 += 1
        return -1, -1

    i = 0
    while i < len(pred):
        j1, j2 = matching(i)
        if j1 > i:
            pred[j1], pred[i] = pred[i], pred[j1]
        if j2 > i:
            gold[j2], gold[i] = gold[i], gold[j2]
        i += 1
        if j1 == -1:
            while i + 1 < len(pred) and same_span(pred[i], pred[i + 1]):
                i += 1


def score_tc(pred: SpansById, gold: SpansById, techniques: Sequence[str] = NAMES) -> TCScore:
    """Official TC score: micro P/R/F1 over the gold spans and per-technique P/R/F1.

    ``pred`` must hold exactly the gold spans (same articles, same offsets, any order within an
    article); otherwise :class:`~propscan.errors.CorpusError` says which article differs.
    As in the official scorer, labels are paired article by article in each file's own article
    order, so write predictions in the gold file's article order (``propscan classify`` does).
    """
    pred_ids = [aid for aid, v in pred.items() if v]
    gold_ids = [aid for aid, v in gold.items() if v]
    if set(pred_ids) != set(gold_ids):
        missing = sorted(set(gold_ids) - set(pred_ids))[:5]
        extra = sorted(set(pred_ids) - set(gold_ids))[:5]
        raise CorpusError(
            f"TC predictions must cover the same articles as the gold labels (missing: {missing or '-'}, extra: {extra or '-'})."
        )
    pred_rows: dict[str, list[tuple[int, int, str]]] = {}
    gold_rows: dict[str, list[tuple[int, int, str]]] = {}
    for aid in gold_ids:
        p = sorted(((s.start, s.end, str(s.technique)) for s in pred[aid]), key=lambda r: r[0])
        g = sorted(((s.start, s.end, str(s.technique)) for s in gold[aid]), key=lambda r: r[0])
        if len(p) != len(g):
            raise CorpusError(f"article {aid}: {len(p)} predicted spans but {len(g)} gold spans; TC needs exactly the gold spans.")
        for a, b in zip(p, g):
            if a[:2] != b[:2]:
                raise CorpusError(
                    f"article {aid}: predicted span {a[0]}:{a[1]} does not match gold span {b[0]}:{b[1]}; TC needs exactly the gold spans."
                )
        _align(p, g)
        pred_rows[aid], gold_rows[aid] = p, g
    if pred_ids != gold_ids:
        warnings.warn(
            "TC predictions list articles in a different order than the gold file; as the official scorer does, "
            "labels are paired by position, which can lower the score. Write predictions in gold order.",
            stacklevel=2,
        )
    y_pred = [r[2] for aid in pred_ids for r in pred_rows[aid]]
    y_true = [r[2] for aid in gold_ids for r in gold_rows[aid]]
    n = len(y_true)
    correct = sum(1 for a, b in zip(y_true, y_pred) if a == b)
    micro = correct / n if n else 0.0
    tp: Counter[str] = Counter(a for a, b in zip(y_true, y_pred) if a == b)
    n_true: Counter[str] = Counter(y_true)
    n_pred: Counter[str] = Counter(y_pred)
    table: dict[str, PRF] = {}
    for t in techniques:
        tp_p = tp[t] / n_pred[t] if n_pred[t] else 0.0
        tp_r = tp[t] / n_true[t] if n_true[t] else 0.0
        f = 2 * tp_p * tp_r / (tp_p + tp_r) if tp_p + tp_r > 0 else 0.0
        table[t] = PRF(tp_p, tp_r, f, float(tp[t]), n_pred[t], float(tp[t]), n_true[t])
    return TCScore(micro, micro, micro, n, table)


@dataclass(frozen=True)
class HitRates:
    """What a reader sees: how much of the gold a flag touches, and how often a flag is right.

    ``hit_any``: share of gold spans (distinct offsets) overlapped by any flag; ``hit_same``: share of
    gold (span, technique) pairs overlapped by a flag of that technique; ``flag_precision_any``: share
    of flags (distinct offsets) overlapping any gold span; ``flag_precision_same``: share of flags
    (span, technique) overlapping a gold span of the same technique. Overlap = at least one character.
    """

    hit_any: float
    hit_same: float
    flag_precision_any: float
    flag_precision_same: float
    gold_spans: int
    flags: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def hit_rates(pred: SpansById, gold: SpansById) -> HitRates:
    """Reader-facing recall and precision of flags (see :class:`HitRates`).

    >>> g = {"1": [Span(0, 10, "Doubt"), Span(20, 30, "Loaded_Language")]}
    >>> h = hit_rates({"1": [Span(5, 8, "Doubt"), Span(25, 40, "Doubt")]}, g)
    >>> h.hit_any, h.hit_same, h.flag_precision_same
    (1.0, 0.5, 0.5)
    """
    _check_ids(pred, gold)

    def touches(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return min(a[1], b[1]) > max(a[0], b[0])

    g_any = g_same = p_any = p_same = n_gold_off = n_gold_pairs = n_flag_off = n_flag_pairs = 0
    for aid in set(gold) | set(pred):
        gp = {((int(s.start), int(s.end)), str(s.technique)) for s in gold.get(aid, [])}
        pp = {((int(s.start), int(s.end)), str(s.technique)) for s in pred.get(aid, [])}
        g_off, p_off = {o for o, _ in gp}, {o for o, _ in pp}
        n_gold_off += len(g_off)
        n_gold_pairs += len(gp)
        n_flag_off += len(p_off)
        n_flag_pairs += len(pp)
        g_any += sum(any(touches(o, q) for q in p_off) for o in g_off)
        p_any += sum(any(touches(o, q) for q in g_off) for o in p_off)
        g_same += sum(any(t == u and touches(o, q) for q, u in pp) for o, t in gp)
        p_same += sum(any(t == u and touches(o, q) for q, u in gp) for o, t in pp)
    div = lambda a, b: a / b if b else 0.0  # noqa: E731
    return HitRates(div(g_any, n_gold_off), div(g_same, n_gold_pairs), div(p_any, n_flag_off), div(p_same, n_flag_pairs), n_gold_pairs, n_flag_pairs)
