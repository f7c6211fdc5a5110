"""One member of a saved seed ensemble, served alone with its own calibration: the fast model.

A member model's directory holds only ``config.json``: its calibration (tuned on the tune split for
this member alone), the member's index, and the ensemble it reads its weights from — a path relative
to itself and the sha256 of every file of that ensemble. Loading opens the ensemble through the same
hash check and refuses an ensemble whose files are not the ones the calibration was tuned for. No
weights are copied: the fast model ``batch`` uses costs no extra megabytes.

>>> fast = EnsembleMember.from_ensemble("runs/ensemble", 0)       # doctest: +SKIP
>>> fast.tune(tune_docs, gold); fast.save_pretrained("runs/fast")  # doctest: +SKIP
>>> load_model("fast").info["name"]                                # doctest: +SKIP
'propscan-minilm-fast'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from propscan.errors import ModelLoadError
from propscan.models.loading import SavedModel, pin_source, read_config, read_model, read_source, write_model
from propscan.models.quantize import dequantize
from propscan.models.transformer.ensemble import TaggerEnsemble, load_member
from propscan.models.transformer.tagger import (
    HEADS_FILE,
    LAYERS_FILE,
    LEXICAL_FILE,
    TransformerTagger,
    check_features,
    limit_inference_threads,
)

FAST_NAME = "propscan-minilm-fast"
FAST_VERSION = "3.2.0"


class EnsembleMember(TransformerTagger):
    """Member ``index`` of a saved :class:`TaggerEnsemble`, decoding and calibrated on its own.

    Build it with :meth:`from_ensemble`, tune it (:meth:`tune`, tune split only), save it with
    :meth:`save_pretrained`; :func:`propscan.models.loading.load_model` loads it by directory or name.
    """

    model_type = "transformer-member"
    source_: SavedModel
    member_index_: int

    @classmethod
    def from_ensemble(cls, directory: str | os.PathLike[str], index: int = 0) -> EnsembleMember:
        """Member ``index`` of the ensemble saved in ``directory``, with the ensemble's lexical part and
        calibration (a starting point: :meth:`tune` it before serving)."""
        saved = read_model(directory, expect_type=TaggerEnsemble.model_type)
        return cls._from_saved(saved, index, saved.config["calibration"])

    @classmethod
    def _from_saved(cls, saved: SavedModel, index: int, calibration: Mapping[str, Any], *, stride: int | None = None) -> EnsembleMember:
        n = len(saved.config.get("members", []))
        if not 0 <= index < n:
            raise ModelLoadError(f"{saved.directory}: the ensemble has {n} members, no member {index}.")
        check_features(saved)
        limit_inference_threads()
        prefix = f"m{index}."  # this member's tensors only (their scales share the prefix)
        layers, heads = ({k: v for k, v in saved.tensors(f).items() if k.startswith(prefix)} for f in (LAYERS_FILE, HEADS_FILE))
        heads = dequantize(heads)
        member: EnsembleMember = load_member(cls, saved, layers, heads, index)
        if stride is not None:
            member.set_stride(int(stride))
        member._load_lexical(saved)
        member.use_calibration(calibration)
        member.source_, member.member_index_ = saved, index
        member.weights_sha256_ = saved.config["files"][LAYERS_FILE]
        member.use_fast_encoder()
        return member

    def save_pretrained(self, directory: str | os.PathLike[str], *, extra: Mapping[str, Any] | None = None) -> None:
        """Write ``config.json`` only: this member's calibration and where its weights are (hash-pinned)."""
        self._check_fitted()
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        source = pin_source(self.source_, out, member=self.member_index_)
        config = {**self._saved_config(FAST_NAME, FAST_VERSION), "source": source, **(dict(extra) if extra else {})}
        write_model(out, config)

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str]) -> EnsembleMember:
        """Load a saved member model: its config, then the ensemble it names (every file hash-checked and
        equal to the pinned sha256), then the member's weights."""
        cfg = read_config(directory, expect_type=cls.model_type)
        # a span reader added to the ensemble is not read here: only the member's files are pinned
        saved = read_source(directory, cfg, expect_type=TaggerEnsemble.model_type, remedy="re-tune it (propscan train --model fast).",
                            files=(LAYERS_FILE, HEADS_FILE, LEXICAL_FILE))
        member = cls._from_saved(saved, int(cfg["source"].get("member", 0)), cfg["calibration"], stride=cfg.get("params", {}).get("stride"))
        member.config_ = cfg
        return member

    @property
    def info(self) -> dict[str, Any]:
        """``{name, version, weights_sha256, encoder, member, ...}`` (the weights hash is the ensemble's)."""
        return {**super().info, "name": FAST_NAME, "version": FAST_VERSION, "member": getattr(self, "member_index_", None)}
