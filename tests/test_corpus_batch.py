"""Batch runs into a store: idempotent, failures recorded, and safe to SIGKILL at any moment."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from propscan.corpus import store as st
from propscan.corpus.batch import analyze_docs, model_version_of, run_batch
from propscan.corpus.synthetic import write_jsonl


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("corpus") / "syn.jsonl", 12, seed=7)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, corpus) -> Path:
    """An uninterrupted in-process run (workers=0)."""
    store = tmp_path_factory.mktemp("ref") / "ref.duckdb"
    res = run_batch([str(corpus)], store, model="baseline", workers=0, batch_size=4, progress=False)
    assert res["processed"] == 12 and res["failed"] == 0
    return store


def test_run_is_idempotent(reference, corpus, tmp_path):
    snap = st.snapshot(reference)
    assert len(snap["documents"]) == 12 and len(snap["analyses"]) == 12 and len(snap["spans"]) > 0
    res = run_batch([str(corpus)], reference, model="baseline", workers=0, batch_size=5, progress=False)
    assert (res["processed"], res["skipped"], res["failed"]) == (0, 12, 0)
    assert st.snapshot(reference) == snap
    con = st.connect(reference, read_only=True)
    runs = st.runs_frame(con)
    con.close()
    assert list(runs.status) == ["done", "done"] and list(runs.processed) == [12, 0]


def test_metadata_is_stored(reference, corpus):
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    con = st.connect(reference, read_only=True)
    arts = st.article_frame(con, model_version_of("baseline").version).set_index("doc_id")
    con.close()
    for row in rows:
        a = arts.loc[row["id"]]
        assert a.outlet == row["outlet"] and a.title == row["title"] and str(a.published)[:10] == row["published"]


def test_bad_inputs_are_recorded_not_fatal(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("A plain report.\n\nThe council met and talked about the budget for two hours.", encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "e", "text": "   "}) + "\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    res = run_batch([str(bad), str(tmp_path / "missing.txt"), str(good)], store, model="baseline", workers=0, progress=False)
    assert (res["processed"], res["failed"]) == (1, 2)
    con = st.connect(store, read_only=True)
    fails = st.failures_frame(con)
    con.close()
    assert len(fails) == 2
    assert any("empty" in e for e in fails.error) and any("no such file" in e for e in fails.error)


class _FlakyAnalyzer:
    """Fails on texts containing BOOM, in batches and alone."""

    model_info = {"name": "fake"}

    def pipe(self, docs, batch_size=8):
        if any("BOOM" in d.text for d in docs):
            raise RuntimeError("cannot analyse BOOM")
        from propscan.analysis import build_analysis

        return [build_analysis(d, [d.span(0, 4, "Doubt", score=0.5)], voice=False) for d in docs]

    def __call__(self, doc):
        return self.pipe([doc])[0]


def test_one_bad_document_fails_alone():
    docs = [{"content_hash": str(i), "doc_id": str(i), "text": t} for i, t in enumerate(["Fine text.", "BOOM text.", "More text."])]
    out = analyze_docs(_FlakyAnalyzer(), docs, batch_size=8)
    assert [r["ok"] for r in out] == [True, False, True]
    assert out[1]["error"] == "RuntimeError: cannot analyse BOOM"
    assert out[0]["spans"][0][:4] == [0, 4, "Doubt", 0.5]


def test_options_are_checked(tmp_path):
    from propscan.errors import InputError

    with pytest.raises(InputError, match="engine"):
        run_batch(["x"], tmp_path / "s.duckdb", engine="spark", progress=False)
    with pytest.raises(InputError, match="batch_size"):
        run_batch(["x"], tmp_path / "s.duckdb", batch_size=0, progress=False)


# ---- THE KILL TEST ----------------------------------------------------------------------------


def _launch(corpus: Path, store: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "propscan.corpus.batch", str(corpus), "--store", str(store), "--model", "baseline",
           "--workers", "2", "--batch-size", "2", "--log-commits", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    # own process group: SIGKILL takes the parent and its workers down at once, like a pulled plug
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                            start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()


def _wait_commits(proc: subprocess.Popen, n: int, timeout: float = 300) -> int:
    seen = 0
    deadline = time.monotonic() + timeout
    while seen < n and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("committed "):
            seen += 1
    return seen


def _analyses(store: Path) -> int:
    con = st.connect(store, read_only=True)
    try:
        return st.count_rows(con)["analyses"]
    finally:
        con.close()


@pytest.mark.slow
def test_sigkill_at_any_moment_loses_and_duplicates_nothing(tmp_path):
    corpus = write_jsonl(tmp_path / "syn40.jsonl", 40, seed=11)
    ref = tmp_path / "ref.duckdb"
    run_batch([str(corpus)], ref, model="baseline", workers=0, batch_size=3, progress=False)
    store = tmp_path / "killed.duckdb"

    # 1. kill right after the first committed batch
    proc = _launch(corpus, store)
    assert _wait_commits(proc, 1) == 1
    _kill(proc)
    first = _analyses(store)
    assert 0 < first < 40, first

    # 2. resume, kill again after two more commits
    proc = _launch(corpus, store)
    assert _wait_commits(proc, 2) == 2
    _kill(proc)
    second = _analyses(store)
    assert first < second < 40, (first, second)

    # 3. kills at random moments (during start-up, model loading, inference or a commit)
    rng = random.Random(5)
    for _ in range(3):
        proc = _launch(corpus, store)
        time.sleep(rng.uniform(0.2, 4.0))
        _kill(proc)
        assert _analyses(store) >= second

    # 4. run to completion
    proc = _launch(corpus, store)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0
    final = json.loads(out.strip().splitlines()[-1])
    assert final["processed"] + final["skipped"] == 40 and final["failed"] == 0
    assert st.snapshot(store) == st.snapshot(ref)
    assert len(st.snapshot(store)["analyses"]) == 40
