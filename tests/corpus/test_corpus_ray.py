"""The Ray Data engine gives the same store as the local engine (skipped when ray is not installed)."""

from __future__ import annotations

import json

import pytest

from propscan.corpus import store as st
from propscan.corpus.batch import run_batch
from propscan.corpus.ray_engine import COLUMNS, SUCCESS, ingest_shards, shard_root
from propscan.corpus.synthetic import write_jsonl


@pytest.mark.slow
def test_ray_engine_matches_local(tmp_path):
    pytest.importorskip("ray")
    corpus = write_jsonl(tmp_path / "syn.jsonl", 16, seed=2)
    local = tmp_path / "local.duckdb"
    run_batch([str(corpus)], local, model="baseline", workers=0, batch_size=4, progress=False)
    ray_store = tmp_path / "ray.duckdb"
    res = run_batch([str(corpus)], ray_store, model="baseline", engine="ray", workers=2, batch_size=4, progress=False)
    assert (res["processed"], res["failed"]) == (16, 0)
    assert st.snapshot(ray_store) == st.snapshot(local)
    assert not shard_root(ray_store).exists()  # shards ingested and removed
    res = run_batch([str(corpus)], ray_store, model="baseline", engine="ray", workers=2, batch_size=4, progress=False)
    assert (res["processed"], res["skipped"]) == (0, 16)
    assert st.snapshot(ray_store) == st.snapshot(local)


def test_leftover_shards_are_ingested_once_and_partial_ones_dropped(tmp_path):
    """A run killed after writing shards: complete shards are ingested (idempotently), partial ones discarded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from propscan.corpus.batch import _Job, _make_progress, model_version_of

    store = tmp_path / "s.duckdb"
    root = shard_root(store)
    row = {"content_hash": "h" * 64, "doc_id": "a", "text": "Shameless lies.", "title": None, "outlet": "X", "url": None,
           "published": "2024-02-03", "source": "in.jsonl", "ok": True, "score": 0.4, "n_words": 2,
           "spans_json": json.dumps([[0, 9, "Loaded_Language", 0.7, "author", None, None]]), "error": None,
           "model_name": "baseline"}
    table = pa.Table.from_pylist([row], schema=pa.schema([(c, pa.float64() if c == "score" else pa.int64() if c == "n_words"
                                                            else pa.bool_() if c == "ok" else pa.string()) for c in COLUMNS]))
    for name, done in (("complete", True), ("partial", False)):
        (root / name).mkdir(parents=True)
        pq.write_table(table, root / name / "part-0.parquet")
        if done:
            (root / name / SUCCESS).touch()
    con = st.connect(store)
    prog, task = _make_progress(False, None)
    job = _Job(con, model_version_of("baseline"), "r", store, prog, task)
    assert ingest_shards(job, root) == 1
    assert ingest_shards(job, root) == 0 and not any(root.iterdir())
    assert st.count_rows(con)["analyses"] == 1 and st.count_rows(con)["spans"] == 1
    (span,) = st.table_rows(con, "spans")
    assert span[2:5] == (0, 9, "Loaded_Language")
    con.close()


@pytest.mark.slow
def test_ray_actors_are_created_once_per_run(tmp_path):
    """Every batch of a run is analysed by the same `workers` actors (one model load each), not new ones per chunk."""
    pytest.importorskip("ray")
    import ray

    from propscan.corpus.batch import _Job, _make_progress, model_version_of
    from propscan.corpus.ray_engine import run_ray

    corpus = write_jsonl(tmp_path / "syn.jsonl", 24, seed=3)
    store = tmp_path / "s.duckdb"
    con = st.connect(store)
    prog, task = _make_progress(False, None)
    job = _Job(con, model_version_of("baseline"), "r", store, prog, task)
    stats = run_ray(job, [str(corpus)], workers=2, batch_size=2, text_column="text", threads=1)
    assert job.counts["processed"] == 24 and job.counts["failed"] == 0
    assert stats["batches"] == 12
    assert stats["actors_created"] == 2  # constructor calls: one per actor for the whole run
    assert len(stats["actor_pids"]) == 2  # and only those two processes served the 12 batches
    assert not ray.is_initialized()  # the run started Ray, so it shut it down
    con.close()
