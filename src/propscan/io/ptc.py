"""The PTC / SemEval-2020 corpus layout: article files, SI and TC label files, one split at a time.

Layout (as in ``ptc-semeval2020/``)::

    train-articles/article<ID>.txt              title line, blank line, body
    train-labels-task-si/article<ID>.task-si.labels        id<TAB>start<TAB>end
    train-labels-task-flc-tc/article<ID>.task-flc-tc.labels id<TAB>technique<TAB>start<TAB>end
    dev-task-si.labels, dev-task-flc-tc.labels  the same rows, all articles in one file

>>> docs, gold = read_ptc("../shared/data/ptc-semeval2020", "dev")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from propscan.document import Document, Span
from propscan.errors import CorpusError
from propscan.io.files import atomic_write, read_text_file
from propscan.techniques import NAMES

Task = Literal["si", "tc"]
SpansById = dict[str, list[Span]]

_ARTICLE_RE = re.compile(r"^article(\d+)")
_OFFSET_RE = re.compile(r"[0-9]+")  # ASCII digits only: int() would also take '١٢', '1_0', '+3'


def article_id_from_path(path: str | os.PathLike[str]) -> str:
    """``article123.txt`` → ``"123"``; other names → the file stem."""
    name = Path(path).name
    m = _ARTICLE_RE.match(name)
    return m.group(1) if m else Path(path).stem


def read_article(path: str | os.PathLike[str]) -> Document:
    """Read one article file; the id comes from ``article<ID>.txt``, the title from the first line."""
    text = read_text_file(path)
    first = text.split("\n", 1)[0].strip()
    return Document(text, id=article_id_from_path(path), title=first or None)


def read_articles(folder: str | os.PathLike[str]) -> list[Document]:
    """All ``*.txt`` articles of a folder, sorted by id."""
    p = Path(folder)
    if not p.is_dir():
        raise CorpusError(f"{p}: not a folder of articles.")
    docs = [read_article(f) for f in sorted(p.glob("*.txt"))]
    if not docs:
        raise CorpusError(f"{p}: holds no *.txt articles.")
    return sorted(docs, key=lambda d: d.id)


def parse_label_line(
    line: str, where: str, task: Task, techniques: Sequence[str] = NAMES
) -> tuple[str, int, int, str | None]:
    """One label row as ``(article_id, start, end, technique)``; ``technique`` is ``None`` for SI rows.

    ``where`` (``file:line``) starts every error message. For SI a TC row is accepted and its
    technique ignored; for TC the technique must be one of ``techniques`` or ``?`` (a template).

    >>> parse_label_line("111\\tDoubt\\t5\\t9", "labels:1", "tc")
    ('111', 5, 9, 'Doubt')
    """
    row = line.rstrip("\r\n").split("\t")
    if task == "si":
        if len(row) == 4:  # TC-format rows are accepted for SI: the technique is ignored
            row = [row[0], row[2], row[3]]
        if len(row) != 3:
            raise CorpusError(f"{where}: expected 'id<TAB>start<TAB>end', got {line.strip()!r}.")
        aid, s, e = row[0], row[1], row[2]
        tech = None
    else:
        if len(row) != 4:
            raise CorpusError(f"{where}: expected 'id<TAB>technique<TAB>start<TAB>end', got {line.strip()!r}.")
        aid, tech, s, e = row
        if tech not in techniques and tech != "?":
            raise CorpusError(f"{where}: unknown technique {tech!r}; known: {', '.join(techniques)}.")
    if not (_OFFSET_RE.fullmatch(s.strip(" ")) and _OFFSET_RE.fullmatch(e.strip(" "))):
        raise CorpusError(f"{where}: offsets must be integers written with the digits 0-9, got {s!r} {e!r}.")
    start, end = int(s), int(e)
    if start < 0 or end <= start:
        raise CorpusError(f"{where}: need 0 <= start < end, got {start} {end}.")
    return aid.strip(), start, end, tech


def read_labels(
    path: str | os.PathLike[str],
    task: Task = "tc",
    *,
    documents: Mapping[str, Document] | None = None,
    techniques: Sequence[str] = NAMES,
) -> SpansById:
    """Read SI or TC labels from one aggregate file or a folder of per-article ``*.labels`` files.

    Returns ``{article_id: [Span, ...]}`` in file order. With ``documents`` the spans are attached
    and checked against the text (offsets beyond the text raise :class:`CorpusError`). Articles of a
    folder whose label file is empty are present with an empty list.
    """
    p = Path(path)
    out: SpansById = {}
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.name.endswith(".labels"))
        if not files:
            raise CorpusError(f"{p}: holds no *.labels files.")
        for f in files:
            out.setdefault(article_id_from_path(f), [])
            _read_label_rows(f, task, techniques, out)
    elif p.is_file():
        _read_label_rows(p, task, techniques, out)
    else:
        raise CorpusError(f"{p}: no such label file or folder.")
    if documents is not None:
        for aid, spans in out.items():
            doc = documents.get(aid)
            if doc is None:
                raise CorpusError(f"{p}: labels for article {aid}, which is not among the articles.")
            for sp in spans:
                if sp.end > len(doc.text):
                    raise CorpusError(
                        f"{p}: span {sp.start}:{sp.end} of article {aid} is beyond its text ({len(doc.text)} chars)."
                    )
            out[aid] = [sp.attach(doc) for sp in spans]
    return out


def _read_label_rows(f: Path, task: Task, techniques: Sequence[str], out: SpansById) -> None:
    """Append the spans of one label file to ``out`` (rows in file order)."""
    text = read_text_file(f)
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        aid, start, end, tech = parse_label_line(line, f"{f}:{i}", task, techniques)
        out.setdefault(aid, []).append(Span(start, end, tech))


def format_labels(spans_by_id: Mapping[str, Iterable[Span]], task: Task = "tc") -> str:
    """SemEval TSV rows: SI ``id start end``, TC ``id technique start end``."""
    lines = []
    for aid, spans in spans_by_id.items():
        for sp in spans:
            if task == "si":
                lines.append(f"{aid}\t{sp.start}\t{sp.end}")
            else:
                lines.append(f"{aid}\t{sp.technique}\t{sp.start}\t{sp.end}")
    return "".join(line + "\n" for line in lines)


def write_labels(path: str | os.PathLike[str], spans_by_id: Mapping[str, Iterable[Span]], task: Task = "tc") -> None:
    """Write one aggregate SemEval label file (atomically)."""
    with atomic_write(path) as fh:
        fh.write(format_labels(spans_by_id, task))


def read_ptc(root: str | os.PathLike[str], split: str = "train") -> tuple[list[Document], SpansById]:
    """Read one split of a PTC-layout corpus: ``(documents, {id: gold TC spans})``.

    Every article gets an entry in the gold mapping (empty when it has no spans).
    """
    r = Path(root)
    if not r.is_dir():
        raise CorpusError(f"{r}: no such corpus folder (expected the PTC layout, e.g. ../shared/data/ptc-semeval2020).")
    docs = read_articles(r / f"{split}-articles")
    by_id = {d.id: d for d in docs}
    tc_dir = r / f"{split}-labels-task-flc-tc"
    tc_file = r / f"{split}-task-flc-tc.labels"
    src = tc_dir if tc_dir.is_dir() else tc_file
    gold = read_labels(src, "tc", documents=by_id)
    return docs, {d.id: gold.get(d.id, []) for d in docs}
