"""What a speaker phrase names: a person, an organisation, a pronoun or a description.

:func:`mention_at` classifies the noun phrase a speech verb was found with, before any
resolution: "Russian Foreign Minister Sergei Lavrov" is the name Sergei Lavrov (title
"minister"), "Analysts at Barclays" the organisation Barclays, "the embassy" a definite
description to resolve later, "Thousands of lecturers" a generic speaker who names nobody.

>>> from propscan.analysis.voice.tokens import tokenize_masked
>>> text = "Labour MP Mary Thornton"
>>> m = mention_at(text, tokenize_masked(text, 0, len(text)), 0, 3)
>>> m.kind, m.canonical, m.head, m.gender
('name', 'Mary Thornton', 'mp', 'f')
"""

from __future__ import annotations

from propscan.analysis.voice.lexicon import (
    ADVERB_OPENERS,
    COUNTRIES,
    DETERMINERS,
    DOCUMENT_NOUNS,
    FEMALE_NOUNS,
    INSTITUTIONS,
    MALE_NOUNS,
    NOT_PERSON_WORDS,
    ORG_HEADS,
    ORG_NOUNS,
    POSSESSIVE_DETS,
    PRONOUNS,
    QUANTITY,
    TITLE_ALIASES,
    TITLES,
    YEAR_OLD_RE,
    gender_of_name,
)
from propscan.analysis.voice.records import Mention
from propscan.analysis.voice.tokens import Tok, is_person_noun, norm_name

# the text, start and end every mention built from one phrase shares
_Where = tuple[str, int, int]


def mention_at(text: str, toks: list[Tok], a: int, b: int) -> Mention | None:
    """Classify tokens ``a..b`` (inclusive) as a speaker mention."""
    if b < a or a < 0:
        return None
    seg = [t for t in toks[a : b + 1] if t.text != "."]
    # drop parentheticals
    out: list[Tok] = []
    depth = 0
    for t in seg:
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(t)
    seg = out
    # sentence adverbs glued to the front: "Here is what ...", "Again Fox adds"
    while seg and seg[0].low in ADVERB_OPENERS and (len(seg) > 1 or seg[0].is_cap):
        seg = seg[1:]
    if not seg:
        return None
    where = _where(text, seg)
    words_all = [t for t in seg if t.is_word]
    if len(words_all) >= 2 and all(t.text.isupper() for t in words_all):
        # shouted headline text ("ACCORDING TO FEDERAL COURT DOCUMENTS"): no name in it
        return Mention("generic", *where, person=None, head=words_all[-1].low)
    coordinated = _coordinated(text, where, seg)
    if coordinated is not None:
        return coordinated
    whole = _mention_parts(text, seg)
    if whole is None:
        return None
    whole.text, whole.start, whole.end = where
    return whole


def _coordinated(text: str, where: _Where, seg: list[Tok]) -> Mention | None:
    """A plural mention of speakers joined by "and" ("Tanya and Jason Badger", "Nancy Pelosi and
    Chuck Schumer"), or ``None`` when the phrase is not coordinated (or is one organisation's name)."""
    ands = [k for k, t in enumerate(seg) if t.low in {"and", "&"} and 0 < k < len(seg) - 1]
    one_org = (
        bool(ands)
        and (seg[-1].low in ORG_HEADS or seg[-1].low in ORG_NOUNS)
        and not any(t.low.rstrip(".") in TITLES for t in seg[: ands[0]])
    )
    if ands and seg[-1].is_cap and not one_org:
        k = ands[0]
        if k == 1 and len(seg) == 4 and seg[0].is_cap and seg[2].is_cap:  # "Tanya and Jason Badger"
            return Mention("name", *where, canonical=norm_name(seg), person=True, plural=True)
        left = _mention_parts(text, seg[:k])
        right = _mention_parts(text, seg[k + 1 :])
        parts = [m for m in (left, right) if m is not None and m.canonical]
        if len(parts) == 2 and all(m.kind == "name" for m in parts):
            full = f"{parts[0].canonical} and {parts[1].canonical}"
            return Mention("name", *where, canonical=full, person=True, plural=True)
        if parts:
            m = parts[0]
            return Mention(m.kind, *where, canonical=m.canonical, person=m.person, plural=True)
    elif ands and not seg[-1].is_cap:
        left = _mention_parts(text, seg[: ands[0]])
        if left is not None and left.kind in ("name", "org") and left.canonical:
            # "The White House and President Trump's lawyers"
            return Mention(left.kind, *where, canonical=left.canonical, person=left.person, plural=True)
        return Mention("generic", *where, person=True, head=seg[-1].low, plural=True)
    return None


def _where(text: str, seg: list[Tok]) -> tuple[str, int, int]:
    """The text, start and end that every mention built from ``seg`` shares."""
    return text[seg[0].start : seg[-1].end], seg[0].start, seg[-1].end


def _pronoun(where: tuple[str, int, int], low: str) -> Mention:
    return Mention("pronoun", *where, head=low, plural=low == "they")


