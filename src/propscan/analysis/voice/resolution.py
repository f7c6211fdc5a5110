"""From mentions to speakers: full names for surnames and acronyms, antecedents for pronouns
and descriptions ("the senator", "the embassy", "they").

:func:`resolve` walks the kept quotations in text order, keeping a history of who has spoken,
and sets ``speaker``/``speaker_start``/``speaker_end`` (plus ``person``/``gender``) on each.

>>> from propscan.analysis.voice import find_quotes
>>> from propscan.document import Document
>>> qs = find_quotes(Document('Mary Poe spoke first. "We are ready," she said.', id="r"))
>>> qs[0].speaker
'Mary Poe'
"""

from __future__ import annotations

import re
from typing import NamedTuple

from propscan.analysis.voice.lexicon import (
    COUNTRIES,
    DOCUMENT_NOUNS,
    INSTITUTIONS,
    LAWMAKER_TITLES,
    ORG_NOUNS,
    TITLE_ALIASES,
    TITLES,
    ZW,
    gender_of_name,
)
from propscan.analysis.voice.records import Article, Cand, Mention
from propscan.analysis.voice.tokens import is_person_noun

# a resolved speaker: (name, is a person, gender)
_Speaker = tuple[str | None, bool | None, str | None]
_NOBODY: _Speaker = (None, None, None)


class _Said(NamedTuple):
    """One resolved quotation in the history pronouns and descriptions are resolved against."""

    pos: int
    para: int
    name: str | None
    person: bool | None
    gender: str | None
    head: str | None  # head noun of a description ("woman"), None for names
    plural: bool
    context: str  # lower-cased paragraph text up to the quotation's end


def resolve(art: Article, cands: list[Cand]) -> None:
    """Set the speaker of every candidate, in text order."""
    history: list[_Said] = []
    for c in cands:
        if c.inherit is not None and c.mention is None:
            src = art.direct[c.inherit]
            c.speaker, c.speaker_start, c.speaker_end = src.speaker, src.speaker_start, src.speaker_end
            c.cue = c.cue or src.cue
            c.person, c.gender = src.person, src.gender
            continue
        men = c.mention
        if men is None:
            continue
        if men.end > men.start:
            c.speaker_start, c.speaker_end = men.start, men.end
        name, person, gender = _resolve_mention(art, men, c, history)
        c.speaker, c.person, c.gender = name, person, gender
        plural = men.plural or bool(name and " and " in name)
        if men.kind == "pronoun" and name is not None:
            plural = any(h.name == name and h.plural for h in history)
        ps = art.paras[art.para_of(min(c.start, men.start))][0]
        head = men.head if men.kind in ("generic", "definite") else None
        history.append(
            _Said(c.start, c.para, name, person, gender, head, plural, art.text[ps : max(c.end, men.end)].lower())
        )
    _speak_after_report(art, cands)


def _speak_after_report(art: Article, cands: list[Cand]) -> None:
    """Quotations the text gives no speaker for, right after a speaker's reported words:
    'The Justice Department said the ruling was disappointing.\\n"We will appeal."'"""
    for k, c in enumerate(cands):
        if c.speaker is not None or c.mention is not None or c.kind == "reported" or k == 0:
            continue
        if c.inherit is not None:
            continue
        prev = cands[k - 1]
        if prev.speaker is None or prev.kind != "reported":
            continue
        pi = art.para_of(c.start)
        ppi = art.para_of(max(prev.start, prev.end - 1))
        starts_para = art.para_text_before(pi, c.start) == ""
        cpe = art.paras[art.para_of(max(c.start, c.end - 1))][1]
        ends_para = art.text[c.end : cpe].strip(" \t.,;" + ZW) == ""
        between = art.text[prev.end : c.start]
        if starts_para and ends_para and pi - ppi == 1 and len(between.strip()) <= 2:
            c.speaker, c.speaker_start, c.speaker_end = prev.speaker, prev.speaker_start, prev.speaker_end
            c.person, c.gender, c.cue = prev.person, prev.gender, prev.cue


def _resolve_mention(art: Article, men: Mention, c: Cand, history: list[_Said]) -> _Speaker:
    """The speaker a mention stands for: (name, is a person, gender)."""
    names = art.names
    if men.kind == "name":
        full = men.canonical or men.text
        if " " not in full:
            full = names.acronyms.get(full.lower()) or names.full_name(full, men.start) or full
        elif c.cue == "post":
            known = names.full_name(full.split()[-1], men.start)
            if known is not None and known.split()[0] == full.split()[0]:
                full = known
        person = men.person
        if person is None and (" " in full or full.lower() in names.surnames):
            person = True
        if full.lower() in COUNTRIES or full.lower() in names.places:
            person = False
        return full, person, men.gender or gender_of_name(full)
    if men.kind == "org":
        name = men.canonical
        if name and name.lower() in names.acronyms:
            return names.acronyms[name.lower()], False, None
        if name and " " not in name and name.lower() in names.surnames:
            full = names.full_name(name, men.start) or name
            return full, True, gender_of_name(full)
        return name, men.person, None
    if men.kind == "pronoun":
        p = men.head
        if p in {"i", "we", "you"}:
            return _NOBODY
        if p == "they":
            return _plural_antecedent(men.start, c.para, history)
        want_person = p in {"he", "she"}
        want_gender = "m" if p == "he" else "f" if p == "she" else None
        return _antecedent(art, men.start, c.para, want_person, want_gender, p == "it", history)
    if men.kind != "definite":
        return None, men.person, men.gender
    return _resolve_description(art, men, c, history)


