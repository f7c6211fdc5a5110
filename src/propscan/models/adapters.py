"""Encoders that are not BERT-family (e.g. all-mpnet-base-v2), run through ``transformers``, trained with LoRA.

:class:`AutoEncoder` puts a ``transformers`` model behind :class:`~propscan.models.minibert.MiniBert`'s
call signature (``encoder(ids, mask) -> (batch, seq, hidden)``), without layer caching
(``num_layers = 0``). :func:`add_lora` injects LoRA adapters (``peft``) into its attention
projections and freezes everything else, so training updates only the adapters (and the
model's heads); :meth:`AutoEncoder.adapter_state` is all a saved model stores of the encoder: the
base weights stay outside the model directory and are hash-checked when loaded.

Imported only when such an encoder is loaded (it imports torch, transformers and peft); install
them with ``pip install 'propscan[accurate]'``.

>>> enc = AutoEncoder(mpnet_model)  # doctest: +SKIP
>>> add_lora(enc, DEFAULT_LORA)  # doctest: +SKIP
>>> sorted(enc.adapter_state())[0]  # doctest: +SKIP
'encoder.layer.0.attention.attn.k.lora_A.default.weight'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from propscan.errors import ModelLoadError

#: LoRA settings of a new model: rank, scale numerator, dropout, and the linear layers adapted
#: (MPNet names its attention projections ``attention.attn.{q,k,v,o}``)
DEFAULT_LORA: dict[str, Any] = {"r": 8, "alpha": 16, "dropout": 0.1, "targets": ["q", "k", "v", "o"]}
#: the substring every adapter tensor's name holds
ADAPTER_MARK = "lora_"


class AutoEncoder(torch.nn.Module):
    """A ``transformers`` base model called like MiniBert: ``forward(ids, mask) -> last hidden states``.

    ``num_layers = 0``: no layer of it is fine-tuned in place or cached (``train_from_layer`` does
    not apply); with adapters (:func:`add_lora`) only they train. ``lora`` holds the adapter
    settings (``None``: no adapters).
    """

    num_layers = 0

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.inner = model
        self.hidden_size = int(model.config.hidden_size)
        self.lora: dict[str, Any] | None = None

    def forward(self, ids: Any, mask: Any, **_: Any) -> Any:
        return self.inner(input_ids=ids, attention_mask=mask).last_hidden_state

    @property
    def has_adapters(self) -> bool:
        """Whether LoRA adapters were added (they are then the only trainable encoder tensors)."""
        return self.lora is not None

    def adapter_state(self) -> dict[str, Any]:
        """The adapter tensors by name (they share storage with the model: copy before changing them)."""
        return {k: v for k, v in self.inner.state_dict().items() if ADAPTER_MARK in k}

    def load_adapter_state(self, state: Mapping[str, Any]) -> None:
        """Copy saved adapter tensors in; every adapter of the model must be given, nothing else."""
        own = self.adapter_state()
        if set(state) != set(own):
            extra, lack = sorted(set(state) - set(own)), sorted(set(own) - set(state))
            raise ModelLoadError(f"adapter weights do not fit the encoder (unexpected: {extra[:2]}, missing: {lack[:2]}).")
        with torch.no_grad():
            for k, t in state.items():
                if own[k].shape != t.shape:
                    raise ModelLoadError(f"adapter weights do not fit the encoder ({k}: {tuple(t.shape)} vs {tuple(own[k].shape)}).")
                own[k].copy_(t)


def lora_settings(lora: Mapping[str, Any] | None) -> dict[str, Any]:
    """:data:`DEFAULT_LORA` updated with ``lora`` (unknown keys refused).

    >>> lora_settings({"r": 4})["r"], lora_settings(None)["alpha"]
    (4, 16)
    """
    out = {**DEFAULT_LORA, **dict(lora or {})}
    unknown = sorted(set(out) - set(DEFAULT_LORA))
    if unknown:
        raise ValueError(f"unknown LoRA settings {unknown}; known: {sorted(DEFAULT_LORA)}.")
    out["targets"] = list(out["targets"])
    return out


def add_lora(encoder: AutoEncoder, lora: Mapping[str, Any] | None = None) -> AutoEncoder:
    """Inject LoRA adapters into ``encoder`` in place and freeze every other encoder tensor.

    The adapters start as an exact no-op (LoRA's ``B`` is zero), so a fresh model encodes like its base.
    """
    try:
        from peft import LoraConfig, inject_adapter_in_model
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelLoadError("LoRA adapters need peft, which is not installed; install it with: pip install 'propscan[accurate]'.") from exc
    settings = lora_settings(lora)
    config = LoraConfig(r=int(settings["r"]), lora_alpha=int(settings["alpha"]), lora_dropout=float(settings["dropout"]), target_modules=settings["targets"], bias="none")
    inject_adapter_in_model(config, encoder.inner)
    for name, p in encoder.inner.named_parameters():
        p.requires_grad_(ADAPTER_MARK in name)
    if not any(ADAPTER_MARK in n for n, _ in encoder.inner.named_parameters()):  # pragma: no cover
        raise ModelLoadError(f"no LoRA target {settings['targets']} in {type(encoder.inner).__name__}.")
    encoder.lora = settings
    return encoder


def build_auto_model(config: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    """A ``transformers`` base model (no pooler) from its ``config.json`` values and its (already verified) tensors.

    Built on the meta device and given the tensors themselves (no second copy, no random
    initialisation); non-persistent buffers come from ``state`` or, for ``position_ids``, are rebuilt.
    """
    from transformers import AutoConfig, AutoModel

    cfg = dict(config)
    conf = AutoConfig.for_model(cfg.pop("model_type"), **cfg)
    with torch.device("meta"):
        try:
            model = AutoModel.from_config(conf, add_pooling_layer=False)
        except TypeError:  # pragma: no cover - a model class without a pooler switch
            model = AutoModel.from_config(conf)
    state = {k: v for k, v in state.items() if not k.startswith("pooler.")}
    missing, _ = model.load_state_dict(state, strict=False, assign=True)
    still_meta = [n for n, p in model.named_parameters() if p.is_meta]
    if missing and still_meta:
        raise ModelLoadError(f"encoder weights lack {len(still_meta)} tensors (e.g. {still_meta[0]}).")
    for name, buf in list(model.named_buffers()):
        if not buf.is_meta:
            continue
        owner = model.get_submodule(name.rpartition(".")[0]) if "." in name else model
        leaf = name.rpartition(".")[2]
        if name in state:
            value = state[name]
        elif leaf == "position_ids":
            value = torch.arange(buf.shape[-1]).expand(buf.shape)
        else:  # pragma: no cover
            raise ModelLoadError(f"encoder buffer {name} is neither in the weights nor rebuildable.")
        owner.register_buffer(leaf, value.clone(), persistent=False)
    model.eval()
    return model