def _mention_parts(text: str, seg: list[Tok]) -> Mention | None:
    """Classify a mention without parentheticals or coordination."""
    if not seg:
        return None
    where = _where(text, seg)
    low0 = seg[0].low
    if len(seg) == 1 and low0 in PRONOUNS:
        return _pronoun(where, low0)
    for k in range(1, len(seg)):
        if seg[k].low in {"in", "near", "outside", "across", "inside", "on"} and (
            is_person_noun(seg[k - 1].low) or seg[k - 1].low in TITLES
        ):
            seg = seg[:k]  # "residents near the plant": the place is not part of the speaker
            break
    det = None
    if low0 in QUANTITY:
        det = low0
        seg = seg[1:]
        if seg and seg[0].low == "of":
            seg = seg[1:]
            if seg and seg[0].low in {"the", "these", "those", "them", "us"}:
                seg = seg[1:]
        if not seg:
            return Mention("generic", *where, person=True, head=low0, plural=True)
        head = seg[-1].low
        if not seg[-1].is_cap or is_person_noun(head):
            # "Thousands of lecturers", "Many neighbors", "one of the attorneys"
            return Mention("generic", *where, person=True, head=head, plural=True)
        low0 = seg[0].low
    if det is None and (low0 in DETERMINERS or low0 in POSSESSIVE_DETS or seg[0].text[:1].isdigit()):
        if not YEAR_OLD_RE.match(low0):
            det = low0
            seg = seg[1:]
    if not seg:
        return None
    # "the country's Ministry of Health": a common-noun possessive before a name
    if len(seg) >= 2 and seg[0].low.endswith("'s") and seg[0].text.islower() and seg[1].is_cap:
        seg = seg[1:]
    return _classify(where, seg, det)


def _classify(where: _Where, seg: list[Tok], det: str | None) -> Mention:
    """Classify a phrase whose determiner ``det`` has been taken off."""
    words = [t.low for t in seg]
    # a sentence-initial capital on a common noun ("Authorities said", "Police Chief ...")
    common0 = (
        det is None
        and seg[0].is_cap
        and (is_person_noun(seg[0].low) or seg[0].low in TITLES)
        and seg[0].low not in ORG_NOUNS
        and (len(seg) == 1 or not seg[1].is_cap)
    )
    caps = [t for k, t in enumerate(seg) if t.is_cap and not (k == 0 and common0 and t.low not in TITLES)]
    if common0 and seg[0].low not in TITLES:
        caps = [t for t in caps if t is not seg[0]]
    titles = [
        k
        for k, t in enumerate(seg)
        if t.low.rstrip(".") in TITLES and not (k > 0 and t.is_cap and seg[k - 1].low in {"of", "for", "and"})
    ]
    plural = seg[-1].low.endswith("s") and is_person_noun(seg[-1].low) and not seg[-1].is_cap
    if not caps or (common0 and len(seg) == 1):
        return _description(where, words, det, plural)
    member = _member_of_org(where, seg, common0)
    if member is not None:
        return member
    # possessive: "Franken's office" (organisation) / "CNN's suit" (CNN) / "Kavanaugh's friend" (unnamed)
    if seg[0].low.endswith("'s") and len(seg) >= 2 and not seg[-1].is_cap:
        owner = norm_name(seg[:1]).removesuffix("'s")
        if seg[-1].low in DOCUMENT_NOUNS or seg[-1].low in {"spokesman", "spokeswoman", "spokesperson"}:
            return Mention("org", *where, canonical=owner, person=None)
        if seg[-1].low in ORG_NOUNS:
            return Mention("org", *where, canonical=norm_name(seg), person=False)
        return Mention("generic", *where, person=True, head=seg[-1].low, plural=plural)
    if seg[-1].low in DOCUMENT_NOUNS and seg[-1].text.islower() and len(seg) >= 2 and seg[-2].is_cap:
        # "The Pioneer Press account", "a White House statement": whoever issued it
        seg = seg[:-1]
        while seg and not seg[-1].low.endswith("'s") and not seg[-1].is_cap:
            seg = seg[:-1]
        return Mention("org", *where, canonical=norm_name(seg).removesuffix("'s"), person=False)
    if seg[-1].low in ORG_NOUNS and seg[-1].is_cap:
        titles = []
    return _named(where, seg, words, titles, det, common0, plural)


def _description(where: _Where, words: list[str], det: str | None, plural: bool) -> Mention:
    """A speaker described, not named: "the spokeswoman", "a company", "the letter"."""
    head = words[-1]
    gender = "f" if any(w in FEMALE_NOUNS for w in words) else "m" if any(w in MALE_NOUNS for w in words) else None
    kind = "definite" if det == "the" or det is None else "generic"
    person = head not in ORG_NOUNS or head in {"police", "prosecutors"}
    person_or_none: bool | None = person
    if head in INSTITUTIONS | {"restaurant", "firm", "chain", "network", "station", "newspaper", "website"}:
        person_or_none = False
    if head in DOCUMENT_NOUNS:
        person_or_none = None  # a document speaks for whoever issued it
    return Mention(
        kind, *where, person=person_or_none, gender=gender, head=head,
        plural=plural or head in {"couple", "family", "families"},
    )  # fmt: skip


