"""Load test of ``propscan serve``: many concurrent clients against a real server process.

Usage::

    .venv/bin/python benchmarks/load_server.py [--clients 200] [--duration 60] [--model baseline|default]

Starts the server itself (a subprocess on 127.0.0.1, a free port, access log off), waits until
``/api/v1/healthz`` is 200, warms it up with a few requests, then holds ``--clients`` concurrent
``httpx.AsyncClient`` clients for ``--duration`` seconds, each posting realistic articles of
300–800 words (generated here from invented sentences, never corpus text) to
``POST /api/v1/analyze`` in a loop. A client that gets 429/503 waits for ``Retry-After`` (at most
5 s) before its next request, as a well-behaved client does. The run is bounded in requests
(``--max-requests``) and time (``duration`` + one request timeout), then the server is stopped.

Reports requests/s, p50/p99 latency of successful responses, counts of 200/429/503/other
responses and transport errors, and the server's RSS (``/proc/<pid>/status`` VmRSS) before and
after the run with their ratio; writes ``benchmarks/results/load.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "load.json"

# Invented newsroom prose: neutral sentences and ones that use techniques, mixed at random.
_NAMES = ["Dana Whitfield", "Marcus Bell", "Priya Nair", "Tomas Lindqvist", "Grace Okafor", "Leon Duarte"]
_PLACES = ["Riverside", "the harbour district", "Millbrook", "the east side", "Northgate", "the old port"]
_TOPICS = ["the library closure", "the new bus depot", "the water tariff", "the school merger", "the bridge repairs"]
_NEUTRAL = [
    "The council met on {day} to discuss {topic} in {place}.",
    "According to the published minutes, the vote passed by seven to four.",
    "{name}, who has represented {place} since 2016, asked for more time to study the figures.",
    "Officials said the budget for {topic} would be reviewed again in the spring.",
    "A public consultation on {topic} ran for six weeks and drew about 1,200 responses.",
    "The plan would affect roughly 3,000 households, the planning office said.",
    "Residents can read the full report at the town hall or on the council website.",
    "The next meeting is scheduled for the first week of the month.",
    "Local businesses in {place} were divided over the proposal.",
    "The regional authority has not yet commented on {topic}.",
]
_LOADED = [
    "\"This is a shameful betrayal of every family in {place},\" said {name}.",
    "Critics called {topic} a disaster that will haunt the city for a generation.",
    "Everyone knows who will pay for this, and it will not be the politicians.",
    "Either you stand with the people of {place} or you stand with the bureaucrats.",
    "{name} dismissed the opponents as a gang of reckless extremists.",
    "The mayor's office has refused to publish its numbers, raising questions about what it has to hide.",
    "Enough is enough: {place} deserves better.",
    "If {topic} goes ahead, crime will soar and the whole district will collapse within a year.",
    "As any respected expert will tell you, the evidence is overwhelming.",
    "\"They are cowards who hide behind closed doors,\" {name} told the crowd.",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday"]


def make_articles(n: int, seed: int = 7) -> list[str]:
    """``n`` invented articles of 300–800 words (headline, blank line, paragraphs)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        target = rng.randint(300, 800)
        topic = rng.choice(_TOPICS)
        paragraphs: list[str] = []
        words = 0
        while words < target:
            sents = []
            for _ in range(rng.randint(2, 4)):
                pool = _LOADED if rng.random() < 0.3 else _NEUTRAL
                s = rng.choice(pool).format(name=rng.choice(_NAMES), place=rng.choice(_PLACES), topic=topic,
                                            day=rng.choice(_DAYS))
                sents.append(s)
                words += len(s.split())
            paragraphs.append(" ".join(sents))
        headline = f"Council Row Over {topic.title().replace('The ', '')} Deepens"
        out.append(headline + "\n\n" + "\n\n".join(paragraphs))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def start_server(model: str, port: int, extra: dict[str, Any]) -> subprocess.Popen[bytes]:
    code = (
        "import sys; from propscan.server import run; "
        f"run(host='127.0.0.1', port={port}, model={model!r}, access_log=False, log_level='warning', **{extra!r})"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("PROPSCAN_TOKEN", None)
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, start_new_session=True)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


async def wait_ready(base: str, proc: subprocess.Popen[bytes], limit: float) -> float:
    t0 = time.monotonic()
    async with httpx.AsyncClient(timeout=2) as c:
        while time.monotonic() - t0 < limit:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with status {proc.returncode} before it was ready")
            try:
                if (await c.get(base + "/api/v1/healthz")).status_code == 200:
                    return time.monotonic() - t0
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.25)
    raise SystemExit(f"server not ready within {limit:g} s")


