"""Write analyses in the CLI's formats (text, json, jsonl, html, semeval-si, semeval-tc, csv, parquet).

Every file is written atomically: a failed run leaves no half-written output.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from propscan.analysis.analyzer import Analysis
from propscan.errors import InputError
from propscan.io.files import atomic_write
from propscan.io.ptc import format_labels


def jsonl_record(a: Analysis) -> dict[str, object]:
    """The per-article JSONL object: id, score, spans (start, end, technique, score, …) and more."""
    return a.to_dict()


def render(analyses: Sequence[Analysis], fmt: str) -> str:
    if fmt == "json":
        objs = [a.to_dict() for a in analyses]
        return json.dumps(objs[0] if len(objs) == 1 else objs, ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(jsonl_record(a), ensure_ascii=False) + "\n" for a in analyses)
    if fmt == "semeval-si":
        return format_labels({a.document.id: _merged(a) for a in analyses}, "si")
    if fmt == "semeval-tc":
        return format_labels({a.document.id: list(a.spans) for a in analyses}, "tc")
    if fmt == "html":
        from propscan.views.html import render_report

        return render_report(list(analyses))
    raise InputError(f"unknown format {fmt!r}.")


def _merged(a: Analysis) -> list:
    """SI output: technique-free spans, overlapping ones merged (what the SI task asks for)."""
    from propscan.document import Span
    from propscan.eval.scorer import merge_overlapping

    return [Span(s, e) for s, e in merge_overlapping([(sp.start, sp.end) for sp in a.spans])]


def write_analyses(analyses: Sequence[Analysis], fmt: str, output: Path | None) -> None:
    if fmt in ("csv", "parquet"):
        if output is None and fmt == "parquet":  # binary: never onto a terminal or a text pipe
            raise InputError("--format parquet needs --output FILE.")
        from propscan.views.tables import write_span_table  # output=None: CSV to stdout

        write_span_table(analyses, output, fmt)
        return
    if fmt == "text":
        from rich.console import Console

        from propscan.views.terminal import render_analysis

        if output is None:
            console = Console()
            for a in analyses:
                console.print(render_analysis(a))
            return
        with atomic_write(output) as fh:
            console = Console(file=fh, force_terminal=False, width=120)
            for a in analyses:
                console.print(render_analysis(a))
        return
    text = render(analyses, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        with atomic_write(output) as fh:
            fh.write(text)
