"""Reported speech: "X said (that) CLAUSE", "CLAUSE, X said.", "according to X, CLAUSE",
"X was told that CLAUSE".

:func:`reported_in_sentence` scans one sentence of masked text for speech verbs and "according
to", and adds the reported clauses it finds to ``art.reported``. A speech verb next to a direct
quotation leaves a hint in ``art.hints`` (speaker and cue) for the direct-quote attribution.

>>> from propscan.analysis.voice.records import Article
>>> art = Article("Police said the driver had fled.")
>>> reported_in_sentence(art, 0, 32, 0)
>>> c = art.reported[0]
>>> art.text[c.start : c.end], c.mention.text, c.cue
('the driver had fled', 'Police', 'said')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from propscan.analysis.voice.clauses import (
    appositive,
    clause_end,
    clause_like,
    inner_report,
    skip_adverbials,
    skip_object,
    subject_before,
)
from propscan.analysis.voice.lexicon import (
    AUX_ADV,
    CLAUSE_CUT_CONJ,
    DQ,
    FUNCTION_WORDS,
    LEADING_SKIP,
    OBJECT_VERBS,
    POSSESSIVE_DETS,
    PRONOUNS,
    RELATIVE,
    TIME_WORDS,
    VERBS,
)
from propscan.analysis.voice.mentions import mention_at
from propscan.analysis.voice.phrases import np_back, np_forward
from propscan.analysis.voice.records import Article, Cand, Mention
from propscan.analysis.voice.tokens import Tok, is_finite, tokenize_masked

# verbs whose subject may be an apposition: "Dana Reyes, the spokeswoman, said"
_APPOSITION_VERBS = {"say", "tell", "write", "add", "note", "explain", "insist", "argue", "claim", "warn", "stress"}
_BE_FORMS = {"is", "was", "are", "were", "been", "be", "being"}


@dataclass(slots=True)
class _Sentence:
    """One sentence's masked tokens and the reported clauses found in it so far."""

    toks: list[Tok]
    para: int
    found: list[tuple[int, Cand]] = field(default_factory=list)  # (priority, cand): verbs 2, "according to" 1
    covered: list[tuple[int, int]] = field(default_factory=list)  # token ranges of accepted clauses

    def inside(self, k: int) -> bool:
        """Whether token ``k`` lies in a clause already taken."""
        return any(a <= k <= b for a, b in self.covered)


class _Verb(NamedTuple):
    """A speech verb at token ``v`` of a sentence, with its lemma and class (see ``_VERB_CLASSES``)."""

    v: int
    lemma: str
    cls: str
    is_ing: bool


def reported_in_sentence(art: Article, s: int, e: int, pi: int) -> None:
    """Add the reported clauses of the sentence ``s..e`` (in paragraph ``pi``) to ``art.reported``."""
    toks = tokenize_masked(art.masked, s, e)
    n = len(toks)
    if n < 3:
        return
    sent = _Sentence(toks, pi)
    for v in range(n):
        if sent.inside(v):
            continue
        if toks[v].low == "according" and v + 1 < n and toks[v + 1].low == "to":
            _according(art, sent, v)
        else:
            _report_at_verb(art, sent, v)
    # resolve overlaps: verb-based first, then "according to"
    accepted: list[Cand] = []
    for _prio, cand in sorted(sent.found, key=lambda pc: (-pc[0], pc[1].start)):
        if all(cand.end <= o.start or cand.start >= o.end for o in accepted):
            accepted.append(cand)
    art.reported.extend(accepted)


def _report_at_verb(art: Article, sent: _Sentence, v: int) -> None:
    """Find the report a speech verb at token ``v`` introduces, if it is one."""
    toks = sent.toks
    tok = toks[v]
    entry = VERBS.get(tok.text)
    if entry is None:
        return
    if v > 0 and (
        toks[v - 1].low in POSSESSIVE_DETS or toks[v - 1].low in {"the", "a", "an"} or toks[v - 1].low.endswith("'s")
    ):
        return  # a noun: "the claims", "his note"
    verb = _Verb(v, entry[0], entry[1], tok.text.endswith("ing"))
    no_inversion = verb.lemma in OBJECT_VERBS or verb.cls == "as"  # '", told ABC News.': ABC News listened
    if v > 0 and (toks[v - 1].text == "," or toks[v - 1].is_quote) and not verb.is_ing and not no_inversion:
        if _inverted_attribution(art, sent, v, allow_pronoun=False):
            return
    j, passive, progressive = _verb_group_start(toks, v)
    if (
        progressive
        and not verb.is_ing
        and not passive
        and any(toks[m].low in _BE_FORMS for m in range(max(0, j + 1), v))
    ):
        # passive voice: "was told (by X) that ...", "was charged with ...", "is said to be"
        _passive_report(art, sent, v)
        return
    subject = _verb_subject(art, toks, verb, j, passive, progressive)
    if subject is None:
        return
    mention, a_np, coordinated = subject
    a, has_that = _clause_start(toks, verb)
    if mention is None and v > 0 and toks[v - 1].text == "," and not coordinated and not no_inversion:
        if _inverted_attribution(art, sent, v, allow_pronoun=True):
            return
    if mention is None and not coordinated:
        return
    _report_clause(art, sent, verb, a, has_that, mention, a_np)


