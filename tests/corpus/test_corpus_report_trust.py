"""Corpus reports a journalist can trust: missing groups said out loud, one chart file when asked
for one, one line (and band) per group over time, one bootstrap setting, one technique naming."""

from __future__ import annotations

import datetime as dt
import inspect
import logging

import numpy as np
import pytest
from typer.testing import CliRunner

from propscan.cli import app
from propscan.corpus import charts
from propscan.corpus import store as st
from propscan.corpus.report import _chart_figures, build_report, make_report, render_corpus_html
from propscan.corpus.stats import N_BOOT, bootstrap_mean_ci, bootstrap_ratio
from propscan.document import content_hash

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
runner = CliRunner()


def _store(path, *, outlets: bool = True, dates: bool = True, n: int = 24):
    """Loud uses Loaded_Language 3x as often as Calm; texts are invented filler."""
    con = st.connect(path)
    rng = np.random.default_rng(1)
    records = []
    for outlet, rate in (("Calm", 5.0), ("Loud", 15.0), ("Twin", 5.0)):
        for i in range(n):
            words = 200
            text = f"{outlet} filler story {i} " + " ".join(["word"] * (words - 4))
            k = int(rng.poisson(rate * words / 1000.0))
            spans = tuple(st.SpanRow(10 + 5 * j, 14 + 5 * j, "Loaded_Language", 1.0) for j in range(k))
            spans += (st.SpanRow(0, 4, "Doubt", 0.5),)
            records.append(st.AnalysisRecord(
                content_hash(text), "m", f"{outlet}-{i}", text, score=min(1.0, 0.1 * k), n_words=words, spans=spans,
                outlet=outlet if outlets else None, published=dt.date(2024, 1 + i % 3, 1 + i % 27) if dates else None,
                source=f"/in/{outlet}.jsonl"))
    st.write_batch(con, records)
    con.close()
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return _store(tmp_path_factory.mktemp("trust") / "news.duckdb")


@pytest.fixture(scope="module")
def no_outlet_store(tmp_path_factory):
    return _store(tmp_path_factory.mktemp("trust") / "nooutlet.duckdb", outlets=False)


# ---- missing outlets --------------------------------------------------------------------------------


def test_report_by_outlet_without_outlets_says_so(no_outlet_store, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="propscan"):
        rep = make_report(no_outlet_store, by="outlet", fmt="html", output=tmp_path / "r.html", n_boot=200)
    assert rep.group_names == ["(unknown)"] and rep.differences.empty
    assert len(rep.notes) == 1 and "no document has a value for 'outlet'" in rep.notes[0]
    assert any("no document has a value for 'outlet'" in r.getMessage() for r in caplog.records)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'class="note warning"' in page and "no document has a value for" in page


