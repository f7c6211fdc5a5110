"""One article score everywhere: CLI, API, Python, HTML report and batch agree at any display threshold."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import propscan
from propscan.cli import app
from propscan.corpus import store as st
from propscan.corpus.batch import run_batch
from propscan.server import Settings, create_app

# our own text; the baseline model flags several passages in it with a range of confidences
TEXT = (
    "Harbour Council Betrays Us Again\n\n"
    "The so-called experts on the harbour council have betrayed every honest worker in this town. "
    "These shameless crooks will destroy our jobs, our homes and our children's future unless we stop them now. "
    "Everyone already knows the truth: the bridge plan is a disaster, plain and simple. "
    "Why would anyone trust a council that lied to us last year and the year before? "
    "Real patriots stand with the fishermen; cowards stand with the council. Enough is enough!\n"
)
THRESHOLDS = (0.0, 0.3, 0.7)


@pytest.fixture(scope="module")
def reference() -> float:
    everything = propscan.Analyzer(model="baseline", threshold=0.0)(TEXT)
    shown = [len(propscan.Analyzer(model="baseline", threshold=t)(TEXT).spans) for t in THRESHOLDS]
    assert shown[0] > shown[1] > shown[2]  # the thresholds really change what is shown
    return everything.score


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_python_and_cli_scores_match(reference, threshold, tmp_path):
    a = propscan.Analyzer(model="baseline", threshold=threshold)(TEXT)
    assert a.score == reference
    f = tmp_path / "a.txt"
    f.write_text(TEXT, encoding="utf-8")
    res = CliRunner().invoke(app, ["analyze", str(f), "--model", "baseline", "--threshold", str(threshold), "-f", "json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["score"] == pytest.approx(reference, abs=1e-12) and body["threshold"] == threshold
    html = CliRunner().invoke(app, ["analyze", str(f), "--model", "baseline", "--threshold", str(threshold), "-f", "html", "-o", str(tmp_path / "r.html")])
    assert html.exit_code == 0, html.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert f"Article score {reference:.2f} out of 1" in page


def test_api_scores_match(reference):
    import time

    from propscan.models.loading import load_model

    with TestClient(create_app(Settings(), model=load_model("baseline"))) as c:
        deadline = time.monotonic() + 60
        while c.post("/api/v1/analyze", json={"text": TEXT}).status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.2)  # the server warms its model up in the background
        for threshold in THRESHOLDS:
            r = c.post("/api/v1/analyze", json={"text": TEXT, "threshold": threshold})
            assert r.status_code == 200, r.text
            assert r.json()["score"] == pytest.approx(reference, abs=1e-12)
            page = c.post("/analyze", data={"source": "text", "text": TEXT, "threshold": str(threshold)})
            assert page.status_code == 200
            assert re.search(rf"Article score {reference:.2f} out of 1", page.text)


def test_batch_scores_match(reference, tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(TEXT, encoding="utf-8")
    for threshold in THRESHOLDS:
        store = tmp_path / f"s{threshold}.duckdb"
        res = run_batch([str(f)], store, model="baseline", threshold=threshold, workers=0, progress=False)
        con = st.connect(store, read_only=True)
        scores = list(st.article_frame(con, res["model_version"]).score)
        con.close()
        assert scores == [pytest.approx(reference, abs=1e-12)]
