"""propscan — find, name and explain propaganda techniques in news articles, offline.

>>> import propscan
>>> doc = propscan.Document("We must act now, before it is too late.", id="demo")
>>> doc.span(0, 15, "Slogans").text
'We must act now'
"""

from __future__ import annotations

from propscan import defaults
from propscan.analysis.analyzer import Analysis, Analyzer, analyze, to_frame
from propscan.document import Document, Sentence, Span, content_hash
from propscan.errors import (
    CorpusError,
    FetchError,
    InputError,
    ModelLoadError,
    NotFittedError,
    OffsetError,
    PropscanError,
)
from propscan.version import __version__


def load_model(name_or_path: str = defaults.MODEL):  # type: ignore[no-untyped-def]
    """Load a model by name (``default``, ``baseline``) or directory (weights are hash-checked).

    >>> model = propscan.load_model("baseline")  # doctest: +SKIP
    """
    from propscan.models.loading import load_model as _load

    return _load(name_or_path)


def _analysis_html(analysis: Analysis) -> str:
    from propscan.views.html import render_analysis_fragment

    return render_analysis_fragment(analysis)


# Jupyter shows an Analysis as the report's article block. The hook is attached here, in the package
# root that sits above every layer, because the analysis layer must not import the views.
Analysis._repr_html_ = _analysis_html  # type: ignore[attr-defined]

__all__ = [
    "analyze",
    "Analyzer",
    "Analysis",
    "to_frame",
    "load_model",
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
