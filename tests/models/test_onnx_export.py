"""The encoders export to ONNX (legacy TorchScript exporter, dynamic batch and sequence axes) and
ONNX Runtime gives the same token states as torch within 1e-4 (the bar of benchmarks/bench_onnx.py).

Tiny randomly initialised encoders (a MiniBert, and an MPNet through transformers as in
test_accurate_encoder.py) keep it fast; no real weights, no corpus. Skipped without onnxruntime/onnx.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from propscan.models.minibert import BertShape, MiniBert  # noqa: E402

TOLERANCE = 1e-4
PAD = 1


class _Forward(torch.nn.Module):
    """``encoder(ids, mask)`` with positional arguments only (the tracer would pass MiniBert's keyword defaults)."""

    def __init__(self, enc: Any) -> None:
        super().__init__()
        self.enc = enc

    def forward(self, ids: Any, mask: Any) -> Any:
        return self.enc(ids, mask)


def _tiny_minibert() -> Any:
    torch.manual_seed(0)
    shape = BertShape(vocab_size=40, max_positions=64, type_vocab_size=2, hidden=32, heads=2, intermediate=64,
                      layers=2, eps=1e-12, hidden_dropout=0.1, attention_dropout=0.1)  # fmt: skip
    return MiniBert(shape).eval()


def _tiny_mpnet() -> Any:
    transformers = pytest.importorskip("transformers")
    from propscan.models.adapters import AutoEncoder

    config = transformers.MPNetConfig(
        vocab_size=40, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=80, pad_token_id=PAD, bos_token_id=0, eos_token_id=2,
    )  # fmt: skip
    torch.manual_seed(0)
    return AutoEncoder(transformers.MPNetModel(config, add_pooling_layer=False)).eval()


def _batch(rows: int, length: int, real: list[int], seed: int) -> tuple[Any, Any]:
    """``[CLS]=0 tokens [SEP]=2 pad...`` rows with ``real[r]`` tokens in all (specials included)."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.full((rows, length), PAD, dtype=torch.long)
    mask = torch.zeros((rows, length), dtype=torch.long)
    for r, n in enumerate(real):
        ids[r, 1 : n - 1] = torch.randint(5, 40, (n - 2,), generator=g)
        ids[r, 0], ids[r, n - 1] = 0, 2
        mask[r, :n] = 1
    return ids, mask


def _export(enc: Any, path: Path) -> Any:
    ids, mask = _batch(2, 12, [12, 7], seed=0)  # padded: the traced graph keeps the attention-mask branch
    dyn = {n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "states")}
    with torch.no_grad():
        torch.onnx.export(_Forward(enc).eval(), (ids, mask), str(path), input_names=["input_ids", "attention_mask"],
                          output_names=["states"], dynamic_axes=dyn, opset_version=17, dynamo=False)  # fmt: skip
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


@pytest.mark.filterwarnings("ignore")  # the legacy exporter's deprecation and tracer warnings
@pytest.mark.parametrize("build", [_tiny_minibert, _tiny_mpnet], ids=["minibert", "mpnet"])
def test_onnx_runtime_matches_torch_on_other_shapes(build: Any, tmp_path: Path) -> None:
    enc = build()
    sess = _export(enc, tmp_path / "enc.onnx")
    # other batch sizes and lengths than the export example, with and without padding
    for rows, length, real in [(3, 20, [20, 9, 4]), (1, 33, [33]), (4, 16, [16, 16, 16, 16]), (2, 50, [50, 3])]:
        ids, mask = _batch(rows, length, real, seed=rows * length)
        with torch.inference_mode():
            ref = enc(ids, mask).numpy()
        out = sess.run(["states"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
        assert out.shape == ref.shape == (rows, length, 32)
        m = mask.numpy().astype(bool)
        assert float(abs(out - ref)[m].max()) <= TOLERANCE, (rows, length)
