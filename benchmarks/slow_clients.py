"""Slow and idle clients against ``propscan serve``: do they stall it? (loopback only, bounded)

Usage::

    .venv/bin/python benchmarks/slow_clients.py [--idle 1030] [--slowloris 50] [--slow-bodies 20]
        [--duration 30] [--header-timeout 10] [--body-timeout 30] [--model baseline]

Starts the server itself (a subprocess bound to 127.0.0.1 on a free port; nothing else is ever
contacted), waits for ``/api/v1/healthz``, then, all at once and for at most ``--duration``
seconds:

* opens ``--idle`` sockets that send nothing (the issue's 1,030 half-open sockets);
* opens ``--slowloris`` sockets that send a request head one byte every ``--drip`` seconds;
* opens ``--slow-bodies`` sockets that send complete headers and then trickle a JSON body;
* polls ``GET /api/v1/healthz`` every 0.5 s from a fresh connection.

Reports how long the server kept the slow sockets (should be about the header/body timeout), how
each socket ended (an HTTP status with a JSON error object, a close without a response, or still
open at the end), and the latency and status of every health check (all should be 200 and fast);
writes ``benchmarks/results/slow_clients.json``. Every socket is closed and the server stopped at
the end, whatever happens. Socket counts are capped (``MAX_SOCKETS``) and checked against the
process's open-file limit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "slow_clients.json"
HOST = "127.0.0.1"  # loopback only, by design: there is no option to aim this anywhere else
#: the misbehaving sockets come from another loopback address, as an attacker's would: the server caps
#: connections per client address, so a health checker or reader on another address must still get through
ATTACKER = "127.0.0.2"
ARTICLE = ("The harbour council voted on Tuesday to close the old bridge. Critics called the decision reckless "
           "and said the council had betrayed every family in the town. ") * 8
MAX_SOCKETS = 4000
MAX_DURATION = 300.0


def _helpers() -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import load_server  # the server start/stop helpers of the load benchmark

    return load_server


class Probe:
    """One client socket and how it ended."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.sock: socket.socket | None = None
        self.opened = 0.0
        self.ended: float | None = None
        self.outcome = "open"  # open | refused-connect | closed-silently | http-<status> | error-<name>
        self.error_code: str | None = None
        self.retry_after: str | None = None

    def connect(self) -> bool:
        try:
            self.sock = socket.create_connection((HOST, PORT), timeout=5, source_address=(ATTACKER, 0))
            self.sock.setblocking(False)
            self.opened = time.monotonic()
            return True
        except OSError as exc:
            self.outcome = f"refused-connect ({type(exc).__name__})"
            self.ended = time.monotonic()
            return False

    def poll(self) -> None:
        """Read whatever the server sent; record the end when it closed or answered."""
        if self.sock is None or self.ended is not None:
            return
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as exc:
            self.outcome, self.ended = f"error-{type(exc).__name__}", time.monotonic()
            return
        self.ended = time.monotonic()
        if not data:
            self.outcome = "closed-silently"
            return
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        try:
            self.outcome = f"http-{int(lines[0].split()[1])}"
        except (IndexError, ValueError):
            self.outcome = "garbage"
        for line in lines[1:]:
            k, _, v = line.partition(":")
            if k.strip().lower() == "retry-after":
                self.retry_after = v.strip()
        try:
            self.error_code = json.loads(body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            self.error_code = None

    def send(self, data: bytes) -> None:
        if self.sock is not None and self.ended is None:
            try:
                self.sock.send(data)
            except (BlockingIOError, OSError):
                pass

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass


PORT = 0


def health_loop(stop: threading.Event, out: list[dict[str, Any]]) -> None:
    import httpx

    n = 0
    while not stop.is_set():
        t0 = time.perf_counter()
        kind = "analyze" if n % 4 == 3 else "healthz"  # every fourth probe is an ordinary analysis request
        n += 1
        try:
            if kind == "analyze":
                r = httpx.post(f"http://{HOST}:{PORT}/api/v1/analyze", json={"text": ARTICLE}, timeout=30)
            else:
                r = httpx.get(f"http://{HOST}:{PORT}/api/v1/healthz", timeout=10)
            status, ctype = r.status_code, r.headers.get("content-type", "")
        except httpx.HTTPError as exc:
            status, ctype = -1, type(exc).__name__
        out.append({"t": round(time.monotonic(), 2), "kind": kind, "status": status, "ms": round((time.perf_counter() - t0) * 1000, 1),
                    "content_type": ctype})
        stop.wait(0.5)


def summarise(probes: list[Probe], t0: float) -> dict[str, Any]:
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in sorted({p.kind for p in probes}):
        group = [p for p in probes if p.kind == kind]
        held = sorted((p.ended - p.opened) for p in group if p.ended is not None and p.opened)
        outcomes: dict[str, int] = {}
        codes: dict[str, int] = {}
        for p in group:
            outcomes[p.outcome] = outcomes.get(p.outcome, 0) + 1
            if p.error_code:
                codes[p.error_code] = codes.get(p.error_code, 0) + 1
        by_kind[kind] = {
            "sockets": len(group),
            "outcomes": outcomes,
            "error_codes": codes,
            "with_retry_after": sum(1 for p in group if p.retry_after),
            "held_s": {"min": round(held[0], 2), "median": round(held[len(held) // 2], 2), "max": round(held[-1], 2)}
            if held else None,
        }
    return by_kind


def run(args: argparse.Namespace) -> dict[str, Any]:
    global PORT
    helpers = _helpers()
    total = args.idle + args.slowloris + args.slow_bodies
    if total > MAX_SOCKETS:
        raise SystemExit(f"at most {MAX_SOCKETS} sockets; asked for {total}")
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if total + 64 > soft:
        raise SystemExit(f"the open-file limit ({soft}) is too low for {total} sockets; raise it with ulimit -n")
    duration = min(args.duration, MAX_DURATION)
    PORT = helpers.free_port()
    extra = {"header_timeout": args.header_timeout, "body_timeout": args.body_timeout}
    proc = helpers.start_server(args.model, PORT, extra)
    probes: list[Probe] = []
    health: list[dict[str, Any]] = []
    stop = threading.Event()
    try:
        import asyncio

        asyncio.run(helpers.wait_ready(f"http://{HOST}:{PORT}", proc, args.startup_timeout))
        rss_ready = helpers.rss_kib(proc.pid)
        checker = threading.Thread(target=health_loop, args=(stop, health), daemon=True)
        checker.start()
        t0 = time.monotonic()
        for kind, n in (("idle", args.idle), ("slowloris", args.slowloris), ("slow_body", args.slow_bodies)):
            for _ in range(n):
                p = Probe(kind)
                probes.append(p)
                if p.connect() and kind == "slow_body":
                    p.send(f"POST /api/v1/analyze HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                           "Content-Length: 100000\r\n\r\n{\"text\": \"".encode())
        head = f"GET /api/v1/healthz HTTP/1.1\r\nHost: {HOST}\r\nX-Padding: ".encode() + b"a" * 4000
        step = 0
        next_drip = t0
        while time.monotonic() - t0 < duration:
            now = time.monotonic()
            if now >= next_drip:
                for p in probes:
                    if p.kind == "slowloris":
                        p.send(head[step: step + 1] or b"a")
                    elif p.kind == "slow_body":
                        p.send(b"x")
                step += 1
                next_drip = now + args.drip
            for p in probes:
                p.poll()
            if all(p.ended is not None for p in probes):
                break
            time.sleep(0.05)
        for p in probes:
            p.poll()
        stop.set()
        checker.join(15)
        rss_after = helpers.rss_kib(proc.pid)
        elapsed = time.monotonic() - t0
    finally:
        stop.set()
        for p in probes:
            p.close()
        helpers.stop_server(proc)
    ordinary = [h for h in health if h.get("kind") == "analyze"]
    health = [h for h in health if h.get("kind") == "healthz"]
    ok = [h for h in health if h["status"] == 200]
    return {
        "benchmark": "slow_clients",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "settings": {"header_timeout": args.header_timeout, "body_timeout": args.body_timeout, "drip_s": args.drip},
        "elapsed_s": round(elapsed, 2),
        "sockets": summarise(probes, t0),
        "healthz": {
            "checks": len(health),
            "ok": len(ok),
            "statuses": sorted({h["status"] for h in health}),
            "max_ms": max((h["ms"] for h in health), default=None),
            "non_json_refusals": sum(1 for h in health if h["status"] not in (200, -1) and "json" not in h["content_type"]),
        },
        "ordinary_requests": {
            "sent": len(ordinary),
            "ok": sum(1 for h in ordinary if h["status"] == 200),
            "max_ms": max((h["ms"] for h in ordinary), default=None),
        },
        "rss_kib": {"ready": rss_ready, "after": rss_after},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="baseline", help="model for the server (default: baseline)")
    ap.add_argument("--idle", type=int, default=1030, help="sockets that send nothing")
    ap.add_argument("--slowloris", type=int, default=50, help="sockets that drip a request head")
    ap.add_argument("--slow-bodies", type=int, default=20, help="sockets that drip a request body")
    ap.add_argument("--drip", type=float, default=1.0, help="seconds between dripped bytes")
    ap.add_argument("--duration", type=float, default=30.0, help=f"seconds to run (at most {MAX_DURATION:g})")
    ap.add_argument("--header-timeout", type=float, default=10.0, help="the server's header timeout (s)")
    ap.add_argument("--body-timeout", type=float, default=30.0, help="the server's body timeout (s)")
    ap.add_argument("--startup-timeout", type=float, default=180.0)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    report = run(args)
    sys.path.insert(0, str(ROOT / "src"))
    from propscan.io.files import atomic_write

    with atomic_write(args.out) as fh:
        fh.write(json.dumps(report, indent=2) + "\n")
    h = report["healthz"]
    o = report["ordinary_requests"]
    print(f"ordinary analyses: {o['ok']}/{o['sent']} ok, max {o['max_ms']} ms")
    print(f"healthz: {h['ok']}/{h['checks']} ok, max {h['max_ms']} ms; sockets: "
          + "; ".join(f"{k}: {v['outcomes']}" for k, v in report["sockets"].items()))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
