"""Fetch one web page safely enough to run inside a server (SSRF-hardened).

Every hop of a fetch is checked before anything is sent:

* only ``http``/``https``, no ``user:password@`` in the URL;
* the host is resolved once and refused when **any** of its addresses is loopback, private
  (RFC 1918, ``fc00::/7``), link-local, multicast, unspecified, reserved, carrier-grade NAT
  (``100.64.0.0/10``), otherwise not globally routable, or an IPv6 address that embeds such an
  IPv4 address (IPv4-mapped/-compatible, 6to4, Teredo, NAT64); cloud metadata names and addresses
  (``169.254.169.254``, ``fd00:ec2::254``, ``metadata.google.internal``, ...) are refused even with
  ``allow_private=True``;
* the connection goes to the address that was validated (the request URL is rewritten to the IP;
  the ``Host`` header and TLS SNI/certificate check keep the original name), so a DNS answer that
  changes between the check and the connect (DNS rebinding) cannot redirect it;
* only ports 80 and 443 (``ports``; any port with ``allow_private=True``, which is for local use);
* redirects are followed by hand, each hop validated the same way, at most ``max_redirects``;
* the body is streamed and refused as soon as it passes ``max_bytes`` (decoded size, so gzip
  bombs are caught too); the whole fetch has one deadline; environment proxies are ignored;
* the body is decoded as a browser would (:func:`propscan.io.charsets.decode_html`): a hostile or
  unknown charset (``base64``, ``rot13``, ``punycode``, ...) is ignored, never looked up as a codec;
* whatever the server answers, the only exception that leaves :func:`fetch_url` is
  :class:`~propscan.errors.FetchError`.

>>> page = fetch_url("https://example.org/news/1")  # doctest: +SKIP
>>> page.status, page.text[:15]  # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as _FutureTimeout
from dataclasses import dataclass

import httpx

from propscan import defaults
from propscan.errors import FetchError, PropscanError
from propscan.io.charsets import decode_html

__all__ = ["FetchedPage", "Resolver", "fetch_url", "check_address", "check_host_name"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``resolver(host, port) -> addresses`` (IP strings); the default wraps :func:`socket.getaddrinfo`.
Resolver = Callable[[str, int], Sequence[str]]

#: ports a URL may name (its scheme's default when it names none); see ``fetch_url(ports=...)``
DEFAULT_PORTS: frozenset[int] = frozenset({80, 443})

USER_AGENT = "propscan/0.1 (+https://github.com/propscan; offline propaganda analysis)"
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})

# Always refused, whatever allow_private says.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS DNS / Azure wireserver neighbour
        "168.63.129.16",  # Azure wireserver
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::23",  # AWS DNS over IPv6
    )
)
METADATA_NAMES = frozenset(
    {
        "metadata.google.internal",
        "metadata.goog",
        "metadata",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.com",
        "metadata.packet.net",
    }
)
# Refused unless allow_private (besides the ipaddress properties).
_EXTRA_BLOCKED: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(net), why)
    for net, why in (
        ("100.64.0.0/10", "a carrier-grade NAT address"),
        ("0.0.0.0/8", "an unspecified ('this network') address"),
        ("192.0.0.0/24", "a reserved IETF protocol address"),
        ("198.18.0.0/15", "a reserved benchmarking address"),
        ("192.0.2.0/24", "a documentation address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("2001:db8::/32", "a documentation address"),
        ("255.255.255.255/32", "a broadcast address"),
        ("fc00::/7", "a private (unique local) address"),
        ("fec0::/10", "a site-local address"),
        ("64:ff9b:1::/48", "a local-use NAT64 address"),
    )
)


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A fetched page. ``url`` is the final URL after redirects; ``text`` the decoded body."""

    url: str
    status: int
    content_type: str
    text: str
    encoding: str


# ---- address policy ---------------------------------------------------------------------------


