"""Why a span was flagged: the cue shown beside the technique's definition.

Models may set ``span.cue`` themselves (e.g. the tokens that drove the decision); for spans
without one, :func:`add_cues` derives an honest, checkable cue from the text:

* Repetition — how often the phrase occurs in the article (counted over the whole text);
* otherwise — the span's words that are typical of the technique in training data are not
  available here, so the cue names the surface signal present (a question, an exclamation,
  all-caps, a quotation) or falls back to the technique's "look for" hint.

>>> from propscan.document import Document
>>> d = Document("Stop the steal. We will stop the steal!", id="x")
>>> add_cues(d, [d.span(0, 14, "Repetition")])[0].cue
"phrase occurs 2× in the article: 'stop the steal'"
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .document import Document, Span
from .tokens import normalise_phrase


def repetition_count(doc: Document, span: Span) -> int:
    """Occurrences of the span's normalised phrase in the normalised article (word boundaries)."""
    key = normalise_phrase(doc.text[span.start : span.end])
    if not key:
        return 0
    hay = " " + normalise_phrase(doc.text) + " "
    return len(re.findall(r"(?<= )" + re.escape(key) + r"(?= )", hay))


def cue_for(doc: Document, span: Span) -> str:
    text = doc.text[span.start : span.end]
    if span.technique == "Repetition":
        n = repetition_count(doc, span)
        return f"phrase occurs {n}× in the article: {normalise_phrase(text)!r}"
    signals = []
    if "?" in text:
        signals.append("a question")
    if "!" in text:
        signals.append("an exclamation")
    if any(w.isupper() and len(w) > 2 for w in text.split()):
        signals.append("words in capitals")
    if signals:
        return "surface signal: " + ", ".join(signals)
    try:
        from .techniques import get

        return "look for: " + get(str(span.technique)).cue_hint
    except (KeyError, AttributeError, ImportError):
        return ""


def add_cues(doc: Document, spans: Sequence[Span]) -> list[Span]:
    """Return the spans with ``cue`` filled in where the model left it empty."""
    return [sp if sp.cue else sp.with_(cue=cue_for(doc, sp) or None) for sp in spans]


def rationale(span: Span) -> dict[str, Any]:
    """Everything a reader needs to judge a span: definition, confidence, voice, cue."""
    from .techniques import get

    try:
        tech = get(str(span.technique))
        definition, display = tech.definition, tech.display
    except KeyError:
        definition, display = "", str(span.technique)
    return {
        "technique": span.technique,
        "display": display,
        "definition": definition,
        "confidence": round(float(span.score), 4),
        "voice": span.voice,
        "speaker": span.speaker,
        "cue": span.cue,
    }
