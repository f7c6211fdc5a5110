"""Benchmark the corpus batch engines and draw the README corpus chart.

Measures (written to ``benchmarks/results/corpus.json``):

* articles/s on the PTC dev articles of the local engine (1 worker × 1 thread, 1 worker × 2
  threads, 2 workers × 1 thread) and the Ray engine (1 and 2 actors × 1 thread), medians of
  ``--repeats`` interleaved rounds (wall time of ``run_batch`` into a fresh store: includes worker start-up
  and model loading, ingest and DuckDB writes), and the scaling ratios;
* peak memory (sum of RSS of this process and all its descendants, sampled every 0.2 s) while
  the local engine (2 workers) processes a 10,000-article synthetic corpus, with the RSS after
  10 % and at the end of the run to show that it does not grow with the corpus.

With ``--chart`` it also analyses PTC train + dev and writes ``docs/img/ptc_by_source.png``:
PTC has no outlet or date metadata, so articles are grouped by the folder they come from
(``train-articles`` / ``dev-articles``), the only honest grouping the corpus offers.

Usage::

    nice -n 15 .venv/bin/python benchmarks/bench_corpus.py --data ../shared/data/ptc-semeval2020
    nice -n 15 .venv/bin/python benchmarks/bench_corpus.py --only chart
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _children(pid: int) -> list[int]:
    kids = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(p.name))
    return kids


def _tree_rss_mb(root: int) -> float:
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        todo.extend(_children(pid))
    return total / 1024.0


class RssSampler(threading.Thread):
    """Samples the RSS of this process tree every ``interval`` seconds."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self._halt = threading.Event()
        self.t0 = time.perf_counter()

    def run(self) -> None:
        while not self._halt.is_set():
            self.samples.append((time.perf_counter() - self.t0, _tree_rss_mb(os.getpid())))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    @property
    def peak(self) -> float:
        return max((s[1] for s in self.samples), default=0.0)


#: (engine, workers, torch threads per worker) measured by ``--only throughput``
CONFIGS = [("local", 1, 1), ("local", 1, 2), ("local", 2, 1), ("ray", 1, 1), ("ray", 2, 1)]


def throughput(data: Path, model: str, *, engine: str, workers: int, batch_size: int, threads: int | None = None) -> dict:
    from propscan.corpus import run_batch

    with tempfile.TemporaryDirectory() as tmp:
        res = run_batch([str(data / "dev-articles")], Path(tmp) / "s.duckdb", model=model, engine=engine,
                        workers=workers, batch_size=batch_size, progress=False, threads=threads)
    return {"engine": engine, "workers": workers, "threads": threads, "articles": res["processed"],
            "seconds": res["seconds"], "articles_per_s": round(res["processed"] / res["seconds"], 2),
            "failed": res["failed"]}


def throughput_table(data: Path, model: str, *, batch_size: int, repeats: int, ray: bool) -> dict:
    """Every config of :data:`CONFIGS`, ``repeats`` rounds (configs interleaved), medians per config."""
    import statistics

    configs = [c for c in CONFIGS if ray or c[0] != "ray"]
    if ray:
        try:
            import ray as _ray  # noqa: F401
        except ImportError:
            configs = [c for c in configs if c[0] != "ray"]
    samples: dict[str, list[dict]] = {}
    for _ in range(repeats):
        for engine, workers, threads in configs:
            r = throughput(data, model, engine=engine, workers=workers, batch_size=batch_size, threads=threads)
            samples.setdefault(f"{engine}-{workers}x{threads}", []).append(r)
    runs = []
    for name, rs in samples.items():
        rates = [r["articles_per_s"] for r in rs]
        secs = [r["seconds"] for r in rs]
        runs.append({"config": name, "engine": rs[0]["engine"], "workers": rs[0]["workers"], "threads": rs[0]["threads"],
                     "articles": rs[0]["articles"], "runs": len(rs), "articles_per_s": round(statistics.median(rates), 2),
                     "seconds": round(statistics.median(secs), 2), "articles_per_s_all": rates,
                     "failed": max(r["failed"] for r in rs)})
    rate = {r["config"]: r["articles_per_s"] for r in runs}

    def ratio(a: str, b: str) -> float | None:
        return round(rate[a] / rate[b], 2) if a in rate and b in rate else None

    return {"model": model, "batch_size": batch_size, "repeats": repeats,
            "note": "wall time of run_batch into a fresh store, incl. worker/actor start-up and model loading; medians",
            "runs": runs,
            "scaling_local_2x1_vs_1x1": ratio("local-2x1", "local-1x1"),
            "scaling_local_2x1_vs_1x2": ratio("local-2x1", "local-1x2"),
            "scaling_ray_2x1_vs_1x1": ratio("ray-2x1", "ray-1x1"),
            "ray_2x1_vs_local_2x1": ratio("ray-2x1", "local-2x1")}