def check_address(ip: str | IPAddress, *, allow_private: bool = False) -> str | None:
    """Why ``ip`` may not be fetched (``"a private address"``), or ``None`` when it may.

    >>> check_address("10.0.0.5")
    'a private address'
    >>> check_address("93.184.216.34") is None
    True
    """
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(addr, ipaddress.IPv6Address) and addr.scope_id:
        addr = ipaddress.IPv6Address(str(addr).split("%", 1)[0])
    if addr in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if isinstance(addr, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(addr)
        if embedded is not None:
            why = check_address(embedded, allow_private=allow_private)
            return f"an IPv6 address embedding {embedded}, {why}" if why else None
    if allow_private:
        return None
    if addr.is_loopback:
        return "a loopback address"
    if addr.is_unspecified:
        return "an unspecified address"
    if addr.is_link_local:
        return "a link-local address"
    if addr.is_multicast:
        return "a multicast address"
    for net, why in _EXTRA_BLOCKED:
        if addr.version == net.version and addr in net:
            return why
    if addr.is_reserved:
        return "a reserved address"
    if addr.is_private:
        return "a private address"
    if not addr.is_global:
        return "not a public (globally routable) address"
    return None


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    packed = addr.packed
    if packed[:12] == bytes(12) and int(addr) > 1:  # ::a.b.c.d (deprecated IPv4-compatible)
        return ipaddress.IPv4Address(packed[12:])
    if packed[:12] == bytes.fromhex("0064ff9b0000000000000000"):  # 64:ff9b::/96 NAT64
        return ipaddress.IPv4Address(packed[12:])
    return None


def check_host_name(host: str, *, allow_private: bool = False) -> str | None:
    """Why a host *name* is refused before resolving it (metadata and ``localhost`` names)."""
    name = host.rstrip(".").lower()
    if name in METADATA_NAMES:
        return "a cloud metadata host"
    if not allow_private and (name == "localhost" or name.endswith(".localhost")):
        return "a loopback host name"
    return None


def _default_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = str(sockaddr[0])
        if ip not in out:
            out.append(ip)
    return out


def _resolve(host: str, port: int, resolver: Resolver | None, deadline: float) -> list[IPAddress]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        return [literal]
    try:
        if resolver is not None:
            answers = list(resolver(host, port))
        else:  # getaddrinfo has no timeout of its own: bound it by the deadline
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="propscan-dns")
            try:
                answers = pool.submit(_default_resolver, host, port).result(
                    timeout=max(0.0, deadline - time.monotonic())
                )
            finally:
                pool.shutdown(wait=False)
    except _FutureTimeout as exc:
        raise FetchError(f"timed out: could not resolve host {host!r} in time.") from exc
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"could not resolve host {host!r} ({exc}); check the URL.") from exc
    addrs: list[IPAddress] = []
    for a in answers:
        try:
            addrs.append(ipaddress.ip_address(str(a).split("%", 1)[0]))
        except ValueError as exc:
            raise FetchError(f"refused: resolver gave {a!r} for {host!r}, which is not an IP address.") from exc
    if not addrs:
        raise FetchError(f"could not resolve host {host!r} (no addresses); check the URL.")
    return addrs


def _validated_target(
    url: httpx.URL,
    *,
    allow_private: bool,
    resolver: Resolver | None,
    deadline: float,
    ports: Collection[int] | None = DEFAULT_PORTS,
) -> list[IPAddress]:
    """Check one hop's URL and host; return its addresses (all of them allowed)."""
    if url.scheme not in ("http", "https"):
        raise FetchError(
            f"refused: scheme {url.scheme or '(none)'!r} not allowed; only http and https URLs can be fetched."
        )
    if url.userinfo:
        raise FetchError("refused: URLs with credentials (user:password@host) are not allowed.")
    host = url.raw_host.decode("ascii", "replace")
    if not host:
        raise FetchError(f"refused: URL {str(url)!r} has no host.")
    why = check_host_name(host, allow_private=allow_private)
    if why:
        raise FetchError(f"refused: {host} is {why}.")
    port = url.port or (443 if url.scheme == "https" else 80)
    addrs = _resolve(host, port, resolver, deadline)
    for addr in addrs:
        why = check_address(addr, allow_private=allow_private)
        if why:
            shown = host if str(addr) == host else f"{host} ({addr})"
            raise FetchError(f"refused: {shown} is {why}.")
    if ports is not None and port not in ports:
        listed = sorted(ports)
        allowed = ("port " if len(listed) == 1 else "ports ") + (
            ", ".join(map(str, listed[:-1])) + " and " + str(listed[-1]) if len(listed) > 1 else "".join(map(str, listed))
        )
        raise FetchError(f"refused: port {port} is not allowed; pages are fetched from {allowed} only.")
    return addrs


