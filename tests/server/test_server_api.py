"""REST API and web pages of ``propscan serve``, in-process with a tiny fake model (fast)."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator, Sequence

import httpx
import pytest
from fastapi.testclient import TestClient

from propscan.analysis.analyzer import build_analysis
from propscan.document import Document, Span
from propscan.io.fetch import FetchedPage
from propscan.server import Settings, create_app
from propscan.server.deps import SESSION_COOKIE

LEXICON = {"traitors": ("Name_Calling,Labeling", 0.9), "disaster": ("Loaded_Language", 0.6), "alert": ("Doubt", 0.8)}
ARTICLE = (
    "Council Closes Library\n\n"
    "The council's decision is a disaster, critics said. \"They are traitors,\" said Ann Lee.\n"
)


class FakeModel:
    """Marks every word of LEXICON with its technique and score."""

    info = {"name": "fake", "version": "fake-1", "weights_sha256": "ab" * 32, "encoder": None}

    def __init__(self) -> None:
        self.batch_sizes: list[int] = []

    def predict(self, documents: Sequence[Document]) -> list[list[Span]]:
        self.batch_sizes.append(len(documents))
        pattern = re.compile("|".join(LEXICON))
        return [
            [d.span(m.start(), m.end(), LEXICON[m.group()][0], score=LEXICON[m.group()][1]) for m in pattern.finditer(d.text)]
            for d in documents
        ]

    def classify(self, documents: Sequence[Document], spans: Sequence[Sequence[Span]]) -> list[list[Span]]:
        return [[s.with_(technique="Loaded_Language", score=0.7) for s in ss] for ss in spans]


class BlockingModel(FakeModel):
    """``predict`` waits until ``release`` is set (to fill the queue)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def predict(self, documents: Sequence[Document]) -> list[list[Span]]:
        self.entered.set()
        assert self.release.wait(10), "test never released the model"
        return super().predict(documents)


class ExplodingModel(FakeModel):
    def predict(self, documents: Sequence[Document]) -> list[list[Span]]:
        raise RuntimeError("secret internal detail /srv/propscan/weights.bin")


def fake_fetcher(url: str) -> FetchedPage:
    html = (
        "<html><head><title>Harbour news</title></head><body><article>"
        "<p>Officials called the plan a disaster for the harbour and its workers.</p>"
        "<p>Residents say the decision was made without them.</p></article></body></html>"
    )
    return FetchedPage(url=url, status=200, content_type="text/html; charset=utf-8", text=html, encoding="utf-8")


@pytest.fixture
def model() -> FakeModel:
    return FakeModel()


@pytest.fixture
def client(model: FakeModel) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), model=model, fetcher=fake_fetcher)) as c:
        yield c


def assert_error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]
    return body["error"]


# ---- success paths --------------------------------------------------------------------------------


def test_analyze_text_returns_the_analysis_schema(client: TestClient, model: FakeModel) -> None:
    r = client.post("/api/v1/analyze", json={"text": ARTICLE, "threshold": 0.5})
    assert r.status_code == 200
    body = r.json()
    doc = Document(ARTICLE)
    expected = build_analysis(doc, FakeModel().predict([doc])[0], model_info=FakeModel.info, threshold=0.5).to_dict()
    assert body == expected
    assert body["schema"] == "propscan.analysis/1"
    texts = {(s["text"], s["technique"]) for s in body["spans"]}
    assert texts == {("disaster", "Loaded_Language"), ("traitors", "Name_Calling,Labeling")}
    traitors = next(s for s in body["spans"] if s["text"] == "traitors")
    assert ARTICLE[traitors["start"] : traitors["end"]] == "traitors"
    assert traitors["voice"] == "quoted"


def test_threshold_and_technique_filters(client: TestClient) -> None:
    high = client.post("/api/v1/analyze", json={"text": ARTICLE, "threshold": 0.7}).json()
    assert [s["text"] for s in high["spans"]] == ["traitors"]
    only = client.post("/api/v1/analyze", json={"text": ARTICLE, "techniques": ["loaded_language"]}).json()
    assert [s["technique"] for s in only["spans"]] == ["Loaded_Language"]


