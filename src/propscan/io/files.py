"""Read and write corpora: the PTC / SemEval-2020 layout, label files, JSONL.

Layout (as in ``ptc-semeval2020/``)::

    train-articles/article<ID>.txt              title line, blank line, body
    train-labels-task-si/article<ID>.task-si.labels        id<TAB>start<TAB>end
    train-labels-task-flc-tc/article<ID>.task-flc-tc.labels id<TAB>technique<TAB>start<TAB>end
    dev-task-si.labels, dev-task-flc-tc.labels  the same rows, all articles in one file

>>> docs, gold = read_ptc("../shared/data/ptc-semeval2020", "dev")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal

from propscan.document import Document, Span
from propscan.errors import CorpusError, InputError
from propscan.techniques import NAMES

Task = Literal["si", "tc"]
SpansById = dict[str, list[Span]]

_ARTICLE_RE = re.compile(r"^article(\d+)")
_OFFSET_RE = re.compile(r"[0-9]+")  # ASCII digits only: int() would also take '١٢', '1_0', '+3'

#: ``on_error(error)``: called with a bad line's InputError, after which reading goes on
LineErrorHandler = Callable[[InputError], None]


def article_id_from_path(path: str | os.PathLike[str]) -> str:
    """``article123.txt`` → ``"123"``; other names → the file stem."""
    name = Path(path).name
    m = _ARTICLE_RE.match(name)
    return m.group(1) if m else Path(path).stem


def _existing_file(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file.")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a file.")
    return p


def read_text_file(path: str | os.PathLike[str]) -> str:
    """Read a text file exactly (no newline translation), with clear errors.

    UTF-8 (a byte-order mark is kept as the text's first character), or UTF-16/UTF-32 with a
    byte-order mark (see :func:`propscan.io.charsets.decode_text`).
    """
    from propscan.io.charsets import decode_text

    p = _existing_file(path)
    return decode_text(p.read_bytes(), source=str(p))


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


def _parse_label_line(line: str, where: str, task: Task, techniques: Sequence[str]) -> tuple[str, int, int, str | None]:
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
    text = read_text_file(f)
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        aid, start, end, tech = _parse_label_line(line, f"{f}:{i}", task, techniques)
        out.setdefault(aid, []).append(Span(start, end, tech))


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def _apply_umask(fd: int, path: str) -> None:
    """Mode ``0o666`` less the umask (0644 under umask 022), as a plain ``open(path, "w")`` gives."""
    mode = 0o666 & ~current_umask()
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        else:  # pragma: no cover - Windows
            os.chmod(path, mode)
    except OSError:  # e.g. a file system without permissions; the file is still written
        pass


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and move it into place only on success.

    The file gets the permissions a plain ``open(path, "w")`` would (``0o666`` less the umask).
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a folder; give a file name to write to.")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    except OSError as exc:  # name the file the user gave, not an internal path
        raise InputError(f"{p}: cannot write here ({exc.strerror or type(exc).__name__}).") from exc
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8", newline=None if "b" in mode else "") as fh:
            yield fh
            fh.flush()
            _apply_umask(fh.fileno(), tmp)  # mkstemp makes 0600; give the file what open() would
        try:
            os.replace(tmp, p)
        except OSError as exc:
            raise InputError(f"{p}: cannot write here ({exc.strerror or type(exc).__name__}).") from exc
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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


def write_ptc(
    root: str | os.PathLike[str],
    split: str,
    documents: Sequence[Document],
    spans_by_id: Mapping[str, Iterable[Span]],
) -> None:
    """Write documents and labels in the PTC layout (articles, per-article and aggregate label files)."""
    r = Path(root)
    (r / f"{split}-articles").mkdir(parents=True, exist_ok=True)
    (r / f"{split}-labels-task-si").mkdir(parents=True, exist_ok=True)
    (r / f"{split}-labels-task-flc-tc").mkdir(parents=True, exist_ok=True)
    for doc in documents:
        with atomic_write(r / f"{split}-articles" / f"article{doc.id}.txt") as fh:
            fh.write(doc.text)
        spans = {doc.id: list(spans_by_id.get(doc.id, []))}
        write_labels(r / f"{split}-labels-task-si" / f"article{doc.id}.task-si.labels", spans, "si")
        write_labels(r / f"{split}-labels-task-flc-tc" / f"article{doc.id}.task-flc-tc.labels", spans, "tc")
    ordered = {d.id: list(spans_by_id.get(d.id, [])) for d in documents}
    write_labels(r / f"{split}-task-si.labels", {k: v for k, v in ordered.items() if v}, "si")
    write_labels(r / f"{split}-task-flc-tc.labels", {k: v for k, v in ordered.items() if v}, "tc")


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


# ---- JSONL ------------------------------------------------------------------------------------

def iter_text_lines(path: str | os.PathLike[str], *, on_error: LineErrorHandler | None = None) -> Iterator[tuple[int, str]]:
    """Stream ``(line_number, line)`` of a UTF-8 file, line endings kept, a leading BOM dropped.

    Memory stays one line deep. A line with NUL bytes or invalid UTF-8 raises :class:`InputError`
    naming it — or, with ``on_error``, is handed to it and skipped, and reading goes on.
    """
    import codecs

    p = _existing_file(path)
    with p.open("rb") as fh:
        for i, raw in enumerate(fh, 1):
            if i == 1 and raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise InputError(f"{path}: is UTF-16 text; JSONL and CSV files must be UTF-8, re-save it as UTF-8.")
            if b"\x00" in raw:
                err = InputError(f"{path}:{i}: looks binary (contains NUL bytes); expected UTF-8 text.")
            else:
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    err = InputError(f"{path}:{i}: not valid UTF-8 (byte {exc.start} of the line); re-save it as UTF-8.")
                    err.__cause__ = exc
                else:
                    yield i, line.removeprefix("\ufeff") if i == 1 else line
                    continue
            if on_error is None:
                raise err
            on_error(err)


def iter_jsonl(path: str | os.PathLike[str], *, on_error: LineErrorHandler | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Stream ``(line_number, object)`` for each non-empty line; memory stays one line deep.

    Errors name the line: invalid UTF-8, NUL bytes, invalid JSON, or a line that is not an object.
    With ``on_error`` a bad line is handed to it and skipped, and reading goes on.

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = f.write_text('{"text": "A."}\\n\\n{"text": "B."}\\n')
    >>> [(n, o["text"]) for n, o in iter_jsonl(f)]
    [(1, 'A.'), (3, 'B.')]
    """
    for i, line in iter_text_lines(path, on_error=on_error):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            why = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            err = InputError(f"{path}:{i}: not valid JSON ({why}).")
        else:
            if isinstance(obj, dict):
                yield i, obj
                continue
            err = InputError(f"{path}:{i}: expected a JSON object per line.")
        if on_error is None:
            raise err
        on_error(err)


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Yield one dict per non-empty line, with a clear error naming the bad line (streams the file)."""
    for _, obj in iter_jsonl(path):
        yield obj


def write_jsonl(path: str | os.PathLike[str], records: Iterable[Mapping[str, Any]]) -> None:
    """Write records as JSON lines (atomically)."""
    with atomic_write(path) as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


#: the key under which :class:`CsvRows` puts fields beyond the header (a row with too many fields)
CSV_EXTRA = "\x00extra"


class CsvRows:
    r"""Strict ``csv.DictReader`` over numbered lines that knows where each row starts.

    A quoted field may span lines, so the row's first physical line (``line``) is tracked for the
    error messages; an unterminated quote is a ``csv.Error``, not a field that swallows the rest.

    >>> rows = CsvRows(enumerate(["id,text\n", "a,one\n", 'b,"two\n', 'lines"\n'], start=1))
    >>> rows.fieldnames, rows.read(), rows.line, rows.read(), rows.line
    (['id', 'text'], {'id': 'a', 'text': 'one'}, 2, {'id': 'b', 'text': 'two\nlines'}, 3)
    """

    def __init__(self, lines: Iterable[tuple[int, str]]) -> None:
        self._lines = lines
        self._start: int | None = None
        self.reader = csv.DictReader(self._feed(), restkey=CSV_EXTRA, strict=True)

    def _feed(self) -> Iterator[str]:
        for line_no, line in self._lines:
            if self._start is None:
                self._start = line_no
            yield line

    @property
    def fieldnames(self) -> Sequence[str] | None:
        return self.reader.fieldnames

    @property
    def line(self) -> int:
        """First physical line of the row read last (or being read when ``read`` raised)."""
        return self._start if self._start is not None else self.reader.line_num

    def read(self) -> dict[str, Any]:
        """The next row (``StopIteration`` at the end, ``csv.Error`` for a broken row)."""
        self._start = None
        return next(self.reader)
