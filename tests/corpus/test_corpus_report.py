"""Group comparisons: bootstrap intervals, the Holm-corrected flag, and the report formats."""

from __future__ import annotations

import datetime as dt
import html
import re

import numpy as np
import pandas as pd
import pytest

from propscan.corpus import store as st
from propscan.corpus.report import make_report, render_corpus_html
from propscan.corpus.stats import bootstrap_mean_ci, bootstrap_ratio, compare_groups, holm
from propscan.document import content_hash
from propscan.errors import InputError
from propscan.views.html import _sha256, report_css

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_bootstrap_ci_contains_true_mean_and_covers():
    rng = np.random.default_rng(1)
    m, lo, hi = bootstrap_mean_ci(rng.normal(0.3, 0.1, 400), n_boot=2000, seed=0)
    assert lo < 0.3 < hi and hi - lo < 0.05
    # coverage over repeated samples is close to the nominal 95 %
    hits = 0
    for i in range(200):
        _, lo, hi = bootstrap_mean_ci(rng.exponential(0.4, 60), n_boot=500, seed=i)
        hits += lo <= 0.4 <= hi
    assert 0.85 <= hits / 200 <= 0.99


def test_bootstrap_is_seeded_and_ratio_weights_long_articles():
    num = np.array([[10.0], [0.0]])
    den = np.array([[1.0], [9.0]])  # 10 spans in 1k words, 0 in 9k words: pooled rate 1.0
    a = bootstrap_ratio(num, den, n_boot=300, seed=3)
    b = bootstrap_ratio(num, den, n_boot=300, seed=3)
    assert float(a.value[0]) == 1.0 and np.array_equal(a.draws, b.draws)


def test_holm_matches_hand_computation():
    assert holm([0.01, 0.04, 0.03, float("nan")]).round(3).tolist()[:3] == [0.03, 0.06, 0.06]
    assert np.isnan(holm([float("nan")])[0])


def _est(values, seed):
    v = np.asarray(values, float)[:, None]
    return bootstrap_ratio(v, np.ones_like(v), n_boot=2000, seed=seed)


def test_flag_fires_for_a_real_difference_and_not_for_noise():
    rng = np.random.default_rng(7)
    a = rng.normal(0.30, 0.10, 80)
    b = rng.normal(0.40, 0.10, 80)  # true difference 0.1
    a2 = rng.normal(0.30, 0.10, 80)  # same distribution as a
    comps = {(c.group_a, c.group_b): c for c in compare_groups(
        {"A": _est(a, 1), "B": _est(b, 2), "A2": _est(a2, 3), "Acopy": _est(a, 4)}, ["score"])}
    ab = comps[("A", "B")]
    assert ab.flag and ab.low < -0.1 + 0.05 and ab.high < 0 and ab.p_holm < 0.05
    assert not comps[("A", "A2")].flag
    assert not comps[("A", "Acopy")].flag and comps[("A", "Acopy")].low <= 0 <= comps[("A", "Acopy")].high
    # too-small groups are never flagged
    tiny = compare_groups({"x": _est([0.0, 0.0], 1), "y": _est([1.0, 1.0], 2)}, ["score"])
    assert not tiny[0].flag and np.isnan(tiny[0].p)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store with known rates: Loud uses Loaded_Language 3x as often as Calm; Twin is Calm's copy."""
    path = tmp_path_factory.mktemp("rep") / "s.duckdb"
    con = st.connect(path)
    rng = np.random.default_rng(0)
    recs = []
    for outlet, rate in (("Calm", 5.0), ("Loud", 15.0), ("Twin", 5.0)):
        for i in range(40):
            words = 200
            text = f"{outlet} article {i} " + " ".join(["word"] * (words - 3))
            n_spans = int(rng.poisson(rate * words / 1000.0)) if outlet != "Twin" else None
            recs.append((outlet, i, text, words, n_spans))
    calm_spans = {i: n for (o, i, _, _, n) in recs if o == "Calm"}
    records = []
    for outlet, i, text, words, n_spans in recs:
        n = calm_spans[i] if outlet == "Twin" else n_spans
        spans = tuple(st.SpanRow(10 + 5 * k, 14 + 5 * k, "Loaded_Language", 1.0) for k in range(n))
        spans += (st.SpanRow(0, 4, "Doubt", 0.5),)
        records.append(st.AnalysisRecord(content_hash(text), "m", f"{outlet}-{i}", text, score=min(1.0, 0.1 * n),
                                         n_words=words, spans=spans, outlet=outlet,
                                         published=dt.date(2024, 1 + i % 4, 1 + i % 27), source=f"/x/{outlet}.jsonl"))
    st.write_batch(con, records)
    con.close()
    return path


