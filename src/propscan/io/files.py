"""Generic file helpers: exact text reads, atomic writes with the umask's permissions, streamed
UTF-8 lines, JSONL and strict CSV rows. (The PTC corpus layout and label files are :mod:`propscan.io.ptc`.)

>>> from propscan.io.files import atomic_write
>>> with atomic_write("out.txt") as fh:  # doctest: +SKIP
...     fh.write("written whole or not at all")
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from propscan.errors import InputError
from propscan.io.charsets import decode_text

#: ``on_error(error)``: called with a bad line's InputError, after which reading goes on
LineErrorHandler = Callable[[InputError], None]


def _existing_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path, or a one-line InputError when it is missing or a folder."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file.")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a file.")
    return p


def read_file_bytes(path: str | os.PathLike[str]) -> bytes:
    """A file's bytes, with one-line errors for a missing file or a folder.

    >>> read_file_bytes("no-such-file.txt")
    Traceback (most recent call last):
    ...
    propscan.errors.InputError: [P001] no-such-file.txt: no such file.
    """
    return _existing_file(path).read_bytes()


def read_text_file(path: str | os.PathLike[str]) -> str:
    """Read a text file exactly (no newline translation), with clear errors.

    UTF-8 (a byte-order mark is kept as the text's first character), or UTF-16/UTF-32 with a
    byte-order mark (see :func:`propscan.io.charsets.decode_text`).
    """
    return decode_text(read_file_bytes(path), source=str(Path(path)))


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
        """The header row (read on first access; ``csv.Error`` for a broken header)."""
        return self.reader.fieldnames

    @property
    def line(self) -> int:
        """First physical line of the row read last (or being read when ``read`` raised)."""
        return self._start if self._start is not None else self.reader.line_num

    def read(self) -> dict[str, Any]:
        """The next row (``StopIteration`` at the end, ``csv.Error`` for a broken row)."""
        self._start = None
        return next(self.reader)
