"""Sentence boundaries as offsets into the original text (rule-based, fast, no model).

>>> text = "Mr. Smith left. He said: \\"No!\\" Then he went home.\\n\\nNew paragraph"
>>> [text[s:e] for s, e in split_sentences(text)]
['Mr. Smith left.', 'He said: "No!"', 'Then he went home.', 'New paragraph']
"""

from __future__ import annotations

import re

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "st", "jr", "sr",
    "vs", "etc", "inc", "ltd", "co", "corp", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m", "d.c", "approx",
}
# end punctuation, optional closing quotes/brackets, then whitespace
_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*[\u200b-\u200d\u2060\ufeff]*(?=\s)")
_PARA_RE = re.compile(r"\n")
_NEXT_RE = re.compile(r"\s*(\S)")


def _is_abbrev(text: str, dot: int) -> bool:
    m = re.search(r"([A-Za-z][A-Za-z.]*)$", text[max(0, dot - 12) : dot])
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    return word in _ABBREV or (len(word) == 1 and word.isalpha())


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of each sentence; whitespace between sentences belongs to none."""
    cuts: list[int] = []
    for m in _END_RE.finditer(text):
        end = m.end()
        if text[m.start()] == "." and m.end() - m.start() == 1 and _is_abbrev(text, m.start()):
            continue
        nxt = _NEXT_RE.match(text, end)  # no slice: a copy of the rest per sentence is quadratic
        if nxt and nxt.group(1).islower():
            continue
        cuts.append(end)
    cuts.extend(m.start() for m in _PARA_RE.finditer(text))
    cuts = sorted(set(cuts)) + [len(text)]
    out: list[tuple[int, int]] = []
    start = 0
    for cut in cuts:
        s, e = start, cut
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
        start = cut
    return out
