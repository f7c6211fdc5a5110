"""Run a loaded encoder through ONNX Runtime for inference: same token states as torch (within 1e-4).

Opt-in (``pip install 'propscan[onnx]'``, ``PROPSCAN_BACKEND=auto`` or ``onnx``). On a quiet 2-core CPU
ONNX Runtime ran the default model's MiniLM encoder 1.10-1.19x faster than torch and MPNet 1.08x, below
the project's 1.3x adoption bar, so torch is the default (under CPU contention ORT measured 1.7-2.2x;
``benchmarks/results/onnx.json``, ``benchmarks/bench_onnx.py``).

The backend is chosen by ``PROPSCAN_BACKEND`` (:func:`propscan.defaults.inference_backend`):

* ``torch`` (default): always torch;
* ``auto``: ONNX Runtime for a plain BERT-family encoder when onnxruntime is installed, torch for every
  other encoder (MPNet, LoRA adapters);
* ``onnx``: ONNX Runtime for every encoder (a :class:`~propscan.errors.ModelLoadError` when
  onnxruntime or onnx is missing).

The encoder is exported once (torch's TorchScript exporter, opset 17, dynamic batch and sequence
axes, traced on a padded batch so that the graph keeps the attention mask) to
``<cache>/onnx/<key>.onnx``, where ``<cache>`` is :func:`propscan.defaults.cache_dir`
(``PROPSCAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/propscan`` or ``~/.cache/propscan``) and ``key`` a
sha256 of the encoder's weights and the torch, onnxruntime and propscan versions; later loads
reuse the file. Every session, new or cached, is checked once against torch on a padded probe
batch (max ``|diff|`` <= 1e-4 on real tokens): when it fails, or anything in export or loading
raises, one warning is logged (logger ``propscan``) and ``None`` comes back, so the caller keeps
torch. Only models loaded for inference use it (``TransformerTagger.from_pretrained`` calls
:meth:`~propscan.models.transformer.tagger.TransformerTagger.use_fast_encoder`); training never
exports. Imported only when a model is loaded for inference (it imports torch; onnxruntime when used).

>>> fast = fast_encoder_for(encoder, special=(cls_id, sep_id, pad_id))  # doctest: +SKIP
>>> states = (fast or encoder)(input_ids, attention_mask)  # (batch, seq, hidden) float32  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from propscan import defaults
from propscan.errors import ModelLoadError
from propscan.io.files import current_umask
from propscan.models.minibert import MiniBert
from propscan.version import __version__

log = logging.getLogger("propscan")

TOLERANCE = 1e-4
"""Largest ``|torch - ONNX Runtime|`` allowed on the probe batch's real tokens."""
OPSET = 17
RECIPE = "torchscript-opset17-v1"
"""Part of the cache key: changes when the export recipe below changes."""


class _Forward(torch.nn.Module):
    """``encoder(ids, mask)`` with positional inputs only (the tracer would pass MiniBert's keyword defaults)."""

    def __init__(self, encoder: Any) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(ids, mask)  # type: ignore[no-any-return]


class OnnxEncoder:
    """An ONNX Runtime session called like the torch encoder it was exported from.

    ``fast(ids, mask)`` takes the ``(batch, seq)`` long tensors the encoder takes and returns
    float32 states ``(batch, seq, hidden)``. ``encoder`` is the torch module it stands for (its
    weights must not change while this is in use), ``path`` the ONNX file.
    """

    def __init__(self, session: Any, encoder: Any, path: Path, keep: Any = None) -> None:
        self.session = session
        self.encoder = encoder
        self.path = path
        self._keep = keep  # a TemporaryDirectory holding ``path`` when the cache was not writable

    def __call__(self, ids: Any, mask: Any) -> Any:
        feed = {
            "input_ids": np.ascontiguousarray(ids.cpu().numpy(), dtype=np.int64),
            "attention_mask": np.ascontiguousarray(mask.cpu().numpy(), dtype=np.int64),
        }
        return torch.from_numpy(self.session.run(["states"], feed)[0])


def wants_onnx(encoder: Any, backend: str | None = None) -> bool:
    """Whether ``encoder`` should run through ONNX Runtime under ``backend`` (default: ``PROPSCAN_BACKEND``).

    Raises :class:`~propscan.errors.ModelLoadError` for ``onnx`` when onnxruntime or onnx is missing, and
    for a ``PROPSCAN_BACKEND`` that is none of :data:`propscan.defaults.BACKENDS`.
    """
    try:
        backend = backend or defaults.inference_backend()
    except ValueError as exc:  # a misspelt PROPSCAN_BACKEND
        raise ModelLoadError(str(exc)) from exc
    if backend not in defaults.BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(defaults.BACKENDS)}; got {backend!r}.")
    if backend == "torch":
        return False
    available = _ort_available()
    if backend == "onnx":
        if not available:
            raise ModelLoadError(
                "PROPSCAN_BACKEND=onnx needs onnxruntime and onnx; install them with: pip install onnxruntime onnx"
            )
        return True
    return available and isinstance(encoder, MiniBert) and not encoder.has_adapters


def fast_encoder_for(
    encoder: Any, backend: str | None = None, *, special: tuple[int, int, int] | None = None
) -> OnnxEncoder | None:
    """An :class:`OnnxEncoder` for ``encoder`` when ``backend`` wants one (:func:`wants_onnx`) and it checks out, else ``None``."""
    return build_fast_encoder(encoder, special=special) if wants_onnx(encoder, backend) else None