def test_analyze_url_extracts_the_article(client: TestClient) -> None:
    r = client.post("/api/v1/analyze", json={"url": "https://news.example.org/a"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["document"]["url"] == "https://news.example.org/a"
    assert body["document"]["title"] == "Harbour news"
    assert [s["text"] for s in body["spans"]] == ["disaster"]


def test_classify_names_given_spans(client: TestClient) -> None:
    r = client.post("/api/v1/classify", json={"text": ARTICLE, "spans": [{"start": 52, "end": 60}]})
    assert r.status_code == 200
    assert r.json()["spans"] == [{"start": 52, "end": 60, "text": ARTICLE[52:60], "technique": "Loaded_Language", "score": 0.7}]
    assert r.json()["model"]["name"] == "fake"


def test_classify_refuses_offsets_outside_the_text(client: TestClient) -> None:
    r = client.post("/api/v1/classify", json={"text": "Short.", "spans": [{"start": 2, "end": 60}]})
    assert "does not fit" in assert_error(r, 422, "invalid_span")["message"]
    assert_error(client.post("/api/v1/classify", json={"text": "Short.", "spans": [{"start": 4, "end": 2}]}), 422, "validation_error")


def test_techniques_version_healthz(client: TestClient) -> None:
    rows = client.get("/api/v1/techniques").json()
    assert len(rows) == 14 and {"id", "name", "display", "definition", "example", "color"} <= set(rows[0])
    v = client.get("/api/v1/version").json()
    assert v["model"] == FakeModel.info and v["schema"] == "propscan.analysis/1" and v["version"]
    h = client.get("/api/v1/healthz")
    assert h.status_code == 200 and h.json()["status"] == "ok" and h.json()["model_ready"] is True


def test_openapi_and_local_docs_need_no_internet(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/analyze" in spec["paths"] and "/api/v1/classify" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/v1/analyze" in docs.text
    assert "cdn" not in docs.text.lower() and "https://" not in re.sub(r'href="/[^"]*"', "", docs.text).split("<main")[0]
    assert client.get("/redoc").status_code == 404


# ---- error objects ----------------------------------------------------------------------------------


def test_validation_errors_are_422_error_objects(client: TestClient) -> None:
    assert_error(client.post("/api/v1/analyze", json={"text": "   "}), 422, "validation_error")
    assert_error(client.post("/api/v1/analyze", json={"text": "x", "threshold": 1.5}), 422, "validation_error")
    assert_error(client.post("/api/v1/analyze", json={"text": "x", "url": "https://a.example"}), 422, "validation_error")
    err = assert_error(client.post("/api/v1/analyze", json={"text": "x", "techniques": ["Mind_Control"]}), 422, "validation_error")
    assert "Mind_Control" in err["message"] and "Loaded_Language" in err["message"]


def test_text_over_the_character_limit_is_422() -> None:
    with TestClient(create_app(Settings(max_text_chars=100), model=FakeModel())) as c:
        err = assert_error(c.post("/api/v1/analyze", json={"text": "word " * 30}), 422, "text_too_long")
        assert "100" in err["message"]
        assert c.post("/api/v1/analyze", json={"text": "word " * 19}).status_code == 200


def test_malformed_json_is_400(client: TestClient) -> None:
    r = client.post("/api/v1/analyze", content=b'{"text": "unterminated', headers={"content-type": "application/json"})
    assert_error(r, 400, "malformed_json")


def test_oversize_body_is_413_by_header_and_by_stream() -> None:
    with TestClient(create_app(Settings(max_body_bytes=2000), model=FakeModel())) as c:
        big = {"text": "word " * 1000}
        assert_error(c.post("/api/v1/analyze", json=big), 413, "payload_too_large")

        def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count the bytes
            yield b'{"text": "'
            for _ in range(100):
                yield b"word " * 20
            yield b'"}'

        r = c.post("/api/v1/analyze", content=chunks(), headers={"content-type": "application/json"})
        assert_error(r, 413, "payload_too_large")
        assert c.post("/api/v1/analyze", json={"text": "word " * 100}).status_code == 200


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://10.0.0.7/admin", "private"),
        ("file:///etc/passwd", "scheme"),
    ],
)
def test_unsafe_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    # the real, SSRF-safe fetcher: refused before any connection is made
    with TestClient(create_app(Settings(), model=FakeModel())) as c:
        err = assert_error(c.post("/api/v1/analyze", json={"url": url}), 400, "url_refused")
        assert reason in err["message"]


def test_token_required_when_configured() -> None:
    with TestClient(create_app(Settings(token="s3cret-token"), model=FakeModel())) as c:
        r = c.post("/api/v1/analyze", json={"text": ARTICLE})
        assert_error(r, 401, "unauthorized")
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert_error(c.post("/api/v1/analyze", json={"text": ARTICLE}, headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
        assert_error(c.get("/api/v1/version", headers={"Authorization": "Basic czNjcmV0LXRva2Vu"}), 401, "unauthorized")
        ok = c.post("/api/v1/analyze", json={"text": ARTICLE}, headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200
        assert c.get("/api/v1/healthz").status_code == 200  # monitors need no token


def test_web_form_posts_need_the_token_too() -> None:
    with TestClient(create_app(Settings(token="s3cret-token"), model=FakeModel())) as c:
        assert 'name="token"' in c.get("/").text
        denied = c.post("/analyze", data={"source": "text", "text": ARTICLE})
        assert denied.status_code == 401 and "token" in denied.text and "disaster</mark>" not in denied.text
        assert c.post("/analyze", data={"source": "text", "text": ARTICLE, "token": "nope"}).status_code == 401
        ok = c.post("/analyze", data={"source": "text", "text": ARTICLE, "token": "s3cret-token"})
        assert ok.status_code == 200 and "ps-seg" in ok.text
        cookie = ok.cookies.get(SESSION_COOKIE)
        assert cookie and "s3cret-token" not in cookie
        assert "samesite=strict" in ok.headers["set-cookie"].lower() and "httponly" in ok.headers["set-cookie"].lower()
        again = c.post("/analyze", data={"source": "text", "text": ARTICLE})  # the session cookie is enough
        assert again.status_code == 200


def test_queue_full_is_429_with_retry_after_then_work_completes() -> None:
    model = BlockingModel()
    app = create_app(Settings(workers=1, queue_size=1, batch_size=1, retry_after=3), model=model)

    async def scenario() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                first = [asyncio.create_task(c.post("/api/v1/analyze", json={"text": f"{ARTICLE} {i}"})) for i in range(2)]
                inference = app.state.inference_queue
                for _ in range(200):
                    if inference.pending == 2 and model.entered.is_set():
                        break
                    await asyncio.sleep(0.01)
                assert inference.pending == 2
                r = await c.post("/api/v1/analyze", json={"text": ARTICLE})
                assert_error(r, 429, "queue_full")
                assert r.headers["retry-after"] == "3"
                model.release.set()
                done = await asyncio.gather(*first)
                assert [d.status_code for d in done] == [200, 200]
                assert inference.pending == 0

    asyncio.run(scenario())


def test_waiting_requests_are_batched() -> None:
    model = BlockingModel()
    app = create_app(Settings(workers=1, queue_size=8, batch_size=8), model=model)

    async def scenario() -> None:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
                first = asyncio.create_task(c.post("/api/v1/analyze", json={"text": ARTICLE}))
                while not model.entered.is_set():
                    await asyncio.sleep(0.01)
                rest = [asyncio.create_task(c.post("/api/v1/analyze", json={"text": f"{ARTICLE} {i}"})) for i in range(4)]
                while app.state.inference_queue.pending < 5:
                    await asyncio.sleep(0.01)
                model.release.set()
                results = await asyncio.gather(first, *rest)
                assert all(r.status_code == 200 for r in results)
                assert [len(r.json()["spans"]) for r in results] == [2] * 5
        assert model.batch_sizes == [1, 4]

    asyncio.run(scenario())


def test_timeout_is_503_with_retry_after() -> None:
    model = BlockingModel()
    app = create_app(Settings(request_timeout=0.2), model=model)
    try:
        with TestClient(app) as c:
            r = c.post("/api/v1/analyze", json={"text": ARTICLE})
            assert_error(r, 503, "overloaded")
            assert int(r.headers["retry-after"]) > 0
            model.release.set()
    finally:
        model.release.set()


def test_model_that_cannot_load_gives_503() -> None:
    with TestClient(create_app(Settings(), model="no-such-model-xyz")) as c:
        for _ in range(100):
            if c.app.state.inference_queue.status != "loading":  # type: ignore[attr-defined]
                break
            threading.Event().wait(0.02)
        h = c.get("/api/v1/healthz")
        assert h.status_code == 503 and h.json()["status"] == "error" and "no-such-model-xyz" in h.json()["message"]
        r = c.post("/api/v1/analyze", json={"text": ARTICLE})
        assert_error(r, 503, "model_not_ready")
        assert "retry-after" in r.headers


def test_internal_errors_leak_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(create_app(Settings(), model=ExplodingModel()), raise_server_exceptions=False) as c:
        r = c.post("/api/v1/analyze", json={"text": ARTICLE})
        err = assert_error(r, 500, "internal_error")
        assert "secret" not in r.text and "RuntimeError" not in r.text and "/srv" not in r.text
        page = c.post("/analyze", data={"source": "text", "text": ARTICLE})
        assert page.status_code == 500
        assert "secret" not in page.text and "Traceback" not in page.text and "RuntimeError" not in page.text
        assert err["message"].startswith("internal server error")
    assert any("secret internal detail" in (rec.exc_text or "") or rec.exc_info for rec in caplog.records)


# ---- web pages --------------------------------------------------------------------------------------


def test_pages_render_with_security_headers(client: TestClient) -> None:
    for path in ("/", "/techniques", "/docs", "/api/v1/healthz"):
        r = client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
    index = client.get("/").text
    assert 'type="file"' in index and 'name="url"' in index and 'name="threshold"' in index
    glossary = client.get("/techniques").text
    assert "Loaded language" in glossary and glossary.count('class="card term') == 14
    for asset in ("/static/app.css", "/static/app.js", "/static/favicon.svg", "/assets/report.css", "/assets/report.js"):
        assert client.get(asset).status_code == 200, asset


def test_script_in_an_article_renders_inert(client: TestClient) -> None:
    evil = 'Breaking\n\nThe mayor said <script>alert(1)</script> and <img src=x onerror="alert(2)"> traitors.'
    r = client.post("/analyze", data={"source": "text", "text": evil, "threshold": "0"})
    assert r.status_code == 200
    html = r.text
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html
    assert re.search(r"<mark[^>]*>alert</mark>", html)  # the highlight still lands on the escaped text
    # the JSON island cannot close its script element either
    assert "</script>alert" not in html and "\\u003c/script\\u003e" in html


def test_form_accepts_uploads_and_urls(client: TestClient) -> None:
    txt = client.post("/analyze", data={"source": "file", "threshold": "0"},
                      files={"file": ("article.txt", ARTICLE.encode(), "text/plain")})
    assert txt.status_code == 200 and ">disaster<" in txt.text
    html = client.post("/analyze", data={"source": "file"},
                       files={"file": ("page.html", fake_fetcher("x").text.encode(), "text/html")})
    assert html.status_code == 200 and "Harbour news" in html.text
    pdf = client.post("/analyze", data={"source": "file"}, files={"file": ("a.pdf", b"%PDF-1.4", "application/pdf")})
    assert pdf.status_code == 415 and ".txt or .html" in pdf.text and 'id="analyse-form"' in pdf.text
    url = client.post("/analyze", data={"source": "url", "url": "https://news.example.org/b"})
    assert url.status_code == 200 and "Harbour news" in url.text


def test_form_errors_keep_the_input(client: TestClient) -> None:
    r = client.post("/analyze", data={"source": "text", "text": "  ", "threshold": "0.4"})
    assert r.status_code == 422 and "paste the text" in r.text and 'id="analyse-form"' in r.text
    r = client.post("/analyze", data={"source": "text", "text": "<b>kept</b>", "threshold": "7"})
    assert r.status_code == 422 and "&lt;b&gt;kept&lt;/b&gt;" in r.text


def test_unknown_paths_are_404_error_objects(client: TestClient) -> None:
    assert_error(client.get("/api/v1/nothing"), 404, "not_found")
    assert client.get("/nothing").status_code == 404


def test_corpus_page_lists_stores_by_name_and_escapes_outlets(tmp_path) -> None:
    import json as _json

    from propscan.corpus.batch import run_batch

    rows = [
        {"id": f"a{i}", "text": f"Article {i}. The corrupt elite lied again and again, a shameful disaster.",
         "outlet": "<script>alert(1)</script>" if i % 2 else "Plain Times", "published": f"2024-01-0{i + 1}"}
        for i in range(6)
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(_json.dumps(r) + "\n" for r in rows))
    run_batch([str(src)], tmp_path / "news.duckdb", model="baseline", workers=0, progress=False)
    settings = Settings(corpus_dir=str(tmp_path))
    with TestClient(create_app(settings, model=FakeModel(), fetcher=fake_fetcher)) as c:
        page = c.get("/corpus")
        assert page.status_code == 200 and "news.duckdb" in page.text
        r = c.get("/corpus", params={"store": "news.duckdb", "by": "outlet"})
        assert r.status_code == 200 and "Mean article score" in r.text
        assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
        bad = c.get("/corpus", params={"store": "../news.duckdb"})
        assert "Unknown store" in bad.text and "Mean article score" not in bad.text
