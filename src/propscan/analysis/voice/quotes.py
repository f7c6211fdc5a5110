"""Direct quotations: double-quoted passages, single-quoted ones and embedded posts.

:func:`find_direct` fills ``art.direct`` with every quotation set off by marks (a quote may run
over paragraphs, English style, re-opening each one) and with social-media posts closed by a
signature line; :func:`mask` then hides them from the scans that look for speakers.

>>> from propscan.analysis.voice.records import Article
>>> art = Article('She said "no way" twice.')
>>> find_direct(art); mask(art)
>>> [(c.start, c.end, c.kind) for c in art.direct], art.masked[9:17] == "\\x01" * 8
([(9, 17, 'direct')], True)
"""

from __future__ import annotations

import re

from propscan.analysis.voice.lexicon import (
    CLOSE_CONTEXT,
    DQ,
    DQ_CLOSE,
    DQ_OPEN,
    ELISIONS,
    MASK,
    OPEN_CONTEXT,
    ZW,
)
from propscan.analysis.voice.mentions import mention_at
from propscan.analysis.voice.records import Article, Cand
from propscan.analysis.voice.tokens import is_space, tokenize_masked

# "— Jane Doe (@janedoe) May 1, 2018" closing an embedded post
_SIGNATURE_RE = re.compile(
    r"[\u2014\u2013]\s*([^\s()@\u2014\u2013][^()@\n\u2014\u2013]{0,60}?)\s*\(@\w{1,30}\)\s*"
    r"(?:[A-Z][a-z]+\.? \d{1,2}, \d{4})?\s*$"
)
_MAX_POST_CHARS = 330
# an unclosed quote is cut off after this many paragraphs or characters
_MAX_QUOTE_PARAS = 12
_MAX_QUOTE_CHARS = 6000

# a paragraph's quote marks: (offset, "open" | "close" | "ambig")
_Marks = list[tuple[int, str]]


def find_direct(art: Article) -> None:
    """Fill ``art.direct`` with double-quoted, single-quoted and post quotations, sorted by start."""
    t = art.text
    marks: list[_Marks] = []
    for ps, pe in art.paras:
        marks.append([(i, _mark_role(t, i, ps, pe)) for i in range(ps, pe) if t[i] in DQ])
    for s, e in _pair_marks(art, marks):
        e = _trim_end(t, s, e)
        if e - s >= 2:
            art.direct.append(Cand(s, e, "direct", para=art.para_of(s)))
    _find_single(art)
    _find_posts(art)
    art.direct.sort(key=lambda c: c.start)


def _mark_role(t: str, p: int, ps: int, pe: int) -> str:
    """Whether the double quote mark at ``p`` (paragraph ``ps..pe``) opens or closes a quote,
    judged by the mark itself and the characters on either side."""
    ch = t[p]
    prev = t[p - 1] if p > ps else None
    q = p - 1
    while prev is not None and prev in ZW and q > ps:
        q -= 1
        prev = t[q - 1] if q > ps else None
    nxt = t[p + 1] if p + 1 < pe else None
    left_open = is_space(prev) or prev in OPEN_CONTEXT  # type: ignore[operator]
    right_close = is_space(nxt) or nxt in CLOSE_CONTEXT  # type: ignore[operator]
    if ch in DQ_OPEN:
        return "close" if (right_close and not left_open) else "open"
    if ch in DQ_CLOSE:
        return "open" if (left_open and not right_close) else "close"
    if left_open and not right_close:
        return "open"
    if right_close and not left_open:
        return "close"
    return "ambig"


def _pair_marks(art: Article, marks: list[_Marks]) -> list[tuple[int, int]]:
    """(start, end) of each quotation, pairing opening and closing marks across paragraphs; a
    quote left open ends with the last paragraph it may run over."""
    t = art.text
    raw: list[tuple[int, int]] = []
    open_at: int | None = None
    open_para = 0
    last_para_end = 0
    for pi, (ps, pe) in enumerate(art.paras):
        ms = marks[pi]
        skip_first = False
        if open_at is not None:
            lead = t[ps : ms[0][0]].strip(" \t" + ZW) if ms else None
            too_long = pi - open_para >= _MAX_QUOTE_PARAS or pe - open_at > _MAX_QUOTE_CHARS
            if too_long:
                cont = False
            elif ms and ms[0][1] in ("open", "ambig") and lead == "":
                cont, skip_first = True, True  # English convention: re-opened paragraph
            elif ms and ms[0][1] in ("close", "ambig"):
                cont = True  # quote runs over a line break and closes here
            elif not ms:
                cont = _closes_later(art, marks, pi, open_para)
            else:
                cont = False
            if not cont:
                raw.append((open_at, last_para_end))
                open_at = None
        for k, (pos, role) in enumerate(ms):
            if skip_first and k == 0:
                continue
            if open_at is None:
                if role in ("open", "ambig"):
                    open_at, open_para = pos, pi
            elif role in ("close", "ambig"):
                raw.append((open_at, pos + 1))
                open_at = None
            else:  # a second opener: the first one was stray
                if pi == open_para:
                    open_at = pos
                else:
                    raw.append((open_at, last_para_end))
                    open_at, open_para = pos, pi
        last_para_end = pe
    if open_at is not None:
        raw.append((open_at, last_para_end))
    return raw