def build_fast_encoder(
    encoder: Any, *, special: tuple[int, int, int] | None = None, cache: Path | None = None
) -> OnnxEncoder | None:
    """Export ``encoder`` (or reuse its cached export) and check it against torch; ``None`` (logged) when that fails.

    ``special``: the tokenizer's ``(cls, sep, pad)`` ids for the example and probe batches;
    ``cache``: the cache folder (default :func:`propscan.defaults.cache_dir`).
    """
    try:
        key = cache_key(encoder)
        path = (cache or defaults.cache_dir()) / "onnx" / f"{key}.onnx"
        if path.is_file():
            fast = _checked(encoder, path, special)
            if fast is not None:
                return fast
            log.debug("propscan: cached ONNX graph %s is unusable; exporting it again", path)
        keep = None
        try:
            _export_atomic(encoder, path, special)
        except OSError:  # cache not writable: a private temporary folder, alive as long as the session
            keep = tempfile.TemporaryDirectory(prefix="propscan-onnx-")
            path = Path(keep.name) / f"{key}.onnx"
            export_onnx(encoder, path, special)
        fast = _checked(encoder, path, special, keep=keep)
        if fast is None:
            if keep is None:
                path.unlink(missing_ok=True)  # a fresh export that disagrees with torch is not kept
            log.warning(
                "propscan: the ONNX export of the encoder differs from torch by more than %g; running it with torch.",
                TOLERANCE,
            )
        return fast
    except Exception as exc:  # never fatal: torch is always there
        msg = str(exc).splitlines()[0][:200] if str(exc) else ""
        log.warning(
            "propscan: ONNX Runtime not used for the encoder (%s: %s); running it with torch.", type(exc).__name__, msg
        )
        return None


def cache_key(encoder: Any) -> str:
    """sha256 of the encoder's weights (every state-dict tensor, by name) and the torch, onnxruntime and propscan versions."""
    import onnxruntime

    h = hashlib.sha256()
    for part in (RECIPE, type(encoder).__name__, torch.__version__, onnxruntime.__version__, __version__):
        h.update(part.encode() + b"\0")
    for name, t in sorted(encoder.state_dict().items()):
        flat = t.detach().cpu().contiguous().reshape(-1)
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}\0".encode())
        h.update(memoryview(flat.view(torch.uint8).numpy()))
    return h.hexdigest()


def export_onnx(encoder: Any, path: Path, special: tuple[int, int, int] | None = None) -> None:
    """Write ``encoder(ids, mask) -> states`` to ``path`` (legacy TorchScript exporter, opset 17, dynamic batch/seq)."""
    ids, mask = _padded_batch(encoder, special, lengths=[16, 10], seed=0)  # padding keeps the mask branch
    dyn = {n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "states")}
    was_training = encoder.training
    encoder.eval()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the legacy exporter's deprecation and tracer warnings
            torch.onnx.export(
                _Forward(encoder), (ids, mask), str(path), input_names=["input_ids", "attention_mask"],
                output_names=["states"], dynamic_axes=dyn, opset_version=OPSET, dynamo=False,
            )  # fmt: skip
    finally:
        encoder.train(was_training)


def _export_atomic(encoder: Any, path: Path, special: tuple[int, int, int] | None) -> None:
    """Export into a temporary file beside ``path``, then rename it over ``path`` (readers never see half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        export_onnx(encoder, Path(tmp), special)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _checked(encoder: Any, path: Path, special: tuple[int, int, int] | None, keep: Any = None) -> OnnxEncoder | None:
    """A session on ``path`` if its states match torch's on a padded probe batch, else ``None`` (also when it cannot load)."""
    try:
        fast = OnnxEncoder(open_session(path), encoder, path, keep)
        ids, mask = _padded_batch(encoder, special, lengths=[24, 13, 5], seed=1)  # other shapes than the export's
        with torch.inference_mode():
            ref = encoder(ids, mask).float().numpy()
        out = fast(ids, mask).numpy()
    except Exception as exc:
        log.debug("propscan: ONNX graph %s does not load or run (%s)", path, exc)
        return None
    real = mask.numpy().astype(bool)
    if out.shape != ref.shape or not np.isfinite(out[real]).all() or float(np.abs(out - ref)[real].max()) > TOLERANCE:
        return None
    return fast


def open_session(path: Path, *, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session on ``path``: ``threads`` intra-op threads (default: torch's count), full graph optimisation."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = max(1, threads or torch.get_num_threads())
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3  # errors only: no notes about the graph optimisations
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def _padded_batch(
    encoder: Any, special: tuple[int, int, int] | None, *, lengths: list[int], seed: int
) -> tuple[Any, Any]:
    """``[CLS] tokens [SEP] pad...`` rows, row ``r`` with ``lengths[r]`` real tokens (specials included)."""
    cls_id, sep_id, pad_id = special or (0, 0, 0)
    vocab = _vocab_size(encoder)
    g = torch.Generator().manual_seed(seed)
    ids = torch.full((len(lengths), max(lengths)), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, n in enumerate(lengths):
        ids[r, 1 : n - 1] = torch.randint(min(5, vocab - 1), vocab, (n - 2,), generator=g)
        ids[r, 0], ids[r, n - 1] = cls_id, sep_id
        mask[r, :n] = 1
    return ids, mask


def _vocab_size(encoder: Any) -> int:
    """Rows of the encoder's word embedding (its first ``nn.Embedding``)."""
    for module in encoder.modules():
        if isinstance(module, torch.nn.Embedding):
            return int(module.num_embeddings)
    raise ValueError("the encoder has no embedding")


def _ort_available() -> bool:
    """Whether onnxruntime and onnx (torch's exporter writes the graph with it) are installed, without importing them."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))