def memory(model: str, n: int, *, workers: int, batch_size: int) -> dict:
    from propscan.corpus import run_batch
    from propscan.corpus.synthetic import write_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_jsonl(Path(tmp) / "syn.jsonl", n, seed=0, sentences=(3, 6))
        marks: dict[str, float] = {}
        sampler = RssSampler()
        sampler.start()

        def on_commit(counts: dict) -> None:
            done = counts["processed"] + counts["skipped"]
            if "rss_10pct_mb" not in marks and done >= n // 10:
                marks["rss_10pct_mb"] = round(_tree_rss_mb(os.getpid()), 1)

        res = run_batch([str(corpus)], Path(tmp) / "s.duckdb", model=model, workers=workers, batch_size=batch_size,
                        progress=False, on_commit=on_commit)
        marks["rss_end_mb"] = round(_tree_rss_mb(os.getpid()), 1)
        sampler.stop()
        store_mb = (Path(tmp) / "s.duckdb").stat().st_size / 1e6
        corpus_mb = corpus.stat().st_size / 1e6
    return {"articles": n, "processed": res["processed"], "workers": workers, "seconds": res["seconds"],
            "articles_per_s": round(res["processed"] / res["seconds"], 2), "peak_rss_mb": round(sampler.peak, 1),
            **marks, "corpus_jsonl_mb": round(corpus_mb, 1), "store_mb": round(store_mb, 1), "samples": len(sampler.samples)}


def chart(data: Path, model: str, *, workers: int, batch_size: int, store: Path, out: Path) -> dict:
    from propscan.corpus import make_report, run_batch
    from propscan.corpus.worker import model_version_of

    res = run_batch([str(data / "train-articles"), str(data / "dev-articles")], store, model=model, workers=workers,
                    batch_size=batch_size, progress=False)
    # this model's analyses only (the store may hold other models' analyses of the same texts)
    rep = make_report(store, by="source", fmt="png", output=out.parent / ".ptc_charts", n_boot=2000, seed=0,
                      model_version=model_version_of(model).version)
    src = out.parent / ".ptc_charts" / "heatmap.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, out)
    profile = out.with_name(out.stem + "_profile.png")
    os.replace(out.parent / ".ptc_charts" / "profile.png", profile)
    for f in (out.parent / ".ptc_charts").iterdir():
        f.unlink()
    (out.parent / ".ptc_charts").rmdir()
    flagged = rep.flagged()
    return {"store": str(store), "run": {k: res[k] for k in ("processed", "skipped", "failed", "seconds")},
            "chart": str(out.relative_to(REPO)), "profile_chart": str(profile.relative_to(REPO)),
            "groups": rep.wide()[["group", "n_articles", "score", "score_low", "score_high"]].to_dict("records"),
            "flagged": flagged[["metric", "group_a", "group_b", "diff", "ci_low", "ci_high", "p_holm"]].to_dict("records")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("PROPSCAN_DATA", REPO.parent / "shared/data/ptc-semeval2020")))
    ap.add_argument("--model", default="baseline", help="baseline (default), fast or default (the ensemble)")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--mem-articles", type=int, default=10_000)
    ap.add_argument("--only", choices=["throughput", "memory", "chart"], action="append")
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--repeats", type=int, default=3, help="throughput: rounds of every config (medians are reported)")
    ap.add_argument("--output", type=Path, default=REPO / "benchmarks/results/corpus.json")
    ap.add_argument("--chart-store", type=Path, default=Path(tempfile.gettempdir()) / "propscan_ptc_corpus.duckdb")
    args = ap.parse_args()
    only = set(args.only or ["throughput", "memory", "chart"])

    results: dict = json.loads(args.output.read_text()) if args.output.is_file() else {}
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "note": "2 CPU cores shared with other work; compare ratios measured in one run, not absolute rates"}
    results.pop("model", None)
    if "throughput" in only:
        results["throughput_ptc_dev"] = throughput_table(args.data, args.model, batch_size=args.batch_size,
                                                         repeats=args.repeats, ray=not args.no_ray)
        results["throughput_ptc_dev"]["command"] = (f"python benchmarks/bench_corpus.py --only throughput --model {args.model} "
                                                    f"--repeats {args.repeats}")
        print(json.dumps(results["throughput_ptc_dev"], indent=2))
    if "memory" in only:
        results["memory_synthetic"] = {"model": args.model, **memory(args.model, args.mem_articles, workers=2, batch_size=args.batch_size)}
        print(json.dumps(results["memory_synthetic"], indent=2))
    if "chart" in only:
        results["ptc_by_source"] = chart(args.data, args.model, workers=2, batch_size=args.batch_size,
                                         store=args.chart_store, out=REPO / "docs/img/ptc_by_source.png")
        results["ptc_by_source"]["model"] = args.model
        results["ptc_by_source"]["command"] = f"python benchmarks/bench_corpus.py --only chart --model {args.model}"
        print(json.dumps(results["ptc_by_source"], indent=2, default=str))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