def _inverted_attribution(art: Article, sent: _Sentence, v: int, allow_pronoun: bool) -> bool:
    """Inverted attribution after a comma or quote: '", said X.' / '..., says X, chief counsel'.
    Records the clause before the comma as X's and returns True when X is found."""
    toks = sent.toks
    x, y = np_forward(toks, v + 1)
    if y < x or (not allow_pronoun and toks[x].low in PRONOUNS):
        return False
    inv = mention_at(art.text, toks, x, y)
    rest = skip_adverbials(toks, y + 1)
    if inv is None or not (rest >= len(toks) or toks[rest].text in ",.!?;:"):
        return False
    _postposed(art, sent, v - 1, y, inv, toks[v].text)
    return True


def _verb_group_start(toks: list[Tok], v: int) -> tuple[int, bool, bool]:
    """Index of the token before the verb group ending at ``v`` (auxiliaries, adverbs, "on
    Friday"), and whether the group is passive ("heard", "quoted") and progressive (a "be" form)."""
    j = v - 1
    passive = False
    progressive = False
    while j >= 0 and (
        toks[j].low in AUX_ADV
        or (toks[j].low.endswith("ly") and toks[j].text.islower() and toks[j].low not in {"only", "early"})
        or (toks[j].low == "only" and j > 0 and toks[j - 1].low == "not")
    ):
        passive = passive or toks[j].low in {"heard", "quoted"}
        progressive = progressive or toks[j].low in {"is", "was", "are", "were", "been", "be"}
        j -= 1
    if j >= 1 and toks[j].low in TIME_WORDS and toks[j - 1].low == "on":
        j -= 2
        while j >= 0 and toks[j].low in AUX_ADV:
            j -= 1
    if j >= 2 and toks[j].low in TIME_WORDS and toks[j - 1].text.islower() and toks[j - 1].low.endswith("ed"):
        j -= 2  # "CNN's suit filed Tuesday says"
    if j >= 0 and toks[j].low == "as" and passive:
        j -= 1
        while j >= 0 and toks[j].low in AUX_ADV:
            j -= 1
    return j, passive, progressive


def _verb_subject(
    art: Article, toks: list[Tok], verb: _Verb, j: int, passive: bool, progressive: bool
) -> tuple[Mention | None, int, bool] | None:
    """The verb's subject: (mention, its first token, whether it was taken from an earlier
    clause because the verb is coordinated or participial); ``None`` when the verb is inside a
    relative clause ("which he said") and reports nothing."""
    a_np, b_np = (0, -1)
    mention: Mention | None = None
    coordinated = False
    if verb.is_ing and not passive and not progressive:
        coordinated = True
    elif j >= 0 and toks[j].is_quote and verb.cls not in {"direct", "as"}:
        coordinated = True  # 'A woman described as a "..." told ...': use the sentence subject
    elif j >= 0 and toks[j].low in {"and", "but", "then"}:
        coordinated = True
    elif j >= 0 and toks[j].text == "," and verb.lemma in _APPOSITION_VERBS:
        # appositive "Dana Reyes, the spokeswoman, said" or inversion ", said X."
        mention, a_np, b_np = appositive(art.text, toks, j)
    else:
        a_np, b_np = np_back(toks, j)
        complementizer = (
            a_np > 1
            and toks[a_np - 1].low == "that"
            and any(
                toks[q].text in VERBS and VERBS[toks[q].text][1] in {"free", "that"}
                for q in range(max(0, a_np - 5), a_np - 1)
            )
        )
        if b_np >= a_np and a_np > 0 and toks[a_np - 1].low in RELATIVE and not complementizer:
            return None  # "which he said", "what it said was"
        if b_np >= a_np and a_np > 1 and toks[a_np - 1].low in RELATIVE - {"that"}:
            return None
        if (
            b_np >= a_np
            and a_np > 0
            and toks[a_np - 1].is_word
            and toks[a_np - 1].text.islower()
            and toks[a_np - 1].low not in FUNCTION_WORDS | CLAUSE_CUT_CONJ
        ):
            coordinated = True  # the NP is an object: 'A teen who supports President X says'
        elif b_np >= a_np:
            mention = mention_at(art.text, toks, a_np, b_np)
    if j >= 0 and toks[j].low in RELATIVE and not coordinated:
        return None  # "who says", "which claims"
    if coordinated:
        a_np, b_np = subject_before(toks, verb.v)
        mention = mention_at(art.text, toks, a_np, b_np) if b_np >= a_np else None
    return mention, a_np, coordinated


