"""The scorers against the official sample, hand-computed cases, and a literal port of the official code."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propscan.document import Span
from propscan.errors import CorpusError
from propscan.eval.scorer import merge_overlapping, score_flc, score_si, score_tc
from propscan.io.ptc import read_labels


def S(a: int, b: int, t: str | None = None) -> Span:
    return Span(a, b, t)


def test_official_sample_si(scorer_sample):
    gold = read_labels(scorer_sample / "article736757214.task-SI.labels", "si")
    pred = read_labels(scorer_sample / "submission-task-SI.tsv", "si")
    r = score_si(pred, gold)
    assert f"{r.p_num:.6f}/{r.p_den}={r.precision:.6f}" == "1.929825/2=0.964912"
    assert f"{r.r_num:.6f}/{r.r_den}={r.recall:.6f}" == "1.947458/4=0.486864"
    assert f"{r.f1:.6f}" == "0.647181"


def test_official_sample_tc(scorer_sample):
    gold = read_labels(scorer_sample / "article736757214.labels-task-TC", "tc")
    pred = read_labels(scorer_sample / "submission-task-TC.tsv", "tc")
    r = score_tc(pred, gold)
    assert (f"{r.f1:.6f}", f"{r.precision:.6f}", f"{r.recall:.6f}", r.n) == ("0.600000", "0.600000", "0.600000", 5)


def test_si_hand_computed_overlap():
    # pred 0-10 vs gold 5-15: P = 5/10, R = 5/10
    r = score_si({"a": [S(0, 10)]}, {"a": [S(5, 15)]})
    assert (r.precision, r.recall, r.f1) == (0.5, 0.5, 0.5)


def test_si_adjacent_spans_are_not_merged_but_overlapping_are():
    assert merge_overlapping([(0, 5), (5, 9)]) == [(0, 5), (5, 9)]
    assert merge_overlapping([(0, 5), (4, 9), (20, 22), (21, 30)]) == [(0, 9), (20, 30)]
    # two adjacent predicted spans covering one gold span: P = (1 + 1)/2, R = (5/10 + 5/10)/1
    r = score_si({"a": [S(0, 5), S(5, 10)]}, {"a": [S(0, 10)]})
    assert (r.p_den, r.precision, r.recall) == (2, 1.0, 1.0)


def test_si_duplicates_count_once_after_merging():
    r = score_si({"a": [S(0, 4), S(0, 4), S(0, 4)]}, {"a": [S(0, 4), S(0, 4)]})
    assert (r.p_den, r.r_den, r.f1) == (1, 1, 1.0)


def test_si_missing_article_lowers_recall():
    gold = {"a": [S(0, 4)], "b": [S(0, 4)]}
    r = score_si({"a": [S(0, 4)]}, gold)
    assert (r.precision, r.recall) == (1.0, 0.5)
    assert math.isclose(r.f1, 2 / 3)


def test_si_empty_predictions_and_both_empty():
    assert score_si({}, {"a": [S(0, 4)]}).f1 == 0.0
    assert score_si({}, {}).f1 == 1.0
    assert score_si({"a": []}, {"a": []}).f1 == 1.0


def test_si_unknown_article_is_an_error():
    with pytest.raises(CorpusError, match="not in the gold"):
        score_si({"zzz": [S(0, 1)]}, {"a": [S(0, 4)]})


def test_tc_alignment_of_duplicate_spans_maximises_matches():
    gold = {"a": [S(0, 5, "Doubt"), S(0, 5, "Slogans"), S(9, 12, "Repetition")]}
    pred = {"a": [S(0, 5, "Slogans"), S(0, 5, "Doubt"), S(9, 12, "Doubt")]}
    r = score_tc(pred, gold)
    assert math.isclose(r.f1, 2 / 3)
    assert r.per_technique["Repetition"].recall == 0.0
    assert r.per_technique["Slogans"].f1 == 1.0


def test_tc_requires_exactly_the_gold_spans():
    with pytest.raises(CorpusError, match="does not match"):
        score_tc({"a": [S(0, 6, "Doubt")]}, {"a": [S(0, 5, "Doubt")]})
    with pytest.raises(CorpusError, match="same articles"):
        score_tc({"b": [S(0, 5, "Doubt")]}, {"a": [S(0, 5, "Doubt")]})


def test_flc_credits_only_same_technique():
    r = score_flc({"a": [S(0, 10, "Doubt"), S(20, 30, "Slogans")]}, {"a": [S(0, 10, "Doubt"), S(20, 30, "Repetition")]})
    assert r.per_technique["Doubt"].f1 == 1.0 and r.per_technique["Slogans"].precision == 0.0
    assert math.isclose(r.f1, 0.5)


# --- a literal port of the official SI scorer (sets of character indices) -------------------

def _official_si(pred: dict[str, list[tuple[int, int]]], gold: dict[str, list[tuple[int, int]]]) -> tuple[float, float, float]:
    def merge(anns):  # the official recursive merge on sets
        out: list[set[int]] = []
        for s in anns:
            out.append(set(s))
            i = len(out) - 1
            changed = True
            while changed:
                changed = False
                for j in range(len(out)):
                    if j != i and out[i] & out[j]:
                        out[j] |= out[i]
                        del out[i]
                        i = j if j < i else j - 1
                        changed = True
                        break
        return out

    sub = {a: merge([set(range(s, e)) for s, e in v]) for a, v in pred.items()}
    gd = {a: merge([set(range(s, e)) for s, e in v]) for a, v in gold.items()}
    pden = sum(len(v) for v in sub.values())
    rden = sum(len(v) for v in gd.values())
    pn = rn = 0.0
    for a, spans in sub.items():
        for sd in spans:
            for g in gd[a]:
                inter = len(sd & g)
                pn += inter / len(sd)
                rn += inter / len(g)
    p = pn / pden if pden else 0
    r = rn / rden if rden else 0
    f1 = 1.0 if pden == 0 and rden == 0 else 0
    if p > 0 and r > 0:
        f1 = 2 * p * r / (p + r)
    return p, r, f1


spans_st = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 25)).map(lambda t: (t[0], t[0] + t[1])), max_size=6)


@settings(deadline=None)
@given(st.dictionaries(st.sampled_from("abc"), spans_st, max_size=3), st.dictionaries(st.sampled_from("abcd"), spans_st, min_size=1, max_size=4))
def test_si_equals_literal_port_of_official_scorer(pred, gold):
    pred = {a: v for a, v in pred.items() if a in gold}
    ours = score_si({a: [S(*x) for x in v] for a, v in pred.items()}, {a: [S(*x) for x in v] for a, v in gold.items()})
    ref = _official_si(pred, gold)
    assert math.isclose(ours.precision, ref[0], abs_tol=1e-12)
    assert math.isclose(ours.recall, ref[1], abs_tol=1e-12)
    assert math.isclose(ours.f1, ref[2], abs_tol=1e-12)
