"""The clause around a speech verb: what may stand between verb and clause, where the
reported clause ends, and which noun phrase is the verb's subject.

These work on one sentence's masked tokens and know nothing of the article beyond them (only
:func:`appositive` reads the text, to build a mention).

>>> from propscan.analysis.voice.tokens import tokenize_masked
>>> text = "He said in a statement on Friday that the plan failed, but aides said it worked."
>>> toks = tokenize_masked(text, 0, len(text))
>>> a = skip_adverbials(toks, 2)
>>> toks[a].text, toks[clause_end(toks, a + 1, len(toks))].text
('that', 'failed')
"""

from __future__ import annotations

import re

from propscan.analysis.voice.lexicon import (
    AUX_ADV,
    CLAUSE_CUT_CONJ,
    COMMUNICATION,
    DETERMINERS,
    FUNCTION_WORDS,
    MEDIUM_NOUNS,
    MONTHS,
    OBJECT_VERBS,
    ORG_NOUNS,
    PRESENT_NEXT,
    PRONOUNS,
    RELATIVE,
    SUBORDINATORS,
    TELL_OBJECTS,
    TIME_WORDS,
    TITLES,
    VERBS,
)
from propscan.analysis.voice.mentions import mention_at
from propscan.analysis.voice.phrases import np_back, np_forward, sentence_subject
from propscan.analysis.voice.records import Mention
from propscan.analysis.voice.tokens import Tok, is_finite, is_person_noun

# auxiliaries and adverbs between a verb and its clause that the clause may not start after:
# skip_adverbials steps only over the adverbs ("also", "later") of _AUX_ADV
_AUX_NOT_SKIPPED = {
    "is", "was", "are", "were", "be", "been", "has", "have", "had", "will", "would", "could", "not", "did", "does", "do",
}  # fmt: skip
# words that open a clause on their own: 'said nobody would ...'
_CLAUSE_OPENERS = {
    "there", "nobody", "everyone", "everybody", "someone", "somebody", "anyone", "nothing", "none", "whoever",
}  # fmt: skip
# prepositions after a verb open a phrase, not a clause: 'spoke about the plan'
_PREPOSITIONS = {"to", "of", "for", "about", "on", "with", "from", "by", "at", "in", "into", "over", "against"}


def skip_adverbials(toks: list[Tok], a: int) -> int:
    """First token at or after ``a`` past adverbs, time phrases ("on Friday") and medium
    phrases ("in a statement", "during an interview with Fox News") after a speech verb."""
    n = len(toks)
    while a < n:
        lw = toks[a].low
        if lw in AUX_ADV and lw not in _AUX_NOT_SKIPPED:
            a += 1
        elif lw in TIME_WORDS and not (
            lw in MONTHS and not (a + 1 < n and (toks[a + 1].text[:1].isdigit() or toks[a + 1].text == ","))
        ):
            a += 1
        elif lw in {"on", "last", "this", "earlier", "late", "early"} and a + 1 < n and toks[a + 1].low in TIME_WORDS:
            a += 2
        elif lw in {"in", "on", "during", "at", "via", "through", "after", "before", "over", "to"} and a + 1 < n:
            after = _skip_medium_phrase(toks, a)
            if after is None:
                break
            a = after
        elif lw == "," and a + 1 < n and toks[a + 1].low in TIME_WORDS:
            a += 2
        elif lw in {"from", "since", "throughout", "for", "again", "once"} and any(
            toks[k].low == "that" for k in range(a + 1, min(n, a + 6))
        ):
            k = next(k for k in range(a + 1, min(n, a + 6)) if toks[k].low == "that")
            if all(
                toks[m].is_word and (toks[m].low not in VERBS or toks[m - 1].low == "the") for m in range(a + 1, k)
            ):
                a = k  # "insisted from the beginning that"
            else:
                break
        else:
            break
    return a


def _skip_medium_phrase(toks: list[Tok], a: int) -> int | None:
    """Token after the medium phrase the preposition at ``a`` opens: "in a statement", "on its
    Facebook page", "in The Atlantic" (before "that"); ``None`` when it opens none."""
    n = len(toks)
    end = None
    for k in range(a + 1, min(n, a + 8)):
        w = toks[k]
        if w.low in MEDIUM_NOUNS:
            end = k
        if not w.is_word or w.low in {"that"}:
            break
    if end is None:
        x, y = np_forward(toks, a + 1)
        if (
            y >= x
            and y + 1 < n
            and toks[y + 1].low == "that"
            and toks[x + (1 if toks[x].low in DETERMINERS else 0)].is_cap
        ):
            return y + 1  # "writes in The Atlantic that"
        return None
    a = end + 1
    if a < n and toks[a].low == "with":  # "in an interview with Fox News"
        x, y = np_forward(toks, a + 1)
        if y >= x:
            a = y + 1
    return a


