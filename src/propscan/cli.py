"""The ``propscan`` command line (Typer + Rich). Commands parse options and call library functions.

    propscan analyze article.txt --format text
    propscan classify --articles dev-articles --spans template.txt --output tc.txt
    propscan evaluate --task si --gold dev-task-si.labels --pred si.txt
    propscan train --data ../shared/data/ptc-semeval2020 --output runs/model
    propscan techniques
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from .errors import PropscanError

app = typer.Typer(
    name="propscan",
    help="Find, name and explain propaganda techniques in news articles — offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


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


@app.command("analyze")
@friendly_errors
def analyze_cli(
    inputs: Annotated[list[str] | None, typer.Argument(help="Files, folders (all *.txt / *.html), JSONL/CSV, URLs, or - for stdin.")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Keep spans with confidence >= this.")] = 0.0,
    model: Annotated[str, typer.Option(help="default, baseline, or a model directory.")] = "default",
    technique: Annotated[list[str] | None, typer.Option("--technique", "-t", help="Only these techniques.")] = None,
    text_column: Annotated[str, typer.Option(help="Text column of JSONL/CSV inputs.")] = "text",
    urls: Annotated[Path | None, typer.Option(help="File with one URL per line.")] = None,
) -> None:
    """Find and name propaganda techniques in articles."""
    from .analysis import Analyzer
    from .ingest import load_inputs, load_url_list
    from .views.output import write_analyses

    items = list(inputs or []) + (load_url_list(urls) if urls is not None else [])
    if not items:
        from .errors import InputError

        raise InputError("nothing to analyse: give files, folders, URLs, - for stdin, or --urls FILE.")
    docs = list(load_inputs(items, text_column=text_column))
    techniques = [_technique_name(t) for t in technique] if technique else None
    analyzer = Analyzer(model=model, threshold=threshold, techniques=techniques)
    analyses = list(_progress(analyzer.pipe(docs), total=len(docs), label="analysing", quiet=output is None))
    write_analyses(analyses, format.value, output)


def _technique_name(name: str) -> str:
    from .techniques import get

    try:
        return get(name).name
    except KeyError as exc:
        from .errors import InputError

        raise InputError(str(exc.args[0]) if exc.args else f"unknown technique {name!r}") from None


def _progress(items: Any, *, total: int, label: str, quiet: bool = False) -> Any:
    if quiet or total <= 1 or not sys.stderr.isatty():
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
    model: Annotated[str, typer.Option(help="default, baseline, or a model directory.")] = "default",
) -> None:
    """Name the technique of every given span (SemEval TC subtask)."""
    from .semeval import classify_template

    n = classify_template(articles, spans, output, model=model)
    typer.echo(f"wrote {n} labelled spans to {output}", err=True)


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

    from .corpus_io import read_labels
    from .scoring import score_flc, score_si, score_tc

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
    model: Annotated[str, typer.Option(help="default (the transformer) or baseline.")] = "default",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 13,
    smoke: Annotated[bool, typer.Option(help="Tiny run on a few articles (CI smoke test).")] = False,
    encoder: Annotated[str | None, typer.Option(help="Base encoder: local HF directory or hub id (transformer only).")] = None,
) -> None:
    """Train a model on PTC train, selecting on dev."""
    import json

    from .training import train

    metrics = train(model, data, output, seed=seed, smoke=smoke, encoder=encoder)
    typer.echo(json.dumps(metrics, indent=2))


@app.command("techniques")
@friendly_errors
def techniques_cli(
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the 14 techniques with definitions, examples and colours."""
    import json

    from .techniques import catalogue_rows

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
    model: Annotated[str, typer.Option(help="default, baseline, or a model directory.")] = "default",
) -> None:
    """Run the local web app and REST API (token from PROPSCAN_TOKEN, if set)."""
    from .server import run

    run(host=host, port=port, model=model, token=os.environ.get("PROPSCAN_TOKEN") or None)


class Engine(str, Enum):
    local = "local"
    ray = "ray"


@app.command("batch")
@friendly_errors
def batch_cli(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders, JSONL/CSV with metadata columns, URLs.")],
    store: Annotated[Path, typer.Option(help="DuckDB store to create or resume.")] = Path("corpus.duckdb"),
    model: Annotated[str, typer.Option(help="default, baseline, or a model directory.")] = "default",
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.0,
    engine: Annotated[Engine, typer.Option(help="local (multiprocessing) or ray (pip install 'propscan[ray]').")] = Engine.local,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes / Ray actors.")] = 1,
    text_column: Annotated[str, typer.Option(help="Text column of JSONL/CSV inputs.")] = "text",
    urls: Annotated[Path | None, typer.Option(help="File with one URL per line.")] = None,
) -> None:
    """Analyse a corpus into a resumable DuckDB store (idempotent; safe to kill and restart)."""
    import json

    from .corpus.batch import run_batch

    items = list(inputs)
    if urls is not None:
        from .ingest import load_url_list

        items += load_url_list(urls)
    res = run_batch(items, store, model=model, threshold=threshold, engine=engine.value, workers=workers, text_column=text_column)
    typer.echo(json.dumps(res, indent=2, default=str), err=True)


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
    technique: Annotated[list[str] | None, typer.Option("--techniques", "-t", help="Only these techniques.")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Compare groups of a corpus with 95 % bootstrap confidence intervals."""
    from .corpus.report import make_report
    from .errors import InputError

    if not store.exists():
        raise InputError(f"{store}: no such store; create it with 'propscan batch ... --store {store}'.")
    techniques = [_technique_name(t) for t in technique] if technique else None
    make_report(store, by=by, techniques=techniques, fmt=format.value, output=output)


@app.command("export")
@friendly_errors
def export_cli(
    store: Annotated[Path, typer.Argument(help="DuckDB store written by propscan batch.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for documents.parquet and spans.parquet.")],
) -> None:
    """Export a store to Parquet (documents and spans) for pandas, DuckDB, Spark or BigQuery."""
    from .corpus.store import export_parquet

    for name, path in export_parquet(store, output).items():
        typer.echo(f"{name}: {path}", err=True)


def main() -> None:
    """Entry point of the ``propscan`` script."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    app()


if __name__ == "__main__":
    main()
