"""A seed ensemble of :class:`~propscan.models.transformer.tagger.TransformerTagger` models.

Members share the tokenizer, windows and span features; each runs its own encoder pass, and the
ensemble averages their SI ``O/B/I`` probabilities, sentence probabilities and TC logits. Decoding,
calibration and tuning are the tagger's own (:mod:`~propscan.models.transformer.tune` sees one
model), so an ensemble is tuned on the tune split like any tagger — after its weights have been
through the round trip they are stored in (:mod:`propscan.models.quantize`): each member's fine-tuned
layers as 4-bit differences from the base encoder (which is hash-checked and restored on load), heads int8.

>>> ens = TaggerEnsemble.from_members([TransformerTagger.from_pretrained(d) for d in dirs])  # doctest: +SKIP
>>> ens.tune(tune_docs, gold); ens.save_pretrained("runs/ensemble")                        # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from propscan.errors import ModelLoadError
from propscan.models.loading import SavedModel, read_model, write_model
from propscan.models.quantize import delta_round_trip, dequantize, pack_delta, quantize_int8, round_trip, unpack_delta
from propscan.models.transformer.span_reader import CANDIDATE_READER_FILE, READER_FILE, SpanReader
from propscan.models.transformer.tagger import (
    HEADS_FILE,
    LAYERS_FILE,
    LEXICAL_FILE,
    TransformerTagger,
    _params_from_config,
    check_features,
    limit_inference_threads,
)
from propscan.models.transformer.windows import TokenizedDoc

ENSEMBLE_NAME = "propscan-minilm-ensemble"
ENSEMBLE_VERSION = "3.7.0"
WEIGHTS_FORMAT = (
    "layers: 4-bit differences from the base encoder, one fp16 scale per 64 weights of a row (vectors: fp16 differences); "
    "heads and readers: int8 matrices with one fp16 scale per 64 weights of a row, vectors fp16"
)
DELTA_STORAGE = "int4-delta"  # config "layers_storage"; absent: the layers are int8 whole weights (models before v3.6)
SHARED_PARAMS = ("encoder", "window", "stride", "train_from_layer", "tc_hidden", "si_hidden")


class TaggerEnsemble(TransformerTagger):
    """Several taggers that vote: mean SI probabilities and mean TC logits, one calibration.

    Build it from fitted members with :meth:`from_members` (they must share the encoder, window,
    stride and head sizes); :meth:`save_pretrained` stores every member's trained layers and heads
    as int8 matrices with per-row scales.
    """

    model_type = "transformer-ensemble"
    members_: list[TransformerTagger]

    @classmethod
    def from_members(cls, members: Sequence[TransformerTagger], *, quantize: bool = True) -> TaggerEnsemble:
        """An ensemble of fitted ``members`` (the first one's lexical part and calibration are kept).

        ``quantize=True`` passes every member's trained layers (4-bit deltas from the base encoder) and
        heads (int8) through the round trip first, so that what is tuned afterwards is exactly what
        :meth:`save_pretrained` stores.
        """
        if len(members) < 2:
            raise ValueError("an ensemble needs at least two members")
        first = members[0]
        for m in members:
            m._check_fitted()
            diff = [k for k in SHARED_PARAMS if getattr(m, k) != getattr(first, k)]
            if diff or m.labels_ != first.labels_:
                raise ValueError(f"ensemble members differ in {', '.join(diff) or 'labels'}")
        ens = cls(**{**first.get_params(), "seed": first.seed}, progress=False)
        ens.members_ = list(members)
        ens.encoder_, ens.tokenizer_, ens.encoder_source_ = first.encoder_, first.tokenizer_, first.encoder_source_
        ens.special_ids_, ens.labels_, ens.heads_ = first.special_ids_, first.labels_, first.heads_
        ens.lexical_ = first.lexical_
        ens.calibration_ = dict(first.calibration_)
        if quantize:
            base = None if first.encoder_.has_adapters else base_layers(first)  # members share encoder and trained layers
            for m in ens.members_:
                layers = m.trained_state()
                layers = round_trip(layers) if base is None else delta_round_trip(layers, base)
                m.load_trained_state(layers, round_trip(m.heads_.state_dict()))
        return ens

    # ---- the four places where members are combined ------------------------------------------

    def _doc_states(self, toks: Sequence[TokenizedDoc], *, batch_size: int = 16, documents: Sequence[Any] | None = None) -> list[Any]:
        """Per document, the members' token states side by side ``(n_tokens, sum of hidden sizes)``."""
        import torch

        per_member = [m._doc_states(toks, batch_size=batch_size) for m in self.members_]
        return [torch.cat(parts, dim=-1) for parts in zip(*per_member)]

    def set_stride(self, stride: int) -> None:
        """Read articles in windows every ``stride`` tokens (the ensemble's and every member's passes)."""
        super().set_stride(stride)
        for m in self.members_:
            m.set_stride(stride)

    def use_fast_encoder(self, backend: str | None = None) -> bool:
        """Run every member's encoder through ONNX Runtime where ``backend`` wants it; whether all of them do."""
        return all([m.use_fast_encoder(backend) for m in self.members_])

    def _member_states(self, states: Any) -> list[Any]:
        import torch

        return list(torch.split(states, [m.encoder_.hidden_size for m in self.members_], dim=-1))

    def _si_probs(self, states: Any) -> np.ndarray:
        return np.mean([m._si_probs(s) for m, s in zip(self.members_, self._member_states(states))], axis=0)

    def _sentence_probs(self, states: Any, sentence_ids: np.ndarray) -> np.ndarray:
        return np.mean([m._sentence_probs(s, sentence_ids) for m, s in zip(self.members_, self._member_states(states))], axis=0)

    def _tc_logits(self, states: Any, ranges: Sequence[tuple[int, int]], feats: np.ndarray) -> np.ndarray:
        return np.mean([m._tc_logits(s, ranges, feats) for m, s in zip(self.members_, self._member_states(states))], axis=0)

    # ---- learning and persistence ----------------------------------------------------------------

    def _fit(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("train the members one by one (propscan.models.train), then TaggerEnsemble.from_members().")

    def trained_state(self) -> dict[str, Any]:
        """Every member's trained tensors, named ``m<i>.<name>``."""
        return {f"m{i}.{k}": v for i, m in enumerate(self.members_) for k, v in m.trained_state().items()}

    def save_pretrained(self, directory: str | os.PathLike[str], *, extra: Mapping[str, Any] | None = None) -> None:
        """Write ``config.json`` + every member's layers (4-bit deltas) and heads (int8) + the lexical part, hash-listed."""
        self._check_fitted()
        heads = {f"m{i}.{k}": v for i, m in enumerate(self.members_) for k, v in m.heads_.state_dict().items()}
        config = {
            **self._saved_config(ENSEMBLE_NAME, ENSEMBLE_VERSION),
            "members": [m.get_params() for m in self.members_],
            "weights_format": WEIGHTS_FORMAT,
            "layers_storage": DELTA_STORAGE,
            **(dict(extra) if extra else {}),
        }
        lexical = {LEXICAL_FILE: self.lexical_.to_arrays()} if self.lexical_ is not None else {}
        if any(m.encoder_.has_adapters for m in self.members_):
            raise ValueError("ensembles store fine-tuned layers as deltas from the base encoder; LoRA members are not supported")
        base = base_layers(self.members_[0])  # one load: members share the encoder and train_from_layer
        layers = {f"m{i}.{k}": v for i, m in enumerate(self.members_) for k, v in pack_delta(m.trained_state(), base).items()}
        tensors = {LAYERS_FILE: layers, HEADS_FILE: quantize_int8(heads)}
        if self.reader_ is not None:
            config["span_reader"] = self.reader_.config()
            tensors[READER_FILE] = quantize_int8(self.reader_.stored())
        if self.candidate_reader_ is not None:
            shared = self.reader_.seed_of(self.candidate_reader_) if self.reader_ is not None else None
            config["candidate_reader"] = {**self.candidate_reader_.config(), **({"reader_seed": shared} if shared is not None else {})}
            if shared is None:  # its own weights; a seed of reader_ is not stored twice
                tensors[CANDIDATE_READER_FILE] = quantize_int8(self.candidate_reader_.stored())
        write_model(directory, config, tensors=tensors, arrays=lexical)

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str]) -> TaggerEnsemble:
        """Load a saved ensemble: every weight file's sha256 first, then the base encoder's, then each member."""
        return cls._from_saved(read_model(directory, expect_type=cls.model_type))

    @classmethod
    def _from_saved(cls, saved: SavedModel) -> TaggerEnsemble:
        """The ensemble in ``saved`` (its files already hash-checked by :func:`read_model`)."""
        cfg = saved.config
        check_features(saved)
        limit_inference_threads()
        layers, heads = saved.tensors(LAYERS_FILE), dequantize(saved.tensors(HEADS_FILE))
        members = [load_member(TransformerTagger, saved, layers, heads, i) for i in range(len(cfg.get("members", [])))]
        if len(members) < 2:
            raise ModelLoadError(f"{saved.directory}: an ensemble config needs at least two members.")
        ens = cls.from_members(members, quantize=False)
        ens.set_stride(int(cfg.get("params", {}).get("stride", ens.stride)))  # inference stride, chosen on the tune split
        ens.lexical_ = None
        ens._load_lexical(saved)
        cand = cfg.get("candidate_reader")
        if cfg.get("span_reader"):
            # the flags' reader is one seed of these: build it now; the seeds only given spans read load on first classify
            flags_seed = cand.get("reader_seed") if cand else None
            build = [flags_seed] if isinstance(flags_seed, int) and 0 <= flags_seed < int(cfg["span_reader"].get("seeds", 1)) else None
            ens.reader_ = SpanReader.from_config(cfg["span_reader"], dequantize(saved.tensors(READER_FILE)), n_labels=len(cfg["labels"]),
                                                 build=build)
        if cand and "reader_seed" in cand and ens.reader_ is not None:
            try:
                ens.candidate_reader_ = ens.reader_.subset(int(cand["reader_seed"]), weight=float(cand["weight"]), cap=cand.get("read_per_1000_tokens"))
            except ValueError as exc:
                raise ModelLoadError(f"{saved.directory}: candidate reader: {exc}.") from exc
        elif cand:
            ens.candidate_reader_ = SpanReader.from_config(cand, dequantize(saved.tensors(CANDIDATE_READER_FILE)), n_labels=len(cfg["labels"]))
        ens.use_calibration(cfg["calibration"])
        ens.config_ = cfg
        ens.weights_sha256_ = cfg["files"][LAYERS_FILE]
        ens.use_fast_encoder()
        return ens

    @property
    def info(self) -> dict[str, Any]:
        """``{name, version, weights_sha256, encoder, members, ...}``."""
        version = getattr(self, "config_", {}).get("version", ENSEMBLE_VERSION)  # a saved model's own version
        return {**super().info, "name": ENSEMBLE_NAME, "version": version, "members": len(getattr(self, "members_", []))}


