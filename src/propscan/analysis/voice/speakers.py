"""Who speaks a direct quotation, and which quotations are kept.

:func:`attribute_direct` gives each direct quote the speaker mention and cue next to it
('"...," said X', 'X said: "..."'), or marks it as continuing the previous quote's speaker; it
also tells block quotes (whole paragraphs) from inline ones. :func:`merge` then drops direct
quotes that are not speech (scare quotes, titles) or lie inside a reported clause, and joins
the rest with the reported speech.

>>> from propscan.analysis.voice.quotes import find_direct, mask
>>> from propscan.analysis.voice.records import Article
>>> art = Article('"We will appeal," the minister said.')
>>> find_direct(art); mask(art); attribute_direct(art)
>>> art.direct[0].mention.text, art.direct[0].cue
('the minister', 'said')
"""

from __future__ import annotations

import re

from propscan.analysis.voice.clauses import appositive, skip_adverbials, subject_before
from propscan.analysis.voice.lexicon import (
    ABBREVIATIONS,
    AUX_ADV,
    CLAUSE_START_LOWER,
    DQ,
    POSSESSIVE_DETS,
    PRONOUNS,
    VERBS,
    ZW,
)
from propscan.analysis.voice.mentions import mention_at
from propscan.analysis.voice.phrases import np_back, np_forward
from propscan.analysis.voice.records import Article, Cand, Mention
from propscan.analysis.voice.tokens import Tok, tokenize_masked

# a speaker mention and the cue that introduced it
_Attribution = tuple[Mention | None, str]


def attribute_direct(art: Article) -> None:
    """Set ``mention``/``cue`` (or ``inherit``) and the block kind on every direct quote."""
    t = art.text
    prev: Cand | None = None
    for idx, q in enumerate(art.direct):
        if q.cue == "post":
            prev = q
            continue
        pi = q.para
        pe = art.paras[art.para_of(max(q.start, q.end - 1))][1]
        content = t[q.start + 1 : q.end - 1].strip(DQ + "\u2018\u2019' ")
        ends_sentence = content[-1:] in ".!?"
        found = _attr_after(art, q, pe, ends_sentence)
        if found is None:
            found = _attr_before(art, q, pi, prev)
        if found is None and idx in art.hints:
            found = art.hints[idx]
        if found is not None:
            q.mention, q.cue = found
        elif prev is not None and (prev.mention is not None or prev.inherit is not None):
            if _continues(art, prev, q):
                q.inherit = idx - 1
        starts_para = art.para_text_before(pi, q.start) == ""
        ends_para = t[q.end : pe].strip(" \t.,;" + ZW) == ""
        intro_colon = pi > 0 and t[art.paras[pi - 1][0] : art.paras[pi - 1][1]].rstrip().endswith(":")
        if starts_para and (ends_para or intro_colon) and (found is None or intro_colon):
            q.kind = "block"
        prev = q


def _continues(art: Article, prev: Cand, q: Cand) -> bool:
    """Whether the unattributed quote ``q`` goes on quoting the speaker of ``prev``."""
    t = art.text
    pi = q.para
    between = t[prev.end : q.start]
    same_sentence = art.para_of(prev.start) == pi or prev.end > art.paras[pi][0]
    para_start = art.para_text_before(pi, q.start) == ""
    prev_para_end = art.para_of(max(prev.start, prev.end - 1))
    if same_sentence and not re.search(r"[.!?]\s", between.replace("\n", " ")) and not para_start:
        return True  # interrupted quote: '"A," she said, "B."'
    if para_start and pi - prev_para_end <= 1:
        return True  # continuation paragraph
    return (
        not para_start
        and prev_para_end == pi
        and prev.mention is not None
        and prev.end <= prev.mention.start < q.start
        and len(between) <= 150
        and len(re.findall(r"[.!?](?:\s|$)", between)) <= 1
        and not re.search(r"[.!?]\s", t[prev.mention.end : q.start].strip())
    )  # '"A," Grady said. "B."': the next sentence goes on quoting


