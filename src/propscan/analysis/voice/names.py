"""The names an article mentions: people, organisations, places and acronyms.

:func:`scan_names` reads every capitalised run of the masked text once and fills
``art.names``, which resolution later uses to expand surnames ("Thornton" -> Maya Thornton),
titles ("the senator"), acronyms ("NOAA") and pronouns.

>>> from propscan.analysis.voice.records import Article
>>> art = Article("Maya Thornton met staff of the National Oceanic and Atmospheric Administration (NOAA).")
>>> scan_names(art)
>>> art.names.person_names[0].name, art.names.acronyms["noaa"]
('Maya Thornton', 'National Oceanic and Atmospheric Administration')
"""

from __future__ import annotations

import re

from propscan.analysis.voice.lexicon import (
    ABBREVIATIONS,
    ADVERB_OPENERS,
    COUNTRIES,
    DETERMINERS,
    FUNCTION_WORDS,
    LEADING_SKIP,
    NAME_TITLES,
    NOT_PERSON_WORDS,
    ORG_HEADS,
    ORG_NOUNS,
    POSSESSIVE_DETS,
    QUANTITY,
    TIME_WORDS,
    TITLE_ALIASES,
    TITLES,
    VERBS,
    gender_of_name,
)
from propscan.analysis.voice.records import Article, PersonName
from propscan.analysis.voice.tokens import Tok, is_finite, norm_name, tokenize_masked

# titles that describe rather than name ("former Governor X" does not make X "the former")
_QUALIFIER_TITLES = {"former", "then", "ex", "acting", "deputy", "top", "senior", "junior", "interim"}


def scan_names(art: Article) -> None:
    """Register person names (for surnames, titles and pronoun fallback), places,
    organisation names and acronyms ("Full Name (ACR)") mentioned anywhere in the text."""
    toks = tokenize_masked(art.masked, 0, len(art.masked))
    n = len(toks)
    heads = _headline_paras(art)
    runs: list[list[Tok]] = []  # candidate person names, one capitalised run (or conjunct) each
    i = 0
    while i < n:
        if not toks[i].is_cap or not toks[i].is_word:
            i += 1
            continue
        j = _cap_run_end(toks, i)
        run = _trim_run([t for t in toks[i:j] if t.text != "."])
        _register_run(art, toks, i, j, run)
        if run and not any(a <= run[0].start < b for a, b in heads):
            # coordinated names are registered one by one: "Nancy Pelosi and Chuck Schumer"
            if any(t.low in {"and", "&"} for t in run) and not any(t.low in ORG_HEADS for t in run):
                part: list[Tok] = []
                for t in run + [None]:  # type: ignore[list-item]
                    if t is None or t.low in {"and", "&"}:
                        if part:
                            runs.append(part)
                        part = []
                    else:
                        part.append(t)
            elif not any(t.low in {"and", "&"} for t in run):
                runs.append(run)
        i = max(j, i + 1)
    for run in runs:
        _register_person(art, run)
    _register_surname_mentions(art, toks, runs)
    art.names.person_names.sort()


def _headline_paras(art: Article) -> list[tuple[int, int]]:
    """Paragraphs in title case without a full stop (headlines, crossheads): capitalised
    words there are not names ("Trump Vows to Kick ...")."""
    out = []
    for ps, pe in art.paras:
        seg = art.text[ps:pe].strip()
        words = re.findall(r"[^\W\d_][\w'\u2019-]*", seg)
        long_words = [w for w in words if len(w) >= 4]
        if len(words) < 4 or seg.endswith((".", "?", "!", ".\u201d", '."')) or not long_words:
            continue
        if sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.7:
            out.append((ps, pe))
    return out


def _cap_run_end(toks: list[Tok], i: int) -> int:
    """End (exclusive) of the capitalised run starting at ``i``: capitalised words, abbreviation
    dots, and "of"/"for"/"and"/"&" (or "of the") between capitalised words."""
    n = len(toks)
    j = i
    while j < n:
        if toks[j].is_word and toks[j].is_cap:
            j += 1
            if j < n and toks[j].text == "." and toks[j - 1].low in ABBREVIATIONS:
                j += 1
        elif toks[j].low in {"of", "for", "and", "&"} and j + 1 < n and toks[j + 1].is_cap and j > i:
            j += 1
        elif toks[j].low in {"of", "for"} and j + 2 < n and toks[j + 1].low == "the" and toks[j + 2].is_cap and j > i:
            j += 2
        else:
            break
    return j


def _trim_run(run: list[Tok]) -> list[Tok]:
    """A capitalised run without the sentence-opening words before it ("The", "Meanwhile",
    "Thousands") and the linking words after it."""
    while run and (
        run[0].low in DETERMINERS
        or run[0].low in POSSESSIVE_DETS
        or run[0].low in FUNCTION_WORDS
        or run[0].low in LEADING_SKIP
        or run[0].low in ADVERB_OPENERS
        or run[0].low in QUANTITY
    ):
        run = run[1:]
    while run and run[-1].low in {"of", "for", "and", "&", "the"}:
        run = run[:-1]
    return run