def load_member(cls: type[TransformerTagger], saved: SavedModel, layers: Mapping[str, Any], heads: Mapping[str, Any], index: int) -> Any:
    """Member ``index`` of a saved ensemble as a ``cls`` tagger in eval mode (no lexical part, no calibration).

    ``layers`` are the ensemble's stored layer tensors as read (4-bit deltas from the base encoder, or
    int8 whole weights in models before v3.6), ``heads`` its dequantized heads (both ``m<i>.``-prefixed).
    """
    cfg = saved.config
    prefix = f"m{index}."
    if cfg.get("layers_storage") not in (None, DELTA_STORAGE):
        raise ModelLoadError(f"{saved.directory}: unknown layers_storage {cfg['layers_storage']!r}; upgrade propscan.")

    def weights(member: TransformerTagger) -> tuple[Any, Any]:
        mine = _strip(layers, prefix)  # 4-bit deltas are restored against the base encoder's layers, just loaded
        mine = unpack_delta(mine, member.trained_state()) if cfg.get("layers_storage") == DELTA_STORAGE else dequantize(mine)
        return mine, _strip(heads, prefix)

    return cls.built(_params_from_config({**cfg, "params": cfg["members"][index]}), cfg["labels"], weights,
                     where=f"{saved.directory}: weights of member {index}", encoder_sha256=cfg.get("encoder_sha256"))


def base_layers(member: TransformerTagger) -> dict[str, Any]:
    """The base encoder's tensors under the names ``member.trained_state()`` gives (a fresh, hash-checked load).

    >>> delta = pack_delta(member.trained_state(), base_layers(member))  # doctest: +SKIP
    """
    from propscan.models.encoder import load_encoder

    enc, _, _ = load_encoder(member.encoder, trained_sha256=member.encoder_source_.weights_sha256())
    return {
        f"encoder.layer.{i}.{name}": t
        for i in range(member.train_from_layer, enc.num_layers)
        for name, t in enc.encoder.layer[i].state_dict().items()
    }


def _strip(tensors: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
