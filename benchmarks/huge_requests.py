"""Huge requests against ``propscan serve``: is the work per request bounded? (loopback only, bounded)

Usage::

    .venv/bin/python benchmarks/huge_requests.py [--sizes 10000,50000,100000,199000] [--concurrent 2]
        [--model baseline|default]

Starts the server itself (a subprocess bound to 127.0.0.1 on a free port), waits for
``/api/v1/healthz``, then:

1. posts one invented article of each size in ``--sizes`` (characters; generated here from
   invented sentences, never corpus text) to ``POST /api/v1/analyze`` and times it — time per
   character should stay about flat (linear work), not grow with the size;
2. posts ``--concurrent`` articles of the largest size at once while polling ``/api/v1/healthz``
   every 0.25 s — every health check should answer 200 quickly while inference is busy;
3. posts a text one character over the default limit of 200,000 (expects 422 ``text_too_long``) and a body
   over its byte limit (expects 413), and checks both are JSON error objects.

Writes ``benchmarks/results/huge_requests.json``. Sizes are capped at the server's
``max_text_chars`` and ``MAX_SIZE``; the run is bounded by ``--request-timeout`` per request.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "huge_requests.json"
HOST = "127.0.0.1"  # loopback only, by design
MAX_SIZE = 1_000_000


def _helpers() -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import load_server

    return load_server


def article_of(n_chars: int, seed: int) -> str:
    """An invented article of exactly ``n_chars`` characters (paragraphs of invented sentences)."""
    helpers = _helpers()
    parts: list[str] = []
    size = 0
    k = seed
    while size < n_chars:
        text = helpers.make_articles(1, seed=k)[0]
        parts.append(text)
        size += len(text) + 2
        k += 1
    return "\n\n".join(parts)[:n_chars].rstrip() + "."


def run(args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    helpers = _helpers()
    sizes = sorted({min(int(s), MAX_SIZE) for s in args.sizes.split(",") if s.strip()})
    port = helpers.free_port()
    base = f"http://{HOST}:{port}"
    proc = helpers.start_server(args.model, port, {"request_timeout": args.request_timeout})
    try:
        import asyncio

        asyncio.run(helpers.wait_ready(base, proc, args.startup_timeout))
        rss_ready = helpers.rss_kib(proc.pid)
        limits: dict[str, Any] = {}
        with httpx.Client(base_url=base, timeout=args.request_timeout) as c:
            # one character over the documented default limit (max_text_chars = 200,000): 422 text_too_long
            over = c.post("/api/v1/analyze", json={"text": "word " * 40_000 + "x"})
            limits["over_text"] = {"status": over.status_code, "body": over.json() if over.headers.get(
                "content-type", "").startswith("application/json") else over.text[:200]}
            single = []
            for i, n in enumerate(sizes):
                text = article_of(n, seed=100 + i)
                t0 = time.perf_counter()
                r = c.post("/api/v1/analyze", json={"text": text})
                dt = time.perf_counter() - t0
                single.append({"chars": len(text), "status": r.status_code, "seconds": round(dt, 3),
                               "us_per_char": round(dt / len(text) * 1e6, 2),
                               "error": r.json().get("error") if r.status_code != 200 else None})

        health: list[dict[str, Any]] = []
        stop = threading.Event()

        def poll() -> None:
            with httpx.Client(base_url=base, timeout=10) as hc:
                while not stop.is_set():
                    t0 = time.perf_counter()
                    try:
                        status = hc.get("/api/v1/healthz").status_code
                    except httpx.HTTPError:
                        status = -1
                    health.append({"status": status, "ms": round((time.perf_counter() - t0) * 1000, 1)})
                    stop.wait(0.25)

        big = [article_of(sizes[-1], seed=500 + k) for k in range(args.concurrent)]
        results: list[dict[str, Any]] = []

        def post(text: str) -> None:
            t0 = time.perf_counter()
            try:
                r = httpx.post(base + "/api/v1/analyze", json={"text": text}, timeout=args.request_timeout)
                results.append({"status": r.status_code, "seconds": round(time.perf_counter() - t0, 3)})
            except httpx.HTTPError as exc:
                results.append({"status": -1, "error": type(exc).__name__})

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        workers = [threading.Thread(target=post, args=(t,)) for t in big]
        for w in workers:
            w.start()
        for w in workers:
            w.join(args.request_timeout + 10)
        stop.set()
        poller.join(15)

        with httpx.Client(base_url=base, timeout=30) as c:
            over_body = c.post("/api/v1/analyze", content=b"{\"text\": \"" + b"a" * 2_000_000 + b"\"}",
                               headers={"content-type": "application/json"})
            limits["over_body"] = {"status": over_body.status_code,
                                   "json": over_body.headers.get("content-type", "").startswith("application/json")}
        rss_after = helpers.rss_kib(proc.pid)
    finally:
        helpers.stop_server(proc)
    ok = [h for h in health if h["status"] == 200]
    return {
        "benchmark": "huge_requests",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "single": single,
        "concurrent": {"n": args.concurrent, "chars": sizes[-1], "results": results},
        "healthz_during_load": {"checks": len(health), "ok": len(ok),
                                "max_ms": max((h["ms"] for h in health), default=None),
                                "statuses": sorted({h["status"] for h in health})},
        "limits": limits,
        "rss_kib": {"ready": rss_ready, "after": rss_after},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="baseline", help="model for the server (default: baseline; or 'default')")
    ap.add_argument("--sizes", default="10000,50000,100000,199000", help="comma-separated text sizes in characters")
    ap.add_argument("--concurrent", type=int, default=2, help="largest-size requests sent at once")
    ap.add_argument("--request-timeout", type=float, default=120.0, help="client and server timeout per request (s)")
    ap.add_argument("--startup-timeout", type=float, default=180.0)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if not 1 <= args.concurrent <= 16:
        raise SystemExit("--concurrent must be between 1 and 16")
    report = run(args)
    sys.path.insert(0, str(ROOT / "src"))
    from propscan.io.files import atomic_write

    with atomic_write(args.out) as fh:
        fh.write(json.dumps(report, indent=2) + "\n")
    for row in report["single"]:
        print(f"{row['chars']:>8} chars: {row['status']} in {row['seconds']} s ({row['us_per_char']} us/char)")
    h = report["healthz_during_load"]
    print(f"healthz during {args.concurrent} concurrent: {h['ok']}/{h['checks']} ok, max {h['max_ms']} ms")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
