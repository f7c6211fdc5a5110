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

propscan's own models subclass :class:`Model`: they inherit :meth:`Model.fit` and write ``_fit``.
Any other object with these methods is a model too (the protocol is structural).

>>> from propscan.models import load_model  # doctest: +SKIP
>>> spans = load_model("baseline").predict([doc])[0]  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, Self, runtime_checkable

from propscan.document import Document, Span

Gold = Mapping[str, Sequence[Span]]
"""Gold spans by document id."""


@runtime_checkable
class Model(Protocol):
    """What :class:`propscan.Analyzer`, the CLI and the server need from a model."""

    #: short model family name, written to ``config.json`` as ``model_type``
    model_type: str

    def fit(
        self,
        documents: Sequence[Document],
        gold: Gold,
        *,
        dev_documents: Sequence[Document] | None = None,
        dev_gold: Gold | None = None,
    ) -> Self:
        """Learn from ``documents``/``gold``; a held-out ``dev_documents``/``dev_gold`` pair tunes the settings."""
        self._fit(documents, gold, dev_documents, dev_gold)
        return self

    def _fit(self, documents: Sequence[Document], gold: Gold, dev_documents: Sequence[Document] | None, dev_gold: Gold | None) -> None:
        """Learn in place: what a subclass writes instead of :meth:`fit`."""
        raise NotImplementedError

    def predict(self, documents: Sequence[Document]) -> list[list[Span]]:
        """Per document, the spans found, each with a technique and a calibrated ``score``."""
        ...

    def classify(self, documents: Sequence[Document], spans: Sequence[Sequence[Span]]) -> list[list[Span]]:
        """The technique of each given span: same offsets, same order."""
        ...

    def save_pretrained(self, directory: str | os.PathLike[str]) -> None:
        """Write the model to ``directory`` (through :mod:`propscan.models.loading`)."""
        ...

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str]) -> Model:
        """Load a model saved by :meth:`save_pretrained`, refusing files whose sha256 changed."""
        ...

    @property
    def info(self) -> dict[str, Any]:
        """Model name, version and weights hash (shown by ``/api/v1/version`` and stored by corpora)."""
        ...
