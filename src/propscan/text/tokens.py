"""Word tokens with offsets into the original text (for classical models and cues).

>>> [(t.text, t.start) for t in word_tokens("Don't panic!")]
[("Don't", 0), ('panic', 6), ('!', 11)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


def word_tokens(text: str) -> list[Token]:
    """Words (with inner apostrophes) and single punctuation marks, with character offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


_NORM_RE = re.compile(r"[^\w]+", re.UNICODE)


def normalise_phrase(text: str) -> str:
    """Lower-case, punctuation collapsed to single spaces: the key used to count repeated phrases."""
    return _NORM_RE.sub(" ", text.lower()).strip()
