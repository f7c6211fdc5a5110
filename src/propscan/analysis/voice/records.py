"""What the quote finder produces and what it learns about an article while it scans.

:class:`Quote` is the public result. The private records are the finder's working state:
:class:`Mention` (a speaker mention before resolution), :class:`Cand` (a quotation before its
speaker is resolved), :class:`_Names` (people, organisations, places and acronyms the article
names) and :class:`Article` (text, paragraphs, masked text and the quotations found so far),
which every scan of the package reads and fills in.

>>> art = Article("One.\\n\\nTwo.")
>>> art.paras, art.para_of(7)
([(0, 4), (6, 10)], 1)
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from propscan.analysis.voice.lexicon import ZW
from propscan.analysis.voice.tokens import Tok

QuoteKind = Literal["direct", "block", "reported"]

# a paragraph: a run of text between line breaks
_PARA_RE = re.compile(r"[^\n\r\u2028\u2029\u0085]+")


@dataclass(frozen=True, slots=True)
class Quote:
    """One quotation in a document.

    ``start``/``end`` cover the quoted content *including* its quote marks for direct and
    block quotes, or the reported clause for reported speech. ``speaker`` is the canonical
    name (titles stripped, pronouns resolved) or ``None``; ``speaker_start``/``speaker_end``
    point at the mention in the text (the pronoun itself when it was resolved); ``cue`` is
    the attribution verb or phrase (``"said"``, ``"according to"``).

    >>> Quote(0, 5, "direct", "Jane Smith", 7, 17, "said").to_dict()["speaker"]
    'Jane Smith'
    """

    start: int
    end: int
    kind: QuoteKind
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The quote as a JSON-ready dict of its fields."""
        return {
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "speaker": self.speaker,
            "speaker_start": self.speaker_start,
            "speaker_end": self.speaker_end,
            "cue": self.cue,
        }


@dataclass(slots=True)
class Mention:
    """A speaker mention before resolution."""

    kind: str  # name | org | pronoun | definite | generic
    text: str
    start: int
    end: int
    canonical: str | None = None
    person: bool | None = None
    gender: str | None = None  # "f" | "m" | None
    head: str | None = None  # head noun of a description, or title of a named person
    plural: bool = False


@dataclass(slots=True)
class Cand:
    """A raw quote before speaker resolution."""

    start: int
    end: int
    kind: str  # a QuoteKind, or "_dropped" once merging has discarded it
    mention: Mention | None = None
    cue: str | None = None
    inherit: int | None = None  # index into the direct-quote list to copy a speaker from
    para: int = 0
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    person: bool | None = None
    gender: str | None = None


class PersonName(NamedTuple):
    """A person's name as the article writes it somewhere."""

    start: int
    para: int
    name: str
    gender: str | None


@dataclass(slots=True)
class _Names:
    """People, organisations, places and acronyms named anywhere in the article, for resolving
    surnames, titles ("the senator"), pronouns and "it"."""

    person_names: list[PersonName] = field(default_factory=list)
    surnames: dict[str, str] = field(default_factory=dict)  # first or last word -> full name
    surname_at: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # word -> [(position, full name)]
    acronyms: dict[str, str] = field(
        default_factory=dict
    )  # "noaa" -> "National Oceanic and Atmospheric Administration"
    titled: list[tuple[int, str, str]] = field(default_factory=list)  # start, title alias, full name
    places: set[str] = field(default_factory=set)
    orgs: list[tuple[int, str]] = field(default_factory=list)  # start, organisation name

    def full_name(self, word: str, pos: int) -> str | None:
        """The full name a surname (or first name) stands for at ``pos``: the nearest earlier
        full name with that word, else the first later one."""
        seen = self.surname_at.get(word.lower())
        if not seen:
            return None
        before = [full for p, full in seen if p <= pos]
        return before[-1] if before else seen[0][1]


class Article:
    """One article being scanned: its text, paragraphs and masked text, the quotations found so
    far and the names it mentions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.paras: list[tuple[int, int]] = [
            (m.start(), m.end()) for m in _PARA_RE.finditer(text) if m.group().strip(" \t" + ZW)
        ]
        self.para_starts = [p[0] for p in self.paras]
        self.masked = text  # the text with direct quotes overwritten by _MASK, once they are found
        self.direct: list[Cand] = []  # direct, block and single-quoted quotations, by start
        self.reported: list[Cand] = []
        # direct-quote index -> (speaker, cue) a reported-speech scan saw next to that quote
        self.hints: dict[int, tuple[Mention | None, str]] = {}
        self.names = _Names()

    def para_of(self, pos: int) -> int:
        """Index of the paragraph holding (or last opened before) offset ``pos``."""
        return max(0, bisect.bisect_right(self.para_starts, pos) - 1)

    def quote_index_at(self, tok: Tok) -> int | None:
        """Index in ``direct`` of the quotation a (masked) token lies in."""
        for k, c in enumerate(self.direct):
            if c.start <= tok.start < c.end:
                return k
        return None

    def para_text_before(self, pi: int, pos: int) -> str:
        """Paragraph ``pi``'s text before ``pos``, without surrounding spaces (``""`` when ``pos`` opens it)."""
        return self.text[self.paras[pi][0] : pos].strip(" \t" + ZW)