# ---- fetching ---------------------------------------------------------------------------------


def _size(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000} MB"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000} kB"
    return f"{n:,} bytes"


def _seconds(t: float) -> str:
    return f"{t:g} s"


def _pinned_request(client: httpx.Client, url: httpx.URL, ip: IPAddress, timeout: float) -> httpx.Request:
    """A GET for ``url`` sent to ``ip``: Host header and TLS SNI keep the original name."""
    host = url.raw_host.decode("ascii")
    extensions = {"sni_hostname": host} if url.scheme == "https" else {}
    return client.build_request(
        "GET",
        url.copy_with(host=str(ip)),
        headers={"Host": url.netloc.decode("ascii")},
        timeout=httpx.Timeout(timeout),
        extensions=extensions,
    )


def _allowed_content_type(ctype: str) -> bool:
    if not ctype:
        return True
    return ctype.startswith("text/") or "html" in ctype or ctype.endswith("xml") or ctype.endswith("+xml")


def _read_capped(response: httpx.Response, max_bytes: int, deadline: float, total_timeout: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise FetchError(f"refused: response larger than {_size(max_bytes)} (Content-Length {int(declared):,}).")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"refused: response larger than {_size(max_bytes)}.")
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise FetchError(f"timed out: no complete response within {_seconds(total_timeout)}.")
    return b"".join(chunks)


def fetch_url(
    url: str,
    *,
    max_bytes: int = defaults.FETCH_MAX_BYTES,
    timeout: float = defaults.FETCH_TIMEOUT_S,
    max_redirects: int = defaults.FETCH_MAX_REDIRECTS,
    allow_private: bool = False,
    resolver: Resolver | None = None,
    transport: httpx.BaseTransport | None = None,
    ports: Collection[int] | None = None,
) -> FetchedPage:
    """GET a web page with the SSRF protections described in the module docstring.

    Parameters
    ----------
    url : str
        An ``http://`` or ``https://`` URL.
    max_bytes : int
        Largest (decoded) body accepted; larger responses are refused while streaming.
    timeout : float
        Deadline in seconds for the whole fetch (all hops, DNS included).
    max_redirects : int
        Most redirects followed; one more is refused.
    allow_private : bool
        Allow loopback/private/link-local targets and any port. **Tests and local use only**;
        cloud metadata addresses stay refused.
    resolver : callable, optional
        ``resolver(host, port) -> [ip, ...]``; defaults to :func:`socket.getaddrinfo`.
    transport : httpx.BaseTransport, optional
        Transport that receives the *pinned* requests (URL host = the validated IP, ``Host``
        header = the name); defaults to :class:`httpx.HTTPTransport`.
    ports : collection of int, optional
        Ports a URL (and every redirect) may use; default ``DEFAULT_PORTS`` (80 and 443), or any
        port when ``allow_private`` is set and ``ports`` is not given.

    Returns
    -------
    FetchedPage

    Raises
    ------
    FetchError
        One line: ``refused: ...`` for a policy refusal, ``timed out: ...``, or ``could not fetch ...``.

    Examples
    --------
    >>> fetch_url("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    propscan.errors.FetchError: [P006] refused: scheme 'file' not allowed; only http and https URLs can be fetched.
    """
    if ports is None and not allow_private:
        ports = DEFAULT_PORTS
    fetch = _Fetch(
        url=_parse_url(url),
        deadline=time.monotonic() + timeout,
        timeout=timeout,
        max_bytes=max_bytes,
        max_redirects=max_redirects,
        allow_private=allow_private,
        resolver=resolver,
        ports=ports,
    )
    client = _new_client(transport, timeout)
    try:
        return fetch.run(client)
    except (PropscanError, AssertionError):  # AssertionError: a test's "must not be contacted" transport
        raise
    except Exception as exc:  # noqa: BLE001 - hostile content must never escape as another exception
        raise _as_fetch_error(exc, fetch.url, timeout) from exc
    finally:
        client.close()


def _parse_url(url: str) -> httpx.URL:
    try:
        return httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError, UnicodeError) as exc:
        raise FetchError(f"refused: {url!r} is not a valid URL ({_first_line(exc)}).") from exc


