"""Errors propscan raises, one tree, each with a code users can search for.

    PropscanError
    ├── InputError          bad user input: empty text, binary bytes, unreadable file
    ├── OffsetError         a span that does not fit its text
    ├── CorpusError         malformed label files or corpus folders
    ├── ModelLoadError      missing or tampered weights, unknown model directory
    ├── NotFittedError      a model used before ``fit``/``from_pretrained``
    └── FetchError          a URL that may not or could not be fetched

Every message is one line that says what was wrong and what to do.
"""

from __future__ import annotations


class PropscanError(Exception):
    """Base class for every error propscan raises on purpose."""

    code = "P000"

    def __str__(self) -> str:  # "[P012] message"
        msg = super().__str__()
        return f"[{self.code}] {msg}" if not msg.startswith("[") else msg


class InputError(PropscanError, ValueError):
    """The input text or file cannot be analysed."""

    code = "P001"


class OffsetError(PropscanError, ValueError):
    """A span's offsets do not fit the text it points into."""

    code = "P002"


class CorpusError(PropscanError, ValueError):
    """A corpus folder or label file is malformed."""

    code = "P003"


class ModelLoadError(PropscanError, RuntimeError):
    """Model weights are missing, unreadable or fail their hash check."""

    code = "P004"


class NotFittedError(PropscanError, RuntimeError):
    """A model was used before it was fitted or loaded."""

    code = "P005"


class FetchError(PropscanError, RuntimeError):
    """A URL was refused (unsafe address, too large, too slow) or could not be fetched."""

    code = "P006"
