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
    [(b"", "empty"), (b"   \n\t ", "empty"), (b"\xff\xfe\x00bad", "binary"), (b"caf\xe9 latin-1", "UTF-8")],
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