def _clause_start(toks: list[Tok], verb: _Verb) -> tuple[int, bool]:
    """First token of what follows the verb past adverbials and a listener ("told reporters"),
    and past "that" when there is one; and whether there is."""
    n = len(toks)
    a = skip_adverbials(toks, verb.v + 1)
    if verb.lemma in OBJECT_VERBS and a < n and toks[a].low not in {"that", ","}:
        a = skip_object(toks, a)
        a = skip_adverbials(toks, a)
    has_that = a < n and toks[a].low == "that"
    if has_that:
        a += 1
    return a, has_that


def _report_clause(
    art: Article, sent: _Sentence, verb: _Verb, a: int, has_that: bool, mention: Mention | None, a_np: int
) -> None:
    """Decide the construction of a speech verb whose subject starts at ``a_np`` and whose
    complement starts at ``a``, and record the report it makes."""
    toks = sent.toks
    n = len(toks)
    cls, cue = verb.cls, toks[verb.v].text
    if a < n and toks[a].text == ":":
        return  # 'what the mayor told reporters:' introduces the quotation that follows
    if a >= n or toks[a].text in ".!?;:":
        # postposed: "CLAUSE, X said." (the NP must follow a comma or a quote)
        if cls in {"wh", "as"}:
            return
        if a_np > 0 and toks[a_np - 1].text in ",\u2014\u2013-" or (a_np > 0 and toks[a_np - 1].is_quote):
            _postposed(art, sent, a_np - 1, verb.v, mention, cue)
        return
    if toks[a].text == ",":
        if a + 1 < n and toks[a + 1].is_quote:
            return  # 'X said, "..."': a direct quote's attribution
        if (
            a_np > 0
            and toks[a_np - 1].text == ","
            and a_np - 1 > 0
            and cls in {"free", "that"}
            and not toks[0].is_quote
        ):
            # interposed: "ISIS terrorists, he said, infiltrated ..."
            cb = clause_end(toks, a + 1, n)
            _add(sent, _cand_from(art, sent, 0, cb, mention, cue), (0, cb))
        return
    if toks[a].is_quote:
        q = art.quote_index_at(toks[a])
        if q is not None:
            art.hints.setdefault(q, (mention, cue))
        return
    if cls in {"direct", "as"}:
        return
    if cls == "that" and not has_that:
        return
    if cls == "wh" and toks[a].low not in {"whether", "if", "why", "how", "what", "when", "who", "where"}:
        return
    if not has_that and not clause_like(toks, a, n):
        return
    cb = clause_end(toks, a, n)
    if cb - a + 1 < 3 and not any(t.is_quote for t in toks[a : cb + 1]):
        return
    if inner_report(toks, a, cb):
        return  # "Authorities said the father told his wife he ...": the father is the speaker
    _add(sent, _cand_from(art, sent, a, cb, mention, cue), (a, cb))


def _add(sent: _Sentence, cand: Cand | None, covers: tuple[int, int] | None, priority: int = 2) -> None:
    """Keep a verb report (priority 2) or an "according to" one (1); ``covers`` is the token
    range later verbs inside it are skipped over, if any."""
    if cand is None:
        return
    sent.found.append((priority, cand))
    if covers is not None:
        sent.covered.append(covers)


def _passive_report(art: Article, sent: _Sentence, v: int) -> None:
    """'X was told (by Y) that CLAUSE': reported speech whose speaker is the agent, if any."""
    toks = sent.toks
    n = len(toks)
    k = v + 1
    agent: Mention | None = None
    if k < n and toks[k].low == "by":
        x, y = np_forward(toks, k + 1)
        if y < x:
            return
        agent = mention_at(art.text, toks, x, y)
        k = y + 1
    k = skip_adverbials(toks, k)
    if k >= n or toks[k].low != "that":
        return
    cb = clause_end(toks, k + 1, n)
    cand = _cand_from(art, sent, k + 1, cb, agent, toks[v].text)
    if cand is not None and agent is None:
        cand.mention = Mention("generic", "", toks[v].start, toks[v].start, person=None)
    _add(sent, cand, (k + 1, cb))