def test_report_rates_cis_and_flags(store):
    rep = make_report(store, by="outlet", fmt="csv", output=store.parent / "r.csv", n_boot=1000)
    g = rep.groups.set_index(["group", "metric"])
    for outlet, true_rate in (("Calm", 5.0), ("Loud", 15.0)):
        row = g.loc[(outlet, "Loaded_Language")]
        assert row.ci_low < true_rate < row.ci_high and row.n_articles == 40
    assert g.loc[("Calm", "Doubt")].value == pytest.approx(2.5)  # 0.5 expected per 200 words
    d = rep.differences.set_index(["metric", "group_a", "group_b"])
    pair = ("Loaded_Language",) + (("Loud", "Calm") if ("Loaded_Language", "Loud", "Calm") in d.index else ("Calm", "Loud"))
    assert bool(d.loc[pair].flag)
    twin = ("Loaded_Language", "Calm", "Twin") if ("Loaded_Language", "Calm", "Twin") in d.index else ("Loaded_Language", "Twin", "Calm")
    assert not bool(d.loc[twin].flag) and d.loc[twin]["diff"] == 0
    assert not rep.flagged()[rep.flagged().metric == "Doubt"].shape[0]
    csv = pd.read_csv(store.parent / "r.csv")
    assert {"group", "metric", "value", "ci_low", "ci_high", "n_articles"} <= set(csv.columns) and len(csv) == 3 * 3
    assert (store.parent / "r.differences.csv").is_file()
    # seeded: the same report twice
    again = make_report(store, by="outlet", fmt="csv", output=store.parent / "r2.csv", n_boot=1000)
    pd.testing.assert_frame_equal(rep.groups, again.groups)


def test_report_by_month_and_source(store):
    rep = make_report(store, by="month", fmt="csv", output=store.parent / "m.csv", n_boot=200)
    assert rep.group_names == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert rep.timeline is not None and list(rep.timeline.period) == rep.group_names
    rep = make_report(store, by="source", fmt="csv", output=store.parent / "s.csv", n_boot=200)
    assert set(rep.group_names) == {"Calm.jsonl", "Loud.jsonl", "Twin.jsonl"}
    with pytest.raises(InputError, match="cannot group by"):
        make_report(store, by="colour", fmt="csv", output=store.parent / "x.csv", n_boot=200)
    with pytest.raises(InputError, match="unknown technique"):
        make_report(store, techniques=["Shouting"], fmt="csv", output=store.parent / "x.csv", n_boot=200)


def test_png_charts_are_valid(store, tmp_path):
    import matplotlib.image as mpimg

    rep = make_report(store, by="outlet", fmt="png", output=tmp_path / "charts", n_boot=200)
    names = sorted(p.name for p in rep.files)
    assert names == ["heatmap.png", "profile.png", "score_over_time.png"]
    for p in rep.files:
        data = p.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000
        img = mpimg.imread(p)
        assert img.shape[0] > 200 and img.shape[1] > 300


def test_html_is_self_contained(store, tmp_path):
    out = tmp_path / "r.html"
    make_report(store, by="outlet", fmt="html", output=out, n_boot=200)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.count('src="data:image/png;base64,') == 3
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "Holm" in page and "Loud" in page
    (style,) = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    assert style == report_css() and "unsafe-inline" not in page  # one stylesheet, allowed by its hash
    assert f"style-src '{_sha256(style)}'" in html.unescape(page)
    frag = render_corpus_html(store, by="month", n_boot=200)
    assert frag.lstrip().startswith('<section class="propscan-corpus">') and "<style" not in frag
    assert "<html" not in frag and "2024-02" in frag


def test_table_output(store, capsys):
    make_report(store, by="outlet", fmt="table", n_boot=200)
    out = capsys.readouterr().out
    assert "Calm" in out and "Loud" in out and "Loaded_Language" in out and "Holm" in out


def test_report_csv_neutralises_formula_cells(tmp_path):
    """OWASP CSV injection: an outlet named '=HYPERLINK(...)' must reach a spreadsheet as text."""
    path = tmp_path / "evil.duckdb"
    con = st.connect(path)
    outlets = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "Plain Times"]
    records = []
    for outlet in outlets:
        for i in range(3):
            text = f"{outlet} story {i} " + " ".join(["word"] * 50)
            records.append(st.AnalysisRecord(content_hash(text), "m", f"{outlet}-{i}", text, score=0.2, n_words=52,
                                             spans=(st.SpanRow(0, 4, "Doubt", 0.5),), outlet=outlet))
    st.write_batch(con, records)
    con.close()
    out = tmp_path / "r.csv"
    make_report(path, by="outlet", fmt="csv", output=out, n_boot=200)
    for f in (out, tmp_path / "r.differences.csv"):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        cells = [v for col in df.columns for v in df[col]] + list(df.columns)
        assert not [v for v in cells if v[:1] in ("=", "+", "@")], f.name
        assert not [v for v in cells if v.startswith("-") and not _number(v)], f.name
    groups = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in set(groups.group)


def _number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True
