"""Int8 and 4-bit storage of weight matrices: one symmetric scale per group of 64 weights in a row, restored to float32 when loaded.

A model that keeps several fine-tuned encoders (a seed ensemble) stores their matrices this way
to stay inside the project's weight budget; vectors (biases, LayerNorm) stay fp16. The rounding
error is at most half a step (``max|group| / 254``) per weight; models are tuned *after* this
round trip, so the shipped settings fit the weights users load.

4-bit storage (:func:`quantize_int4`, two weights per byte, levels -7..7) is meant for *differences*
from weights the user already has (a fine-tuned layer minus the base encoder's): they are small, so
half a 4-bit step of a difference is far below half an int8 step of the whole weight.

>>> packed = quantize_int8({"w": torch.randn(64, 128)})  # doctest: +SKIP
>>> restored = dequantize(packed)["w"]                    # float32, same shape  # doctest: +SKIP
>>> dequantize(quantize_int4({"d": 0.01 * torch.randn(64, 128)}))["d"].shape  # doctest: +SKIP
torch.Size([64, 128])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SCALE_SUFFIX = ".int8_scale"
SCALE_SUFFIX_4 = ".int4_scale"
MIN_ELEMENTS = 4096  # smaller tensors are not worth a scale vector
GROUP = 64  # weights per scale (rows whose length it does not divide get one scale per row)


def quantize_int8(tensors: Mapping[str, Any], *, min_elements: int = MIN_ELEMENTS, group: int = GROUP) -> dict[str, Any]:
    """``{name: int8 matrix, name + SCALE_SUFFIX: fp16 scales (rows, groups)}`` for 2-D tensors, fp16 for the rest."""
    return _quantize(tensors, levels=127, min_elements=min_elements, group=group)


def quantize_int4(tensors: Mapping[str, Any], *, min_elements: int = MIN_ELEMENTS, group: int = GROUP) -> dict[str, Any]:
    """Like :func:`quantize_int8` with 4-bit levels packed two per byte: ``{name: uint8 (rows, cols / 2),
    name + SCALE_SUFFIX_4: fp16 scales (rows, groups)}`` for 2-D tensors with an even number of columns."""
    return _quantize(tensors, levels=7, min_elements=min_elements, group=group)


def _quantize(tensors: Mapping[str, Any], *, levels: int, min_elements: int, group: int) -> dict[str, Any]:
    import torch

    suffix = SCALE_SUFFIX if levels == 127 else SCALE_SUFFIX_4
    out: dict[str, Any] = {}
    for name, tensor in tensors.items():
        if name.endswith((SCALE_SUFFIX, SCALE_SUFFIX_4)):
            raise ValueError(f"tensor name {name!r} ends with a reserved suffix ({SCALE_SUFFIX!r}, {SCALE_SUFFIX_4!r})")
        t = tensor.detach().float()
        if t.ndim == 2 and t.numel() >= min_elements and (levels == 127 or t.shape[1] % 2 == 0):
            rows, cols = t.shape
            g = t.reshape(rows, cols // group, group) if cols % group == 0 else t.reshape(rows, 1, cols)
            scale = (g.abs().amax(dim=2, keepdim=True) / levels).to(torch.float16).float().clamp_min(1e-8)
            q = torch.round(g / scale).clamp(-levels, levels).to(torch.int8).reshape(rows, cols)
            out[name] = q.contiguous() if levels == 127 else _pack_nibbles(q)
            out[name + suffix] = scale.squeeze(2).to(torch.float16).contiguous()
        else:
            out[name] = t.to(torch.float16).contiguous()
    return out


def _pack_nibbles(q: Any) -> Any:
    """int8 levels in -7..7, two per byte: column 2j in the low nibble, 2j + 1 in the high one (offset 8)."""
    import torch

    u = (q + 8).to(torch.uint8)
    return (u[:, 0::2] | (u[:, 1::2] << 4)).contiguous()


def _unpack_nibbles(packed: Any) -> Any:
    import torch

    rows, half = packed.shape
    out = torch.empty(rows, 2 * half, dtype=torch.float32)
    out[:, 0::2] = (packed & 0x0F).float() - 8
    out[:, 1::2] = (packed >> 4).float() - 8
    return out


def dequantize(tensors: Mapping[str, Any]) -> dict[str, Any]:
    """The float32 tensors :func:`quantize_int8` or :func:`quantize_int4` packed (unscaled tensors are just widened)."""
    out: dict[str, Any] = {}
    for name, t in tensors.items():
        if name.endswith((SCALE_SUFFIX, SCALE_SUFFIX_4)):
            continue
        if name + SCALE_SUFFIX in tensors:
            scale, levels = tensors[name + SCALE_SUFFIX], t.float()
        elif name + SCALE_SUFFIX_4 in tensors:
            scale, levels = tensors[name + SCALE_SUFFIX_4], _unpack_nibbles(t)
        else:
            out[name] = t.float()
            continue
        rows, cols = levels.shape
        groups = scale.shape[1]
        out[name] = (levels.reshape(rows, groups, cols // groups) * scale.float().unsqueeze(2)).reshape(rows, cols)
    return out


def round_trip(tensors: Mapping[str, Any]) -> dict[str, Any]:
    """``dequantize(quantize_int8(tensors))``: the weights a saved int8 model will load."""
    return dequantize(quantize_int8(tensors))


def pack_delta(tensors: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """``tensors - base`` (same names) in 4 bits: what :func:`unpack_delta` restores against the same ``base``."""
    missing = sorted(set(tensors) - set(base))
    if missing:
        raise KeyError(f"no base tensor for {missing[0]!r}")
    return quantize_int4({k: t.detach().float() - base[k].detach().float() for k, t in tensors.items()})


def unpack_delta(packed: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """``base + dequantize(packed)``, float32; a name ``base`` lacks raises ``KeyError``."""
    return {k: base[k].detach().float() + d for k, d in dequantize(packed).items()}


def delta_round_trip(tensors: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """``unpack_delta(pack_delta(tensors, base), base)``: the weights a model saved as 4-bit deltas will load."""
    return unpack_delta(pack_delta(tensors, base), base)
