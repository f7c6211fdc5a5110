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
        from propscan.analysis.analyzer import build_analysis

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
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
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


# ---- nothing lost: a bad file or row fails alone, with its location; re-runs retry only it ----------


def _good(i: int) -> str:
    return f"Report {i}. The council met on day {i} and talked about the harbour budget for two hours."


def _pages_with_a_bad_file(tmp_path) -> Path:
    """``pages/`` with a.txt and c.txt readable and b.txt not UTF-8 (it fails alone)."""
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text(_good(1), encoding="utf-8")
    (folder / "b.txt").write_bytes(b"caf\xe9 latin-1, not UTF-8")
    (folder / "c.txt").write_text(_good(3), encoding="utf-8")
    return folder


def test_a_bad_file_or_row_does_not_drop_the_rest_of_its_input(tmp_path):
    folder = _pages_with_a_bad_file(tmp_path)
    (folder / "d.html").write_text(f"<html><body><p>{_good(4)}</p></body></html>", encoding="utf-8")
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        "\n".join([
            json.dumps({"id": "r1", "text": _good(11)}),
            '{"id": "r2", "text": "broken',
            json.dumps({"id": "r3", "text": _good(13)}),
            json.dumps({"id": "r4", "text": "   "}),
            json.dumps({"id": "r5", "text": _good(15)}),
        ]) + "\n",
        encoding="utf-8",
    )
    store = tmp_path / "s.duckdb"
    res = run_batch([str(folder), str(rows)], store, model="baseline", workers=0, batch_size=2, progress=False)
    assert (res["processed"], res["failed"]) == (6, 3)
    assert sorted(f["location"] for f in res["failures"]) == sorted(
        [str(folder / "b.txt"), f"{rows}:2", f"{rows}:4"])
    con = st.connect(store, read_only=True)
    fails = st.failures_frame(con)
    docs = sorted(st.article_frame(con, res["model_version"]).doc_id)
    con.close()
    assert docs == ["a", "c", "d", "r1", "r3", "r5"]
    assert sorted(fails.location) == sorted([str(folder / "b.txt"), f"{rows}:2", f"{rows}:4"])
    assert set(fails.source) == {str(folder), str(rows)}

    # a re-run analyses nothing again and still reports the same three failures (no duplicates)
    again = run_batch([str(folder), str(rows)], store, model="baseline", workers=0, progress=False)
    assert (again["processed"], again["skipped"], again["failed"]) == (0, 6, 3)
    con = st.connect(store, read_only=True)
    assert len(st.failures_frame(con)) == 3
    con.close()

    # fixed inputs: only they are analysed, and their failure rows are gone
    (folder / "b.txt").write_text(_good(2), encoding="utf-8")
    rows.write_text(rows.read_text(encoding="utf-8").replace('{"id": "r2", "text": "broken',
                                                             json.dumps({"id": "r2", "text": _good(12)})),
                    encoding="utf-8")
    fixed = run_batch([str(folder), str(rows)], store, model="baseline", workers=0, progress=False)
    assert (fixed["processed"], fixed["skipped"], fixed["failed"]) == (2, 6, 1)
    con = st.connect(store, read_only=True)
    assert list(st.failures_frame(con).location) == [f"{rows}:4"]
    con.close()


def test_module_script_exits_non_zero_when_anything_failed_unless_partial_is_allowed(tmp_path, capsys):
    from propscan.corpus.batch import main

    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"id": "ok", "text": _good(1)}) + "\n" + json.dumps({"id": "bad", "text": ""}) + "\n",
                    encoding="utf-8")
    args = [str(rows), "--store", str(tmp_path / "s.duckdb"), "--model", "baseline", "--workers", "0", "--no-progress"]
    assert main(args) == 1
    out, err = capsys.readouterr()
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["failed"] == 1 and summary["failures"][0]["location"] == f"{rows}:2"
    assert "--allow-partial" in err
    assert main([*args, "--allow-partial"]) == 0


# ---- workers die with their parent (#7) ----------------------------------------------------------------


_ORPHAN_PARENT = r"""
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp
from propscan.corpus.batch import die_with_parent

def init(parent):
    die_with_parent(parent, poll=0.2)

def pid(_):
    return os.getpid()

if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    lock = ctx.Lock()  # like a real pool: makes the parent start multiprocessing's resource tracker
    pool = ProcessPoolExecutor(2, mp_context=ctx, initializer=init, initargs=(os.getpid(),))
    pids = set()
    while len(pids) < 2:
        pids |= set(pool.map(pid, range(8)))
    print(" ".join(map(str, sorted(pids))), flush=True)
    time.sleep(600)
"""


def _children(pid: int) -> set[int]:
    """Every process whose parent is ``pid`` (read from /proc)."""
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_and_resource_tracker_die_when_the_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(_ORPHAN_PARENT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        workers = set(map(int, proc.stdout.readline().split()))
        assert len(workers) == 2
        family = _children(proc.pid)
        assert workers <= family and len(family) >= 3  # the workers and the resource tracker
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, not its process group
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(p) for p in family):
            time.sleep(0.1)
        assert not [p for p in family if _alive(p)], "orphans survived their parent"
    finally:
        for p in _children(proc.pid) | {proc.pid}:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        proc.stdout.close()


def test_the_batch_worker_initialiser_arms_the_parent_watch(monkeypatch):
    from propscan.corpus import worker

    seen = []
    monkeypatch.setattr(worker, "die_with_parent", lambda pid, **kw: seen.append(pid))

    class Stop(Exception):
        pass

    def no_model(*a, **k):
        raise Stop

    monkeypatch.setattr("propscan.analysis.analyzer.Analyzer", no_model)
    with pytest.raises(Stop):
        worker.init_worker("baseline", 0.0, 8, 1, 4242)
    assert seen == [4242]


def test_batch_command_exits_non_zero_when_anything_failed_unless_partial_is_allowed(tmp_path):
    from typer.testing import CliRunner

    from propscan.cli import app

    folder = _pages_with_a_bad_file(tmp_path)
    store = tmp_path / "s.duckdb"
    res = CliRunner().invoke(app, ["batch", str(folder), "--store", str(store), "--model", "baseline"])
    assert res.exit_code == 1 and "1 input(s) failed" in res.output
    assert '"processed": 2' in res.output  # both good files stored despite the bad one between them
    ok = CliRunner().invoke(app, ["batch", str(folder), "--store", str(store), "--model", "baseline", "--allow-partial"])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize("threads", [1, 2])
def test_worker_initialiser_pins_torch_threads(threads):
    """Each worker process runs with the configured number of torch threads (set before the model loads)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    import torch

    from propscan.corpus.batch import init_worker

    key = model_version_of("baseline")
    init_args = (str(key.directory), 0.0, 8, threads, None)
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"), initializer=init_worker,
                             initargs=init_args) as pool:
        assert pool.submit(torch.get_num_threads).result(timeout=120) == threads


def test_default_threads_is_one_per_worker():
    from propscan.corpus.batch import default_threads
    from propscan.errors import InputError

    assert default_threads(2) == default_threads(8) == 1
    assert default_threads(1) == default_threads(0) == (os.cpu_count() or 1)
    with pytest.raises(InputError):
        run_batch(["x"], "unused.duckdb", threads=0)