def _attr_after(art: Article, q: Cand, pe: int, ends_sentence: bool) -> _Attribution | None:
    """Speaker and cue after the quote ('", said X' / '" X said'), within its paragraph (ending at ``pe``)."""
    toks = tokenize_masked(art.masked, q.end, min(pe, q.end + 300))[:40]
    n = len(toks)
    i = 0
    while i < n and toks[i].text in ",\u2014\u2013-":
        i += 1
    if i >= n or toks[i].is_quote:
        return None
    content = art.text[q.start : q.end].rstrip(DQ + "\u2019' ")
    if i == 0 and content[-1:] not in ",.!?\u2026-\u2014":
        return None  # '"former official" told X that ...': a term, not an utterance
    new_sentence = ends_sentence and toks[i].is_cap and toks[i].low not in PRONOUNS
    # inverted: '" said X' / '" says Carrie Severino, chief counsel ...'
    entry = VERBS.get(toks[i].text)
    if entry is not None and (entry[0] in {"tell", "inform", "assure", "remind", "advise"} or entry[1] == "as"):
        return None  # '"...," told X' / '"...," praised X as': X is not the speaker
    if entry is not None:
        x, y = np_forward(toks, i + 1)
        if y >= x:
            men = mention_at(art.text, toks, x, y)
            if men is not None:
                return men, toks[i].text
        return None
    return _subject_verb_after(art, toks, i, new_sentence)


def _subject_verb_after(art: Article, toks: list[Tok], i: int, new_sentence: bool) -> _Attribution | None:
    """'NP [aux] VERB' starting at token ``i`` after a quote, or 'NP, apposition, VERB'
    ('Rep. Marcus Bell, R-Texas, told ...'); after a sentence end only when nothing follows the verb."""
    n = len(toks)
    x0, y0 = np_forward(toks, i)
    for v in range(i + 1, min(n, i + 24)):
        if toks[v].text == "." and (toks[v - 1].low in ABBREVIATIONS or len(toks[v - 1].text) == 1):
            continue  # "Rep. Marcus Bell", "R-N.C."
        if toks[v].text in ".!?;" or toks[v].is_quote:
            break
        if toks[v].text not in VERBS:
            continue
        j = v - 1
        while j > i and (
            toks[j].low in AUX_ADV or (toks[j].low.endswith("ly") and toks[j].text.islower()) or toks[j].low == "as"
        ):
            j -= 1
        if toks[j].text == "," and y0 >= x0 == i and y0 + 1 < j and toks[y0 + 1].text == ",":
            a, b = x0, y0
        else:
            a, b = np_back(toks, j)
        if v - i >= 12 and (a, b) != (x0, y0):
            return None
        if b < a or a != i:
            if toks[i].low in PRONOUNS and j == i:
                a, b = i, i
            else:
                return None
        if new_sentence:
            rest = skip_adverbials(toks, v + 1)
            if rest < n and (
                toks[rest].low == "that"
                or toks[rest].low in CLAUSE_START_LOWER
                or toks[rest].is_cap
                or toks[rest].text not in ".,;:!?"
            ):
                return None  # the verb opens a new report, not this quote's attribution
        men = mention_at(art.text, toks, a, b)
        if men is None:
            return None
        return men, toks[v].text
    return None


def _attr_before(art: Article, q: Cand, pi: int, prev: Cand | None) -> _Attribution | None:
    """Speaker and cue before the quote, in its sentence ('X said: "..."', 'X called it "..."'),
    or at the end of the paragraph before a block quote."""
    toks = _tokens_before(art, q, pi, prev)
    if toks is None:
        return None
    n = len(toks)
    k = n - 1
    while k >= 0 and toks[k].text in ",:\u2014\u2013-":
        k -= 1
    if k >= 0 and toks[k].low == "that":
        k -= 1
    # headline or label style: 'Trump: "Let people see it"'
    if 0 < n <= 6 and toks[-1].text == ":" and all(t.is_word and t.is_cap for t in toks[:-1]) and pi == q.para:
        if art.para_text_before(pi, toks[0].start) == "":
            men = mention_at(art.text, toks, 0, n - 2)
            if men is not None and men.kind in ("name", "org"):
                return men, ":"
    return _cue_verb_before(art, toks, k)