def skip_object(toks: list[Tok], a: int) -> int:
    """First token after the listener of "told"/"assured" ("told reporters", "told Fox News",
    "told officers he ..."); ``a`` itself when no listener is recognised."""
    n = len(toks)
    if a >= n:
        return a
    if toks[a].low in TELL_OBJECTS:
        return a + 1
    k = a
    if toks[k].low in {"the", "a", "an", "his", "her", "their", "its"}:
        k += 1
    start = k
    while k < n and (toks[k].is_cap or (toks[k].text == "." and k > start) or toks[k].text[:1].isdigit() and k > start):
        k += 1
    while k < n and toks[k].low in TELL_OBJECTS and k - start < 3:
        k += 1
    if k == start:
        # a described listener: "told officers he ...", "told the hearing they ..."
        m = start
        while m < n and m - start < 3 and toks[m].is_word and toks[m].text.islower():
            lw = toks[m].low
            if lw in FUNCTION_WORDS or is_finite(toks[m]) or lw in PRONOUNS:
                break
            if is_person_noun(lw) or lw in TITLES or lw in ORG_NOUNS or lw in MEDIUM_NOUNS:
                nxt = toks[m + 1] if m + 1 < n else None
                if nxt is not None and (nxt.low == "that" or nxt.low in PRONOUNS or clause_like(toks, m + 1, n)):
                    return m + 1
                break
            m += 1
        return a
    return k


def clause_like(toks: list[Tok], a: int, n: int) -> bool:
    """Whether a clause without "that" starts at token ``a``: a pronoun or a quotation opens it,
    or a noun phrase followed by a finite verb ("said students would be shocked")."""
    first = toks[a]
    lw0 = re.split(r"'", first.low)[0]
    if first.is_quote or lw0 in PRONOUNS or lw0 in _CLAUSE_OPENERS or lw0 in SUBORDINATORS:
        return True
    if lw0 in _PREPOSITIONS:
        return False
    if is_finite(first) or (first.text in VERBS and not first.is_cap):
        return False
    k = a + 1
    while k < n and k - a < 18:
        t = toks[k]
        if t.text in ".;:!?" or (t.text == "," and k + 1 < n and toks[k + 1].low in CLAUSE_CUT_CONJ):
            return False
        if t.text == "(":
            while k < n and toks[k].text != ")":
                k += 1
            k += 1
            continue
        if t.low in {"who", "which", "whose", "whom"}:
            # a relative clause inside the subject: skip its verb group
            k += 1
            while k < n and not is_finite(toks[k]) and toks[k].text not in ".;:!?" and k - a < 18:
                k += 1
            while k < n and (is_finite(toks[k]) or toks[k].low.endswith(("ed", "ing")) or toks[k].low in AUX_ADV):
                k += 1
            continue
        if (is_finite(t) and toks[k - 1].low != "to") or t.is_quote:
            return True
        if t.is_word and t.text.islower() and t.low.endswith("s") and t.low in VERBS and toks[k - 1].is_word:
            return True  # "said the company claims ..."
        if _present_tense_verb(toks, k, n):
            return True  # "says the suspension of the credential violates the First Amendment"
        k += 1
    return False


def _present_tense_verb(toks: list[Tok], k: int, n: int) -> bool:
    """Whether ``toks[k]`` reads as a verb in the present tense: a lower-case word in -s after a
    content word and before an object or an adverb ("... violates the First Amendment")."""
    t = toks[k]
    return (
        t.is_word
        and t.text.islower()
        and len(t.low) > 3
        and t.low.endswith("s")
        and not t.low.endswith(("ss", "us", "is", "ics", "'s"))
        and toks[k - 1].is_word
        and toks[k - 1].low not in FUNCTION_WORDS
        and toks[k - 1].low not in DETERMINERS
        and k + 1 < n
        and (toks[k + 1].low in PRESENT_NEXT or (toks[k + 1].low.endswith("ly") and toks[k + 1].text.islower()))
    )


def clause_end(toks: list[Tok], a: int, n: int) -> int:
    """Last token of a reported clause starting at ``a``: the sentence end, or before
    ', according to', ', but X said', '; '."""
    k = a
    while k < n:
        t = toks[k]
        if t.text == ";" and k > a:
            return k - 1
        if t.text == "," and k + 2 < n and _report_follows_comma(toks, k, n):
            return k - 1
        k += 1
    last = n - 1
    while last > a and toks[last].text in ".!?,;:)\u2014\u2013-" and not toks[last].is_quote:
        last -= 1
    return last


