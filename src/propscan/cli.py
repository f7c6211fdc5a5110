"""The ``propscan`` command line (Typer + Rich). Commands parse options and call library functions.

    propscan analyze article.txt --format text
    propscan classify --articles dev-articles --spans template.txt --output tc.txt
    propscan evaluate --task si --gold dev-task-si.labels --pred si.txt
    propscan train --data ../shared/data/ptc-semeval2020 --output runs/model
    propscan techniques
    propscan -q report corpus.duckdb -t 'Loaded language'   # --quiet/-q, --verbose/-v come first
    python -m propscan --version

Environment variables: docs/configuration.md (and ``propscan --help``).
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from propscan import defaults
from propscan.errors import PropscanError

#: shown under ``propscan --help``; the full list with defaults is docs/configuration.md
ENV_EPILOG = (
    "Environment variables (details and defaults: docs/configuration.md):\n\n"
    "PROPSCAN_MODEL — model used when --model is 'default' (analyze, classify, serve; batch with --model default).\n\n"
    "PROPSCAN_THREADS — CPU threads for training (default 2).\n\n"
    "PROPSCAN_OFFLINE — set to never download an encoder from the Hugging Face hub.\n\n"
    "PROPSCAN_DATA — PTC corpus folder for tests and benchmarks (default ../shared/data/ptc-semeval2020).\n\n"
    "PROPSCAN_TOKEN — bearer token the server requires (serve; none by default).\n\n"
    "PROPSCAN_CORPUS_DIR — folder of *.duckdb stores the server's corpus page may show.\n\n"
    "PROPSCAN_BACKEND — encoder backend for inference: torch (default), auto or onnx (ONNX Runtime, the onnx extra); "
    "PROPSCAN_CACHE_DIR — where ONNX exports are cached (default ~/.cache/propscan).\n\n"
    "Server limits: PROPSCAN_MAX_TEXT_CHARS, PROPSCAN_MAX_BODY_BYTES, PROPSCAN_QUEUE_SIZE, PROPSCAN_WORKERS, "
    "PROPSCAN_REQUEST_TIMEOUT, PROPSCAN_BATCH_SIZE."
)

#: help of every --technique/-t option (one spelling, one meaning, in every command)
TECHNIQUE_HELP = (
    "Only this technique; repeat for several (-t Doubt -t 'Loaded language'). SemEval names (Loaded_Language) and "
    "display names work, in any case; 'propscan techniques' lists them."
)

MODEL_HELP = "default (the ensemble), accurate (MPNet names given spans; needs the 'accurate' extra), baseline, or a model directory."
app = typer.Typer(
    name="propscan",
    help="Find, name and explain propaganda techniques in news articles — offline.",
    epilog=ENV_EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    """Global options of this invocation (set by :func:`_main_options`)."""

    quiet: bool = False
    verbose: bool = False


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _configure_logging(quiet: bool, verbose: bool) -> Callable[[], None]:
    """Route log records to stderr: ``propscan`` loggers at INFO (WARNING with --quiet, DEBUG with
    --verbose), other libraries at WARNING. Returns a function that undoes it."""
    root = logging.getLogger()
    ours = logging.getLogger("propscan")
    before = (root.level, ours.level)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s" if verbose else "%(message)s"))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    ours.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)

    def undo() -> None:
        root.removeHandler(handler)
        root.setLevel(before[0])
        ours.setLevel(before[1])

    return undo


def _version_callback(value: bool) -> None:
    if value:
        from propscan.version import __version__

        typer.echo(f"propscan {__version__}")
        raise typer.Exit()


@app.callback()
def _main_options(
    ctx: typer.Context,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors on stderr; no progress bars.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug messages on stderr.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the propscan version and exit.")
    ] = False,
) -> None:
    """Find, name and explain propaganda techniques in news articles — offline."""
    if quiet and verbose:
        _fail("--quiet and --verbose cannot be used together.")
    _State.quiet, _State.verbose = quiet, verbose
    ctx.call_on_close(_configure_logging(quiet, verbose))


def _info(message: str) -> None:
    """An informational line on stderr (left out with --quiet)."""
    if not _State.quiet:
        typer.echo(message, err=True)


def _fail(message: str, code: int = 2) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]error:[/] {message}", markup=True)
    raise typer.Exit(code)


def friendly_errors(fn: F) -> F:
    """Turn expected errors into one line on stderr and a non-zero exit (never a traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PropscanError as exc:
            _fail(_escape(str(exc)))
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            _fail(_escape(f"{exc.filename}: {exc.strerror}"))
        except UnicodeDecodeError:
            _fail("input is not valid UTF-8; re-save it as UTF-8.")
        except KeyboardInterrupt:
            _fail("interrupted.", 130)

    return wrapper  # type: ignore[return-value]


def _escape(s: str) -> str:
    from rich.markup import escape

    return escape(s)


#: modules each optional extra brings (``pip install 'propscan[NAME]'``); the core is models, analysis, CLI
EXTRAS: dict[str, tuple[str, ...]] = {
    "server": ("fastapi", "uvicorn", "python_multipart", "pydantic_settings"),
    "corpus": ("duckdb", "pyarrow", "pandas", "matplotlib"),
    "ray": ("ray",),
}


def missing_modules(modules: Sequence[str]) -> list[str]:
    """Those of ``modules`` that cannot be imported here (looked up, not imported: cheap)."""
    import importlib.util

    out = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            out.append(name)
    return out


def require_extra(extra: str, what: str, modules: Sequence[str] | None = None) -> None:
    """Exit with one line naming the extra when ``what`` (a command or option) needs one that is not installed.

    Checked before the command does any work, so a core-only install (``pip install propscan``)
    never shows a traceback from a missing server or corpus library.
    """
    missing = missing_modules(EXTRAS[extra] if modules is None else modules)
    if missing:
        _fail(_escape(f"{what} needs the '{extra}' extra ({', '.join(missing)} not installed); "
                      f"install it with: pip install 'propscan[{extra}]'"))


class Format(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    html = "html"
    semeval_si = "semeval-si"
    semeval_tc = "semeval-tc"
    csv = "csv"
    parquet = "parquet"


class Task(str, Enum):
    si = "si"
    tc = "tc"


def _report_warnings(analyses: list[Any]) -> None:
    """One stderr line per warning carried in a result (wrong language, too short, partial extraction)."""
    import logging

    log = logging.getLogger("propscan")
    for a in analyses:
        for w in a.warnings:
            log.warning("warning: %s: %s", a.id, w["message"])


@app.command("analyze")
@friendly_errors
def analyze_cli(
    inputs: Annotated[list[str] | None, typer.Argument(help="Files, folders (all *.txt / *.html), JSONL/CSV, URLs, or - for stdin.")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Show spans with confidence >= this (default: the model's recommended display threshold; "
                     "SemEval formats: its F1-optimal decoding). Never changes the article score."),
    ] = None,
    model: Annotated[str, typer.Option(help=MODEL_HELP)] = defaults.MODEL,
    technique: Annotated[list[str] | None, typer.Option("--technique", "-t", help=TECHNIQUE_HELP)] = None,
    text_column: Annotated[str, typer.Option(help="Text column of JSONL/CSV inputs.")] = "text",
    urls: Annotated[Path | None, typer.Option(help="File with one URL per line.")] = None,
    allow_partial: Annotated[bool, typer.Option(help="Exit 0 when some files or rows failed but others were analysed.")] = False,
) -> None:
    """Find and name propaganda techniques in articles.

    A bad file of a folder or a bad row of a JSONL/CSV file is reported (one line each, with its
    location) and skipped; every good document is analysed and written. The exit status is 1 when
    anything failed (0 with --allow-partial), 2 when nothing could be analysed.
    """
    if format in (Format.csv, Format.parquet):
        require_extra("corpus", f"--format {format.value}", ("pandas", "pyarrow") if format is Format.parquet else ("pandas",))
    from propscan.analysis.analyzer import Analyzer
    from propscan.io.ingest import load_inputs, load_url_list
    from propscan.views.output import write_analyses

    items = list(inputs or []) + (load_url_list(urls) if urls is not None else [])
    if not items:
        from propscan.errors import InputError

        raise InputError("nothing to analyse: give files, folders, URLs, - for stdin, or --urls FILE.")
    failures: list[PropscanError] = []  # bad files / rows / inputs: reported, the others go on
    docs = list(load_inputs(items, text_column=text_column, on_error=lambda _where, exc: failures.append(exc)))
    if failures and not docs:
        if len(failures) == 1:
            raise failures[0]
        for exc in failures[:-1]:
            typer.echo(f"error: {exc}", err=True)
        raise failures[-1]
    techniques = [_technique_name(t) for t in technique] if technique else None
    semeval = format.value in ("semeval-si", "semeval-tc")
    if semeval and threshold is None:
        threshold = 0.0  # the F1-optimal decoding chosen on the tune split, not a confidence cut
    analyzer = Analyzer(model=model, threshold=threshold, techniques=techniques, semeval=semeval)
    analyses = list(_progress(analyzer.pipe(docs), total=len(docs), label="analysing", quiet=output is None))
    _report_warnings(analyses)
    write_analyses(analyses, format.value, output)
    if failures:
        for exc in failures:
            typer.echo(f"error: {exc}", err=True)
        summary = f"{len(failures)} file(s) or row(s) failed (listed above); the other {len(docs)} document(s) were analysed"
        if not allow_partial:
            _fail(_escape(summary + "; pass --allow-partial to accept that."), code=1)
        typer.echo(f"warning: {summary}.", err=True)


def _technique_name(name: str) -> str:
    """SemEval name for any spelling of a technique: :func:`propscan.techniques.resolve`."""
    from propscan.techniques import resolve

    return resolve(name)


def _progress(items: Any, *, total: int, label: str, quiet: bool = False) -> Any:
    if quiet or _State.quiet or total <= 1 or not sys.stderr.isatty():
        yield from items
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task(label, total=total)
        for item in items:
            yield item
            bar.advance(task)


@app.command("classify")
@friendly_errors
def classify_cli(
    articles: Annotated[Path, typer.Option(help="Folder of article<ID>.txt files.")],
    spans: Annotated[Path, typer.Option(help="Span template: 'id<TAB>?<TAB>start<TAB>end' or 'id<TAB>start<TAB>end' rows.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write 'id technique start end' rows.")],
    model: Annotated[str, typer.Option(help=MODEL_HELP)] = defaults.MODEL,
) -> None:
    """Name the technique of every given span (SemEval TC subtask)."""
    from propscan.eval.semeval import classify_template
    from propscan.models.loading import load_model

    n = classify_template(articles, spans, output, model=load_model(model))
    _info(f"wrote {n} labelled spans to {output}")


@app.command("evaluate")
@friendly_errors
def evaluate_cli(
    task: Annotated[Task, typer.Option(help="si (span identification) or tc (technique classification).")],
    gold: Annotated[Path, typer.Option(help="Gold label file or folder of per-article label files.")],
    pred: Annotated[Path, typer.Option(help="Prediction file (SemEval TSV).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score predictions exactly as the official SemEval-2020 Task 11 scorers do."""
    import json

    from propscan.eval.scorer import score_flc, score_si, score_tc
    from propscan.io.ptc import read_labels

    g = read_labels(gold, task.value)
    p = read_labels(pred, task.value)
    if task is Task.si:
        res = score_si(p, g)
        out: dict[str, Any] = {"task": "si", **res.to_dict()}
        try:  # per-technique table when both files carry techniques
            gt, pt = read_labels(gold, "tc"), read_labels(pred, "tc")
            out["per_technique"] = {k: v.to_dict() for k, v in score_flc(pt, gt).per_technique.items()}
        except PropscanError:
            pass
    else:
        import warnings

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res_tc = score_tc(p, g)
        for w in caught:
            typer.echo(f"warning: {w.message}", err=True)
        out = {"task": "tc", **res_tc.to_dict()}
    if json_out:
        typer.echo(json.dumps(out, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if task is Task.si:
        console.print(
            f"SI  Precision={out['p_num']:.6f}/{out['p_den']}={out['precision']:.6f}  "
            f"Recall={out['r_num']:.6f}/{out['r_den']}={out['recall']:.6f}  F1={out['f1']:.6f}",
            highlight=False,
        )
    else:
        console.print(f"TC  F1={out['f1']:.6f}  Precision={out['precision']:.6f}  Recall={out['recall']:.6f}  (n={out['n']})", highlight=False)
    table_src = out.get("per_technique")
    if table_src:
        t = Table(title="per technique")
        for c in ("technique", "P", "R", "F1", "pred", "gold"):
            t.add_column(c, justify="left" if c == "technique" else "right")
        for name, r in table_src.items():
            t.add_row(name, f"{r['precision']:.4f}", f"{r['recall']:.4f}", f"{r['f1']:.4f}", str(r["p_den"]), str(r["r_den"]))
        console.print(t)


@app.command("train")
@friendly_errors
def train_cli(
    data: Annotated[Path, typer.Option(help="PTC-layout corpus folder (train-articles, dev-articles, labels).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the trained model.")],
    model: Annotated[str, typer.Option(help="default (the transformer), baseline, ensemble or fast (with --members).")] = defaults.MODEL,
    seed: Annotated[int, typer.Option(help="Random seed.")] = defaults.SEED,
    smoke: Annotated[bool, typer.Option(help="Tiny run on a few articles (CI smoke test).")] = False,
    encoder: Annotated[str | None, typer.Option(help="Base encoder: local HF directory or hub id (transformer only).")] = None,
    refit: Annotated[bool, typer.Option(help="After tuning on the tune split, retrain on all of train with the chosen settings.")] = False,
    epochs: Annotated[int | None, typer.Option(help="Most epochs to train (the best on the tune split is kept).")] = None,
    members: Annotated[str | None, typer.Option(help="--model ensemble: comma-separated tune-split model folders; --model fast: one ensemble folder.")] = None,
) -> None:
    """Train a model on PTC train: fit on the fit split, choose every setting on the tune split (dev is not read)."""
    import json

    from propscan.models.train import train

    parts = [m for m in (members or "").split(",") if m]
    metrics = train(model, data, output, seed=seed, smoke=smoke, encoder=encoder, refit=refit, progress=not _State.quiet, epochs=epochs, members=parts)
    typer.echo(json.dumps(metrics, indent=2))


@app.command("techniques")
@friendly_errors
def techniques_cli(
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the 14 techniques with definitions, examples and colours."""
    import json

    from propscan.techniques import catalogue_rows

    rows = catalogue_rows()
    if json_out:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    t = Table(title="propscan techniques (SemEval-2020 Task 11)", show_lines=True)
    t.add_column("technique")
    t.add_column("SemEval name", style="dim")
    t.add_column("definition")
    t.add_column("example", style="italic")
    for r in rows:
        t.add_row(Text(r["display"], style=f"black on {r['color']}"), r["name"], r["definition"], r["example"])
    Console().print(t)


@app.command("serve")
@friendly_errors
def serve_cli(
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default (private).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    model: Annotated[str, typer.Option(help=MODEL_HELP)] = defaults.MODEL,
) -> None:
    """Run the local web app and REST API (token from PROPSCAN_TOKEN, if set)."""
    require_extra("server", "propscan serve")
    from propscan.server import run

    run(host=host, port=port, model=model, token=os.environ.get("PROPSCAN_TOKEN") or None,
        log_level="warning" if _State.quiet else "debug" if _State.verbose else "info",
        access_log=not _State.quiet, announce=not _State.quiet)


class BatchEngine(str, Enum):
    local = "local"
    ray = "ray"


@app.command("batch")
@friendly_errors
def batch_cli(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders, JSONL/CSV with metadata columns, URLs.")],
    store: Annotated[Path, typer.Option(help="DuckDB store to create or resume.")] = Path("corpus.duckdb"),
    model: Annotated[str, typer.Option(help=f"fast (one tagger); {MODEL_HELP}")] = defaults.BATCH_MODEL,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Store spans with confidence >= this (0 keeps every span; "
                                             "article scores never depend on it).")] = defaults.STORE_THRESHOLD,
    engine: Annotated[BatchEngine, typer.Option(help="local (multiprocessing) or ray (pip install 'propscan\\[ray]').")] = BatchEngine.local,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes / Ray actors.")] = 1,
    threads_per_worker: Annotated[int | None, typer.Option(min=1, help=(
        "Torch threads per worker / Ray actor [default: all cores for 1 worker, else 1 per worker, so workers "
        "do not fight over cores]."))] = None,
    address: Annotated[str | None, typer.Option(help=(
        "Ray cluster to join with --engine ray: auto, HEAD:6379 or ray://HEAD:10001 [default: RAY_ADDRESS, "
        "else a local Ray]."))] = None,
    text_column: Annotated[str, typer.Option(help="Text column of JSONL/CSV inputs.")] = "text",
    urls: Annotated[Path | None, typer.Option(help="File with one URL per line.")] = None,
    allow_partial: Annotated[bool, typer.Option(help="Exit 0 even when some files or rows failed (they are still recorded).")] = False,
    metadata: Annotated[Path | None, typer.Option(help=(
        "CSV (or JSONL) with an id or content_hash column plus outlet, published, title, url: attached to the stored "
        "documents after the analysis (empty cells keep stored values); rows matching no document are listed and "
        "fail the run unless --allow-partial."))] = None,
) -> None:
    """Analyse a corpus into a resumable DuckDB store (idempotent; safe to kill and restart).

    Every good document is stored; each bad file or row is recorded with its reason and location,
    and the exit status is 1 when anything failed (re-running retries only the failed ones).
    A text analysed before is not analysed again: read with new metadata, its stored document is
    updated (latest non-empty value wins; changes are logged in the store's metadata_changes table).
    """
    require_extra("corpus", "propscan batch")
    if engine is BatchEngine.ray:
        require_extra("ray", "propscan batch --engine ray")
    import json

    from propscan.corpus.batch import run_batch

    items = list(inputs)
    if urls is not None:
        from propscan.io.ingest import load_url_list

        items += load_url_list(urls)
    res = run_batch(items, store, model=model, threshold=threshold, engine=engine.value, workers=workers, text_column=text_column,
                    progress=not _State.quiet, metadata=metadata, threads=threads_per_worker, address=address)
    _info(json.dumps(res, indent=2, default=str))
    if res.get("failed") and not allow_partial:
        _fail(f"{res['failed']} input(s) failed (listed above and in the store's failures table); "
              "fix them and re-run, or pass --allow-partial.", 1)
    if res.get("metadata") is not None and not allow_partial:
        _metadata_problems(res["metadata"])


def _metadata_problems(res: dict[str, Any]) -> None:
    """Fail (exit 1) when metadata rows matched no document or could not be read."""
    if not (res.get("n_unknown") or res.get("n_invalid")):
        return
    shown = ", ".join(f"line {u['line']} ({'id ' + repr(u['id']) if u['id'] else 'content_hash ' + u['content_hash'][:12]})"
                      for u in res.get("unknown", [])[:10])
    more = res["n_unknown"] - min(10, len(res.get("unknown", [])))
    _fail(_escape(f"{res['n_unknown']} metadata row(s) matched no document in the store"
                  + (f": {shown}" + (f" and {more} more" if more > 0 else "") if res["n_unknown"] else "")
                  + f"; {res['n_invalid']} row(s) could not be read (listed above). Fix the ids, or pass --allow-partial."), 1)


@app.command("update-metadata")
@friendly_errors
def update_metadata_cli(
    store: Annotated[Path, typer.Argument(help="DuckDB store written by propscan batch.")],
    file: Annotated[Path, typer.Argument(help=(
        "CSV (or .jsonl) with an id or content_hash column plus any of outlet, published (or date), title, url."))],
    allow_partial: Annotated[bool, typer.Option(help="Exit 0 even when some rows matched no document or could not be read.")] = False,
) -> None:
    """Attach metadata (outlet, date, title, url) to documents already in a store, without re-analysing them.

    Empty cells keep the stored value (the latest non-empty value wins); every change is logged
    in the store's metadata_changes table. Rows whose id or content_hash matches no document are
    listed, and the exit status is then 1 unless --allow-partial.
    """
    require_extra("corpus", "propscan update-metadata")
    import json

    from propscan.corpus.metadata import update_metadata

    res = update_metadata(store, file)
    _info(json.dumps(res, indent=2, default=str))
    if not allow_partial:
        _metadata_problems(res)


class ReportFormat(str, Enum):
    table = "table"
    csv = "csv"
    html = "html"
    png = "png"


@app.command("report")
@friendly_errors
def report_cli(
    store: Annotated[Path, typer.Argument(help="DuckDB store written by propscan batch.")],
    by: Annotated[str, typer.Option(help="outlet, month, week, or another metadata column.")] = "outlet",
    technique: Annotated[list[str] | None, typer.Option("--technique", "-t", help=TECHNIQUE_HELP)] = None,
    format: Annotated[ReportFormat, typer.Option("--format", "-f", help="table (terminal), csv, html (one self-contained page) "
                                                 "or png (charts).")] = ReportFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=(
        "Write here instead of stdout. csv also writes <name>.differences.csv beside it. png: a path ending in .png gets "
        "the main chart (the technique heatmap); any other path is a folder for all charts (default <store>.charts/)."))] = None,
    technique_old: Annotated[list[str] | None, typer.Option("--techniques", hidden=True, help="Old spelling of --technique.")] = None,
) -> None:
    """Compare groups of a corpus with 95 % bootstrap confidence intervals."""
    require_extra("corpus", "propscan report")
    from propscan.corpus.report import make_report
    from propscan.errors import InputError

    if not store.exists():
        raise InputError(f"{store}: no such store; create it with 'propscan batch ... --store {store}'.")
    technique = [*(technique or []), *(technique_old or [])]
    techniques = [_technique_name(t) for t in technique] if technique else None
    make_report(store, by=by, techniques=techniques, fmt=format.value, output=output)


@app.command("export")
@friendly_errors
def export_cli(
    store: Annotated[Path, typer.Argument(help="DuckDB store written by propscan batch.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for documents.parquet and spans.parquet.")],
) -> None:
    """Export a store to Parquet (documents and spans) for pandas, DuckDB, Spark or BigQuery."""
    require_extra("corpus", "propscan export")
    from propscan.corpus.store import export_parquet

    for name, path in export_parquet(store, output).items():
        _info(f"{name}: {path}")


def main() -> None:
    """Entry point of the ``propscan`` script."""
    defaults.set_offline_env()
    app()


if __name__ == "__main__":
    main()