def _register_run(art: Article, toks: list[Tok], i: int, j: int, run: list[Tok]) -> None:
    """Record the run ``toks[i:j]`` (trimmed to ``run``) as a place, an acronym's expansion or an
    organisation name when its context says so."""
    names = art.names
    n = len(toks)
    prev = toks[i - 1].low if i > 0 else ""
    if prev in {"in", "at", "near", "across", "into", "outside", "inside"}:
        names.places.add(" ".join(t.low for t in run))
        if len(run) == 1:
            names.places.add(run[0].low)
    # acronym defined in brackets: "the National Oceanic and Atmospheric Administration (NOAA)"
    if (
        len(run) >= 2
        and j + 2 < n
        and toks[j].text == "("
        and toks[j + 2].text == ")"
        and re.fullmatch(r"[A-Z][A-Za-z]{1,7}", toks[j + 1].text)
        and toks[j + 1].text[0] == run[0].text[0]
    ):
        names.acronyms[toks[j + 1].low] = norm_name(run)
    # organisation names: "US embassy", "San Antonio police"; "Acme Corp", "Harbour Authority"
    k = j
    while k < n and toks[k].low in ORG_NOUNS and toks[k].text.islower():
        k += 1
    if k > j and run:  # not "A team": the capitalised part must name something
        names.orgs.append((run[0].start, norm_name(run + [t for t in toks[j:k] if t.text != "."])))
    elif len(run) >= 2 and run[-1].low.rstrip(".") in ORG_HEADS:
        names.orgs.append((run[0].start, norm_name(run)))


def _register_person(art: Article, run: list[Tok]) -> None:
    """Record the run as a titled name ("Pope Francis", "Senator Smith") and, when it reads as
    a person's full name, as a person with surname and first name."""
    names = art.names
    titles = [k for k, t in enumerate(run) if t.low.rstrip(".") in TITLES]
    name = run[titles[-1] + 1 :] if titles else run
    if name and name[0].low in {"of", "for"}:
        rest = [t for t in name[1:] if t.low != "the"]
        name = rest[-2:] if len(rest) >= 3 else []
    name = [t for t in name if t.low not in {"of", "for"}]
    words = [t.low.removesuffix("'s") for t in name]
    single_after_title = (
        bool(titles) and len(name) == 1 and titles[-1] == len(run) - 2 and words[0] not in NOT_PERSON_WORDS
    )
    if single_after_title and run[titles[-1]].low in NAME_TITLES:
        # "Pope Francis", "King Salman": the title is part of how the person is named
        full = norm_name([run[titles[-1]], name[0]]).removesuffix("'s")
        names.titled.append((name[0].start, run[titles[-1]].low, full))
        names.surname_at.setdefault(words[0], []).append((name[0].start, full))
        return
    if single_after_title:
        title = run[titles[-1]].low.rstrip(".")
        if title not in _QUALIFIER_TITLES:
            names.titled.append((name[0].start, TITLE_ALIASES.get(title, title), norm_name(name).removesuffix("'s")))
    if not (2 <= len(name) <= 4) or any(w in ORG_NOUNS or w in TIME_WORDS or w in COUNTRIES for w in words):
        return
    if any(t.text.isupper() and len(t.text) > 1 for t in name) or any(w in FUNCTION_WORDS for w in words):
        return
    if any(w in NOT_PERSON_WORDS or w in VERBS or w in ORG_HEADS for w in words):
        return
    if " ".join(words) in names.places:
        return
    full = norm_name(name).removesuffix("'s")
    names.person_names.append(PersonName(name[0].start, art.para_of(name[0].start), full, gender_of_name(full)))
    names.surnames[words[-1]] = full
    names.surnames.setdefault(words[0], full)
    names.surname_at.setdefault(words[-1], []).append((name[0].start, full))
    if words[0] != words[-1]:
        names.surname_at.setdefault(words[0], []).append((name[0].start, full))
    if titles:
        title = run[titles[-1]].low.rstrip(".")
        names.titled.append((name[0].start, TITLE_ALIASES.get(title, title), full))


def _register_surname_mentions(art: Article, toks: list[Tok], runs: list[list[Tok]]) -> None:
    """Single-token mentions of known surnames ("Kavanaugh, 53, denied ..."), not modifiers
    ("the Mueller report", "Mueller probe")."""
    names = art.names
    n = len(toks)
    pos_of = {t.start: k for k, t in enumerate(toks)}
    for run in runs:
        if len(run) != 1:
            continue
        w = run[0].low.removesuffix("'s")
        known = names.full_name(w, run[0].start)
        if known is None or w in names.places:
            continue
        k = pos_of.get(run[0].start, -1)
        nxt = toks[k + 1] if 0 <= k < n - 1 else None
        prv = toks[k - 1] if k > 0 else None
        if (
            not run[0].low.endswith("'s")
            and nxt is not None
            and nxt.is_word
            and nxt.text.islower()
            and nxt.low not in FUNCTION_WORDS
            and nxt.low not in VERBS
            and not is_finite(nxt)
            and not nxt.low.endswith("ly")
        ):
            continue  # a modifier: "Mueller probe"
        if prv is not None and prv.low == "the":
            continue
        names.person_names.append(PersonName(run[0].start, art.para_of(run[0].start), known, gender_of_name(known)))
