"""SemEval-2020 Task 11 workflows on files: the TC subtask over a span template.

>>> classify_template("dev-articles", "dev-task-flc-tc.labels", "tc.txt", model=load_model("default"))  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any

from propscan.document import Span
from propscan.errors import CorpusError
from propscan.io.files import atomic_write, read_text_file
from propscan.io.ptc import Task, parse_label_line, read_articles


def read_template(path: str | os.PathLike[str]) -> list[tuple[str, int, int]]:
    """Rows ``(article_id, start, end)`` of a TC template, in file order.

    Accepts ``id ? start end`` / ``id technique start end`` (4 columns) or ``id start end``.
    """
    rows = []
    for i, line in enumerate(read_text_file(path).splitlines(), 1):
        if not line.strip():
            continue
        task: Task = "tc" if line.count("\t") == 3 else "si"
        aid, start, end, _ = parse_label_line(line, f"{path}:{i}", task)
        rows.append((aid, start, end))
    if not rows:
        raise CorpusError(f"{path}: the span template is empty.")
    return rows


def classify_template(
    articles_dir: str | os.PathLike[str],
    template: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    model: Any,
) -> int:
    """Label every span of ``template`` with ``model`` (loaded: it has ``classify``); write ``id technique start end``
    rows in template order. The caller loads the model, so evaluation code never depends on the model layer."""
    rows = read_template(template)
    docs = {d.id: d for d in read_articles(articles_dir)}
    per_doc: dict[str, list[int]] = {}
    for idx, (aid, start, end) in enumerate(rows):
        doc = docs.get(aid)
        if doc is None:
            raise CorpusError(f"{template}: article {aid} is not in {articles_dir}.")
        if end > len(doc.text):
            raise CorpusError(f"{template}: span {start}:{end} is beyond the text of article {aid} ({len(doc.text)} chars).")
        per_doc.setdefault(aid, []).append(idx)
    ids = list(per_doc)
    spans = [[Span(rows[i][1], rows[i][2], doc=docs[aid]) for i in per_doc[aid]] for aid in ids]
    labelled = model.classify([docs[a] for a in ids], spans)
    out: list[str | None] = [None] * len(rows)
    for aid, idxs, res in zip(ids, (per_doc[a] for a in ids), labelled):
        for i, sp in zip(idxs, res):
            out[i] = f"{aid}\t{sp.technique}\t{sp.start}\t{sp.end}\n"
    with atomic_write(output) as fh:
        fh.writelines(line for line in out if line)
    return len(rows)

