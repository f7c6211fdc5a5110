"""Noun phrases around speech verbs: who stands before "said", who follows '", said'.

Phrases are found on masked tokens by word lists, not parsed: capitalised runs ("National
Oceanic and Atmospheric Administration"), titles and role nouns ("former congressional aide"),
possessives and linking words ("Secretary of State", "officials in the capital"). Each function
returns token indices ``(first, last)``, inclusive; ``last < first`` means no phrase.

>>> from propscan.analysis.voice.tokens import tokenize_masked
>>> toks = tokenize_masked("The embassy spokesman Tom Lee said", 0, 34)
>>> np_back(toks, 4), np_forward(toks, 0)
((0, 4), (0, 4))
"""

from __future__ import annotations

from propscan.analysis.voice.lexicon import (
    ABBREVIATIONS,
    DETERMINERS,
    DOCUMENT_NOUNS,
    FUNCTION_WORDS,
    GENERIC_NOUNS,
    LEADING_SKIP,
    ORG_NOUNS,
    PLACE_NOUNS,
    POSSESSIVE_DETS,
    PRONOUNS,
    QUANTITY,
    TITLES,
    VERBS,
    YEAR_OLD_RE,
)
from propscan.analysis.voice.tokens import Tok, is_person_noun

# words that join the parts of a name or an affiliation: "Secretary of State", "Ursula von der Leyen"
_NAME_LINKS_BACK = {"of", "in", "for", "de", "van", "von", "bin", "al", "del", "la", "le", "da", "at", "on"}
_NAME_LINKS_FORWARD = {"of", "in", "for", "de", "van", "von", "bin", "al", "del", "at"}


def _nounish(w: Tok) -> bool:
    """Whether a token can be part of a speaker's noun phrase: a capitalised word, a title, a
    role, organisation or document noun, or a possessive."""
    lw = w.low
    return w.is_word and (
        w.is_cap
        or lw in ORG_NOUNS
        or lw in TITLES
        or is_person_noun(lw)
        or lw.endswith("'s")
        or lw in DOCUMENT_NOUNS
    )


def np_back(toks: list[Tok], j: int) -> tuple[int, int]:
    """Noun phrase ending at token ``j`` (inclusive), scanning backwards: (first, last)."""
    if j < 0:
        return (0, -1)
    if toks[j].low in PRONOUNS:
        return (j, j)
    if toks[j].text == ")":  # "Rep. Scott Perry (R-Pa.)", "the National Oceanic ... Administration (NOAA)"
        j = _before_brackets(toks, j)
    last = j
    t = toks[j]
    if not _nounish(t) and not (t.low in PLACE_NOUNS and j > 1 and toks[j - 1].low == "the"):
        return (j + 1, j)
    generic_head = not t.is_cap
    k = j
    while k >= 0:
        w = toks[k]
        lw = w.low
        if _nounish(w):
            k -= 1
            continue
        if w.text == "." and k > 0 and toks[k - 1].low in ABBREVIATIONS:
            k -= 1
            continue
        link = _link_back(toks, k, j, generic_head)
        if link:
            k -= link
            continue
        if lw in DETERMINERS or lw in POSSESSIVE_DETS or lw in QUANTITY:
            k -= 1
            break
        if (
            w.is_word
            and w.text.islower()
            and lw not in FUNCTION_WORDS
            and lw not in VERBS
            and (
                generic_head
                or lw in TITLES
                or (k + 1 <= j and toks[k + 1].text.islower() and toks[k + 1].low in TITLES)
            )
            and len(lw) > 1
        ):
            k -= 1  # adjectives of a description: "former congressional aide", "law professor"
            continue
        if w.is_word and w.text[:1].isdigit():
            k -= 1
            break
        break
    return (k + 1, last)


def _before_brackets(toks: list[Tok], j: int) -> int:
    """The token before the bracketed aside closing at ``toks[j]`` (``")"``), or ``j`` when its
    opening bracket is not within the last 8 tokens."""
    k = j
    while k >= 0 and toks[k].text != "(" and j - k < 8:
        k -= 1
    if k > 0 and toks[k].text == "(":
        return k - 1
    return j


def _link_back(toks: list[Tok], k: int, j: int, generic_head: bool) -> int:
    """How many tokens to step back over when ``toks[k]`` joins two parts of a noun phrase that
    ends at ``j`` ("of", "the", "and", "-"); 0 when it does not."""
    w = toks[k]
    lw = w.low
    nxt = toks[k + 1] if k + 1 <= j else None
    if nxt is not None and nxt.low == "the" and k + 2 <= j:
        nxt = toks[k + 2]
    if (
        lw in _NAME_LINKS_BACK
        and k > 0
        and nxt is not None
        and (
            (toks[k - 1].is_cap or toks[k - 1].low in ORG_NOUNS)
            and nxt.is_cap
            or (
                lw in {"of", "for", "at"}
                and (is_person_noun(toks[k - 1].low) or toks[k - 1].low in TITLES)
                and _nounish(nxt)
            )
        )
    ):
        return 1
    if lw == "the" and k > 1 and toks[k - 1].low in {"of", "for"} and k + 1 <= j and toks[k + 1].is_cap:
        return 1  # "Justice Department for the Southern District of Ohio"
    if (
        lw == "the"
        and k > 1
        and toks[k - 1].low in {"in", "at", "from"}
        and (is_person_noun(toks[k - 2].low) or toks[k - 2].low in TITLES)
        and k + 1 <= j
        and (toks[k + 1].low in PLACE_NOUNS or toks[k + 1].is_cap)
    ):
        return 2  # "Officials in the capital"
    if (
        lw in {"and", "&"}
        and k > 0
        and nxt is not None
        and (
            toks[k - 1].is_cap
            and nxt.is_cap
            or (generic_head and _nounish(toks[k - 1]) and not toks[k - 1].is_cap and _nounish(nxt))
        )
    ):
        return 1  # "National Oceanic and Atmospheric Administration", "Tanya and Jason Badger"
    if w.text in "-&" and k > 0 and toks[k - 1].is_word:
        return 1
    return 0