def _report_follows_comma(toks: list[Tok], k: int, n: int) -> bool:
    """Whether another report starts after the comma at ``k``: "according to", "but X argued",
    a second speaker, or a postposed "X said."."""
    nxt = toks[k + 1].low
    if nxt == "according" and toks[k + 2].low == "to":
        return True
    if nxt in CLAUSE_CUT_CONJ:
        # ', but federal prosecutors argued ...' starts a new report
        for m in range(k + 2, min(n, k + 12)):
            e2 = VERBS.get(toks[m].text)
            if e2 is not None and e2[1] not in {"direct", "as"} and not toks[m].text.endswith("ing"):
                if toks[m - 1].low not in RELATIVE:
                    return True
            if toks[m].text in ",.;":
                break
    x, y = np_forward(toks, k + 1)
    if y >= x and any(t.is_cap for t in toks[x : y + 1]) and _second_speaker(toks, y, n):
        return True
    # postposed attribution inside: "CLAUSE, X said."
    if y >= x and y + 1 < n and toks[y + 1].text in VERBS and VERBS[toks[y + 1].text][1] not in {"direct", "as"}:
        rest = skip_adverbials(toks, y + 2)
        if rest >= n or toks[rest].text in ".!?":
            return True
    return False


def _second_speaker(toks: list[Tok], y: int, n: int) -> bool:
    """Whether the named phrase ending at ``y`` speaks in turn, after an optional apposition:
    "..., Siraj Wahhaj, the boy's grandfather, claims they are ..."."""
    m = y + 1
    if m < n and toks[m].text == ",":
        m2 = next((q for q in range(m + 1, min(n, m + 10)) if toks[q].text == ","), None)
        m = m2 + 1 if m2 is not None else m
        if m2 is None:  # "NAME, the boy's grandfather claims" (no closing comma)
            m = next((q for q in range(y + 2, min(n, y + 10)) if toks[q].text in VERBS), n)
            if m < n and not all(
                toks[q].low in {"the", "a", "an"}
                or toks[q].low.endswith("'s")
                or is_person_noun(toks[q].low)
                or toks[q].low in TITLES
                or toks[q].is_cap
                for q in range(y + 2, m)
            ):
                m = n
    while m < n and toks[m].low in AUX_ADV:
        m += 1
    e2 = VERBS.get(toks[m].text) if m < n else None
    if e2 is not None and e2[1] in {"free", "that"} and not toks[m].text.endswith("ing"):
        r = skip_adverbials(toks, m + 1)
        if r < n and (toks[r].low == "that" or clause_like(toks, r, n)):
            return True
    return False


def inner_report(toks: list[Tok], a: int, cb: int) -> bool:
    """Whether the clause ``a..cb`` opens with a named or described speaker who reports in
    turn ("the father at some point told his wife he ..."): the innermost speaker counts."""
    for m in range(a + 1, min(cb, a + 10)):
        t = toks[m]
        if t.text in ",;:" or t.is_quote:
            return False
        entry = VERBS.get(t.text)
        if entry is None or t.text.endswith("ing") or entry[0] not in COMMUNICATION:
            continue
        j = m - 1
        while j > a and toks[j].low in AUX_ADV:
            j -= 1
        x, y = np_back(toks, j)
        if y < x or x > a + 1 or toks[x].low in PRONOUNS:
            return False
        k = skip_adverbials(toks, m + 1)
        if entry[0] in OBJECT_VERBS and k <= cb and toks[k].low not in {"that", ","}:
            k = skip_object(toks, k)
        if k <= cb and (toks[k].low == "that" or clause_like(toks, k, cb + 1)):
            return True
        return False
    return False


def subject_before(toks: list[Tok], v: int) -> tuple[int, int]:
    """Subject for a coordinated or participial verb: the nearest earlier 'NP VERB' in the
    sentence (e.g. 'he continued, alleging ...'), else the sentence subject."""
    for k in range(v - 1, 0, -1):
        entry = VERBS.get(toks[k].text)
        if entry is not None and not toks[k].text.endswith("ing"):
            a, b = np_back(toks, k - 1)
            if b >= a and (toks[b].low in PRONOUNS or toks[b].is_cap):
                return (a, b)
    return sentence_subject(toks, v)


def appositive(text: str, toks: list[Tok], j: int) -> tuple[Mention | None, int, int]:
    """``toks[j]`` is the comma before the verb. Find 'NAME, apposition,' before it."""
    for k in range(j - 1, max(-1, j - 30), -1):
        if toks[k].text == ",":
            inner_a, inner_b = k + 1, j - 1
            a, b = np_back(toks, k - 1)
            outer = mention_at(text, toks, a, b) if b >= a else None
            inner = None
            x, y = np_forward(toks, inner_a)
            if y >= x and y <= inner_b:
                inner = mention_at(text, toks, x, y)
            if outer is not None and outer.kind == "name":
                return outer, a, b
            if inner is not None and inner.kind == "name":
                return inner, x, y
            if outer is not None and (a == 0 or toks[a - 1].text in ",;" or toks[a - 1].is_quote or a <= 2):
                return outer, a, b
            return None, 0, -1
        if toks[k].text in ".;:" or toks[k].is_quote:
            break
    return None, 0, -1