def _resolve_description(art: Article, men: Mention, c: Cand, history: list[_Said]) -> _Speaker:
    """The speaker a definite description stands for: "the letter", "the couple", "the
    embassy", "the senator", "the woman", "the city council"."""
    head = men.head or ""
    if head in DOCUMENT_NOUNS:
        # "the letter said", "the suit says": whoever the text said issued it
        for h in reversed(history):
            if c.para - h.para <= 3 and h.name and re.search(rf"\b{re.escape(head)}\b", h.context):
                return h.name, h.person, h.gender
        return _NOBODY
    if men.plural or head in {"couple", "family", "families"}:
        return _plural_antecedent(men.start, c.para, history, head=head)
    # "the embassy" -> an earlier speaker whose name holds the noun; "the senator" -> titled name
    for h in reversed(history):
        if h.name and head and head in h.name.lower().split():
            return h.name, h.person, h.gender
    alias = TITLE_ALIASES.get(head, head)
    for pos, title, full in reversed(art.names.titled):
        if pos < men.start and (title == alias or (alias == "lawmaker" and title in LAWMAKER_TITLES | {"lawmaker"})):
            return full, True, gender_of_name(full)
    if (is_person_noun(head) or head in TITLES) and head not in INSTITUTIONS and head not in ORG_NOUNS:
        return _described_person(art, men, c, history, head)
    for pos, org in reversed(art.names.orgs):
        if pos < men.start and head and head in org.lower().split():
            return org, False, None
    if not men.person:
        for h in reversed(history):
            if h.name and h.person is not True and c.para - h.para <= 8 and h.name.lower() not in art.names.surnames:
                return h.name, False, h.gender
        # no antecedent: the description names the organisation ("the city council")
        desc = re.sub(r"^(the|a|an)\s+", "", men.text.replace("\u2019", "'"), flags=re.I)
        return desc, False, None
    return None, men.person, men.gender


def _described_person(art: Article, men: Mention, c: Cand, history: list[_Said], head: str) -> _Speaker:
    """A person described by role ("the woman", "the imam"): the last speaker described the
    same way, else (for a title) the last person who spoke."""
    same = [
        h
        for h in history
        if h.head and (h.head == head or h.head.rstrip("s") == head.rstrip("s") or h.head in head or head in h.head)
    ]
    if same and (same[-1].name is not None or head not in TITLES):
        return same[-1].name, same[-1].person, same[-1].gender
    if head in TITLES and head not in {"woman", "man"}:
        # "the imam", "the attorney general": the last person who spoke
        for h in reversed(history):
            if (
                h.name
                and h.person is not False
                and c.para - h.para <= 6
                and not h.plural
                and h.name.lower() not in art.names.places
            ):
                return h.name, True, h.gender
    return None, True, men.gender


def _plural_antecedent(pos: int, para: int, history: list[_Said], head: str | None = None) -> _Speaker:
    """'they' / 'the couple' / 'the Democratic leaders': the last plural speaker (or an
    organisation) within the last few paragraphs."""
    for h in reversed(history):
        if h.pos >= pos or para - h.para > 4:
            continue
        if h.name and (h.plural or (head is None and h.person is False)):
            return h.name, h.person, h.gender
    return _NOBODY


def _antecedent(
    art: Article, pos: int, para: int, want_person: bool, gender: str | None, want_org: bool, history: list[_Said]
) -> _Speaker:
    """'he' / 'she' / 'it': the last fitting speaker in this or the three paragraphs before,
    else the last organisation ("it") or person named as a sentence subject there."""

    def fits(h: _Said) -> bool:
        if want_person and (h.person is False or h.plural):
            return False
        if want_org and h.person is True:
            return False
        return not (gender and h.gender and h.gender != gender)

    for back in range(0, 4):
        p = para - back
        if p < 0:
            break
        speakers = [h for h in history if h.para == p and h.pos < pos and fits(h)]
        if want_org:
            # "it" -> the most recent organisation: an earlier speaker or a named organisation
            orgs = [
                (o_pos, org)
                for o_pos, org in art.names.orgs
                if o_pos < pos and art.para_of(o_pos) == p and _opens_sentence(art, o_pos)
            ]
            if orgs and (not speakers or orgs[-1][0] > speakers[-1].pos):
                return orgs[-1][1], False, None
        if speakers:
            h = speakers[-1]
            return h.name, h.person, h.gender
        if want_person:
            names = [
                nm
                for nm in art.names.person_names
                if nm.para == p and nm.start < pos and (not gender or not nm.gender or nm.gender == gender)
            ]
            if names:
                subjects = [nm for nm in names if _opens_sentence_loose(art, nm.start)]
                pick = subjects[-1] if subjects else names[-1]
                return pick.name, True, pick.gender
    return _NOBODY


def _opens_sentence(art: Article, pos: int) -> bool:
    """Whether only "the" stands between the last sentence end and ``pos`` (a sentence's subject)."""
    return _sentence_lead(art, pos).strip().lower() in {"", "the"}


def _opens_sentence_loose(art: Article, pos: int) -> bool:
    """Whether only capitalised words, titles and discourse words stand between the last
    sentence end and ``pos`` (the name is the sentence's subject)."""
    for w in re.findall(r"[\w.'\u2019-]+", _sentence_lead(art, pos)):
        lw = w.lower().rstrip(".")
        if not (w[:1].isupper() or lw in TITLES or lw in {"the", "yet", "but", "and", "so", "then", "former"}):
            return False
    return True


def _sentence_lead(art: Article, pos: int) -> str:
    """The text between the last sentence end (or line break) within 200 characters and ``pos``."""
    before = art.text[max(0, pos - 200) : pos]
    cut = max(before.rfind(". "), before.rfind("! "), before.rfind("? "), before.rfind("\n"))
    return before[cut + 1 :]
