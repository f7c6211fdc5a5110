"""propscan — find, name and explain propaganda techniques in news articles, offline.

>>> import propscan
>>> doc = propscan.Document("We must act now, before it is too late.", id="demo")
>>> doc.span(0, 15, "Slogans").text
'We must act now'
"""

from __future__ import annotations

from .document import Document, Sentence, Span, content_hash
from .errors import (
    CorpusError,
    FetchError,
    InputError,
    ModelLoadError,
    NotFittedError,
    OffsetError,
    PropscanError,
)

__version__ = "0.1.0"

__all__ = [
    "Document",
    "Span",
    "Sentence",
    "content_hash",
    "PropscanError",
    "InputError",
    "OffsetError",
    "CorpusError",
    "ModelLoadError",
    "NotFittedError",
    "FetchError",
    "__version__",
]
