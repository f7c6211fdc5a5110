"""Tokens and sentences of quote-masked text: the units every voice scan steps through.

The finder first overwrites each direct quote's characters with ``_MASK`` (line breaks kept),
so one run of masked characters is one token standing for the whole quotation and words inside
quotes are never taken for speakers or verbs. That is why this is not
:mod:`propscan.text.tokens` or :mod:`propscan.text.sentences`: those split plain text, while
these know the mask token, split sentences inside one paragraph only, and end a sentence
after a masked quote whose content ended with ``.``/``!``/``?``. Offsets stay those of the
original text, since masking keeps every character's position.

>>> [t.text for t in tokenize_masked("Mr. Poe said \\x01\\x01\\x01.", 0, 17)]
['Mr', '.', 'Poe', 'said', '\\x01\\x01\\x01', '.']
>>> split_sentences("It failed. Mr. Poe left.", "It failed. Mr. Poe left.", 0, 24)
[(0, 10), (11, 24)]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from propscan.analysis.voice.lexicon import (
    ABBREVIATIONS,
    DQ,
    FINITE_AUX,
    GENERIC_NOUNS,
    IRREGULAR_PAST,
    MASK,
    NOT_NAME_START,
    NOT_PAST_ED,
    PERSON_NOUNS,
    YEAR_OLD_RE,
    ZW,
)

# a run of masked characters (one quotation), a word with inner apostrophes, hyphens, dots or
# "&" ("O'Neill", "R-Pa", "U.S", "AT&T"), or one punctuation mark
_TOKEN_RE = re.compile(r"\x01+|\w+(?:[\u2019'\-.&]\w+)*|[^\w\s]")


@dataclass(slots=True)
class Tok:
    """One token of the masked text; ``start``/``end`` index the original text."""

    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        """Lower-cased, with curly apostrophes straightened, as the word lists hold words."""
        return self.text.lower().replace("\u2019", "'")

    @property
    def is_quote(self) -> bool:
        """Whether the token stands for a masked quotation."""
        return self.text[:1] == MASK

    @property
    def is_word(self) -> bool:
        return self.text[:1].isalnum() or self.text[:1] == "_"

    @property
    def is_cap(self) -> bool:
        return self.text[:1].isupper()


def tokenize_masked(masked: str, start: int, end: int) -> list[Tok]:
    """Tokens of ``masked[start:end]``."""
    return [Tok(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(masked, start, end)]


def is_space(ch: str | None) -> bool:
    """Whether ``ch`` is whitespace, a zero-width or direction mark, or the text's edge (``None``)."""
    return ch is None or ch.isspace() or ch in ZW


def norm_name(tokens: Sequence[Tok]) -> str:
    """The name the tokens spell, without a leading sentence opener ("Like Jane Doe" -> "Jane Doe")."""
    tokens = list(tokens)
    while len(tokens) > 1 and tokens[0].low in NOT_NAME_START:
        tokens = tokens[1:]
    out = " ".join(t.text for t in tokens).replace("\u2019", "'")
    out = re.sub(r"\s+([.,'])", r"\1", out).replace(" - ", "-")
    return out.strip()


def is_finite(tok: Tok) -> bool:
    """Whether a token is (most likely) a finite verb: an auxiliary, a modal or a past tense."""
    lw = tok.low
    if lw in FINITE_AUX or lw in IRREGULAR_PAST or lw.endswith("n't"):
        return True
    return lw.endswith("ed") and len(lw) >= 4 and lw.isalpha() and lw not in NOT_PAST_ED and tok.text.islower()


def is_person_noun(low: str) -> bool:
    """Whether a lower-case word names a person by role ("lawyer", "neighbours", "35-year-old")."""
    return low in GENERIC_NOUNS or low in PERSON_NOUNS or bool(YEAR_OLD_RE.match(low))


def split_sentences(text: str, masked: str, ps: int, pe: int) -> list[tuple[int, int]]:
    """Sentences of the paragraph ``text[ps:pe]`` as (start, end) offsets.

    A sentence ends at ``.``/``!``/``?``/``…`` before a capital, digit or quotation (not after an
    abbreviation or an initial), or after a masked quotation whose content ended a sentence.
    """
    out = []
    s = ps
    i = ps
    while i < pe:
        ch = masked[i]
        end = None
        if ch in ".!?\u2026":
            j = i + 1
            while j < pe and masked[j] in ".!?\"'\u2019)":
                j += 1
            if j >= pe:
                break  # the stop (and its closing marks) ends the paragraph
            end = _end_after_stop(masked, s, i, j, pe)
        elif ch == MASK and (i + 1 >= pe or masked[i + 1] != MASK):
            end = _end_after_quote(text, masked, ps, i, pe)
        if end is not None:
            i = end
            out.append((s, i))
            while i < pe and masked[i].isspace():
                i += 1
            s = i
            continue
        i += 1
    if s < pe:
        out.append((s, pe))
    return out


def _end_after_stop(masked: str, s: int, i: int, j: int, pe: int) -> int | None:
    """``j``, the end of the sentence begun at ``s``, when the stop at ``i`` (closing marks up to
    ``j``) ends it, else ``None``."""
    ch = masked[i]
    if not masked[j].isspace():
        return None
    k = j
    while k < pe and masked[k].isspace():
        k += 1
    nxt = masked[k] if k < pe else ""
    if not (nxt and (nxt.isupper() or nxt.isdigit() or nxt == MASK or nxt in DQ + "\u2018")):
        return None
    w = re.search(r"([\w.]+)$", masked[s:i])
    word = (w.group(1) if w else "").lower()
    if ch == "." and (word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
        return None
    return j


def _end_after_quote(text: str, masked: str, ps: int, i: int, pe: int) -> int | None:
    """End of the sentence when the masked quotation ending at ``i`` closes one: its content
    ended with ``.``/``!``/``?`` and a capital or another quotation follows."""
    k = i
    while k > ps and text[k] in DQ + "\u2019'":
        k -= 1
    if text[k] in ".!?" and i + 1 < pe and masked[i + 1].isspace():
        k2 = i + 1
        while k2 < pe and masked[k2].isspace():
            k2 += 1
        if k2 < pe and (masked[k2].isupper() or masked[k2] == MASK):
            return i + 1
    return None