def _cand_from(art: Article, sent: _Sentence, a: int, b: int, mention: Mention | None, cue: str) -> Cand | None:
    """A reported-speech candidate over tokens ``a..b`` without edge punctuation, widened to
    whole quotations at either end."""
    toks = sent.toks
    while b >= a and toks[b].text in ".,;:!?\u2014\u2013-(" and not toks[b].is_quote:
        b -= 1
    while a <= b and toks[a].text in ",;:\u2014\u2013-)":
        a += 1
    if b < a:
        return None
    start, end = toks[a].start, toks[b].end
    if toks[b].is_quote:
        q = art.quote_index_at(toks[b])
        if q is not None:
            end = max(end, art.direct[q].end)
    if toks[a].is_quote:
        q = art.quote_index_at(toks[a])
        if q is not None:
            start = min(start, art.direct[q].start)
    return Cand(start, end, "reported", mention=mention, cue=cue, para=sent.para)


def _postposed(art: Article, sent: _Sentence, comma: int, last_np: int, mention: Mention | None, cue: str) -> None:
    """'CLAUSE, X said.': the clause runs from the sentence start to the comma; a quotation
    right before the comma gets X as a hint instead."""
    toks = sent.toks
    if comma <= 0:
        if comma == 0 and toks[0].is_quote:
            q = art.quote_index_at(toks[0])
            if q is not None:
                art.hints.setdefault(q, (mention, cue))
        return
    a = 0
    # skip leading punctuation (a leading "According to X," is handled elsewhere)
    while a < comma and not toks[a].is_word and not toks[a].is_quote:
        a += 1
    body = toks[a:comma]
    if not body:
        return
    if toks[comma].is_quote or toks[comma - 1].is_quote and all(t.is_quote or not t.is_word for t in body):
        q = art.quote_index_at(toks[comma] if toks[comma].is_quote else toks[comma - 1])
        if q is not None:
            art.hints.setdefault(q, (mention, cue))
        outside = [t for t in body if t.is_word and not t.is_quote]
        if toks[comma].is_quote and len(outside) >= 3 and not body[0].is_quote:
            # 'The officers were "true heroes" and "the best we had," the chief said.'
            _add(sent, _cand_from(art, sent, a, comma, mention, cue), (a, last_np))
        return
    words = [t for t in body if t.is_word]
    if len(words) < 3:
        return
    _add(sent, _cand_from(art, sent, a, comma - 1, mention, cue), (a, last_np))


def _according(art: Article, sent: _Sentence, v: int) -> None:
    """'According to X, CLAUSE' / 'CLAUSE, according to X': X is the source."""
    toks = sent.toks
    n = len(toks)
    x, y = np_forward(toks, v + 2)
    if y < x:
        return
    mention = mention_at(art.text, toks, x, y)
    if mention is None:
        return
    # skip a relative clause after the source: "according to the NYDN, which claims ..."
    lead = all(not t.is_word or t.low in LEADING_SKIP or t.low in TIME_WORDS for t in toks[:v])
    if not lead and v > 0 and toks[v - 1].text == ",":
        # a short opener: "What's more, according to ..."
        opener = [t for t in toks[: v - 1] if t.is_word]
        lead = 0 < len(opener) <= 3 and not any(t.low in VERBS or is_finite(t) for t in opener)
    if not lead and v > 0 and toks[v - 1].low == "that":
        lead = True  # "the fact that according to witnesses, ..."
    quote_before = (
        v > 0
        and toks[v - 1].is_quote
        and art.text[toks[v - 1].start : toks[v - 1].end].rstrip(DQ + "\u2019' ").endswith(",")
    )
    if lead and y + 1 < n and toks[y + 1].text == ",":
        a = y + 2
        while a < n and toks[a].low in TIME_WORDS | {"on", "last", "this", ","}:
            a += 1
        cb = clause_end(toks, a, n)
        _add(sent, _cand_from(art, sent, a, cb, mention, "according to"), None, priority=1)
    elif v > 0 and toks[v - 1].text == ",":
        cand = _cand_from(art, sent, 0, v - 2, mention, "according to")
        if len([t for t in toks[: v - 1] if t.is_word]) >= 3:
            _add(sent, cand, None, priority=1)
    elif quote_before and len([t for t in toks[:v] if t.is_word or t.is_quote]) >= 3:
        # 'Lawson and Smith "have a long history of friendship," according to the department.'
        _add(sent, _cand_from(art, sent, 0, v - 1, mention, "according to"), None, priority=1)
