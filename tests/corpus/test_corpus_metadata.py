"""Metadata of analysed texts: re-batching updates documents (never duplicates them), and
``propscan update-metadata`` / ``batch --metadata`` attach metadata by id or content hash.

Texts are the synthetic articles of :mod:`propscan.corpus.synthetic` (composed here); the model
is the small ``baseline``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from propscan.cli import app
from propscan.corpus import store as st
from propscan.corpus.batch import model_version_of, run_batch
from propscan.corpus.metadata import read_metadata, update_metadata
from propscan.corpus.report import build_report
from propscan.corpus.synthetic import synthetic_rows
from propscan.document import content_hash
from propscan.errors import InputError

N = 9


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _batch(inputs, store: Path, **kw) -> dict:
    return run_batch([str(i) for i in inputs], store, model="baseline", workers=0, batch_size=4, progress=False, **kw)


def _docs(store: Path) -> dict[str, dict]:
    con = st.connect(store, read_only=True)
    try:
        rows = con.execute("SELECT doc_id, content_hash, outlet, title, published, source FROM documents").fetchall()
    finally:
        con.close()
    return {r[0]: {"hash": r[1], "outlet": r[2], "title": r[3], "published": r[4], "source": r[5]} for r in rows}


def _changes(store: Path):
    con = st.connect(store, read_only=True)
    try:
        return st.metadata_changes_frame(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return list(synthetic_rows(N, seed=3))


def test_rebatching_with_metadata_updates_the_documents_instead_of_adding_them(tmp_path, rows):
    store = tmp_path / "s.duckdb"
    # 1. the texts alone: no id (the id is the hash's first 12 hex digits), no outlet, no date
    bare = _jsonl(tmp_path / "bare.jsonl", [{"text": r["text"]} for r in rows])
    first = _batch([bare], store)
    assert (first["processed"], first["updated"], first["failed"]) == (N, 0, 0)
    before = st.snapshot(store)

    # 2. the same texts again with ids, outlets and dates: the N documents take them; nothing is added
    full = _jsonl(tmp_path / "full.jsonl", rows)
    second = _batch([full], store)
    assert (second["processed"], second["skipped"], second["updated"], second["failed"]) == (0, N, N, 0)
    after = st.snapshot(store)
    assert len(after["documents"]) == N and after["analyses"] == before["analyses"] and after["spans"] == before["spans"]
    docs = _docs(store)
    assert set(docs) == {r["id"] for r in rows}
    for r in rows:
        d = docs[r["id"]]
        assert (d["outlet"], d["title"], str(d["published"]), d["source"]) == (r["outlet"], r["title"], r["published"], str(full))
    rep = build_report(store, by="outlet", n_boot=200)
    assert "(unknown)" not in rep.group_names
    assert int(rep.groups[rep.groups.metric == "score"].n_articles.sum()) == N

    # every change is recorded: the id the text gained, and each field, with where it came from
    ch = _changes(store)
    r0 = rows[0]
    mine = ch[ch.doc_id == r0["id"]].set_index("field")
    assert mine.loc["doc_id"].old_value == content_hash(r0["text"])[:12] and mine.loc["doc_id"].new_value == r0["id"]
    assert pd_isna(mine.loc["outlet"].old_value) and mine.loc["outlet"].new_value == r0["outlet"]
    assert mine.loc["published"].new_value == r0["published"] and mine.loc["outlet"].origin == str(full)
    assert set(ch.run_id) == {second["run_id"]}

    # 3. latest non-empty value wins: an empty outlet keeps the stored one, a new one replaces it
    newer = [dict(rows[0], outlet=""), dict(rows[1], outlet="The Renamed Gazette")]
    newer_path = _jsonl(tmp_path / "newer.jsonl", newer)
    third = _batch([newer_path], store)
    assert (third["processed"], third["skipped"], third["updated"]) == (0, 2, 2)  # both were read from a new file
    docs = _docs(store)
    assert docs[rows[0]["id"]]["outlet"] == rows[0]["outlet"]
    assert docs[rows[1]["id"]]["outlet"] == "The Renamed Gazette"
    last = _changes(store)
    last = last[last.run_id == third["run_id"]].sort_values(["doc_id", "field"])
    assert list(zip(last.doc_id, last.field, last.old_value, last.new_value, strict=True)) == [
        (rows[0]["id"], "source", str(full), str(newer_path)),
        (rows[1]["id"], "outlet", rows[1]["outlet"], "The Renamed Gazette"),
        (rows[1]["id"], "source", str(full), str(newer_path))]

    # 4. the same input again changes nothing
    snap = st.snapshot(store)
    again = _batch([tmp_path / "newer.jsonl"], store)
    assert (again["processed"], again["skipped"], again["updated"]) == (0, 2, 0)
    assert st.snapshot(store) == snap and len(_changes(store)) == len(_changes(store).drop_duplicates())


def pd_isna(v) -> bool:
    import pandas as pd

    return bool(pd.isna(v))


def test_a_folder_then_a_table_with_the_same_ids_updates_and_other_given_ids_stay_separate(tmp_path, rows):
    folder = tmp_path / "articles"
    folder.mkdir()
    for r in rows[:3]:
        (folder / f"{r['id']}.txt").write_text(r["text"], encoding="utf-8")
    store = tmp_path / "s.duckdb"
    assert _batch([folder], store)["processed"] == 3
    # the table names the same documents by the file names' ids: they are updated
    res = _batch([_jsonl(tmp_path / "meta.jsonl", rows[:3])], store)
    assert (res["processed"], res["updated"]) == (0, 3)
    assert {d["outlet"] for d in _docs(store).values()} == {r["outlet"] for r in rows[:3]}
    # the same text under another given id is another article (syndication), analysed once
    syndicated = dict(rows[0], id="wire-copy", outlet="Wire Service")
    res = _batch([_jsonl(tmp_path / "wire.jsonl", [syndicated])], store)
    assert (res["processed"], res["updated"]) == (1, 0)
    con = st.connect(store, read_only=True)
    counts = st.count_rows(con)
    con.close()
    assert counts["documents"] == 4 and counts["analyses"] == 3


def test_update_metadata_by_id_and_by_content_hash_and_unknown_ids_are_reported(tmp_path, rows):
    store = tmp_path / "s.duckdb"
    _batch([_jsonl(tmp_path / "in.jsonl", [{"id": r["id"], "text": r["text"]} for r in rows[:4]])], store)
    h3 = content_hash(rows[3]["text"])
    meta = _csv(tmp_path / "meta.csv", ["ID", "content_hash", "Outlet", "date", "title", "notes"], [
        [rows[0]["id"], "", "Daily Planet", "2024-02-03", "", "x"],
        [rows[1]["id"], "", "Daily Planet", "", "A title", ""],
        ["", h3, "Evening Star", "2024-05-06", "", ""],
        ["no-such-id", "", "Nowhere News", "", "", ""],
        ["", "f" * 64, "Nowhere News", "", "", ""],
        [rows[2]["id"], "", "", "not a date", "", ""],
    ])
    res = update_metadata(store, meta)
    assert (res["rows"], res["matched"], res["updated"]) == (6, 3, 3)
    assert res["n_unknown"] == 2 and [u["line"] for u in res["unknown"]] == [5, 6]
    assert res["unknown"][0]["id"] == "no-such-id" and res["unknown"][1]["content_hash"] == "f" * 64
    assert res["n_invalid"] == 1 and res["invalid"][0]["line"] == 7 and "YYYY-MM-DD" in res["invalid"][0]["error"]
    assert res["ignored_columns"] == ["notes"]
    docs = _docs(store)
    assert (docs[rows[0]["id"]]["outlet"], docs[rows[0]["id"]]["published"]) == ("Daily Planet", dt.date(2024, 2, 3))
    assert docs[rows[1]["id"]]["title"] == "A title" and docs[rows[1]["id"]]["published"] is None
    assert docs[rows[3]["id"]]["outlet"] == "Evening Star"
    assert docs[rows[2]["id"]]["outlet"] is None  # its row was invalid: nothing applied
    ch = _changes(store)
    assert set(ch.origin) == {str(meta)} and len(ch) == 6  # outlet+published, outlet+title, outlet+published

    # the command: unknown ids are listed and fail the run, unless --allow-partial
    cli = CliRunner().invoke(app, ["update-metadata", str(store), str(meta)])
    assert cli.exit_code == 1, cli.output
    assert "2 metadata row(s) matched no document" in cli.output and "no-such-id" in cli.output
    ok = CliRunner().invoke(app, ["update-metadata", str(store), str(meta), "--allow-partial"])
    assert ok.exit_code == 0, ok.output
    assert len(_changes(store)) == 6  # applying it again changed nothing


def test_batch_metadata_option_attaches_after_the_analysis_and_checks_the_file_first(tmp_path, rows):
    src = _jsonl(tmp_path / "in.jsonl", [{"id": r["id"], "text": r["text"]} for r in rows[:3]])
    meta = _csv(tmp_path / "outlets.csv", ["id", "outlet", "published"],
                [[r["id"], r["outlet"], r["published"]] for r in rows[:3]])
    store = tmp_path / "s.duckdb"
    res = CliRunner().invoke(app, ["batch", str(src), "--store", str(store), "--model", "baseline", "--metadata", str(meta)])
    assert res.exit_code == 0, res.output
    docs = _docs(store)
    assert {k: v["outlet"] for k, v in docs.items()} == {r["id"]: r["outlet"] for r in rows[:3]}
    # an unknown id fails the command (after storing everything), unless --allow-partial
    bad = _csv(tmp_path / "bad.csv", ["id", "outlet"], [["ghost", "Nowhere News"]])
    res = CliRunner().invoke(app, ["batch", str(src), "--store", str(store), "--model", "baseline", "--metadata", str(bad)])
    assert res.exit_code == 1 and "ghost" in res.output
    # a metadata file without an id column is refused before anything is analysed
    nokey = _csv(tmp_path / "nokey.csv", ["outlet"], [["X"]])
    with pytest.raises(InputError, match="no 'id' or 'content_hash' column"):
        _batch([src], tmp_path / "never.duckdb", metadata=nokey)
    assert not (tmp_path / "never.duckdb").exists()


def test_read_metadata_refuses_files_it_cannot_use(tmp_path):
    with pytest.raises(InputError, match="no metadata column"):
        read_metadata(_csv(tmp_path / "a.csv", ["id", "colour"], [["x", "red"]]))
    with pytest.raises(InputError, match="more fields than the header"):
        read_metadata(_csv(tmp_path / "b.csv", ["id", "outlet"], [["x", "A", "extra"]]))
    rows, info = read_metadata(_jsonl(tmp_path / "c.jsonl", [{"content_hash": "A" * 64, "outlet": "Up"},
                                                             {"content_hash": "xyz", "outlet": "Bad"}]))
    assert [(r.line, r.content_hash) for r in rows] == [(1, "a" * 64)] and info["invalid"][0]["line"] == 2


def test_a_document_read_without_an_id_updates_the_one_stored_under_an_id(tmp_path, rows):
    store = tmp_path / "s.duckdb"
    _batch([_jsonl(tmp_path / "ids.jsonl", [{"id": "a1", "text": rows[0]["text"]}])], store)
    res = _batch([_jsonl(tmp_path / "noid.jsonl", [{"text": rows[0]["text"], "outlet": "Late Edition"}])], store)
    assert (res["processed"], res["updated"]) == (0, 1)
    assert {k: v["outlet"] for k, v in _docs(store).items()} == {"a1": "Late Edition"}
    mv = model_version_of("baseline").version
    con = st.connect(store, read_only=True)
    assert len(st.article_frame(con, mv)) == 1
    con.close()
