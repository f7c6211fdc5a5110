"""Corpus store: schema, one-transaction batch writes, idempotence, Parquet export (no model needed)."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq
import pytest

from propscan.corpus import store as st
from propscan.document import content_hash
from propscan.errors import CorpusError, InputError


def _record(text: str, doc_id: str, *, mv: str = "m1", outlet: str | None = "A", spans=()) -> st.AnalysisRecord:
    return st.AnalysisRecord(content_hash(text), mv, doc_id, text, score=0.25, n_words=len(text.split()),
                             spans=tuple(spans), outlet=outlet, published=dt.date(2024, 3, 5), source="in.jsonl",
                             model_name="baseline")


def test_round_trip(tmp_path):
    path = tmp_path / "s.duckdb"
    con = st.connect(path)
    text = "They are cowards. Everyone knows it."
    rec = _record(text, "d1", spans=[st.SpanRow(9, 16, "Name_Calling,Labeling", 0.8, "author", None, "cowards")])
    assert st.write_batch(con, [rec], run_id="r1") == 1
    con.close()
    con = st.connect(path, read_only=True)
    assert st.count_rows(con) == {"documents": 1, "analyses": 1, "spans": 1, "failures": 0, "runs": 0}
    (span,) = st.table_rows(con, "spans")
    assert span == (rec.content_hash, "m1", 9, 16, "Name_Calling,Labeling", 0.8, "author", None, "cowards")
    assert text[9:16] == "cowards"
    arts = st.article_frame(con, "m1")
    assert list(arts.doc_id) == ["d1"] and arts.month[0] == "2024-03" and arts.week[0] == "2024-W10"
    assert float(arts.score[0]) == 0.25
    tech = st.technique_frame(con, "m1")
    assert tech.technique.tolist() == ["Name_Calling,Labeling"] and float(tech.expected[0]) == pytest.approx(0.8)
    assert st.default_model_version(con) == "m1"
    con.close()


def test_write_batch_is_idempotent_and_keys_by_hash_and_model(tmp_path):
    con = st.connect(tmp_path / "s.duckdb")
    recs = [_record(f"Text number {i}.", f"d{i}", spans=[st.SpanRow(0, 4, "Doubt", 0.5)]) for i in range(5)]
    assert st.write_batch(con, recs) == 5
    before = {t: st.table_rows(con, t) for t in ("documents", "analyses", "spans")}
    assert st.write_batch(con, recs) == 0  # replaying a batch adds nothing
    assert {t: st.table_rows(con, t) for t in ("documents", "analyses", "spans")} == before
    # the same text under another id: a new document row, no new analysis
    same_text = _record("Text number 0.", "copy-of-d0", spans=[st.SpanRow(0, 4, "Doubt", 0.5)])
    assert st.write_batch(con, [same_text]) == 0
    assert st.count_rows(con)["documents"] == 6 and st.count_rows(con)["analyses"] == 5
    # another model version is another analysis
    assert st.write_batch(con, [_record("Text number 0.", "d0", mv="m2")]) == 1
    assert st.model_versions(con) == [("m1", 5), ("m2", 1)]
    assert st.done_hashes(con, "m2", [r.content_hash for r in recs]) == {recs[0].content_hash}
    assert st.known_documents(con, [(recs[1].content_hash, "d1"), (recs[1].content_hash, "zz")]) == {(recs[1].content_hash, "d1")}


def test_failed_transaction_leaves_nothing(tmp_path):
    con = st.connect(tmp_path / "s.duckdb")
    good = _record("Fine text.", "ok")
    bad = _record("Other text.", "bad")
    bad.n_words = "not a number"  # type: ignore[assignment]
    import duckdb

    with pytest.raises(duckdb.Error):
        st.write_batch(con, [good, bad])
    assert st.count_rows(con)["documents"] == 0 and st.count_rows(con)["analyses"] == 0


def test_failure_rows_are_replaced_and_cleared(tmp_path):
    con = st.connect(tmp_path / "s.duckdb")
    rec = _record("Recovered text.", "x")
    for _ in range(2):
        st.record_failure(con, model_version="m1", source="in.jsonl", doc_id="x", content_hash=rec.content_hash, error="boom")
    assert st.count_rows(con)["failures"] == 1
    st.write_batch(con, [rec])
    assert st.count_rows(con)["failures"] == 0


def test_export_parquet(tmp_path):
    path = tmp_path / "s.duckdb"
    con = st.connect(path)
    st.write_batch(con, [_record("Alpha beta gamma.", "a", spans=[st.SpanRow(0, 5, "Doubt", 0.4), st.SpanRow(6, 10, "Slogans", 0.9)]),
                         _record("Delta epsilon.", "b")])
    con.close()
    out = st.export_parquet(path, tmp_path / "pq")
    assert set(out) >= {"documents", "spans"}
    docs = pq.read_table(out["documents"]).to_pylist()
    spans = pq.read_table(out["spans"]).to_pylist()
    assert sorted(d["doc_id"] for d in docs) == ["a", "b"]
    assert [(s["doc_id"], s["start"], s["end"], s["technique"]) for s in spans] == [("a", 0, 5, "Doubt"), ("a", 6, 10, "Slogans")]
    assert not list((tmp_path / "pq").glob("*.tmp"))


def test_connect_errors(tmp_path):
    with pytest.raises(InputError, match="no such store"):
        st.connect(tmp_path / "missing.duckdb", read_only=True)
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CorpusError):
        st.connect(junk)
    with pytest.raises(CorpusError, match="no analyses"):
        st.default_model_version(st.connect(":memory:"))
