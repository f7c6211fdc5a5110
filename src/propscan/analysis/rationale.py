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

from collections.abc import Sequence
from typing import Any

from propscan.document import Document, Span
from propscan.text.tokens import normalise_phrase


class PhraseIndex:
    """The article's normalised words, indexed once, so that counting a phrase costs time in
    proportion to the text's length once per distinct phrase length (vectorised), plus the
    phrase's own matches — not a re-normalisation of the whole text per span.

    Counts agree with matching ``normalise_phrase(phrase)`` against ``normalise_phrase(text)`` on
    word boundaries, non-overlapping, left to right.

    >>> PhraseIndex("Stop the steal. We will stop the steal!").count("STOP the steal")
    2
    """

    _MASK = (1 << 64) - 1

    def __init__(self, text: str) -> None:
        import numpy as np

        hay = normalise_phrase(text)
        self._vocab: dict[str, int] = {}
        words = hay.split(" ") if hay else []
        self._ids = [self._vocab.setdefault(w, len(self._vocab) + 1) for w in words]
        n = len(self._ids)
        # polynomial hashes of word windows, modulo 2**64 (numpy unsigned arithmetic wraps):
        # G[i] = sum_{j<i} id_j * B**j, so window (i, L) hashes to (G[i+L] - G[i]) * B**-i
        self._base = 1_000_003  # odd: invertible modulo 2**64
        ids = np.asarray(self._ids, dtype=np.uint64)
        powers = np.full(n, self._base, dtype=np.uint64)
        if n:
            powers[0] = 1
        powers = np.cumprod(powers, dtype=np.uint64)
        inverse = np.full(n, pow(self._base, -1, 1 << 64), dtype=np.uint64)
        if n:
            inverse[0] = 1
        self._inv_powers = np.cumprod(inverse, dtype=np.uint64)
        self._prefix = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(ids * powers, dtype=np.uint64)])
        self._windows: dict[int, tuple[Any, Any]] = {}
        self._counts: dict[str, int] = {}

    def _hash(self, key_ids: Sequence[int]) -> int:
        h = 0
        for j, w in enumerate(key_ids):
            h = (h + w * pow(self._base, j, 1 << 64)) & self._MASK
        return h

    def count(self, phrase: str) -> int:
        """Occurrences of ``normalise_phrase(phrase)`` among the article's words."""
        key = normalise_phrase(phrase)
        if not key:
            return 0
        if key in self._counts:
            return self._counts[key]
        import numpy as np

        try:
            key_ids = [self._vocab[w] for w in key.split(" ")]
        except KeyError:  # a word the article does not hold
            self._counts[key] = 0
            return 0
        size = len(key_ids)
        n = len(self._ids)
        found = 0
        if size <= n:
            table = self._windows.get(size)
            if table is None:  # every window of this many words, hashed and sorted once
                with np.errstate(over="ignore"):
                    windows = (self._prefix[size:] - self._prefix[:-size]) * self._inv_powers[: n - size + 1]
                order = np.argsort(windows, kind="stable")  # equal hashes keep their positions in order
                table = (windows[order], order)
                self._windows[size] = table
            hashes, order = table
            h = np.uint64(self._hash(key_ids))
            lo, hi = np.searchsorted(hashes, h, side="left"), np.searchsorted(hashes, h, side="right")
            free = 0  # non-overlapping, left to right (what re.findall counts)
            for i in order[lo:hi].tolist():
                if i >= free and self._ids[i : i + size] == key_ids:
                    found += 1
                    free = i + size
        self._counts[key] = found
        return found


def repetition_count(doc: Document, span: Span, index: PhraseIndex | None = None) -> int:
    """Occurrences of the span's normalised phrase in the normalised article (word boundaries).

    Pass ``index`` (a :class:`PhraseIndex` of ``doc.text``) when counting many spans of one article.
    """
    index = index if index is not None else PhraseIndex(doc.text)
    return index.count(doc.text[span.start : span.end])


def cue_for(doc: Document, span: Span, index: PhraseIndex | None = None) -> str:
    text = doc.text[span.start : span.end]
    if span.technique == "Repetition":
        n = repetition_count(doc, span, index)
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
        from propscan.techniques import get

        return "look for: " + get(str(span.technique)).cue_hint
    except (KeyError, AttributeError, ImportError):
        return ""


def add_cues(doc: Document, spans: Sequence[Span]) -> list[Span]:
    """Return the spans with ``cue`` filled in where the model left it empty (the text is indexed once)."""
    index: PhraseIndex | None = None
    out: list[Span] = []
    for sp in spans:
        if sp.cue:
            out.append(sp)
            continue
        if sp.technique == "Repetition" and index is None:
            index = PhraseIndex(doc.text)
        out.append(sp.with_(cue=cue_for(doc, sp, index) or None))
    return out


def rationale(span: Span) -> dict[str, Any]:
    """Everything a reader needs to judge a span: definition, confidence, voice, cue."""
    from propscan.techniques import get

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
