"""The default model: the transformer tagger, with its technique probabilities mixed with the n-gram head.

The transformer finds spans (SI) and scores techniques from contextual token states; the baseline's
hashed n-gram logistic regression scores techniques from the span's words and context words. The two
make different mistakes, so their technique probabilities are combined log-linearly::

    log p(t) ∝ (1 − w) · log p_transformer(t) + w · log p_ngram(t)

with ``w`` (``tc_mix``) chosen on dev. Spans, their SI confidence and offsets come from the tagger alone.
The members live in their own directories (``config.json`` lists them with their config hashes), so
no weights are duplicated on disk.

>>> model = load_model("default")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..document import Document, Span
from ..errors import ModelLoadError, NotFittedError
from .loading import file_sha256, read_config, write_config


class EnsembleModel:
    """Transformer tagger (SI + TC) whose TC probabilities are mixed with an n-gram TC model.

    Parameters
    ----------
    tc_mix : float, default=0.4
        Weight of the n-gram model in the log-linear mixture of technique probabilities.
    """

    model_type = "ensemble"

    def __init__(self, *, tc_mix: float = 0.4) -> None:
        self.tc_mix = tc_mix

    @classmethod
    def from_members(cls, tagger: Any, ngram: Any, *, tc_mix: float = 0.4) -> EnsembleModel:
        model = cls(tc_mix=tc_mix)
        model.tagger_, model.ngram_ = tagger, ngram
        model._wire()
        return model

    def _wire(self) -> None:
        labels = list(self.tagger_.labels_)
        if labels != list(self.ngram_.labels_):
            raise ModelLoadError("ensemble members disagree on the technique labels.")
        self.tagger_.tc_prior = self._ngram_log_probs if self.tc_mix > 0 else None
        self.tagger_.tc_prior_weight = self.tc_mix

    def _ngram_log_probs(self, doc: Document, bounds: Sequence[tuple[int, int]]) -> np.ndarray:
        if not bounds:
            return np.zeros((0, len(self.ngram_.labels_)), dtype=np.float32)
        return np.log(np.stack([self.ngram_._tc_probs(doc, s, e) for s, e in bounds]) + 1e-9)

    def _check(self) -> None:
        if not hasattr(self, "tagger_"):
            raise NotFittedError("EnsembleModel has no members; use EnsembleModel.from_pretrained() or from_members().")

    # -- protocol ---------------------------------------------------------------------------------
    def fit(
        self,
        documents: Sequence[Document],
        gold: Mapping[str, Sequence[Span]],
        *,
        dev_documents: Sequence[Document] | None = None,
        dev_gold: Mapping[str, Sequence[Span]] | None = None,
    ) -> EnsembleModel:
        """Fit both members on the same data (see ``propscan.training`` for the full recipe)."""
        from .baseline import BaselineModel
        from .transformer import TransformerTagger

        tagger = TransformerTagger().fit(documents, gold, dev_documents=dev_documents, dev_gold=dev_gold)
        ngram = BaselineModel().fit(documents, gold, dev_documents=dev_documents, dev_gold=dev_gold)
        self.tagger_, self.ngram_ = tagger, ngram
        self._wire()
        return self

    def predict(self, documents: Sequence[Document]) -> list[list[Span]]:
        self._check()
        return list(self.tagger_.predict(documents))

    def classify(self, documents: Sequence[Document], spans: Sequence[Sequence[Span]]) -> list[list[Span]]:
        self._check()
        return list(self.tagger_.classify(documents, spans))

    # -- persistence ------------------------------------------------------------------------------
    def save_pretrained(self, directory: str | Path, *, members: Mapping[str, str] | None = None, extra: Mapping[str, Any] | None = None) -> None:
        """Write ``config.json``; members are saved into sub-folders unless ``members`` points at existing ones."""
        self._check()
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        members = dict(members or {})
        if "tagger" not in members:
            self.tagger_.save_pretrained(d / "tagger")
            members["tagger"] = "tagger"
        if "ngram" not in members:
            self.ngram_.save_pretrained(d / "ngram")
            members["ngram"] = "ngram"
        write_config(
            d,
            {
                "model_type": self.model_type,
                "version": f"ensemble-1+{self.tagger_.info.get('version')}",
                "params": {"tc_mix": self.tc_mix},
                "members": members,
                "member_configs": {k: file_sha256(d / v / "config.json") for k, v in members.items()},
                **dict(extra or {}),
            },
        )

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> EnsembleModel:
        from .baseline import BaselineModel
        from .transformer import TransformerTagger

        d = Path(directory)
        cfg = read_config(d, expect_type=cls.model_type)
        paths = {k: (d / v).resolve() for k, v in cfg["members"].items()}
        for k, p in paths.items():
            want = cfg.get("member_configs", {}).get(k)
            if want is None or not (p / "config.json").is_file() or file_sha256(p / "config.json") != want:
                raise ModelLoadError(f"{p}: ensemble member {k!r} is missing or its config.json does not match the recorded sha256.")
        model = cls(**cfg["params"])
        model.tagger_ = TransformerTagger.from_pretrained(paths["tagger"])
        model.ngram_ = BaselineModel.from_pretrained(paths["ngram"])
        model._wire()
        model._cfg = cfg
        return model

    @property
    def info(self) -> dict[str, Any]:
        self._check()
        tinfo = dict(self.tagger_.info)
        return {
            "name": tinfo.get("name", "propscan"),
            "version": getattr(self, "_cfg", {}).get("version", f"ensemble-1+{tinfo.get('version')}"),
            "weights_sha256": tinfo.get("weights_sha256"),
            "ngram_weights_sha256": self.ngram_.info.get("weights_sha256"),
            "encoder": tinfo.get("encoder"),
            "tc_mix": self.tc_mix,
        }
