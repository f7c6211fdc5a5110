"""Int8 storage of weight matrices: one symmetric scale per group of 64 weights in a row, restored to float32 when loaded.

A model that keeps several fine-tuned encoders (a seed ensemble) stores their matrices this way
to stay inside the project's weight budget; vectors (biases, LayerNorm) stay fp16. The rounding
error is at most half a step (``max|group| / 254``) per weight; models are tuned *after* this
round trip, so the shipped settings fit the weights users load.

>>> packed = quantize_int8({"w": torch.randn(64, 128)})  # doctest: +SKIP
>>> restored = dequantize(packed)["w"]                    # float32, same shape  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SCALE_SUFFIX = ".int8_scale"
MIN_ELEMENTS = 4096  # smaller tensors are not worth a scale vector
GROUP = 64  # weights per scale (rows whose length it does not divide get one scale per row)


def quantize_int8(tensors: Mapping[str, Any], *, min_elements: int = MIN_ELEMENTS, group: int = GROUP) -> dict[str, Any]:
    """``{name: int8 matrix, name + SCALE_SUFFIX: fp16 scales (rows, groups)}`` for 2-D tensors, fp16 for the rest."""
    import torch

    out: dict[str, Any] = {}
    for name, tensor in tensors.items():
        if name.endswith(SCALE_SUFFIX):
            raise ValueError(f"tensor name {name!r} ends with the reserved suffix {SCALE_SUFFIX!r}")
        t = tensor.detach().float()
        if t.ndim == 2 and t.numel() >= min_elements:
            rows, cols = t.shape
            g = t.reshape(rows, cols // group, group) if cols % group == 0 else t.reshape(rows, 1, cols)
            scale = (g.abs().amax(dim=2, keepdim=True) / 127.0).to(torch.float16).float().clamp_min(1e-8)
            out[name] = torch.round(g / scale).clamp(-127, 127).to(torch.int8).reshape(rows, cols).contiguous()
            out[name + SCALE_SUFFIX] = scale.squeeze(2).to(torch.float16).contiguous()
        else:
            out[name] = t.to(torch.float16).contiguous()
    return out


def dequantize(tensors: Mapping[str, Any]) -> dict[str, Any]:
    """The float32 tensors :func:`quantize_int8` packed (unscaled tensors are just widened)."""
    out: dict[str, Any] = {}
    for name, t in tensors.items():
        if name.endswith(SCALE_SUFFIX):
            continue
        scale = tensors.get(name + SCALE_SUFFIX)
        if scale is None:
            out[name] = t.float()
            continue
        rows, cols = t.shape
        groups = scale.shape[1]
        out[name] = (t.float().reshape(rows, groups, cols // groups) * scale.float().unsqueeze(2)).reshape(rows, cols)
    return out


def round_trip(tensors: Mapping[str, Any]) -> dict[str, Any]:
    """``dequantize(quantize_int8(tensors))``: the weights a saved int8 model will load."""
    return dequantize(quantize_int8(tensors))
