"""Benchmark the default transformer model: dev quality, latency, throughput, memory, CLI cold start.

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_model.py [--model DIR] [--data DIR] [--quick] [--parts rss,cold_start]

Measures, in one run:

* dev SI P/R/F1 (``propscan.eval.scorer.score_si``) and TC micro-F1 with a per-technique table
  (``score_tc``, on the gold spans via ``classify``);
* warm latency of ``predict`` on a 1,000-word article (median of 7, after one warm-up call), and of its
  SemEval output (``semeval=True``: the F1-optimal decoding; median of 3);
* ``classify`` of the gold spans of dev articles adding up to 1,000 words (the first call, which builds
  the readers a model builds on first use, then the median of 3);
* end-to-end throughput over all dev articles vs. the bare encoder's forward pass over the very
  same windows (ratio = encoder time / pipeline time), and vs. the encoder over non-overlapping
  windows, each token once (``ratio_single_pass``, which also charges the windows' overlap);
* peak RSS of a fresh process that loads the model and analyses one article (``VmHWM`` of the
  child's own address space; then after it also names five given spans, which builds the readers of
  given spans, and after its SemEval output where a tagger is left for it; ``getrusage`` maxrss is reported too but on Linux it inherits the
  high-water mark of the forking benchmark process, so it over-states);
* CLI cold start: ``propscan analyze <example> --format json --model <the model benchmarked>`` in a subprocess (median of 3),
  skipped when the CLI or an example is missing.

Writes ``benchmarks/results/model.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from propscan import defaults  # noqa: E402
from propscan.document import Document  # noqa: E402
from propscan.eval.scorer import score_si, score_tc  # noqa: E402
from propscan.io.files import atomic_write  # noqa: E402
from propscan.io.ptc import read_ptc  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("PROPSCAN_DATA", ROOT / ".." / "shared" / "data" / "ptc-semeval2020"))
DEFAULT_MODEL = ROOT / "src" / "propscan" / "models" / "weights" / "default"


def thousand_words(docs: list[Document]) -> Document:
    """A 1,000-word article made of dev article text read at run time (nothing is stored)."""
    words: list[str] = []
    for d in docs:
        words.extend(d.text.split())
        if len(words) >= 1000:
            break
    return Document(" ".join(words[:1000]), id="bench1000")


def quality(model, docs, gold) -> dict:
    pred = model.predict(docs)
    si_gold = {d.id: gold[d.id] for d in docs if gold.get(d.id)}
    si_pred = {d.id: p for d, p in zip(docs, pred) if d.id in si_gold}
    si = score_si(si_pred, si_gold)
    given = [list(gold.get(d.id, [])) for d in docs]
    tc_pred = {d.id: c for d, c in zip(docs, model.classify(docs, given))}
    tc = score_tc({k: v for k, v in tc_pred.items() if gold.get(k)}, {k: v for k, v in gold.items() if v})
    n_spans = sum(len(p) for p in pred)
    return {
        "si": {"precision": si.precision, "recall": si.recall, "f1": si.f1, "predicted_spans": n_spans},
        "tc": {"micro_f1": tc.f1, "n": tc.n, "per_technique": {k: round(v.f1, 4) for k, v in tc.per_technique.items()},
               "per_technique_support": {k: v.r_den for k, v in tc.per_technique.items()}},
    }


def latency(model, doc: Document, runs: int = 7) -> dict:
    model.predict([doc])
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        model.predict([doc])
        times.append(time.perf_counter() - t)
    n_tok = len(model._tokenize([doc])[0])
    return {"words": len(doc.text.split()), "tokens": n_tok, "median_s": statistics.median(times), "min_s": min(times)}


def semeval_latency(model, doc: Document, runs: int = 3) -> dict:
    """``predict(..., semeval=True)`` on the 1,000-word article (the SemEval SI output), median of ``runs`` after a warm-up call."""
    model.predict([doc], semeval=True)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        model.predict([doc], semeval=True)
        times.append(time.perf_counter() - t)
    return {"median_s": statistics.median(times), "min_s": min(times)}


def classify_latency(model, docs: list[Document], gold: dict, runs: int = 3) -> dict:
    """``classify`` of the gold spans of the first dev articles that add up to 1,000 words (SemEval TC's
    workload): the first call (which builds the readers of given spans a model builds on first use), then
    the median of ``runs`` warm calls."""
    chosen, words = [], 0
    for d in docs:
        if gold.get(d.id):
            chosen.append(d)
            words += len(d.text.split())
        if words >= 1000:
            break
    given = [list(gold[d.id]) for d in chosen]
    t = time.perf_counter()
    model.classify(chosen, given)
    first = time.perf_counter() - t
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        model.classify(chosen, given)
        times.append(time.perf_counter() - t)
    n = sum(len(g) for g in given)
    return {"articles": len(chosen), "words": words, "spans": n, "first_call_s": first, "median_s": statistics.median(times),
            "spans_per_s": n / statistics.median(times)}


def throughput(model, docs: list[Document], repeats: int = 3) -> dict:
    """Pipeline (predict) vs bare encoder forward, medians of ``repeats`` interleaved runs.

    A model with span readers runs one more encoder per seed of the readers that name decoded candidates
    (``candidate_reader_`` where the model has one: the readers of given spans are ``classify``'s), over
    the candidate spans they read; their bare forward (over as many candidates as one pipeline run reads,
    inputs built beforehand at each seed's length) counts in both references.

    Two references: the encoder over the same overlapping windows the model uses (``ratio``: what
    our code adds around the encoder), and over non-overlapping windows, each token once
    (``ratio_single_pass``: also charges the overlap the model reads for context).
    """
    import torch

    from propscan.models.transformer.windows import batch_inputs, make_windows

    toks = model._tokenize(docs)

    def batches_for(stride: int, m: Any = model, tk: list = toks) -> list:
        wins = make_windows(tk, size=m.content_size, stride=stride)
        order = sorted(range(len(wins)), key=lambda k: -(wins[k].end - wins[k].start))
        return [batch_inputs(tk, [wins[k] for k in order[i : i + 16]], *m.special_ids_) for i in range(0, len(order), 16)]

    batches = batches_for(model.stride)
    single = batches_for(model.content_size)
    n_tokens = sum(len(t) for t in toks)
    # the accurate model's own tagger (another encoder, its own tokens and windows): one more pass in both references
    # where predict runs it (scope "all"; with scope "semeval" only the SemEval output does)
    own = getattr(model, "tagger_", None) if getattr(model, "scope", "all") == "all" else None
    own_toks = own._tokenize(docs) if own is not None else []
    own_batches = {"overlap": batches_for(own.stride, own, own_toks), "single": batches_for(own.content_size, own, own_toks)} if own else {}

    encoders = getattr(model, "members_", [model])  # a seed ensemble runs every member's encoder
    # the readers predict runs: a span reader is one more encoder, over every candidate span it reads
    reader = getattr(model, "candidate_reader_", None) or getattr(model, "reader_", None)
    reader_batches: list = []  # (the seeds of one length, their input batches)
    if reader is not None:
        import numpy as np

        from propscan.models.transformer.span_reader import collate, span_input

        cands = [sorted({(s.start, s.end) for s in spans}) for spans in model.predict(docs)]
        # under a cap the reader reads only so many per article (which ones barely changes the cost)
        cands = [c[: int(reader.rows_to_read(np.zeros(len(c)), len(t)).sum())] for t, c in zip(toks, cands)]
        for length in sorted(set(reader.max_tokens)):
            nets = [net for net, m in zip(reader.nets, reader.max_tokens) if m == length]
            inputs = sorted((span_input(t, a, b, reader.specials, length) for t, c in zip(toks, cands) for a, b in c), key=lambda x: len(x.ids))
            reader_batches.append((nets, [collate(inputs[i : i + 32], reader.pad_id) for i in range(0, len(inputs), 32)]))
        n_feats = reader.nets[0].head[1].in_features - 3 * reader.nets[0].encoder.hidden_size

    def bare(bs: list, kind: str) -> float:
        t = time.perf_counter()
        with torch.inference_mode():
            for m in encoders:  # member by member, as the pipeline runs them
                for ids, mask in bs:
                    m._encode(ids, mask)  # the backend the pipeline uses (ONNX Runtime or torch)
            for ids, mask in own_batches.get(kind, []):
                own._encode(ids, mask)
            for nets, rbs in reader_batches:  # the readers' networks alone (inputs built beforehand)
                for ids, types, mask, sp in rbs:
                    for net in nets:
                        net(ids, types, mask, sp, torch.zeros(len(ids), n_feats))
        return time.perf_counter() - t

    def pipe() -> float:
        t = time.perf_counter()
        model.predict(docs)
        return time.perf_counter() - t

    # interleaved, so that a noisy neighbour slows all three alike; medians
    runs = [(bare(batches, "overlap"), bare(single, "single"), pipe()) for _ in range(repeats)]
    bare_s, single_s, pipe_s = (statistics.median(r[i] for r in runs) for i in range(3))
    return {
        "articles": len(docs),
        "encoder_backend": "onnxruntime" if getattr(encoders[0], "fast_encoder_", None) is not None else "torch",
        "encoders": len(encoders) + (own is not None),
        "span_reader_seeds": reader.seeds if reader is not None else 0,
        "span_reader_spans": int(sum(len(b[0]) for _, rbs in reader_batches[:1] for b in rbs)),
        "span_reader_tokens": int(sum(len(nets) * int(b[2].sum()) for nets, rbs in reader_batches for b in rbs)),
        "tokens": n_tokens,
        "stride": model.stride,
        "window_tokens": int(sum(int(m.sum()) for _, m in batches)),
        "single_pass_window_tokens": int(sum(int(m.sum()) for _, m in single)),
        "encoder_s": bare_s,
        "encoder_single_pass_s": single_s,
        "pipeline_s": pipe_s,
        "encoder_tokens_per_s": n_tokens / bare_s,
        "pipeline_tokens_per_s": n_tokens / pipe_s,
        "ratio": bare_s / pipe_s,
        "ratio_single_pass": single_s / pipe_s,
    }


RSS_SNIPPET = r"""
import resource, sys, json
sys.path.insert(0, {src!r})
from propscan.models.loading import load_model
from propscan.document import Document
from propscan.document import Span
def hwm():
    line = [l for l in open("/proc/self/status") if l.startswith("VmHWM")]
    return int(line[0].split()[1]) / 1024 if line else None
m = load_model({model!r})
doc = Document(open({text!r}, encoding='utf-8').read(), id='x')
flags = m.predict([doc])[0]
after_predict = hwm()
m.classify([doc], [[Span(s.start, s.end) for s in flags[:5]] or [Span(0, 10)]])  # builds the readers of given spans
after_classify = hwm()
after_semeval = None
if getattr(m, "scope", None) == "semeval":  # a tagger left for the SemEval output: that output builds it
    m.predict([doc], semeval=True)
    after_semeval = hwm()
print(json.dumps({{"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "vm_hwm_mb": after_predict, "vm_hwm_after_classify_mb": after_classify, "vm_hwm_after_semeval_mb": after_semeval}}))
"""


def peak_rss(model_dir: Path, doc: Document, tmp: Path) -> dict:
    f = tmp / "bench_article.txt"
    f.write_text(doc.text, encoding="utf-8")
    code = RSS_SNIPPET.format(src=str(ROOT / "src"), model=str(model_dir), text=str(f))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **defaults.OFFLINE_ENV})
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def cli_cold_start(model: Path, runs: int = 3) -> dict:
    """``propscan analyze <first example> --format json --model <model>`` in a fresh process: the median of ``runs``."""
    exe = shutil.which("propscan") or (str(ROOT / ".venv" / "bin" / "propscan") if (ROOT / ".venv" / "bin" / "propscan").exists() else None)
    examples = sorted(p for p in (ROOT / "examples").glob("*") if p.suffix in (".txt", ".html", ".md")) if (ROOT / "examples").is_dir() else []
    if not exe or not examples:
        return {"skipped": "CLI or example file not found"}
    times, rc = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run([exe, "analyze", str(examples[0]), "--format", "json", "--model", str(model)], capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, **defaults.OFFLINE_ENV})
        times.append(time.perf_counter() - t)
        rc = rc or r.returncode
    return {"example": examples[0].name, "model": str(model), "median_s": statistics.median(times), "returncode": rc}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "model.json")
    ap.add_argument("--quick", action="store_true", help="skip the dev quality pass")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved runs of the throughput pass (medians)")
    ap.add_argument("--parts", default="latency,semeval,classify,throughput,rss,cold_start",
                    help="comma-separated measures to run (default: all of them)")
    args = ap.parse_args()

    import torch

    from propscan.models.loading import load_model

    torch.set_num_threads(defaults.THREADS)
    t = time.perf_counter()
    model = load_model(args.model)  # a tagger or a seed ensemble
    load_s = time.perf_counter() - t
    docs, gold = read_ptc(args.data, "dev")
    result: dict = {"model": model.info, "load_s": load_s, "threads": torch.get_num_threads(), "machine": platform.processor() or platform.machine()}
    if not args.quick:
        result["dev"] = quality(model, docs, gold)
    art = thousand_words(docs)
    parts = set(args.parts.split(","))
    if "latency" in parts:
        result["latency_1000_words"] = latency(model, art)
    if "semeval" in parts:
        result["semeval_1000_words"] = semeval_latency(model, art)
    if "classify" in parts:
        result["classify_1000_words"] = classify_latency(model, docs, gold)
    if "throughput" in parts:
        result["throughput_dev"] = throughput(model, docs, repeats=args.repeats)
    if "rss" in parts:
        with tempfile.TemporaryDirectory() as tmp:
            result["peak_rss"] = peak_rss(args.model, art, Path(tmp))
    if "cold_start" in parts:
        result["cli_cold_start"] = cli_cold_start(args.model)
    result["artifact_bytes"] = {f.name: f.stat().st_size for f in sorted(args.model.iterdir()) if f.is_file()}
    with atomic_write(args.out) as fh:
        fh.write(json.dumps(result, indent=2, default=float) + "\n")
    print(json.dumps(result, indent=2, default=float))


if __name__ == "__main__":
    main()