def test_cli_report_warns_on_stderr_and_notes_in_the_table(no_outlet_store):
    res = runner.invoke(app, ["report", str(no_outlet_store), "--by", "outlet"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    warning = [ln for ln in res.stderr.splitlines() if "no document has a value for 'outlet'" in ln]
    assert len(warning) == 1 and warning[0].startswith("warning:")
    assert "Note: no document has a value" in res.stdout
    quiet = runner.invoke(app, ["-q", "report", str(no_outlet_store), "--by", "outlet"], catch_exceptions=False)
    assert "no document has a value for 'outlet'" in quiet.stderr  # a warning survives --quiet


def test_partly_missing_outlets_are_a_note_not_silence(tmp_path):
    path = _store(tmp_path / "s.duckdb")
    con = st.connect(path)
    text = "Stray filler story " + " ".join(["word"] * 196)
    st.write_batch(con, [st.AnalysisRecord(content_hash(text), "m", "stray", text, score=0.1, n_words=200, spans=(),
                                           outlet=None, published=dt.date(2024, 1, 5), source="/in/x.jsonl")])
    con.close()
    rep = build_report(path, by="outlet", n_boot=200)
    assert "(unknown)" in rep.group_names
    assert any("1 of 73 articles have no value for 'outlet'" in n for n in rep.notes)


def test_a_report_with_groups_has_no_notes(store):
    assert build_report(store, by="outlet", n_boot=200).notes == []


# ---- png output -----------------------------------------------------------------------------------


def test_png_output_ending_in_png_is_one_file(store, tmp_path):
    out = tmp_path / "r.png"
    rep = make_report(store, by="outlet", fmt="png", output=out, n_boot=200)
    assert out.is_file() and out.read_bytes().startswith(PNG_MAGIC)
    assert rep.files == [out]
    assert list(tmp_path.iterdir()) == [out]
    # the main chart: the technique heatmap (same bytes as in the folder form)
    folder = tmp_path / "charts"
    rep2 = make_report(store, by="outlet", fmt="png", output=folder, n_boot=200)
    assert folder.is_dir()
    assert sorted(p.name for p in rep2.files) == ["heatmap.png", "profile.png", "score_over_time.png"]
    assert (folder / "heatmap.png").read_bytes() == out.read_bytes()


def test_cli_png_to_a_file_and_to_a_folder(store, tmp_path):
    res = runner.invoke(app, ["report", str(store), "-f", "png", "-o", str(tmp_path / "main.PNG")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "main.PNG").is_file()
    res = runner.invoke(app, ["report", str(store), "-f", "png", "-o", str(tmp_path / "all")], catch_exceptions=False)
    assert res.exit_code == 0 and len(list((tmp_path / "all").glob("*.png"))) == 3
    help_text = runner.invoke(app, ["report", "--help"], env={"COLUMNS": "250"}).output
    assert ".png" in help_text and "folder" in help_text


# ---- score over time: one line and band per group ----------------------------------------------------


def _close(figs):
    import matplotlib.pyplot as plt

    for f in figs.values():
        plt.close(f)


def _band_widths(ax):
    out = []
    for coll in ax.collections:
        for path in coll.get_paths():
            ext = path.get_extents()
            out.append((ext.width, ext.height))
    return out


def test_score_over_time_has_one_line_and_band_per_group(store):
    rep = build_report(store, by="outlet", n_boot=200)
    tl = rep.timeline
    assert set(tl["group"]) == {"Calm", "Loud", "Twin"}
    assert len(tl) == 3 * 3  # 3 outlets x 3 months
    loud = tl[tl.group == "Loud"]
    assert (loud.ci_low <= loud.value).all() and (loud.value <= loud.ci_high).all()
    figs = _chart_figures(rep)
    try:
        ax = figs["score_over_time"].axes[0]
        assert sorted(line.get_label() for line in ax.get_lines()) == ["Calm", "Loud", "Twin"]
        bands = [wh for wh in _band_widths(ax) if wh[0] > 0 and wh[1] > 0]
        assert len(bands) == 3
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert {"Calm", "Loud", "Twin"} <= set(legend) and any("95 % bootstrap CI" in t for t in legend)
        assert list(figs)[0] == "heatmap"
    finally:
        _close(figs)


def test_by_month_is_one_pooled_line(store):
    rep = build_report(store, by="month", n_boot=200)
    assert set(rep.timeline["group"]) == {"all articles"}
    assert list(rep.timeline.period) == rep.group_names
    figs = _chart_figures(rep)
    try:
        assert len(figs["score_over_time"].axes[0].get_lines()) == 1
    finally:
        _close(figs)


def test_single_point_chart_draws_the_band_its_legend_claims():
    fig = charts.score_over_time(["2024-05"], [0.2], [0.1], [0.3], counts=[3])
    try:
        ax = fig.axes[0]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any("95 % bootstrap CI" in t for t in legend)
        assert any(w > 0 and h == pytest.approx(0.2) for w, h in _band_widths(ax))
    finally:
        charts._plt().close(fig)


def test_legend_never_claims_a_band_that_is_not_there():
    fig = charts.score_over_time(["a", "b"], [0.2, 0.4], [float("nan")] * 2, [float("nan")] * 2)
    try:
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert not any("CI" in t for t in legend)
    finally:
        charts._plt().close(fig)


# ---- one bootstrap setting ---------------------------------------------------------------------------


def test_one_bootstrap_setting_for_cli_library_and_web():
    from propscan.corpus import report

    for fn in (build_report, make_report, render_corpus_html, bootstrap_ratio, bootstrap_mean_ci):
        assert inspect.signature(fn).parameters["n_boot"].default == N_BOOT, fn.__name__
    assert report.Report.__dataclass_fields__["n_boot"].default == N_BOOT


def test_web_corpus_page_uses_the_same_resamples_as_the_cli(store, tmp_path):
    from fastapi.testclient import TestClient

    from propscan.server import Settings, create_app

    class Model:
        info = {"name": "fake", "version": "fake-1", "weights_sha256": "ab" * 32, "encoder": None}

        def predict(self, documents):  # noqa: ANN001, ANN202
            return [[] for _ in documents]

        def classify(self, documents, spans):  # noqa: ANN001, ANN202
            return [list(s) for s in spans]

    (tmp_path / "news.duckdb").write_bytes(store.read_bytes())
    with TestClient(create_app(Settings(corpus_dir=str(tmp_path)), model=Model())) as c:
        page = c.get("/corpus", params={"store": "news.duckdb", "by": "outlet"}).text
    assert f"({N_BOOT:,} resamples" in page
    cli_page = render_corpus_html(store, by="outlet")
    assert f"({N_BOOT:,} resamples" in cli_page


# ---- one technique naming ----------------------------------------------------------------------------


def test_corpus_html_uses_display_names(store, tmp_path):
    out = tmp_path / "r.html"
    make_report(store, by="outlet", fmt="html", output=out, n_boot=200)
    import re

    def shown(html: str) -> str:  # what a reader sees: text outside tags (ids may stay in data-* attributes)
        return re.sub(r"<[^>]*>", " ", html)

    page = shown(out.read_text(encoding="utf-8"))
    assert "Loaded language" in page and "Loaded_Language" not in page
    frag = shown(render_corpus_html(store, by="outlet", n_boot=200))
    assert "Loaded language" in frag and "Loaded_Language" not in frag


def test_report_accepts_any_technique_spelling(store):
    rep = build_report(store, by="outlet", techniques=["loaded language", "DOUBT", "Loaded-Language"], n_boot=200)
    assert rep.techniques == ["Loaded_Language", "Doubt"]
    for flag in ("-t", "--technique", "--techniques"):
        res = runner.invoke(app, ["report", str(store), flag, "loaded language", "-f", "csv"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        assert "Loaded_Language" in res.stdout and "Doubt" not in res.stdout
    bad = runner.invoke(app, ["report", str(store), "-t", "Shouting"], catch_exceptions=False)
    assert bad.exit_code != 0 and len(bad.stderr.strip().splitlines()) == 1 and "propscan techniques" in bad.stderr