def _member_of_org(where: _Where, seg: list[Tok], common0: bool) -> Mention | None:
    """An unnamed member of a named organisation ("Analysts at Barclays", "lawyers for the White
    House"): the organisation speaks."""
    for k, t in enumerate(seg):
        if k == 0 or t.low not in {"at", "of", "for", "from", "with"}:
            continue
        before = seg[:k]
        if all(
            (not w.is_cap or (i == 0 and common0)) and (w.low in TITLES or is_person_noun(w.low) or w.text.islower())
            for i, w in enumerate(before)
        ) and (is_person_noun(before[-1].low) or before[-1].low in TITLES):
            rest = [w for w in seg[k + 1 :] if w.low not in {"the"}]
            if rest and rest[0].is_cap:
                return Mention("org", *where, canonical=norm_name(rest), person=False)
        break
    return None


def _named(
    where: _Where, seg: list[Tok], words: list[str], titles: list[int], det: str | None, common0: bool, plural: bool
) -> Mention:
    """A phrase with capitalised words: a titled name, an official of an organisation, an
    organisation or a plain name."""
    name = _name_after_titles(seg, titles)
    org_words = [w for w in words if w.removesuffix("'s") in ORG_NOUNS]
    if seg[-1].is_cap and len(seg) >= 2 and seg[-1].low in ORG_HEADS:
        org_words.append(seg[-1].low)  # "Northstar Motors", "Acme Holdings"
    if titles and name and not any(t.low in ORG_NOUNS for t in name):
        full = norm_name(name)
        title = seg[titles[-1]].low.rstrip(".")
        if not all(t.low in NOT_PERSON_WORDS for t in name):
            head = TITLE_ALIASES.get(title, title)
            return Mention("name", *where, canonical=full, person=True, gender=gender_of_name(full), head=head)
        name = []
    if titles and not name:
        pre: list[Tok] = []
        k = titles[-1] - 1
        while k >= 0 and seg[k].is_cap and not (common0 and k == 0):
            pre.insert(0, seg[k])
            k -= 1
        if len(pre) == 1 and pre[0].low in NOT_PERSON_WORDS:
            pre = []  # "a Democratic aide": a party adjective, not an organisation
        if pre:  # "An FBI official" -> FBI; "A senior Justice Department official" -> Justice Department
            return Mention("org", *where, canonical=norm_name(pre), person=False)
        kind = "generic" if det not in {"the"} else "definite"
        return Mention(kind, *where, person=True, head=seg[titles[-1]].low)
    # organisation or plain name; cut a trailing "in <Place>" from organisation names
    core = seg
    for k, t in enumerate(seg):
        if t.low in {"in", "at", "on"} and k > 0:
            core = seg[:k]
            break
    if not seg[-1].is_cap and is_person_noun(seg[-1].low) and seg[-1].low not in ORG_NOUNS:
        # "A Texas teen", "the Democratic senator", "New Mexico authorities": an unnamed person
        kind = "definite" if det == "the" else "generic"
        return Mention(kind, *where, person=True, head=seg[-1].low, plural=plural)
    if (
        org_words
        or det == "the"
        or any(t.text.isupper() and len(t.text) > 1 for t in core)
        or (len(core) == 1 and core[0].low in COUNTRIES)
    ):
        canon = norm_name(core)
        is_plural = det == "the" and len(core) == 1 and core[0].low.endswith("s") and core[0].is_cap
        return Mention("org", *where, canonical=canon, person=None if is_plural else False, plural=is_plural)
    full = norm_name(core).removesuffix("'s")
    return Mention("name", *where, canonical=full, person=None, gender=gender_of_name(full))


def _name_after_titles(seg: list[Tok], titles: list[int]) -> list[Tok]:
    """The name following a phrase's last title: "Secretary of State Mike Pompeo" -> Mike Pompeo,
    "MP for Leeds Central" -> none (an affiliation); the whole phrase when it has no title."""
    name = seg[titles[-1] + 1 :] if titles else seg
    if titles and name and name[0].low in {"of", "for", "in", "at", "on", "from", "with"}:
        prep = name[0].low
        rest = [t for t in name[1:] if t.low != "the"]
        if prep in {"of", "for"} and len(rest) >= 3 and all(t.is_cap for t in rest):
            name = rest[-2:]
        else:
            name = []
    name = [
        t
        for t in name
        if t.is_cap or t.text[:1].isdigit() or t.low in {"of", "in", "for", "de", "van", "von", "bin", "al", "del"}
    ]
    while name and name[0].low in {"of", "in", "for"}:
        name = name[1:]
    return name