def _new_client(transport: httpx.BaseTransport | None, timeout: float) -> httpx.Client:
    return httpx.Client(
        transport=transport if transport is not None else httpx.HTTPTransport(retries=0),
        follow_redirects=False,  # every hop is validated by hand (_Fetch.run)
        trust_env=False,  # an environment proxy would connect on our behalf, unpinned
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1"},
        timeout=timeout,
    )


@dataclass
class _Fetch:
    """One fetch in progress: its limits and deadline, and the URL it has reached (for error messages)."""

    url: httpx.URL
    deadline: float
    timeout: float
    max_bytes: int
    max_redirects: int
    allow_private: bool
    resolver: Resolver | None
    ports: Collection[int] | None
    redirects: int = 0

    def run(self, client: httpx.Client) -> FetchedPage:
        """Validate and request each hop in turn until one answers with a page."""
        while True:
            addrs = _validated_target(
                self.url, allow_private=self.allow_private, resolver=self.resolver, deadline=self.deadline,
                ports=self.ports,
            )
            response = _send_pinned(client, self.url, addrs, self.deadline, self.timeout)
            try:
                if response.status_code not in _REDIRECT_CODES:
                    return self.read_page(response)
                self.url = self.redirect_target(response)
            finally:
                response.close()

    def redirect_target(self, response: httpx.Response) -> httpx.URL:
        """Where a redirect points, counted against ``max_redirects`` (validated by the next hop)."""
        location = response.headers.get("location")
        if not location:
            raise FetchError(f"could not fetch {self.url}: HTTP {response.status_code} redirect without a Location.")
        self.redirects += 1
        if self.redirects > self.max_redirects:
            raise FetchError(f"refused: too many redirects ({self.redirects} > {self.max_redirects}).")
        try:
            return self.url.join(location.strip())
        except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
            raise FetchError(f"refused: redirect to an invalid URL {location[:200]!r}.") from exc

    def read_page(self, response: httpx.Response) -> FetchedPage:
        """The final response as a page: an error status, a non-text type or binary data is refused."""
        if response.status_code >= 400:
            raise FetchError(f"could not fetch {self.url}: HTTP {response.status_code} {response.reason_phrase}.")
        ctype_full = response.headers.get("content-type", "")
        ctype = ctype_full.split(";", 1)[0].strip().lower()
        if not _allowed_content_type(ctype):
            raise FetchError(f"refused: content type {ctype!r} is not text or HTML.")
        body = _read_capped(response, self.max_bytes, self.deadline, self.timeout)
        charset = response.charset_encoding if ctype_full else None
        text, encoding = decode_html(body, charset)
        if "\x00" in text:
            raise FetchError(f"refused: {self.url} returned binary data, not text or HTML.")
        return FetchedPage(str(self.url), response.status_code, ctype, text, encoding)


def _as_fetch_error(exc: Exception, url: httpx.URL, timeout: float) -> FetchError:
    """The one-line FetchError for whatever else went wrong while fetching ``url``."""
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(f"timed out: no complete response within {_seconds(timeout)} ({url}).")
    if isinstance(exc, httpx.HTTPError):
        return FetchError(f"could not fetch {url}: {type(exc).__name__}: {_first_line(exc)}".rstrip(": ") + ".")
    if isinstance(exc, httpx.InvalidURL):  # not an HTTPError: e.g. a Location header httpx cannot parse
        return FetchError(f"refused: {url} answered with an invalid URL ({_first_line(exc)}).")
    return FetchError(f"could not fetch {url}: unusable response ({type(exc).__name__}).")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _send_pinned(
    client: httpx.Client, url: httpx.URL, addrs: list[IPAddress], deadline: float, total: float
) -> httpx.Response:
    """Send to each validated address in turn until one connects."""
    last: httpx.ConnectError | None = None
    for ip in addrs:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"timed out: no complete response within {_seconds(total)} ({url}).")
        try:
            return client.send(_pinned_request(client, url, ip, remaining), stream=True)
        except httpx.ConnectError as exc:
            last = exc
    assert last is not None
    raise FetchError(f"could not fetch {url}: cannot connect ({last}).") from last