def _closes_later(art: Article, marks: list[_Marks], pi: int, open_para: int) -> bool:
    """Whether a quote still open at paragraph ``pi`` (which has no marks) is closed by the next
    paragraph that has one."""
    for pj in range(pi + 1, min(len(art.paras), open_para + _MAX_QUOTE_PARAS)):
        ms = marks[pj]
        if ms:
            lead = art.text[art.paras[pj][0] : ms[0][0]].strip(" \t" + ZW)
            return ms[0][1] == "close" or (ms[0][1] == "ambig" and lead != "")
    return False


def _trim_end(t: str, s: int, e: int) -> int:
    """``e`` moved back over trailing spaces and zero-width marks (keeping at least one character)."""
    while e > s + 1 and (t[e - 1].isspace() or t[e - 1] in ZW):
        e -= 1
    return e


def _find_posts(art: Article) -> None:
    """Embedded social-media posts, which pages quote without marks but close with a
    signature line: '... pic.twitter.com/x — Jane Doe (@janedoe) May 1, 2018'. The post runs
    back over the lines before the signature, as far as a post's length allows."""
    t = art.text
    for pi, (ps, pe) in enumerate(art.paras):
        m = _SIGNATURE_RE.search(t, ps, pe)
        if m is None:
            continue
        name_s, name_e = m.start(1), m.end(1)
        end = m.start()
        while end > ps and t[end - 1].isspace():
            end -= 1
        if end <= ps and pi > 0:
            end = art.paras[pi - 1][1]  # the signature stands on a line of its own
        start = _post_start(art, pi, ps, end)
        if start is None or end - start < 2:
            continue
        toks = tokenize_masked(t, name_s, name_e)
        men = mention_at(t, toks, 0, len(toks) - 1) if toks else None
        if men is None:
            continue
        art.direct = [c for c in art.direct if not (start <= c.start and c.end <= max(end, m.end()))]
        art.direct.append(Cand(start, end, "block", mention=men, cue="post", para=art.para_of(start)))


def _post_start(art: Article, pi: int, ps: int, end: int) -> int | None:
    """Start of a post ending at ``end`` whose signature is in paragraph ``pi`` (starting at
    ``ps``): earlier lines join it until one is too long, introduces it (":"), signs another
    post or belongs to a quotation."""
    t = art.text
    start = ps if end > ps else None
    total = end - ps
    k = pi
    while k > 0:
        qs, qe = art.paras[k - 1]
        line = t[qs:qe].strip()
        if (
            total + len(line) > _MAX_POST_CHARS
            or line.endswith(":")
            or _SIGNATURE_RE.search(line)
            or any(c.start < qe and qs < c.end and (c.start <= qs or c.end >= qe) for c in art.direct)
        ):
            break
        total += len(line)
        start = qs
        k -= 1
    return start


def _find_single(art: Article) -> None:
    """Quotations in single marks ('...' or ‘...’), told apart from apostrophes and elisions."""
    t = art.text
    taken = [(c.start, c.end) for c in art.direct]
    for ps, pe in art.paras:
        i = ps
        while i < pe:
            ch = t[i]
            if ch in "\u2018'" and not any(a <= i < b for a, b in taken):
                prev = t[i - 1] if i > ps else None
                nxt = t[i + 1] if i + 1 < pe else None
                rest = t[i + 1 : i + 8].lower()
                if (
                    (is_space(prev) or prev in "([{\u2014\u2013-:;")  # type: ignore[operator]
                    and nxt is not None
                    and nxt.isalpha()
                    and not rest.startswith(ELISIONS)
                ):
                    j = _single_close(t, i + 1, min(pe, i + 300))
                    if j is not None and not any(a <= j < b for a, b in taken):
                        art.direct.append(Cand(i, j + 1, "direct", para=art.para_of(i)))
                        taken.append((i, j + 1))
                        i = j + 1
                        continue
            i += 1


def _single_close(t: str, i: int, limit: int) -> int | None:
    """Offset of the single mark closing a quote opened before ``i``, looking up to ``limit``
    and not past a line break; a plural possessive ("workers' rights") does not close it."""
    for j in range(i, limit):
        if t[j] in "\u2019'":
            prev = t[j - 1]
            nxt = t[j + 1] if j + 1 < len(t) else None
            if not prev.isspace() and (nxt is None or not nxt.isalnum()):
                if (
                    prev == "s"
                    and nxt is not None
                    and nxt == " "
                    and j + 2 < len(t)
                    and t[j + 2].isalpha()
                    and t[j + 2].islower()
                ):
                    continue  # plural possessive ("workers' rights")
                return j
        if t[j] in "\n\r":
            return None
    return None


def mask(art: Article) -> None:
    """Set ``art.masked``: the text with every direct quotation's characters (not its line
    breaks) replaced by ``_MASK``, so that later scans see each quotation as one token."""
    chars = list(art.text)
    for c in art.direct:
        for i in range(c.start, c.end):
            if chars[i] not in "\n\r\u2028\u2029\u0085":
                chars[i] = MASK
    art.masked = "".join(chars)
