"""SSRF-hardened fetching: no test here touches the internet.

Public-looking hosts are mapped by an injected resolver and answered by an httpx.MockTransport;
a real http.server on 127.0.0.1 stands in for an internal service.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from propscan.errors import FetchError
from propscan.io.fetch import FetchedPage, check_address, fetch_url
from propscan.io.html import html_to_document

FIXTURES = Path(__file__).parents[1] / "fixtures"
ARTICLE_HTML = (FIXTURES / "article.html").read_bytes()
PUBLIC_IP = "93.184.216.34"


def public_resolver(mapping: dict[str, list[str]] | None = None):
    """Resolver answering every name with a public IP unless ``mapping`` says otherwise; records calls."""
    calls: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append((host, port))
        return (mapping or {}).get(host, [PUBLIC_IP])

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


def never_called(request: httpx.Request) -> httpx.Response:  # pragma: no cover - reaching it is the failure
    raise AssertionError(f"a refused URL was contacted: {request.url} (Host {request.headers.get('host')})")


NO_NETWORK = httpx.MockTransport(never_called)


# ---- a real local server -------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: list[tuple[str, str]] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits.append((self.path, self.headers.get("Host", "")))
        path = self.path
        if path == "/article":
            self._send(200, ARTICLE_HTML, "text/html; charset=utf-8")
        elif path == "/echo-host":
            self._send(200, f"<html><body><p>host={self.headers.get('Host')}</p></body></html>".encode(), "text/html")
        elif path.startswith("/hop/"):
            n = int(path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", "/article" if n == 0 else f"/hop/{n - 1}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/loop":
            self.send_response(301)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/big-declared":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(50_000_000))
            self.end_headers()
            try:
                self.wfile.write(b"x" * 10_000)
            except OSError:
                pass
        elif path == "/big-undeclared":  # no Content-Length: only the streaming cap can stop it
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            try:
                for _ in range(2000):
                    self.wfile.write(b"y" * 10_000)
            except OSError:
                pass
        elif path == "/slow":
            time.sleep(3)
            self._send(200, b"late", "text/plain")
        elif path == "/drip":  # each byte arrives well within a read timeout; the whole never does
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b"z")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        else:
            self._send(404, b"not here", "text/plain")

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:  # the client gave up on purpose (timeout tests)
            pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:  # clients hang up on purpose
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture()
def hits() -> Iterator[list[tuple[str, str]]]:
    _Handler.hits = []
    yield _Handler.hits


# ---- address classes ------------------------------------------------------------------------------

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.5", "private"),
    ("172.16.4.4", "private"),
    ("192.168.1.20", "private"),
    ("fc00::1", "private"),
    ("fd12:3456::9", "private"),
    ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("240.1.2.3", "reserved"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("::ffff:127.0.0.1", "embedding 127.0.0.1, a loopback"),
    ("::ffff:10.1.1.1", "embedding 10.1.1.1, a private"),
    ("::ffff:169.254.169.254", "metadata"),
    ("2002:c0a8:0101::1", "embedding 192.168.1.1"),
    ("64:ff9b::a9fe:a9fe", "metadata"),
    ("169.254.169.254", "metadata"),
    ("fd00:ec2::254", "metadata"),
    ("192.0.2.7", "documentation"),
]


@pytest.mark.parametrize(("ip", "reason"), REFUSED)
def test_every_non_public_address_class_is_refused_via_resolver(ip: str, reason: str) -> None:
    resolve = public_resolver({"news.example": [ip]})
    with pytest.raises(FetchError) as err:
        fetch_url("http://news.example/story", resolver=resolve, transport=NO_NETWORK)
    msg = str(err.value)
    assert msg.startswith("[P006] refused: news.example (")
    assert reason in msg and "\n" not in msg
    assert resolve.calls == [("news.example", 80)]


@pytest.mark.parametrize(
    "ip", ["127.0.0.1", "10.0.0.5", "[::1]", "[fe80::1]", "169.254.169.254", "[::ffff:192.168.0.1]"]
)
def test_literal_ip_urls_are_refused_without_resolving(ip: str) -> None:
    resolve = public_resolver()
    with pytest.raises(FetchError, match=r"refused: .* is (a|an) "):
        fetch_url(f"http://{ip}:8080/x", resolver=resolve, transport=NO_NETWORK)
    assert resolve.calls == []


def test_one_bad_address_among_good_ones_refuses_the_host() -> None:
    resolve = public_resolver({"mixed.example": [PUBLIC_IP, "10.0.0.5"]})
    with pytest.raises(FetchError, match=r"refused: mixed.example \(10.0.0.5\) is a private address"):
        fetch_url("https://mixed.example/", resolver=resolve, transport=NO_NETWORK)


@pytest.mark.parametrize(
    "host", ["metadata.google.internal", "METADATA.google.internal.", "metadata.goog", "instance-data"]
)
def test_metadata_names_are_refused_even_with_allow_private(host: str) -> None:
    resolve = public_resolver()
    with pytest.raises(FetchError, match="cloud metadata host"):
        fetch_url(f"http://{host}/computeMetadata/v1/", resolver=resolve, transport=NO_NETWORK, allow_private=True)
    assert resolve.calls == []


@pytest.mark.parametrize("ip", ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254"])
def test_metadata_addresses_are_refused_even_with_allow_private(ip: str) -> None:
    resolve = public_resolver({"sneaky.example": [ip]})
    with pytest.raises(FetchError, match="cloud metadata address"):
        fetch_url("http://sneaky.example/latest/meta-data", resolver=resolve, transport=NO_NETWORK, allow_private=True)


def test_check_address_allows_public_and_refuses_private() -> None:
    assert check_address(PUBLIC_IP) is None
    assert check_address("2606:4700:4700::1111") is None
    assert check_address("::ffff:8.8.8.8") is None
    assert check_address("10.0.0.5") == "a private address"
    assert check_address("10.0.0.5", allow_private=True) is None


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("file:///etc/passwd", "file"),
        ("ftp://files.example/a.txt", "ftp"),
        ("gopher://x.example/", "gopher"),
        ("javascript:alert(1)", "javascript"),
        ("data:text/html,<p>hi</p>", "data"),
    ],
)
def test_other_schemes_are_refused(url: str, scheme: str) -> None:
    with pytest.raises(FetchError, match=rf"refused: scheme '{scheme}' not allowed"):
        fetch_url(url, resolver=public_resolver(), transport=NO_NETWORK)


def test_credentials_in_url_are_refused() -> None:
    with pytest.raises(FetchError, match="credentials"):
        fetch_url("http://admin:secret@news.example/", resolver=public_resolver(), transport=NO_NETWORK)


# ---- the real local server -----------------------------------------------------------------------


def test_local_server_is_refused_by_default(server: tuple[str, int], hits: list) -> None:
    host, port = server
    with pytest.raises(FetchError, match=r"refused: 127.0.0.1 is a loopback address"):
        fetch_url(f"http://{host}:{port}/article")
    with pytest.raises(FetchError, match=r"refused: localhost is a loopback host name"):
        fetch_url(f"http://localhost:{port}/article")
    assert hits == []  # nothing reached the server


def test_local_server_with_allow_private_returns_page_and_text(server: tuple[str, int], hits: list) -> None:
    host, port = server
    page = fetch_url(f"http://{host}:{port}/article", allow_private=True)
    assert isinstance(page, FetchedPage)
    assert (page.status, page.content_type, page.encoding) == (200, "text/html", "utf-8")
    assert page.url == f"http://{host}:{port}/article"
    assert "INJECTED-SCRIPT-TEXT" in page.text  # the raw page...
    doc = html_to_document(page.text, url=page.url)
    assert "The harbour council of Gullport met on Tuesday evening" in doc.text
    assert "INJECTED-SCRIPT-TEXT" not in doc.text and "SCRIPT-BODY-TEXT" not in doc.text  # ...not the text
    assert doc.title == "Harbour Council Votes on the Lighthouse Budget"
    assert hits == [("/article", f"{host}:{port}")]


def test_default_resolver_with_allow_private_uses_localhost(server: tuple[str, int], hits: list) -> None:
    _, port = server
    page = fetch_url(f"http://localhost:{port}/echo-host", allow_private=True)
    assert f"host=localhost:{port}" in page.text


def test_connection_goes_to_the_validated_ip_with_host_header_kept(server: tuple[str, int], hits: list) -> None:
    """Pinning: 'pinned.test' exists only in our resolver, so reaching the server proves we
    connected to the address we validated rather than resolving the name again."""
    _, port = server
    resolve = public_resolver({"pinned.test": ["127.0.0.1"]})
    page = fetch_url(f"http://pinned.test:{port}/echo-host", resolver=resolve, allow_private=True)
    assert f"host=pinned.test:{port}" in page.text
    assert page.url == f"http://pinned.test:{port}/echo-host"
    assert resolve.calls == [("pinned.test", port)]


def test_dns_rebinding_cannot_swap_the_address_after_the_check() -> None:
    answers = iter([[PUBLIC_IP], ["127.0.0.1"], ["127.0.0.1"]])
    seen: list[httpx.Request] = []

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"Content-Type": "text/html"}, text="<p>public page</p>")

    page = fetch_url("https://rebind.example/a?b=1", resolver=rebinding, transport=httpx.MockTransport(handler))
    assert page.text == "<p>public page</p>"
    [req] = seen
    assert req.url.host == PUBLIC_IP and req.url.path == "/a" and req.url.query == b"b=1"
    assert req.headers["host"] == "rebind.example"
    assert req.extensions["sni_hostname"] == "rebind.example"  # TLS still checks the real name


def test_redirects_are_followed_and_counted(server: tuple[str, int], hits: list) -> None:
    host, port = server
    page = fetch_url(f"http://{host}:{port}/hop/4", allow_private=True, max_redirects=5)
    assert page.url == f"http://{host}:{port}/article" and page.status == 200
    with pytest.raises(FetchError, match=r"^\[P006\] refused: too many redirects \(6 > 5\)\.$"):
        fetch_url(f"http://{host}:{port}/hop/9", allow_private=True, max_redirects=5)
    with pytest.raises(FetchError, match=r"too many redirects \(3 > 2\)"):
        fetch_url(f"http://{host}:{port}/loop", allow_private=True, max_redirects=2)


def _redirecting_public_site(target: str) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == PUBLIC_IP and request.headers["host"] == "public.example"
        return httpx.Response(302, headers={"Location": target})

    return httpx.MockTransport(handler)


def test_allowed_host_redirecting_to_local_server_is_refused(server: tuple[str, int], hits: list) -> None:
    host, port = server
    transport = _redirecting_public_site(f"http://{host}:{port}/article")
    with pytest.raises(FetchError, match=r"refused: 127.0.0.1 is a loopback address"):
        fetch_url("http://public.example/go", resolver=public_resolver(), transport=transport)
    assert hits == []


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
        ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata host"),
        ("http://internal.example/admin", r"internal.example \(10.1.2.3\) is a private address"),
        ("http://[::1]:6379/", "loopback"),
        ("file:///etc/passwd", "scheme 'file' not allowed"),
    ],
)
def test_allowed_host_redirecting_to_refused_host_is_refused(target: str, reason: str) -> None:
    resolve = public_resolver({"internal.example": ["10.1.2.3"]})
    with pytest.raises(FetchError, match=reason):
        fetch_url("http://public.example/go", resolver=resolve, transport=_redirecting_public_site(target))


def test_size_cap_from_content_length(server: tuple[str, int]) -> None:
    host, port = server
    with pytest.raises(FetchError, match=r"refused: response larger than 5 MB \(Content-Length 50,000,000\)"):
        fetch_url(f"http://{host}:{port}/big-declared", allow_private=True)


def test_size_cap_while_streaming(server: tuple[str, int]) -> None:
    host, port = server
    with pytest.raises(FetchError, match=r"^\[P006\] refused: response larger than 1 MB\.$"):
        fetch_url(f"http://{host}:{port}/big-undeclared", allow_private=True, max_bytes=1_000_000)


def test_size_cap_stops_reading_early() -> None:
    produced = 0

    def body() -> Iterator[bytes]:
        nonlocal produced
        for _ in range(100_000):  # would be 6.5 GB
            produced += 1
            yield b"a" * 65_536

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/plain"}, content=body())

    with pytest.raises(FetchError, match="larger than 5 MB"):
        fetch_url("http://huge.example/", resolver=public_resolver(), transport=httpx.MockTransport(handler))
    assert produced <= 5_000_000 // 65_536 + 2


def test_timeout_on_a_slow_server(server: tuple[str, int]) -> None:
    host, port = server
    t0 = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out: no complete response within 0.5 s"):
        fetch_url(f"http://{host}:{port}/slow", allow_private=True, timeout=0.5)
    assert time.monotonic() - t0 < 2.0


def test_overall_deadline_on_a_dripping_server(server: tuple[str, int]) -> None:
    host, port = server
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch_url(f"http://{host}:{port}/drip", allow_private=True, timeout=1.0)
    assert time.monotonic() - t0 < 2.5  # the drip alone would take 4 s


def test_http_error_status_and_non_text_are_reported(server: tuple[str, int]) -> None:
    host, port = server
    with pytest.raises(FetchError, match=r"could not fetch .*/missing: HTTP 404"):
        fetch_url(f"http://{host}:{port}/missing", allow_private=True)

    def png(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "image/png"}, content=b"\x89PNG\r\n\x1a\n")

    with pytest.raises(FetchError, match=r"refused: content type 'image/png' is not text or HTML"):
        fetch_url("http://img.example/a.png", resolver=public_resolver(), transport=httpx.MockTransport(png))


def test_unresolvable_host_is_one_clear_line() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(FetchError, match=r"could not resolve host 'nowhere.example'"):
        fetch_url("http://nowhere.example/", resolver=fail, transport=NO_NETWORK)


@pytest.mark.parametrize(
    ("headers", "body", "expected", "encoding"),
    [
        # browsers read a page labelled iso-8859-1 as windows-1252 (WHATWG Encoding Standard)
        ({"Content-Type": "text/html; charset=iso-8859-1"}, "<p>café “q”</p>".encode("cp1252"), "café “q”", "cp1252"),
        (
            {"Content-Type": "text/html"},
            '<meta charset="windows-1252"><p>naïve “quote”</p>'.encode("cp1252"),
            "naïve “quote”",
            "cp1252",
        ),
        ({"Content-Type": "text/plain"}, "Zero\u200bwidth \u202eRTL".encode(), "Zero\u200bwidth \u202eRTL", "utf-8"),
        ({"Content-Type": "text/plain; charset=no-such-charset"}, "plain ünïcode".encode(), "plain ünïcode", "utf-8"),
    ],
)
def test_decoding_uses_declared_then_meta_then_utf8(headers: dict, body: bytes, expected: str, encoding: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, content=body)

    page = fetch_url("http://enc.example/", resolver=public_resolver(), transport=httpx.MockTransport(handler))
    assert expected in page.text
    assert page.encoding == encoding


@pytest.mark.parametrize(
    ("sentence", "codec"),
    [
        ("Le café était très animé ce soir-là, déjà plein à craquer. ", "cp1252"),
        ("Вечером кафе было переполнено, все спорили о новостях. ", "cp1251"),
    ],
)
def test_undeclared_non_utf8_is_detected(sentence: str, codec: str) -> None:
    body = ("<html><body><p>" + sentence * 20 + "</p></body></html>").encode(codec)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=body)

    page = fetch_url("http://enc.example/", resolver=public_resolver(), transport=httpx.MockTransport(handler))
    assert sentence.strip() in page.text
    assert page.encoding == codec


# ---- hostile responses: only FetchError ever leaves fetch_url (issue: "Nothing lost, nothing stalls" #5) ----


@pytest.mark.parametrize("location", ["javascript:alert(1)", "http:\\\\host\\x", "http://[::1", "http://exa mple.org/"])
def test_unparseable_redirects_are_fetch_errors(location: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": location})

    with pytest.raises(FetchError, match="refused|could not fetch") as err:
        fetch_url("http://news.example/a", resolver=public_resolver(), transport=httpx.MockTransport(handler))
    assert "\n" not in str(err.value)


HOSTILE_CHARSETS = ["base64", "rot13", "hex", "zlib", "bz2", "uu", "quopri", "punycode", "idna", "utf-7",
                    "unicode_escape", "x-user-defined", "undefined"]


@pytest.mark.parametrize("charset", HOSTILE_CHARSETS)
@pytest.mark.parametrize("where", ["header", "meta", "http-equiv"])
def test_dangerous_or_unknown_charsets_fall_back_to_a_safe_decoder(charset: str, where: str) -> None:
    body = "<p>Plain words, a café \xff and more.</p>".encode("cp1252")
    if where == "meta":
        body = f'<meta charset="{charset}">'.encode() + body
    elif where == "http-equiv":
        body = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'.encode() + body
    ctype = f"text/html; charset={charset}" if where == "header" else "text/html"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": ctype}, content=body)

    page = fetch_url("http://enc.example/", resolver=public_resolver(), transport=httpx.MockTransport(handler))
    assert "Plain words, a café" in page.text and page.encoding in ("cp1252", "utf-8")


def test_declared_legacy_charset_is_used_as_a_browser_would() -> None:
    body = '<html><head><meta charset="koi8-r"></head><body><p>Новости дня</p></body></html>'.encode("koi8-r")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=body)

    page = fetch_url("http://enc.example/", resolver=public_resolver(), transport=httpx.MockTransport(handler))
    assert "Новости дня" in page.text and page.encoding == "koi8-r"


@pytest.mark.parametrize("url", ["http://news.example:8080/a", "https://news.example:22/a", "http://news.example:6379/"])
def test_only_ports_80_and_443_by_default(url: str) -> None:
    with pytest.raises(FetchError, match=r"port \d+ is not allowed"):
        fetch_url(url, resolver=public_resolver(), transport=NO_NETWORK)


def test_redirect_to_another_port_is_refused_and_ports_are_configurable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.port == 8080:
            return httpx.Response(200, headers={"Content-Type": "text/plain"}, content=b"on 8080")
        return httpx.Response(302, headers={"Location": "http://news.example:8080/x"})

    with pytest.raises(FetchError, match="port 8080 is not allowed"):
        fetch_url("http://news.example/a", resolver=public_resolver(), transport=httpx.MockTransport(handler))
    page = fetch_url("http://news.example/a", resolver=public_resolver(), transport=httpx.MockTransport(handler),
                     ports={80, 443, 8080})
    assert page.text == "on 8080"


def test_unexpected_failures_inside_the_fetch_become_fetch_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise LookupError("something odd deep inside a transport")

    with pytest.raises(FetchError, match="could not fetch"):
        fetch_url("http://news.example/a", resolver=public_resolver(), transport=httpx.MockTransport(handler))
