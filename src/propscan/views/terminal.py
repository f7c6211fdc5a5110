"""Rich terminal view of an analysis: highlighted text, legend, score, profile.

>>> from rich.console import Console  # doctest: +SKIP
>>> Console().print(render_analysis(analysis))  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from propscan.analysis.analyzer import Analysis
from propscan.analysis.scores import score_level
from propscan.techniques import colour, display_name
from propscan.views.html import top_span_order


def highlighted_text(analysis: Analysis) -> Text:
    """The article with each span's background in its technique colour.

    Where spans overlap, each character shows the span the HTML report shows there
    (:func:`propscan.views.html.top_span_order`: most confident, then shortest, then first):
    styles applied later win, so spans are applied in the reverse of that order.
    """
    doc = analysis.document
    text = Text(doc.text)
    spans = analysis.spans
    for i in reversed(top_span_order(spans, range(len(spans)))):
        text.stylize(f"black on {colour(spans[i].technique)}", spans[i].start, spans[i].end)
    return text


def render_analysis(analysis: Analysis) -> Any:
    """Rich renderable of one analysis: header, highlighted text, span table and technique profile.

    Usage: ``Console().print(render_analysis(analysis))``.
    """
    doc = analysis.document
    head = Text.assemble(
        ("Article ", "bold"),
        (doc.id, "bold cyan"),
        (f"   score {analysis.score:.2f} ({score_level(analysis.score)[1]})", "bold magenta"),
        (f"   {len(analysis.spans)} spans at confidence ≥ {analysis.threshold:.0%}, {analysis.n_words} words", "dim"),
    )
    spans = Table(title="Techniques found", show_lines=False, expand=False)
    for col in ("#", "technique", "conf.", "voice", "passage"):
        spans.add_column(col, overflow="fold")
    for i, sp in enumerate(analysis.spans, 1):
        voice = sp.voice or ""
        if sp.voice == "quoted" and sp.speaker:
            voice = f"quoted: {sp.speaker}"
        passage = sp.text if len(sp.text) <= 90 else sp.text[:87] + "…"
        spans.add_row(str(i), Text(display_name(sp.technique), style=f"black on {colour(sp.technique)}"), f"{sp.score:.2f}", voice, passage)
    prof = Table(title="Profile of the shown spans", caption="expected = sum of confidences; rate = expected per 1,000 words")
    prof.add_column("technique")
    prof.add_column("spans", justify="right")
    prof.add_column("expected", justify="right")
    prof.add_column("rate", justify="right")
    for tech, row in analysis.profile.items():
        prof.add_row(display_name(tech), str(row["count"]), f"{row['expected']:.2f}", f"{row['per_1000_words']:.2f}")
    return Group(head, Panel(highlighted_text(analysis), title=doc.title or "text"), spans, prof)
