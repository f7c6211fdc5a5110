"""Conventions a user can rely on across the CLI, the library and the server.

--version and ``python -m propscan``; one technique resolver and one ``--technique/-t`` option;
help on every option; --quiet/--verbose wired to logging; CSV on stdout; output files that
follow the umask; documented environment variables; the API docs page; the serve warning.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
import typer
from typer.core import TyperOption
from typer.testing import CliRunner

import propscan
from propscan import cli
from propscan import techniques as T
from propscan.cli import app
from propscan.document import Document, Span

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()
TEXT = "Council Votes\n\nThese corrupt, lying traitors will destroy our great nation. Enough is enough!\n"


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)


def _commands() -> dict:
    group = typer.main.get_command(app)
    return dict(group.commands)  # type: ignore[attr-defined]


# ---- --version, python -m ---------------------------------------------------------------------------


def test_version_option_prints_the_package_version():
    res = run("--version")
    assert res.exit_code == 0
    assert res.stdout.strip() == f"propscan {propscan.__version__}"


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "propscan", "--version"], capture_output=True, text=True, timeout=120,
                         cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"propscan {propscan.__version__}"


# ---- technique names --------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["Loaded language", "Loaded_Language", "loaded_language", "LOADED LANGUAGE",
                                      "loaded-language", "  loaded   Language ", "Loaded__language"])
def test_every_spelling_of_a_technique_resolves(spelling):
    assert T.resolve(spelling) == "Loaded_Language"
    assert T.get(spelling).name == "Loaded_Language"


@pytest.mark.parametrize("t", T.CATALOGUE, ids=lambda t: t.id)
def test_display_names_and_semeval_ids_resolve_for_every_technique(t):
    for spelling in (t.name, t.id, t.display, t.display.upper(), t.name.replace("_", " ").lower(),
                     t.display.replace(" ", "_")):
        assert T.resolve(spelling) == t.name, spelling
    assert T.display_name(t.name) == t.display


def test_folded_spellings_never_collide():
    seen: dict[str, str] = {}
    for t in T.CATALOGUE:
        for key in (t.name, t.id, t.display):
            assert seen.setdefault(T.fold_name(key), t.name) == t.name, key


def test_resolve_names_dedups_and_reports_all_unknown_names_in_one_line():
    assert T.resolve_names(["Doubt", "doubt", "flag waving"]) == ["Doubt", "Flag-Waving"]
    assert T.resolve_names(None) is None
    with pytest.raises(T.UnknownTechniqueError) as exc:
        T.resolve_names(["Shouting", "Doubt", "Mind control"])
    msg = str(exc.value)
    assert "'Shouting'" in msg and "'Mind control'" in msg and "propscan techniques" in msg
    assert "\n" not in msg
    assert isinstance(exc.value, propscan.InputError) and isinstance(exc.value, ValueError)


def test_cli_accepts_display_names_and_rejects_unknown_ones_in_one_line():
    by_name = run("analyze", "-", "-f", "json", "--model", "baseline", "--threshold", "0", "-t", "Loaded_Language", input=TEXT)
    by_display = run("analyze", "-", "-f", "json", "--model", "baseline", "--threshold", "0", "-t", "loaded language", input=TEXT)
    assert by_name.exit_code == 0 and by_display.exit_code == 0, by_display.output
    assert by_name.stdout == by_display.stdout
    bad = run("analyze", "-", "--model", "baseline", "-t", "Shouting", input=TEXT)
    assert bad.exit_code != 0
    err = bad.stderr.strip()
    assert len(err.splitlines()) == 1 and "Shouting" in err and "propscan techniques" in err
    assert "Traceback" not in bad.output


def test_one_technique_option_everywhere():
    """Every command that filters by technique spells it --technique/-t (old --techniques only as a hidden alias)."""
    found = []
    for name, cmd in _commands().items():
        for p in cmd.params:
            if isinstance(p, TyperOption) and any("techni" in o for o in p.opts):
                if p.hidden:
                    assert p.opts == ["--techniques"], (name, p.opts)
                    continue
                found.append(name)
                assert set(p.opts) == {"--technique", "-t"}, (name, p.opts)
                assert p.multiple, name
                assert p.help == cli.TECHNIQUE_HELP
    assert {"analyze", "report"} <= set(found)


def test_every_cli_option_and_argument_has_help():
    missing = []
    for name, cmd in {"propscan": typer.main.get_command(app), **_commands()}.items():
        for p in cmd.params:
            if getattr(p, "hidden", False):
                continue
            if not (getattr(p, "help", None) or "").strip():
                missing.append(f"{name} {p.name}")
    assert not missing, f"options without help: {missing}"


@pytest.mark.parametrize("command", ["analyze", "classify", "evaluate", "train", "techniques", "serve", "batch", "report",
                                     "export", "update-metadata"])
def test_help_renders_for_every_command(command):
    res = run(command, "--help", env={"COLUMNS": "250"})
    assert res.exit_code == 0
    assert "Usage" in res.output


def test_batch_help_keeps_the_ray_extra():
    res = run("batch", "--help", env={"COLUMNS": "250"})
    assert "pip install 'propscan[ray]'" in res.output


# ---- --quiet / --verbose ---------------------------------------------------------------------------


@pytest.mark.parametrize("quiet,verbose,level", [(False, False, logging.INFO), (True, False, logging.WARNING),
                                                 (False, True, logging.DEBUG)])
def test_logging_levels_follow_quiet_and_verbose(quiet, verbose, level, capsys):
    undo = cli._configure_logging(quiet, verbose)
    try:
        log = logging.getLogger("propscan.test")
        assert log.getEffectiveLevel() == level
        log.debug("dbg-line")
        log.info("info-line")
        log.warning("warn-line")
        logging.getLogger("some.library").info("library-chatter")
    finally:
        undo()
    err = capsys.readouterr().err
    assert "warn-line" in err
    assert ("info-line" in err) is (not quiet)
    assert ("dbg-line" in err) is verbose
    assert "library-chatter" not in err


def test_global_flags_are_wired(monkeypatch):
    calls = []

    def record(quiet, verbose):
        calls.append((quiet, verbose))
        return lambda: None

    monkeypatch.setattr(cli, "_configure_logging", record)
    assert run("-q", "techniques", "--json").exit_code == 0
    assert run("--verbose", "techniques", "--json").exit_code == 0
    assert run("techniques", "--json").exit_code == 0
    assert calls == [(True, False), (False, True), (False, False)]
    both = run("-q", "-v", "techniques")
    assert both.exit_code != 0 and "cannot be used together" in both.stderr


def test_quiet_hides_progress_bars(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    cli._State.quiet = True
    try:
        assert list(cli._progress(iter([1, 2, 3]), total=3, label="x")) == [1, 2, 3]
        with pytest.MonkeyPatch.context() as m:
            m.setattr("rich.progress.Progress.__init__", lambda *a, **k: (_ for _ in ()).throw(AssertionError("bar shown")))
            assert list(cli._progress(iter([1, 2]), total=2, label="x")) == [1, 2]
    finally:
        cli._State.quiet = False


def test_quiet_reaches_training_progress_bars(monkeypatch, tmp_path):
    """``propscan -q train`` asks the trainer for no progress bars (the trainer is replaced: nothing is trained)."""
    import propscan.models.train as transformer_train

    calls = []
    monkeypatch.setattr(transformer_train, "train", lambda *a, **k: calls.append(k) or {"ok": True})
    for args in (["-q"], []):
        res = run(*args, "train", "--data", str(tmp_path), "--output", str(tmp_path / "m"))
        assert res.exit_code == 0, res.output
    assert [c["progress"] for c in calls] == [False, True]


# ---- CSV on stdout, file permissions -----------------------------------------------------------------


def test_csv_without_output_goes_to_stdout():
    res = run("analyze", "-", "-f", "csv", "--model", "baseline", "--threshold", "0", input=TEXT)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows and {"technique", "start", "end"} <= set(rows[0])
    assert all(r["technique"] in T.NAMES for r in rows)
    parquet = run("analyze", "-", "-f", "parquet", "--model", "baseline", input=TEXT)
    assert parquet.exit_code != 0 and "--output" in parquet.stderr


@pytest.mark.parametrize("fmt,suffix", [("json", "json"), ("csv", "csv"), ("text", "txt")])
@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640)])
def test_output_files_follow_the_umask(tmp_path, fmt, suffix, umask, mode):
    out = tmp_path / f"out.{suffix}"
    old = os.umask(umask)
    try:
        res = run("analyze", "-", "-f", fmt, "-o", str(out), "--model", "baseline", input=TEXT)
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    assert out.stat().st_mode & 0o777 == mode


def test_atomic_write_applies_the_umask(tmp_path):
    from propscan.io.files import atomic_write, current_umask

    old = os.umask(0o022)
    try:
        assert current_umask() == 0o022
        with atomic_write(tmp_path / "a.txt") as fh:
            fh.write("x")
        with atomic_write(tmp_path / "b.bin", "wb") as fh:
            fh.write(b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.bin").stat().st_mode & 0o777 == 0o644


# ---- environment variables ------------------------------------------------------------------------


def _env_vars_read_by_the_code() -> set[str]:
    from propscan.server.settings import _ENV

    names = set(_ENV.values())
    pattern = re.compile(r"""environ(?:\.get|\.setdefault)?\s*[\(\[]\s*["']([A-Z][A-Z0-9_]+)["']""")
    for folder in (REPO / "src" / "propscan", REPO / "benchmarks"):
        for f in folder.rglob("*.py"):
            names |= set(pattern.findall(f.read_text(encoding="utf-8")))
    names.discard("PYTHONPATH")  # only passed through to a child process by a benchmark
    return names


def test_configuration_doc_lists_every_environment_variable():
    doc = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    names = _env_vars_read_by_the_code()
    assert {"PROPSCAN_MODEL", "PROPSCAN_THREADS", "PROPSCAN_OFFLINE", "PROPSCAN_DATA", "PROPSCAN_TOKEN",
            "PROPSCAN_CORPUS_DIR", "PROPSCAN_MAX_TEXT_CHARS", "PROPSCAN_QUEUE_SIZE"} <= names
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, f"docs/configuration.md does not document {missing}"


def test_help_epilog_mentions_every_propscan_variable():
    res = run("--help", env={"COLUMNS": "250"})
    ours = sorted(n for n in _env_vars_read_by_the_code() if n.startswith("PROPSCAN_"))
    missing = [n for n in ours if n not in res.output]
    assert not missing, f"propscan --help does not mention {missing}"
    assert "docs/configuration.md" in res.output


# ---- server: technique names, docs page, serve warning -----------------------------------------------


class FakeModel:
    info = {"name": "fake", "version": "fake-1", "weights_sha256": "ab" * 32, "encoder": None}

    def predict(self, documents: Sequence[Document]) -> list[list[Span]]:
        out = []
        for d in documents:
            spans = []
            for word, tech in (("traitors", "Name_Calling,Labeling"), ("corrupt", "Loaded_Language"), ("Enough", "Slogans")):
                i = d.text.find(word)
                if i >= 0:
                    spans.append(d.span(i, i + len(word), tech, score=0.8))
            out.append(spans)
        return out

    def classify(self, documents, spans):  # noqa: ANN001, ANN201
        return [[s.with_(technique="Loaded_Language", score=0.7) for s in ss] for ss in spans]


@pytest.fixture
def client():
    from fastapi.testclient import TestClient

    from propscan.server import Settings, create_app

    with TestClient(create_app(Settings(), model=FakeModel()), base_url="http://newsroom.example:9123") as c:
        yield c


def test_api_accepts_every_spelling_of_a_technique(client):
    r = client.post("/api/v1/analyze", json={"text": TEXT, "threshold": 0,
                                             "techniques": ["loaded language", "NAME-CALLING, LABELING"]})
    assert r.status_code == 200, r.text
    assert {s["technique"] for s in r.json()["spans"]} == {"Loaded_Language", "Name_Calling,Labeling"}
    bad = client.post("/api/v1/analyze", json={"text": TEXT, "techniques": ["Shouting"]})
    assert bad.status_code == 422
    msg = bad.json()["error"]["message"]
    assert "Shouting" in msg and "/api/v1/techniques" in msg and "[P001]" not in msg


def test_docs_page_renders_markup_and_the_real_address(client):
    page = client.get("/docs").text
    assert "http://newsroom.example:9123/api/v1/analyze" in page
    assert "127.0.0.1:8000" not in page
    prose = re.sub(r"<pre.*?</pre>", "", page, flags=re.S)  # the JSON schemas are shown verbatim
    assert "`" not in prose
    assert "<code>text</code>" in page  # from the analyze route's docstring
    assert "&lt;token&gt;" in page  # escaped inside the rendered code


def test_inline_markup_escapes_everything_else():
    from propscan.server.markup import inline_markup

    out = str(inline_markup('Use ``<script>alert(1)</script>`` and :func:`run` or `x "y"`'))
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert out.count("<code>") == 3 and "<code>run</code>" in out


def test_serve_warning_points_to_the_variable_not_a_missing_option(monkeypatch):
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: served.append(k))
    monkeypatch.setattr(logging, "basicConfig", lambda *a, **k: None)
    monkeypatch.delenv("PROPSCAN_TOKEN", raising=False)
    res = run("serve", "--host", "0.0.0.0", "--port", "8765", "--model", "baseline")
    assert res.exit_code == 0, res.output
    assert served and served[0]["port"] == 8765
    assert "PROPSCAN_TOKEN" in res.stderr
    serve_opts = {o for p in _commands()["serve"].params for o in getattr(p, "opts", [])}
    for opt in re.findall(r"(?<![\w-])--[a-z][a-z-]*", res.stderr):
        assert opt in serve_opts, f"the message mentions {opt}, which serve does not have"
    quiet = run("-q", "serve", "--model", "baseline")
    assert quiet.exit_code == 0 and "serving on" not in quiet.stderr
    assert served[-1]["log_level"] == "warning" and served[-1]["access_log"] is False