async def load(base: str, articles: list[str], clients: int, duration: float, max_requests: int,
               timeout: float) -> dict[str, Any]:
    counts: dict[str, int] = {"200": 0, "429": 0, "503": 0, "other": 0, "errors": 0}
    other_statuses: dict[str, int] = {}
    error_kinds: dict[str, int] = {}
    latencies: list[float] = []
    sent = 0
    t_start = time.monotonic()
    t_end = t_start + duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as c:

        async def client(k: int) -> None:
            nonlocal sent
            rng = random.Random(k)
            await asyncio.sleep(rng.random() * 0.5)  # stagger the start
            while time.monotonic() < t_end and sent < max_requests:
                sent += 1
                body = {"text": rng.choice(articles), "threshold": 0.2}
                t0 = time.perf_counter()
                try:
                    r = await c.post("/api/v1/analyze", json=body)
                except httpx.HTTPError as exc:
                    counts["errors"] += 1
                    error_kinds[type(exc).__name__] = error_kinds.get(type(exc).__name__, 0) + 1
                    await asyncio.sleep(1)
                    continue
                dt = time.perf_counter() - t0
                if r.status_code == 200:
                    counts["200"] += 1
                    latencies.append(dt)
                elif r.status_code in (429, 503):
                    counts[str(r.status_code)] += 1
                    try:
                        wait = float(r.headers.get("retry-after", "1"))
                    except ValueError:
                        wait = 1.0
                    await asyncio.sleep(min(wait, 5.0) * (0.5 + rng.random()))
                else:
                    counts["other"] += 1
                    other_statuses[str(r.status_code)] = other_statuses.get(str(r.status_code), 0) + 1

        tasks = [asyncio.create_task(client(k)) for k in range(clients)]
        done, pending = await asyncio.wait(tasks, timeout=duration + timeout + 5)
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    elapsed = time.monotonic() - t_start
    lat = sorted(latencies)

    def q(p: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else None

    return {
        "elapsed_s": round(elapsed, 2),
        "requests_sent": sent,
        "responses": counts,
        "other_statuses": other_statuses,
        "error_kinds": error_kinds,
        "ok_per_s": round(counts["200"] / elapsed, 2),
        "responses_per_s": round((counts["200"] + counts["429"] + counts["503"] + counts["other"]) / elapsed, 2),
        "latency_ms_ok": {"p50": q(0.50), "p90": q(0.90), "p99": q(0.99), "max": q(1.0),
                          "mean": round(statistics.fmean(lat) * 1000, 1) if lat else None},
        "cancelled_clients": len(pending),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # every simulated client connects from 127.0.0.1: the per-address connection cap must fit them all
    extra: dict[str, Any] = {"max_connections_per_client": max(args.clients + 16, 128)}
    if args.queue_size is not None:
        extra["queue_size"] = args.queue_size
    proc = start_server(args.model, port, extra)
    try:
        ready_s = await wait_ready(base, proc, args.startup_timeout)
        rss_ready = rss_kib(proc.pid)
        articles = make_articles(args.articles)
        async with httpx.AsyncClient(base_url=base, timeout=args.request_timeout) as c:  # warm-up, sequential
            for text in articles[: args.warmup]:
                r = await c.post("/api/v1/analyze", json={"text": text, "threshold": 0.2})
                r.raise_for_status()
        # a short concurrent burst so that full-size batches have run once: RSS "before" is then the
        # warmed-up steady state (allocator caches for the largest batch shapes), not a cold process
        if args.warmup_burst > 0:
            await load(base, articles, min(args.clients, 32), args.warmup_burst, args.max_requests, args.request_timeout)
        rss_before = rss_kib(proc.pid)
        result = await load(base, articles, args.clients, args.duration, args.max_requests, args.request_timeout)
        rss_after = rss_kib(proc.pid)
        async with httpx.AsyncClient(base_url=base, timeout=10) as c:
            health = (await c.get("/api/v1/healthz")).json()
            version = (await c.get("/api/v1/version")).json()
    finally:
        stop_server(proc)
    words = [len(a.split()) for a in make_articles(args.articles)]
    return {
        "benchmark": "load_server",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "model": version.get("model"),
        "clients": args.clients,
        "duration_s": args.duration,
        "articles": {"n": len(words), "words_min": min(words), "words_max": max(words),
                     "words_mean": round(statistics.fmean(words))},
        "server_ready_s": round(ready_s, 2),
        **result,
        "server_queue": health.get("queue"),
        "rss_kib": {"ready": rss_ready, "before": rss_before, "after": rss_after,
                    "ratio_after_before": round(rss_after / rss_before, 3) if rss_before and rss_after else None},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="baseline", help="model for the server (default: baseline; or 'default')")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests")
    ap.add_argument("--request-timeout", type=float, default=90.0, help="client timeout per request (s)")
    ap.add_argument("--startup-timeout", type=float, default=180.0)
    ap.add_argument("--articles", type=int, default=40, help="distinct articles to send")
    ap.add_argument("--warmup", type=int, default=10, help="sequential warm-up requests before measuring RSS")
    ap.add_argument("--warmup-burst", type=float, default=20.0, help="seconds of concurrent warm-up (32 clients) before measuring RSS")
    ap.add_argument("--queue-size", type=int, default=None, help="server queue size (default: the server's)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    report = asyncio.run(main_async(args))
    sys.path.insert(0, str(ROOT / "src"))
    from propscan.io.files import atomic_write

    with atomic_write(args.out) as fh:
        fh.write(json.dumps(report, indent=2) + "\n")
    r = report
    print(f"{r['clients']} clients x {r['duration_s']:g} s, model {(r['model'] or {}).get('name')}: "
          f"{r['ok_per_s']} ok/s ({r['responses_per_s']} responses/s); "
          f"p50 {r['latency_ms_ok']['p50']} ms, p99 {r['latency_ms_ok']['p99']} ms; responses {r['responses']}; "
          f"RSS {r['rss_kib']['before']} -> {r['rss_kib']['after']} KiB (x{r['rss_kib']['ratio_after_before']})")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