def _tokens_before(art: Article, q: Cand, pi: int, prev: Cand | None) -> list[Tok] | None:
    """Tokens of the sentence before the quote (after the previous quote), or of the previous
    paragraph when it ends with a colon and nothing precedes the quote."""
    lo = art.paras[pi][0]
    if prev is not None and prev.end > lo and prev.end <= q.start:
        lo = prev.end
    toks = tokenize_masked(art.masked, lo, q.start)
    if not [t for t in toks if t.is_word]:
        # block introduced by a colon at the end of the previous paragraph
        if pi > 0 and art.text[art.paras[pi - 1][0] : art.paras[pi - 1][1]].rstrip().endswith(":"):
            pps, ppe = art.paras[pi - 1]
            toks = tokenize_masked(art.masked, pps, ppe)
        else:
            return None
    # cut at the last sentence end
    for k in range(len(toks) - 1, -1, -1):
        if toks[k].text in ".!?" and k < len(toks) - 1:
            return toks[k + 1 :]
    return toks


def _cue_verb_before(art: Article, toks: list[Tok], k: int) -> _Attribution | None:
    """Look back a few tokens from ``k`` for a cue verb and its subject: 'called the allegation
    "..."', 'It continued:', 'described Acosta as "unbelievably rude"'."""
    for v in range(k, max(-1, k - 10), -1):
        tok = toks[v]
        if tok.text in ".!?;" or tok.is_quote:
            break
        entry = VERBS.get(tok.text)
        if entry is None:
            continue
        if v > 0 and (toks[v - 1].low in POSSESSIVE_DETS or toks[v - 1].low in {"the", "a", "an"}):
            continue
        j = v - 1
        passive = False
        while j >= 0 and (toks[j].low in AUX_ADV or (toks[j].low.endswith("ly") and toks[j].text.islower())):
            passive = passive or toks[j].low in {"heard", "quoted"}
            j -= 1
        if j >= 0 and toks[j].low == "as" and passive:
            j -= 1
            while j >= 0 and toks[j].low in AUX_ADV:
                j -= 1
        if entry[1] == "as" and v + 1 <= k and toks[v + 1].low == "as":
            continue  # 'A woman described as a "former official"': a participle, no speaker
        if k - v > 5 and not (entry[1] == "as" and k - v > 6):
            continue  # too far from the quote ('described X as ...' may reach further than 'said, ...')
        if entry[1] == "as" and j >= 0 and toks[j].is_quote:
            j = -1  # 'denounced Jews as "satanic," praised Hitler as ...': the sentence's subject
        men = None
        a, b = 0, -1
        if j >= 0 and toks[j].text == "," and not tok.text.endswith("ing"):
            men, a, b = appositive(art.text, toks, j)
        if men is None:
            if (
                (tok.text.endswith("ing") and not passive)
                or (j >= 0 and toks[j].low in {"and", "but", ",", "to"})
                or (j < 0 and entry[1] == "as")
            ):
                a, b = subject_before(toks, v)
            else:
                a, b = np_back(toks, j)
            men = mention_at(art.text, toks, a, b) if b >= a else None
        if men is None and b < a:
            return None
        return men, tok.text
    return None


def merge(art: Article) -> list[Cand]:
    """Direct quotes that are speech and not inside a reported clause, plus the reported
    clauses that overlap none of them, sorted by start. Dropped direct quotes get kind
    ``"_dropped"`` so that quotes inheriting their speaker know."""
    rep = sorted(art.reported, key=lambda c: c.start)
    keep_direct: list[Cand] = []
    for q in art.direct:
        inside = any(r.start <= q.start and q.end <= r.end for r in rep)
        if inside:
            q.kind = "_dropped"
            continue
        keep_direct.append(q)
    out: list[Cand] = []
    for q in keep_direct:
        if _speech_like(art, q):
            out.append(q)
        else:
            q.kind = "_dropped"
    for r in rep:
        if all(r.end <= o.start or r.start >= o.end for o in out):
            out.append(r)
    out.sort(key=lambda c: c.start)
    return out


def _speech_like(art: Article, q: Cand) -> bool:
    """Whether a direct quote is speech: attributed, continuing a kept quote, or long enough
    (3 words for a block, 8 inline) not to be a scare quote or a title."""
    if q.mention is not None or q.cue is not None:
        return True
    if q.inherit is not None and art.direct[q.inherit].kind != "_dropped":
        return True
    content = art.text[q.start : q.end]
    words = re.findall(r"\w+", content)
    if q.kind == "block" and len(words) >= 3:
        return True
    return len(words) >= 8
