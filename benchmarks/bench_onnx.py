"""Benchmark ONNX Runtime against torch for the two encoders: equal outputs, then speed on this CPU.

Usage::

    nice -n 19 .venv/bin/python benchmarks/bench_onnx.py [--encoders minilm,mpnet] [--repeats 7] \\
        [--mpnet-dir /tmp/mpnet/mpnet/all-mpnet-base-v2] [--out benchmarks/results/onnx.json]

The issue's bar: outputs equal within 1e-4, ONNX Runtime adopted where it is >= 1.3x faster.
For each encoder, in one run:

* ``minilm``: the shipped default model's encoder (``load_model("default").encoder_``, its
  fine-tuned layers included); ``mpnet``: the ``accurate`` model's base encoder, all-mpnet-base-v2
  through ``transformers`` (:class:`~propscan.models.adapters.AutoEncoder`), hash-checked on load,
  *without* LoRA adapters (a trained accurate model's adapters are a small extra per layer that
  can be merged into the base weights; the base forward is what dominates);
* export to ONNX into a temporary directory (never into the repository) with the legacy
  TorchScript exporter (``dynamo=False``, opset 17), dynamic batch and sequence axes, traced on a
  padded example so that the graph keeps the attention-mask path (an all-ones mask then adds 0);
  export time and ONNX Runtime session load time are recorded;
* inputs: ``examples/article_demo.txt`` repeated to about 1,000 words (``--words``), tokenised and
  cut into windows exactly as :meth:`TransformerTagger._doc_states` does (``make_windows`` with the
  model's ``content_size``/``stride``, longest windows first, batches of 16, ``batch_inputs``);
* equality: max absolute difference of the token states, torch vs ONNX Runtime, over those
  batches, and over the real tokens of the padded windows of a ragged batch (the article plus a
  short second document, batched together as the tagger batches several articles);
* speed: torch (``torch.inference_mode``, ``torch.set_num_threads(--threads)``) and ONNX Runtime
  (``intra_op_num_threads=--threads``, ``ORT_ENABLE_ALL``) on the same batches, interleaved (order
  swapped every repeat), after one warm-up each; medians over ``--repeats`` runs and
  ``ratio = torch_s / ort_s`` from this same run (> 1: ONNX Runtime is faster).

The load average at start and end is recorded: on a busy machine the timings are disturbed
(interleaving and medians share the disturbance between the two, but do not remove it).

Writes ``benchmarks/results/onnx.json`` (``--out``), atomically. Exits 2 when onnxruntime (or onnx)
is not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from propscan import defaults  # noqa: E402
from propscan.io.files import atomic_write  # noqa: E402

DEFAULT_MPNET = Path("/tmp/mpnet/mpnet/all-mpnet-base-v2")  # where the five PyPI parts were joined and unzipped
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
TOLERANCE = 1e-4
ADOPT_RATIO = 1.3
BATCH_SIZE = 16  # TransformerTagger._doc_states' batch_size


def article_text(path: Path, words: int) -> str:
    """Our demo article repeated (whole words) up to ``words`` words."""
    base = path.read_text(encoding="utf-8").split()
    reps = -(-words // len(base))
    return " ".join((base * reps)[:words])


def window_batches(tokenizer: Any, special: tuple[int, int, int], texts: list[str], *, size: int, stride: int) -> list[tuple[Any, Any]]:
    """``(ids, mask)`` batches built as ``TransformerTagger._doc_states`` builds them."""
    from propscan.models.transformer.windows import batch_inputs, make_windows, tokenize_docs

    toks = tokenize_docs(tokenizer, texts)
    wins = make_windows(toks, size=size, stride=stride)
    order = sorted(range(len(wins)), key=lambda k: -(wins[k].end - wins[k].start))
    return [batch_inputs(toks, [wins[k] for k in order[i : i + BATCH_SIZE]], *special) for i in range(0, len(order), BATCH_SIZE)]


def load_minilm() -> dict[str, Any]:
    from propscan.models.loading import load_model

    m = load_model("default")
    return {
        "encoder": m.encoder_, "tokenizer": m.tokenizer_, "special": m.special_ids_,
        "size": m.content_size, "stride": m.stride,
        "info": {"name": m.encoder_source_.name, "model": "default (fine-tuned layers included)", "sha256": m.encoder_source_.weights_sha256()},
    }  # fmt: skip


def load_mpnet(directory: Path) -> dict[str, Any]:
    from propscan.models.encoder import load_encoder, resolve_encoder, special_ids
    from propscan.models.transformer.tagger import TransformerTagger

    if not (directory / "model.safetensors").is_file():
        raise SystemExit(f"bench_onnx: no all-mpnet-base-v2 at {directory} (give --mpnet-dir).")
    src = resolve_encoder(str(directory))
    if src.expected_sha256 != MPNET_SHA256:  # load_encoder checks the weights against this hash
        raise SystemExit(f"bench_onnx: {directory} is not recognised as all-mpnet-base-v2; its hash would not be checked.")
    enc, tok, src = load_encoder(str(directory))  # no lora: the base encoder, no adapters
    tagger = TransformerTagger(encoder=str(directory))  # the accurate model's window and stride (defaults)
    return {
        "encoder": enc, "tokenizer": tok, "special": special_ids(tok),
        "size": tagger.content_size, "stride": tagger.stride,
        "info": {"name": src.name, "model": "base encoder, no LoRA adapters", "sha256": src.expected_sha256, "sha256_verified": True},
    }  # fmt: skip


def export_onnx(encoder: Any, path: Path, special: tuple[int, int, int]) -> dict[str, Any]:
    """Export with the library's own recipe (:func:`propscan.models.fast_encoder.export_onnx`); returns its timing."""
    from propscan.models.fast_encoder import OPSET
    from propscan.models.fast_encoder import export_onnx as export

    t = time.perf_counter()
    export(encoder, path, special)
    export_s = time.perf_counter() - t
    return {"exporter": "torch.onnx.export(dynamo=False) (TorchScript)", "opset": OPSET, "export_s": export_s,
            "onnx_bytes": sum(f.stat().st_size for f in path.parent.iterdir() if f.is_file())}


