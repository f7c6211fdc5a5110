"""The CLI contract: formats, exit codes, one-line errors, no half-written files."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from propscan.cli import app
from propscan.techniques import NAMES

runner = CliRunner()


def run(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def test_techniques_lists_all_fourteen():
    res = run("techniques", "--json")
    assert res.exit_code == 0
    assert [r["name"] for r in json.loads(res.stdout)] == list(NAMES)


def test_analyze_jsonl_contract(example_article, tmp_path):
    out = tmp_path / "out.jsonl"
    res = run("analyze", str(example_article), "--format", "jsonl", "--output", str(out), "--model", "baseline")
    assert res.exit_code == 0, res.output
    rec = json.loads(out.read_text().splitlines()[0])
    text = example_article.read_text(encoding="utf-8")
    assert rec["id"] == "article_demo" and 0.0 <= rec["score"] <= 1.0
    assert rec["spans"], "the example article should get spans"
    for sp in rec["spans"]:
        assert {"start", "end", "technique", "score"} <= set(sp)
        assert sp["technique"] in NAMES and 0.0 <= sp["score"] <= 1.0
        assert sp["text"] == text[sp["start"] : sp["end"]]


def test_analyze_article_id_from_file_name_and_semeval_output(tmp_path):
    art = tmp_path / "article123.txt"
    art.write_text("Title\n\nThese corrupt, lying traitors will destroy our great nation.\n", encoding="utf-8")
    res = run("analyze", str(art), "--format", "semeval-tc", "--model", "baseline")
    assert res.exit_code == 0
    for line in res.stdout.splitlines():
        aid, tech, s, e = line.split("\t")
        assert aid == "123" and tech in NAMES and int(s) < int(e)
    res = run("analyze", str(art), "--format", "semeval-si", "--model", "baseline", "--threshold", "0.99")
    assert res.exit_code == 0 and res.stdout == ""


def test_analyze_reads_stdin():
    res = run("analyze", "-", "--format", "json", "--model", "baseline", input="They are shameless liars and cowards.\n")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["document"]["text"] == "They are shameless liars and cowards.\n"


@pytest.mark.parametrize(
    "content,needle",
    [(b"", "empty"), (b"   \n\t ", "empty"), (b"\x89PNG\x00bad", "binary"), (b"caf\xe9 latin-1", "UTF-8")],
)
def test_bad_input_one_line_error_and_no_output(tmp_path, content, needle):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    out = tmp_path / "out.json"
    res = run("analyze", str(f), "--format", "json", "--output", str(out), "--model", "baseline")
    assert res.exit_code != 0
    err = res.stderr.strip()
    assert needle in err and "Traceback" not in res.output and len(err.splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".out.json*"))


def test_missing_file_is_one_line_error(tmp_path):
    res = run("analyze", str(tmp_path / "nope.txt"), "--model", "baseline")
    assert res.exit_code != 0 and "no such file" in res.stderr and "Traceback" not in res.output


def test_evaluate_reproduces_official_sample(scorer_sample):
    res = run("evaluate", "--task", "si", "--gold", str(scorer_sample / "article736757214.task-SI.labels"),
              "--pred", str(scorer_sample / "submission-task-SI.tsv"))
    assert res.exit_code == 0
    assert "Precision=1.929825/2=0.964912" in res.stdout and "Recall=1.947458/4=0.486864" in res.stdout
    assert "F1=0.647181" in res.stdout
    res = run("evaluate", "--task", "tc", "--gold", str(scorer_sample / "article736757214.labels-task-TC"),
              "--pred", str(scorer_sample / "submission-task-TC.tsv"), "--json")
    assert json.loads(res.stdout)["f1"] == pytest.approx(0.6)


def test_evaluate_rejects_unknown_technique_and_out_of_range(tmp_path, scorer_sample):
    bad = tmp_path / "bad.tsv"
    bad.write_text("736757214\tMade_Up\t0\t5\n")
    res = run("evaluate", "--task", "tc", "--gold", str(scorer_sample / "article736757214.labels-task-TC"), "--pred", str(bad))
    assert res.exit_code != 0 and "unknown technique" in res.stderr
    tmpl = tmp_path / "tmpl.tsv"
    tmpl.write_text("736757214\t?\t0\t999999\n")
    res = run("classify", "--articles", str(scorer_sample), "--spans", str(tmpl), "--output", str(tmp_path / "o.txt"), "--model", "baseline")
    assert res.exit_code != 0 and "beyond" in res.stderr and not (tmp_path / "o.txt").exists()


def test_classify_writes_template_order(tmp_path, scorer_sample):
    tmpl = tmp_path / "tmpl.tsv"
    rows = (scorer_sample / "article736757214.labels-task-TC").read_text().splitlines()
    tmpl.write_text("".join("\t".join([r.split("\t")[0], "?", *r.split("\t")[2:]]) + "\n" for r in rows))
    out = tmp_path / "tc.txt"
    res = run("classify", "--articles", str(scorer_sample), "--spans", str(tmpl), "--output", str(out), "--model", "baseline")
    assert res.exit_code == 0
    got = [line.split("\t") for line in out.read_text().splitlines()]
    assert [(g[0], g[2], g[3]) for g in got] == [(r.split("\t")[0], *r.split("\t")[2:]) for r in rows]
    assert all(g[1] in NAMES for g in got)


def test_span_tables_csv_and_parquet(example_article, tmp_path):
    import pandas as pd

    for fmt in ("csv", "parquet"):
        out = tmp_path / f"spans.{fmt}"
        res = run("analyze", str(example_article), "--format", fmt, "-o", str(out), "--model", "baseline")
        assert res.exit_code == 0, res.output
        df = pd.read_csv(out) if fmt == "csv" else pd.read_parquet(out)
        text = example_article.read_text(encoding="utf-8")
        assert len(df) > 0 and set(df["doc_id"]) == {"article_demo"}
        assert all(text[s:e] == t for s, e, t in zip(df["start"], df["end"], df["text"]))


def test_jsonl_input_with_metadata_columns(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "n1", "body": "Those spineless cowards betrayed us all.", "outlet": "Daily X"}) + "\n")
    res = run("analyze", str(src), "--text-column", "body", "--format", "jsonl", "--model", "baseline")
    assert res.exit_code == 0, res.output
    rec = json.loads(res.stdout)
    assert rec["id"] == "n1" and rec["document"]["outlet"] == "Daily X"


def test_no_inputs_is_a_clear_error():
    res = run("analyze", "--model", "baseline")
    assert res.exit_code != 0 and "nothing to analyse" in res.stderr


# ---- "Nothing lost, nothing stalls" ------------------------------------------------------------------


def test_analyze_folder_with_bad_files_analyses_the_good_ones_and_exits_1(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text("Title\n\nThese corrupt, lying traitors will destroy our great nation.\n", encoding="utf-8")
    (folder / "b.txt").write_bytes(b"caf\xe9 latin-1")
    (folder / "c.txt").write_text("Title\n\nThose spineless cowards betrayed us all.\n", encoding="utf-8")
    res = run("analyze", str(folder), "--format", "jsonl", "--model", "baseline")
    assert res.exit_code == 1
    assert [json.loads(line)["id"] for line in res.stdout.splitlines()] == ["a", "c"]
    assert "b.txt: not valid UTF-8" in res.stderr and "--allow-partial" in res.stderr and "Traceback" not in res.output
    ok = run("analyze", str(folder), "--format", "jsonl", "--model", "baseline", "--allow-partial")
    assert ok.exit_code == 0 and len(ok.stdout.splitlines()) == 2 and "b.txt" in ok.stderr


def test_analyze_jsonl_with_bad_rows_keeps_the_rows_after_them(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "1", "text": "They are cowards."}) + "\n"
        + '{"id": "2", "text": "broken\n'
        + json.dumps({"id": "3", "text": "Lone \ud800 surrogate."}) + "\n"
        + json.dumps({"id": "4", "text": "Liars, all of them."}) + "\n",
        encoding="utf-8",
    )
    res = run("analyze", str(src), "--format", "jsonl", "--model", "baseline")
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert [json.loads(line)["id"] for line in res.stdout.splitlines()] == ["1", "4"]
    assert f"{src}:2: not valid JSON" in res.stderr and f"{src}:3" in res.stderr and "lone surrogate" in res.stderr


def test_csv_output_neutralises_formula_cells(tmp_path):
    import pandas as pd

    src = tmp_path / "in.jsonl"
    rows = [{"id": "=HYPERLINK(\"http://evil.example\",\"x\")", "text": "These corrupt, lying traitors will destroy us."},
            {"id": "@SUM(A1)", "text": "Those spineless cowards betrayed us all, the traitors."}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "spans.csv"
    res = run("analyze", str(src), "--format", "csv", "-o", str(out), "--model", "baseline", "--threshold", "0")
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(df) > 0
    for col in df.columns:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in df[col]), col
    assert set(df["doc_id"]) <= {"'" + r["id"] for r in rows}


def test_output_to_a_folder_names_the_folder_not_a_temp_file(tmp_path, example_article):
    res = run("analyze", str(example_article), "--format", "json", "-o", str(tmp_path), "--model", "baseline")
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert f"{tmp_path}: is a folder" in res.stderr and ".tmp" not in res.stderr
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("offset", ["١٢", "1_0", "+3", "-0", "１２"])
def test_evaluate_accepts_only_ascii_digit_offsets(tmp_path, offset):
    gold = tmp_path / "gold.tsv"
    gold.write_text("1\t0\t5\n", encoding="utf-8")
    pred = tmp_path / "pred.tsv"
    pred.write_text(f"1\t{offset}\t20\n", encoding="utf-8")
    res = run("evaluate", "--task", "si", "--gold", str(gold), "--pred", str(pred))
    assert res.exit_code != 0 and "offsets must be integers" in res.stderr and "Traceback" not in res.output
