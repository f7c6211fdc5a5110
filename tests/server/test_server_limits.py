"""The server under hostile clients: auth on every data page, error objects for every refusal,
read timeouts, connection caps, and health checks that answer while inference is saturated.

In-process tests use ``TestClient``; the connection-level ones run a real uvicorn server (loopback,
ephemeral port) with a tiny fake model, so they are fast and need no network.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from propscan.document import Document, Span
from propscan.server import Settings, create_app, uvicorn_config
from propscan.server.deps import SESSION_COOKIE, session_value

TOKEN = "s3cret-token"
ARTICLE = "Council Closes Library\n\nThe decision is a disaster, critics said. \"They are traitors,\" said Ann Lee.\n"


class FakeModel:
    info = {"name": "fake", "version": "fake-1", "weights_sha256": "ab" * 32, "encoder": None}

    def predict(self, documents: Sequence[Document]) -> list[list[Span]]:
        out = []
        for d in documents:
            i = d.text.find("disaster")
            out.append([d.span(i, i + 8, "Loaded_Language", score=0.6)] if i >= 0 else [])
        return out

    def classify(self, documents: Sequence[Document], spans: Sequence[Sequence[Span]]) -> list[list[Span]]:
        return [[s.with_(technique="Loaded_Language", score=0.7) for s in ss] for ss in spans]


class BlockingModel(FakeModel):
    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()

    def predict(self, documents: Sequence[Document]) -> list[list[Span]]:
        self.entered.set()
        self.release.wait(20)
        return super().predict(documents)


def assert_error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    return body["error"]


# ---- #4: auth covers every page and endpoint that shows stored data or runs inference ---------------

#: every route, classified. A new route must be added here (the test below fails otherwise).
#: "token": needs the token (API: bearer; pages: bearer or the session cookie);
#: "form": the analyse form (checks the token field or the session cookie); "public": no data, no inference.
ROUTES = {
    ("POST", "/api/v1/analyze"): "token",
    ("POST", "/api/v1/classify"): "token",
    ("GET", "/api/v1/techniques"): "token",
    ("GET", "/api/v1/version"): "token",
    ("GET", "/api/v1/healthz"): "public",  # monitors: status only, no stored data, no inference
    ("GET", "/corpus"): "token",
    ("GET", "/corpus/passages"): "token",  # the passages behind a number of /corpus: stored article text
    ("POST", "/analyze"): "form",
    ("GET", "/"): "public",
    ("GET", "/techniques"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/openapi.json"): "public",
    ("GET", "/favicon.ico"): "public",
    ("GET", "/assets/report.css"): "public",
    ("GET", "/assets/report.js"): "public",
    ("GET", "/assets/techniques.css"): "public",
}

BODIES = {"/api/v1/analyze": {"text": ARTICLE}, "/api/v1/classify": {"text": ARTICLE, "spans": [{"start": 0, "end": 7}]}}
CORPUS_PARAMS = {
    "/corpus": {"store": "news.duckdb"},
    "/corpus/passages": {"store": "news.duckdb", "by": "outlet", "group": "Private Outlet", "metric": "Doubt"},
}


@pytest.fixture
def corpus_dir(tmp_path):
    from propscan.corpus import store as st
    from propscan.document import content_hash

    con = st.connect(tmp_path / "news.duckdb")
    recs = [st.AnalysisRecord(content_hash(f"Secret story {i} " + "word " * 40), "m", f"d{i}",
                              f"Secret story {i} " + "word " * 40, score=0.3, n_words=42, outlet="Private Outlet",
                              spans=(st.SpanRow(0, 6, "Doubt", 0.5),)) for i in range(6)]
    st.write_batch(con, recs)
    con.close()
    return tmp_path


def _app_routes(app) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(routes, prefix: str = "") -> None:  # type: ignore[no-untyped-def]
        for r in routes:
            if hasattr(r, "original_router"):  # FastAPI's included router
                context = getattr(r, "include_context", None)
                walk(r.original_router.routes, prefix + (getattr(context, "prefix", "") or ""))
            elif isinstance(r, APIRoute) or getattr(r, "methods", None):
                found.update((m, prefix + r.path) for m in r.methods if m != "HEAD")
            elif isinstance(r, Mount):
                assert r.path == "/static", r.path  # static files: the app's own CSS/JS/icons only
            else:
                raise AssertionError(f"unknown route type {type(r).__name__}")

    walk(app.routes)
    return found


def test_every_route_is_classified_for_auth(corpus_dir) -> None:
    app = create_app(Settings(token=TOKEN, corpus_dir=str(corpus_dir)), model=FakeModel())
    assert _app_routes(app) == set(ROUTES), "classify the new route in ROUTES"


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
def test_auth_page_by_page(corpus_dir, method: str, path: str) -> None:
    kind = ROUTES[(method, path)]
    app = create_app(Settings(token=TOKEN, corpus_dir=str(corpus_dir)), model=FakeModel())
    with TestClient(app) as c:
        def call(**kw):  # type: ignore[no-untyped-def]
            if method == "GET":
                params = CORPUS_PARAMS.get(path)
                return c.get(path, params=params, **kw)
            if path == "/analyze":
                return c.post(path, data={"source": "text", "text": ARTICLE}, **kw)
            return c.post(path, json=BODIES[path], **kw)

        anonymous = call()
        if kind == "public":
            assert anonymous.status_code == 200, anonymous.text[:300]
            return
        assert anonymous.status_code == 401, (path, anonymous.status_code)
        assert "Secret story" not in anonymous.text and "news.duckdb" not in anonymous.text
        assert "Private Outlet" not in anonymous.text and "disaster</mark>" not in anonymous.text
        if path.startswith("/api/"):
            assert_error(anonymous, 401, "unauthorized")
            assert call(headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert call(headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
            return
        if kind == "token":  # a page with stored data: the session cookie or the bearer header opens it
            assert call(headers={"Authorization": "Bearer wrong"}).status_code == 401
            c.cookies.set(SESSION_COOKIE, "forged")
            assert call().status_code == 401
            c.cookies.set(SESSION_COOKIE, session_value(TOKEN))
            ok = call()
            assert ok.status_code == 200 and "news.duckdb" in ok.text
            c.cookies.clear()
            assert call(headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
            json_err = c.get(path, headers={"Accept": "application/json"})
            assert_error(json_err, 401, "unauthorized")
        else:  # the analyse form: its token field
            ok = c.post(path, data={"source": "text", "text": ARTICLE, "token": TOKEN})
            assert ok.status_code == 200


def test_corpus_page_without_a_token_configured_stays_open(corpus_dir) -> None:
    with TestClient(create_app(Settings(corpus_dir=str(corpus_dir)), model=FakeModel())) as c:
        r = c.get("/corpus", params={"store": "news.duckdb"})
        assert r.status_code == 200 and "news.duckdb" in r.text
        r = c.get("/corpus/passages", params=CORPUS_PARAMS["/corpus/passages"])
        assert r.status_code == 200 and "Secret" in r.text


def test_passages_behind_the_corpus_page_need_the_token_and_show_the_stored_spans(corpus_dir) -> None:
    app = create_app(Settings(token=TOKEN, corpus_dir=str(corpus_dir)), model=FakeModel())
    with TestClient(app) as c:
        params = CORPUS_PARAMS["/corpus/passages"]
        for path in ("/corpus/passages", "/corpus/passages/"):
            r = c.get(path, params=params, follow_redirects=True)
            assert r.status_code in (401, 404) and "Secret" not in r.text, (path, r.status_code)
        ok = c.get("/corpus/passages", params=params, headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        # six articles, each with one Doubt span "Secret" (0:6): all listed, marked, with their ids
        assert ok.text.count("<mark>Secret</mark>") == 6 and "All 6 Doubt spans in this group" in ok.text
        assert all(f'data-doc="d{i}"' in ok.text for i in range(6))
        # the corpus page links each number to this page
        page = c.get("/corpus", params={"store": "news.duckdb"}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert "/corpus/passages?store=news.duckdb&amp;by=outlet&amp;group=Private+Outlet&amp;metric=Doubt" in page.text


# ---- #6: lone surrogates are 422 error objects, the same wording everywhere -------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/analyze", '{"text": "They are traitors \\ud800 here."}'),
        ("/api/v1/analyze", '{"text": "They are traitors.", "title": "\\udfff"}'),
        ("/api/v1/analyze", '{"text": "They are traitors.", "id": "x\\ud800"}'),
        ("/api/v1/classify", '{"text": "x \\ud800 y", "spans": [{"start": 0, "end": 3}]}'),
        ("/api/v1/classify", '{"text": "\\ud800 y", "spans": [{"start": 2, "end": 3}]}'),
    ],
)
def test_lone_surrogates_are_422_not_500(path: str, body: str) -> None:
    with TestClient(create_app(Settings(), model=FakeModel()), raise_server_exceptions=False) as c:
        r = c.post(path, content=body, headers={"content-type": "application/json"})
        err = assert_error(r, 422, "validation_error")
        assert "lone surrogate" in err["message"]
        assert c.post("/api/v1/analyze", json={"text": ARTICLE}).status_code == 200  # the server is fine


# ---- #10: the Host-header refusal is an error object ----------------------------------------------------


def test_wrong_host_header_is_a_400_error_object() -> None:
    app = create_app(Settings(allowed_hosts=("127.0.0.1", "localhost", "[::1]")), model=FakeModel())
    with TestClient(app, base_url="http://127.0.0.1") as c:
        assert c.get("/api/v1/healthz").status_code == 200
        assert c.get("/api/v1/healthz", headers={"Host": "[::1]:8000"}).status_code == 200
        err = assert_error(c.get("/api/v1/healthz", headers={"Host": "evil.example"}), 400, "invalid_host")
        assert "Host" in err["message"]
        page = c.get("/", headers={"Host": "evil.example"})
        assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
        assert "Error 400" in page.text and "(the Host header)" in page.text
        assert_error(c.get("/", headers={"Host": "evil.example", "Accept": "application/json"}), 400, "invalid_host")


def test_the_bare_error_page_escapes_through_the_one_template_environment() -> None:
    from propscan.views.html import template_env

    html = template_env().get_template("bare_error.html").render(status=400, message="<script>x</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html


# ---- fetches: only ports 80/443 unless configured (#10) ---------------------------------------------------


def test_server_fetches_only_allowed_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    from propscan.io.fetch import fetch_url
    from propscan.server import deps

    def no_network(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"test: no network ({request.url})")

    # the server's real fetcher, with a transport that never reaches the network
    monkeypatch.setattr(deps, "fetch_url", lambda url, **kw: fetch_url(url, transport=httpx.MockTransport(no_network), **kw))
    with TestClient(create_app(Settings(), model=FakeModel())) as c:
        err = assert_error(c.post("/api/v1/analyze", json={"url": "http://93.184.216.34:8080/a"}), 400, "url_refused")
        assert "port 8080" in err["message"]
    with TestClient(create_app(Settings(fetch_ports=(80, 443, 8080)), model=FakeModel())) as c:
        # allowed now: the fetch goes ahead (and meets the no-network transport)
        assert_error(c.post("/api/v1/analyze", json={"url": "http://93.184.216.34:8080/a"}), 400, "url_fetch_failed")
    with pytest.raises(Exception, match="fetch_ports"):
        Settings(fetch_ports=(0,))


# ---- a real server: read timeouts and connection caps (#2) ------------------------------------------------


@contextmanager
def live_server(settings: Settings, model=None) -> Iterator[tuple[str, int]]:  # type: ignore[no-untyped-def]
    import uvicorn

    app = create_app(settings, model=model or FakeModel())
    config = uvicorn_config(app, settings, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not (server.started and server.servers) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the server did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(10)


def _connect(addr: tuple[str, int]) -> socket.socket:
    s = socket.create_connection(addr, timeout=5)
    return s


def _read_response(s: socket.socket, timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    s.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    if not data:
        return 0, {}, b""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    n = int(headers.get("content-length", 0))
    while len(body) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def _closed(s: socket.socket, timeout: float = 5) -> bool:
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def _get(addr: tuple[str, int], path: str = "/api/v1/healthz") -> httpx.Response:
    return httpx.get(f"http://{addr[0]}:{addr[1]}{path}", timeout=5)


def test_slow_headers_get_408_and_idle_sockets_are_closed() -> None:
    with live_server(Settings(header_timeout=0.5)) as addr:
        slow = _connect(addr)
        slow.sendall(b"GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the head never ends
        idle = _connect(addr)  # sends nothing
        t0 = time.monotonic()
        status, headers, body = _read_response(slow)
        assert status == 408 and json.loads(body)["error"]["code"] == "request_timeout"
        assert headers["connection"] == "close" and "retry-after" in headers
        assert _closed(slow) and _closed(idle)
        assert time.monotonic() - t0 < 4
        assert _get(addr).status_code == 200  # the server is fine
        slow.close()
        idle.close()


def test_a_keep_alive_connection_may_not_trickle_its_next_request() -> None:
    with live_server(Settings(header_timeout=0.6)) as addr:
        s = _connect(addr)
        s.sendall(b"GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _read_response(s)[0] == 200
        s.sendall(b"GET /api/v1/healthz HTTP/1.1\r\n")  # then nothing more
        status, _, body = _read_response(s)
        assert status == 408 and json.loads(body)["error"]["code"] == "request_timeout"
        s.close()


def test_slow_body_gets_408() -> None:
    with live_server(Settings(body_timeout=0.5)) as addr:
        s = _connect(addr)
        s.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 200\r\n\r\n{\"text\": \"")
        status, headers, body = _read_response(s, timeout=10)
        assert status == 408 and json.loads(body)["error"]["code"] == "request_timeout"
        assert _closed(s)
        s.close()
        assert _get(addr).status_code == 200


def test_connections_per_client_are_capped_with_an_error_object() -> None:
    with live_server(Settings(max_connections_per_client=3, header_timeout=30)) as addr:
        held = [_connect(addr) for _ in range(3)]
        time.sleep(0.2)
        extra = _connect(addr)
        status, headers, body = _read_response(extra)
        assert status == 429 and json.loads(body)["error"]["code"] == "too_many_connections"
        assert headers["retry-after"] and headers["content-type"] == "application/json"
        for s in held:
            s.close()
        extra.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the slots are freed when the sockets go
            try:
                if _get(addr).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        assert _get(addr).status_code == 200


def test_idle_sockets_cannot_lock_out_health_checks() -> None:
    """The issue's 1,030 half-open sockets, in small: a full table of idle connections, then /healthz."""
    with live_server(Settings(max_connections=20, max_connections_per_client=1000, header_timeout=60)) as addr:
        idle = [_connect(addr) for _ in range(20)]
        idle += [_connect(addr) for _ in range(10)]  # more than the cap
        time.sleep(0.3)
        t0 = time.monotonic()
        r = _get(addr)
        assert r.status_code == 200 and time.monotonic() - t0 < 3
        evicted = sum(_closed(s, timeout=0.05) for s in idle)
        assert evicted >= 10
        for s in idle:
            s.close()


