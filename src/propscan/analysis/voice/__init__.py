"""Who is speaking: find quotations in an article and attribute each to its speaker.

:func:`find_quotes` returns :class:`Quote` objects (direct ``"…"`` quotes, whole-paragraph
block quotes, and reported speech such as ``X said that …`` / ``according to X, …``);
:func:`attribute` sets ``voice`` (``"author"`` or ``"quoted"``) and ``speaker`` on spans.

Speakers are named as the text names them: organisation names are kept whole ("National
Oceanic and Atmospheric Administration", "Association of Colleges") and acronyms defined in
brackets map back to them ("NOAA"); titles and affiliations are parsed off ("Maya Thornton, the
Labour MP for Leeds Central, said" -> Maya Thornton); quantity words and sentence adverbs
("Thousands", "Here") never name a speaker; reported speech without "that" is recognised by a
noun phrase followed by a finite verb ("said students would be shocked"); the innermost
speaker of nested reports counts ("police said the driver told officers he ...", the driver);
embedded posts closed by a signature line ("— Jane Doe (@janedoe) May 1, 2018") are block
quotes of that name.

Pure Python + regular expressions: no models, no network, a few milliseconds per article.
Offsets are ``str`` indices into ``doc.text`` (end exclusive), like every propscan offset.

The work is split by what it finds: :mod:`.quotes` (quotation marks, posts, masking),
:mod:`.names` (names the article mentions), :mod:`.phrases` and :mod:`.mentions` (speaker
noun phrases), :mod:`.clauses` and :mod:`.reported` (reported speech), :mod:`.speakers`
(attribution of direct quotes) and :mod:`.resolution` (pronouns, surnames, descriptions), over
the word lists of :mod:`.lexicon` and the masked tokens of :mod:`.tokens`.

>>> from propscan.document import Document
>>> doc = Document('"We will win," said Senator Jane Smith.', id="x")
>>> q = find_quotes(doc)[0]
>>> doc.text[q.start:q.end], q.speaker, q.cue
('"We will win,"', 'Jane Smith', 'said')
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from propscan.analysis.voice.names import scan_names
from propscan.analysis.voice.quotes import find_direct, mask
from propscan.analysis.voice.records import Article, Quote
from propscan.analysis.voice.records import QuoteKind as QuoteKind
from propscan.analysis.voice.reported import reported_in_sentence
from propscan.analysis.voice.resolution import resolve
from propscan.analysis.voice.speakers import attribute_direct, merge
from propscan.analysis.voice.tokens import split_sentences
from propscan.document import Document, Span

__all__ = ["Quote", "find_quotes", "attribute"]


def find_quotes(doc: Document) -> list[Quote]:
    """Find direct, block and reported quotations in ``doc`` and attribute each to a speaker.

    Parameters
    ----------
    doc : Document
        The article. Any text is accepted; odd text (unbalanced quotes, zero-width or
        right-to-left characters, empty paragraphs) yields fewer quotes, never an error.

    Returns
    -------
    list of Quote
        Non-overlapping quotes sorted by ``start``.

    Examples
    --------
    >>> from propscan.document import Document
    >>> [q.kind for q in find_quotes(Document('He said the plan had failed.', id="a"))]
    ['reported']
    """
    text = doc.text if isinstance(doc, Document) else str(doc)
    if not text or not text.strip():
        return []
    try:
        return _find_in_text(text)
    except RecursionError:  # pragma: no cover - defensive, the finder does not recurse deeply
        return []


def _find_in_text(text: str) -> list[Quote]:
    """Run the scans in order: direct quotes, masking, names, reported speech per sentence,
    attribution of direct quotes, merging, speaker resolution."""
    art = Article(text)
    if not art.paras:
        return []
    find_direct(art)
    mask(art)
    scan_names(art)
    for pi, (ps, pe) in enumerate(art.paras):
        for s, e in split_sentences(art.text, art.masked, ps, pe):
            reported_in_sentence(art, s, e, pi)
    attribute_direct(art)
    cands = merge(art)
    resolve(art, cands)
    return [
        Quote(c.start, c.end, c.kind, c.speaker, c.speaker_start, c.speaker_end, c.cue)  # type: ignore[arg-type]
        for c in cands
        if c.end > c.start
    ]


def attribute(doc: Document, spans: Sequence[Span], quotes: Sequence[Quote] | None = None) -> list[Span]:
    """Set ``voice`` and ``speaker`` on each span: ``"quoted"`` when more than half of its
    characters lie inside a quotation, else ``"author"``.

    Parameters
    ----------
    doc : Document
        The article the spans point into.
    spans : sequence of Span
        Spans to label; returned in the same order, as copies (``span.with_``).
    quotes : sequence of Quote, optional
        Quotations of ``doc``; found with :func:`find_quotes` when omitted.

    Examples
    --------
    >>> from propscan.document import Document
    >>> d = Document('"They are traitors," she said. Mary Poe spoke later.', id="b")
    >>> [s.voice for s in attribute(d, [d.span(1, 18), d.span(31, 39)])]
    ['quoted', 'author']
    """
    if quotes is None:
        quotes = find_quotes(doc)
    ordered = sorted(quotes, key=lambda q: q.start)
    starts = [q.start for q in ordered]
    out: list[Span] = []
    for span in spans:
        best: Quote | None = None
        best_overlap = 0
        i = max(0, bisect.bisect_right(starts, span.start) - 1)
        # quotes do not overlap, so only a few can touch the span; walk from the one before it
        while i < len(ordered) and ordered[i].start < span.end:
            q = ordered[i]
            overlap = min(q.end, span.end) - max(q.start, span.start)
            if overlap > best_overlap:
                best, best_overlap = q, overlap
            i += 1
        length = max(1, span.end - span.start)
        if best is not None and best_overlap * 2 > length:
            out.append(span.with_(voice="quoted", speaker=best.speaker))
        else:
            out.append(span.with_(voice="author", speaker=None))
    return out