def ort_session(path: Path, threads: int) -> tuple[Any, float]:
    """The library's session (:func:`propscan.models.fast_encoder.open_session`) on ``threads`` threads, and its load time."""
    from propscan.models.fast_encoder import open_session

    t = time.perf_counter()
    sess = open_session(path, threads=threads)
    return sess, time.perf_counter() - t


def max_abs_diff(encoder: Any, sess: Any, batches: list[tuple[Any, Any]], *, padded_rows_only: bool = False) -> float:
    """Max ``|torch - ORT|`` over all states (``padded_rows_only``: the real tokens of the padded windows only)."""
    import numpy as np
    import torch

    worst = 0.0
    with torch.inference_mode():
        for ids, mask in batches:
            ref = encoder(ids, mask).float().numpy()
            out = sess.run(["states"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
            if out.shape != ref.shape:
                return float("inf")
            diff = np.abs(ref - out)
            if padded_rows_only:
                m = mask.numpy().astype(bool)
                diff = diff[m & ~m.all(axis=1, keepdims=True)]
                if diff.size == 0:
                    continue
            worst = max(worst, float(diff.max()))
    return worst


def bench_encoder(name: str, spec: dict[str, Any], text: str, repeats: int, threads: int) -> dict[str, Any]:
    import torch

    enc, tok, special = spec["encoder"], spec["tokenizer"], spec["special"]
    enc.eval()
    batches = window_batches(tok, special, [text], size=spec["size"], stride=spec["stride"])
    short = " ".join(text.split()[:60])  # a second, short document: its window is padded in the same batch
    ragged = window_batches(tok, special, [text, short], size=spec["size"], stride=spec["stride"])
    feeds = [{"input_ids": i.numpy(), "attention_mask": m.numpy()} for i, m in batches]
    result: dict[str, Any] = {
        **spec["info"],
        "window_content_tokens": spec["size"], "stride": spec["stride"],
        "batches": [list(i.shape) for i, _ in batches],
        "window_tokens": int(sum(int(m.sum()) for _, m in batches)),
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix=f"bench_onnx_{name}_") as tmp:
        path = Path(tmp) / f"{name}.onnx"
        result.update(export_onnx(enc, path, special))
        sess, result["ort_session_load_s"] = ort_session(path, threads)
        diff = max_abs_diff(enc, sess, batches)
        diff_ragged = max_abs_diff(enc, sess, ragged, padded_rows_only=True)
        result["max_abs_diff"] = diff
        result["max_abs_diff_padded_windows"] = diff_ragged  # real tokens of the padded windows of a ragged batch
        result["ragged_batches"] = [list(i.shape) for i, _ in ragged]
        result["equal_within_tolerance"] = max(diff, diff_ragged) <= TOLERANCE

        def run_torch() -> float:
            t = time.perf_counter()
            with torch.inference_mode():
                for ids, mask in batches:
                    enc(ids, mask)
            return time.perf_counter() - t

        def run_ort() -> float:
            t = time.perf_counter()
            for feed in feeds:
                sess.run(["states"], feed)
            return time.perf_counter() - t

        run_torch(), run_ort()  # warm-up
        torch_s, ort_s = [], []
        for r in range(repeats):  # interleaved, order swapped every repeat
            if r % 2 == 0:
                torch_s.append(run_torch())
                ort_s.append(run_ort())
            else:
                ort_s.append(run_ort())
                torch_s.append(run_torch())
    t_med, o_med = statistics.median(torch_s), statistics.median(ort_s)
    ratio = t_med / o_med
    result.update({
        "torch_s": torch_s, "ort_s": ort_s, "torch_median_s": t_med, "ort_median_s": o_med,
        "ratio_torch_over_ort": ratio,
        "ort_window_tokens_per_s": result["window_tokens"] / o_med, "torch_window_tokens_per_s": result["window_tokens"] / t_med,
        "meets_adoption_bar": bool(result["equal_within_tolerance"] and ratio >= ADOPT_RATIO),
    })  # fmt: skip
    print(f"[{name}] max|diff| {diff:.2e} (padded windows {diff_ragged:.2e}); torch {t_med:.3f}s, ORT {o_med:.3f}s, ratio {ratio:.2f}x", flush=True)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoders", default="minilm,mpnet", help="comma-separated: minilm, mpnet")
    ap.add_argument("--repeats", type=int, default=7, help="timed runs per engine (median reported)")
    ap.add_argument("--threads", type=int, default=defaults.THREADS, help="torch threads and ORT intra-op threads")
    ap.add_argument("--words", type=int, default=1000, help="words of the benchmark article")
    ap.add_argument("--text", type=Path, default=ROOT / "examples" / "article_demo.txt")
    ap.add_argument("--mpnet-dir", type=Path, default=DEFAULT_MPNET, help="unzipped all-mpnet-base-v2 (HF layout)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "onnx.json")
    args = ap.parse_args()
    encoders = [e.strip() for e in args.encoders.split(",") if e.strip()]
    unknown = sorted(set(encoders) - {"minilm", "mpnet"})
    if unknown or not encoders or args.repeats < 1:
        ap.error(f"--encoders takes minilm and/or mpnet (got {unknown or args.encoders!r}); --repeats >= 1")
    try:
        import onnx
        import onnxruntime
    except ImportError as exc:
        print(f"bench_onnx: {exc.name} is not installed; run: .venv/bin/pip install onnxruntime onnx", file=sys.stderr)
        return 2

    defaults.set_offline_env()
    import torch

    torch.set_num_threads(args.threads)
    text = article_text(args.text, args.words)
    result: dict[str, Any] = {
        "versions": {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__, "python": platform.python_version()},
        "machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
        "threads": {"torch": torch.get_num_threads(), "ort_intra_op": args.threads},
        "ort_graph_optimization": "ORT_ENABLE_ALL", "repeats": args.repeats,
        "text": {"source": str(args.text.relative_to(ROOT)) if args.text.is_relative_to(ROOT) else str(args.text), "words": len(text.split())},
        "tolerance": TOLERANCE, "adopt_ratio": ADOPT_RATIO, "ratio": "torch_median_s / ort_median_s (> 1: ONNX Runtime faster)",
        "loadavg_start": list(os.getloadavg()), "encoders": {},
    }  # fmt: skip
    for name in encoders:
        t = time.perf_counter()
        spec = load_minilm() if name == "minilm" else load_mpnet(args.mpnet_dir)
        load_s = time.perf_counter() - t
        result["encoders"][name] = {"torch_load_s": load_s, **bench_encoder(name, spec, text, args.repeats, args.threads)}
        del spec
    result["loadavg_end"] = list(os.getloadavg())
    with atomic_write(args.out) as fh:
        fh.write(json.dumps(result, indent=2, default=float) + "\n")
    print(json.dumps(result, indent=2, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