def np_forward(toks: list[Tok], i: int) -> tuple[int, int]:
    """Noun phrase starting at token ``i``: (first, last); empty when last < first."""
    n = len(toks)
    if i >= n:
        return (i, i - 1)
    if toks[i].low in PRONOUNS:
        return (i, i)
    k = _after_determiner(toks, i)
    start_head = k
    seen_noun = False
    while k < n:
        w = toks[k]
        lw = w.low
        if w.is_word and w.is_cap:
            k += 1
            seen_noun = True
            if k < n and toks[k].text == "." and toks[k - 1].low in ABBREVIATIONS:
                k += 1
            continue
        if w.is_word and w.text[:1].isdigit() and k > start_head and toks[k - 1].is_cap:
            k += 1  # "KENS 5"
            continue
        if is_person_noun(lw) or lw in ORG_NOUNS or lw in TITLES or lw in DOCUMENT_NOUNS:
            k += 1
            seen_noun = True
            continue
        nxt = toks[k + 1] if k + 1 < n else None
        if nxt is not None and nxt.low == "the" and k + 2 < n:
            nxt = toks[k + 2]
        if lw in _NAME_LINKS_FORWARD and seen_noun and nxt is not None and nxt.is_cap:
            k += 2 if toks[k + 1].low == "the" else 1
            continue
        if (
            lw in {"and", "&"}
            and seen_noun
            and k > start_head
            and toks[k - 1].is_cap
            and nxt is not None
            and nxt.is_cap
        ):
            k += 1  # "National Oceanic and Atmospheric Administration"
            continue
        if w.text == "(":
            m = k
            while m < n and toks[m].text != ")" and m - k < 8:
                m += 1
            if m < n and toks[m].text == ")":
                k = m + 1
                continue
            break
        if not seen_noun and k - start_head < 4 and _adjective_before_head(toks, k):
            k += 1  # adjectives before a generic head: "two other unidentified women"
            continue
        break
    last = k - 1
    while last >= i and toks[last].text in "(),.-":
        last -= 1
    if not seen_noun:
        return (i, i - 1)
    return (i, last)


def _after_determiner(toks: list[Tok], i: int) -> int:
    """First token after a determiner or quantity opening a noun phrase at ``i``
    ("Thousands of lecturers", "one of the attorneys", "the", "two")."""
    n = len(toks)
    k = i
    if toks[k].low in QUANTITY and k + 1 < n and toks[k + 1].low == "of":
        k += 2
        if k < n and toks[k].low == "the":
            k += 1
    elif (
        toks[k].low in DETERMINERS
        or toks[k].low in POSSESSIVE_DETS
        or toks[k].low in QUANTITY
        or (toks[k].text[:1].isdigit() and not YEAR_OLD_RE.match(toks[k].low))
    ):
        k += 1
    return k


def _adjective_before_head(toks: list[Tok], k: int) -> bool:
    """Whether the lower-case word at ``k`` is an adjective of a head noun a few words on: a
    generic or organisation noun, or a capitalised word."""
    n = len(toks)
    w = toks[k]
    lw = w.low
    if not (w.is_word and w.text.islower() and lw not in FUNCTION_WORDS and lw not in VERBS):
        return False
    look = k + 1
    while (
        look < n
        and look - k < 4
        and toks[look].low not in GENERIC_NOUNS
        and toks[look].low not in ORG_NOUNS
        and toks[look].is_word
        and toks[look].text.islower()
    ):
        look += 1
    return look < n and (toks[look].low in GENERIC_NOUNS or toks[look].low in ORG_NOUNS or toks[look].is_cap)


def sentence_subject(toks: list[Tok], upto: int) -> tuple[int, int]:
    """First noun phrase of the sentence (skipping leading adverbials and quotes)."""
    i = 0
    while i < upto and (toks[i].is_quote or not toks[i].is_word):
        i += 1
    # leading "According to X," / "On Friday," / "In a statement following that accusation,"
    if i < upto and toks[i].low in {"and", "but", "so", "yet", "then", "also", "still"} and toks[i].is_cap:
        i += 1
    elif i < upto and (toks[i].low in LEADING_SKIP or toks[i].low == "according"):
        for k in range(i + 1, min(upto, i + 14)):
            if toks[k].text == ",":
                i = k + 1
                break
    while i < upto and (toks[i].is_quote or not toks[i].is_word):
        i += 1
    if i >= upto:
        return (0, -1)
    a, b = np_forward(toks, i)
    if b >= upto:
        b = upto - 1
    return (a, b)
