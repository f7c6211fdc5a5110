"""The model protocol every propscan model follows (scikit-learn shaped).

* ``__init__`` only stores keyword hyper-parameters; learned state ends in ``_``.
* ``fit(documents, gold)`` learns from data passed as arguments and returns ``self``; no I/O.
* ``predict(documents)`` returns, per document, the spans found (SI+TC), attached to the document,
  each with a technique and a calibrated ``score`` in [0, 1]. Overlapping spans with different
  techniques are allowed.
* ``classify(documents, spans)`` names the technique of given spans (the TC subtask), returning
  spans with the same offsets in the same order.
* ``save_pretrained(dir)`` / ``from_pretrained(dir)`` mirror each other; weights are safetensors
  or JSON only. Reading and writing files happens in :mod:`propscan.models.loading` helpers,
  never inside ``fit``/``predict``.

>>> from propscan.models import load_model  # doctest: +SKIP
>>> spans = load_model("baseline").predict([doc])[0]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from propscan.document import Document, Span


@runtime_checkable
class Model(Protocol):
    """What :class:`propscan.Analyzer`, the CLI and the server need from a model."""

    #: short model family name, written to ``config.json`` as ``model_type``
    model_type: str

    def fit(
        self,
        documents: Sequence[Document],
        gold: Mapping[str, Sequence[Span]],
        *,
        dev_documents: Sequence[Document] | None = None,
        dev_gold: Mapping[str, Sequence[Span]] | None = None,
    ) -> Model: ...

    def predict(self, documents: Sequence[Document]) -> list[list[Span]]: ...

    def classify(self, documents: Sequence[Document], spans: Sequence[Sequence[Span]]) -> list[list[Span]]: ...

    def save_pretrained(self, directory: str | Path) -> None: ...

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> Model: ...

    @property
    def info(self) -> dict[str, Any]:
        """Model name, version and weights hash (shown by ``/api/v1/version`` and stored by corpora)."""
        ...