def test_when_every_connection_is_busy_new_ones_get_503_with_retry_after() -> None:
    settings = Settings(max_connections=2, max_connections_per_client=1000, body_timeout=30, header_timeout=30)
    with live_server(settings) as addr:
        busy = []
        for _ in range(2):  # requests in progress: a body that is still arriving
            s = _connect(addr)
            s.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
            busy.append(s)
        time.sleep(0.3)
        extra = _connect(addr)
        status, headers, body = _read_response(extra)
        assert status == 503 and json.loads(body)["error"]["code"] == "server_busy"
        assert headers["retry-after"]
        for s in [*busy, extra]:
            s.close()


def test_healthz_answers_while_inference_is_saturated() -> None:
    model = BlockingModel()
    settings = Settings(workers=1, queue_size=2, batch_size=1, request_timeout=20)
    with live_server(settings, model) as addr:
        url = f"http://{addr[0]}:{addr[1]}/api/v1/analyze"
        results: list[int] = []

        def post(i: int) -> None:
            try:
                results.append(httpx.post(url, json={"text": f"{ARTICLE} {i}"}, timeout=30).status_code)
            except httpx.HTTPError:
                results.append(-1)

        threads = [threading.Thread(target=post, args=(i,)) for i in range(5)]
        for t in threads:
            t.start()
        assert model.entered.wait(10)
        time.sleep(0.3)
        t0 = time.monotonic()
        health = _get(addr)
        assert health.status_code == 200 and time.monotonic() - t0 < 2
        assert health.json()["queue"]["pending"] == 3
        model.release.set()
        for t in threads:
            t.join(30)
        assert sorted(results) == [200, 200, 200, 429, 429]


def test_propscan_serve_runs_uvicorn_with_the_guarded_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from propscan.server import run
    from propscan.server.protocol import GuardedH11Protocol

    seen: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.append(kw))
    monkeypatch.delenv("PROPSCAN_TOKEN", raising=False)
    run(model="baseline", announce=False, header_timeout=3, max_connections_per_client=7)
    [kw] = seen
    assert issubclass(kw["http"], GuardedH11Protocol) and kw["limit_concurrency"] is None
    assert kw["http"].header_timeout == 3 and kw["http"].max_connections_per_client == 7
