"""Fetching a report page from the network without letting the page steer where we connect.

Only http and https. Every host is resolved here and refused when any of its addresses is
loopback, private, link-local, multicast, reserved, unspecified or not globally routable,
and always when it is a cloud metadata address; the connection then goes to the vetted
address itself (the name travels in the Host header and TLS SNI), so a second DNS answer
cannot swap in another address, and the peer the socket really reached is checked again.
The same holds for every redirect (at most `max_redirects`). At most `max_bytes` are read
and the whole fetch, redirects included, ends at one deadline. Each refusal is its own
exception with a one-line reason; `FetchError.code` names it for translated answers.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

from store.decoding import MAX_BYTES, decode_report
from store.errors import MeetupBotError, ReportError

TIMEOUT = 10.0
MAX_REDIRECTS = 5
# Text a report can be in; "similar text types" are the Markdown spellings servers use.
TEXT_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown",
    "text/x-web-markdown",
})
# Instance metadata services: never fetched, whatever IMPORT_ALLOW_HOSTS says.
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean …
    "169.254.170.2",  # AWS ECS task metadata
    "fd00:ec2::254",  # AWS over IPv6
    "100.100.100.200",  # Alibaba Cloud
    "192.0.0.192",  # Oracle Cloud (classic)
))
USER_AGENT = "meetup-bot (report import; +https://github.com/)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# getaddrinfo's shape, replaceable in tests: (host, port) -> addresses as strings
Resolver = Callable[[str, int], list[str]]


class FetchError(MeetupBotError):
    """A page that was not fetched, with a one-line reason (no secret, no body)."""

    code = "fetch_failed"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class BadUrl(FetchError):
    """Not an http(s) URL with a host."""

    code = "bad_url"


class UrlTooLong(BadUrl):
    """Longer than a report's identity may be (reports.source)."""

    code = "url_too_long"


class BlockedAddress(FetchError):
    """The host resolves to (or the socket reached) an address we do not fetch from."""

    code = "blocked_address"


class MetadataAddress(BlockedAddress):
    """A cloud metadata address: refused even for an allowed host."""

    code = "metadata_address"


class TooManyRedirects(FetchError):
    code = "too_many_redirects"


class TooLarge(FetchError):
    code = "too_large"


class FetchTimeout(FetchError):
    code = "timeout"


class WrongContentType(FetchError):
    code = "wrong_type"


class HttpStatusError(FetchError):
    """The server answered with an error status."""

    code = "http_error"

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.status = status


class NotFound(HttpStatusError):
    code = "not_found"


class LoginRequired(HttpStatusError):
    code = "login_required"


class Unreachable(FetchError):
    """No connection: the name does not resolve, the port is closed, TLS failed."""

    code = "unreachable"


class Undecodable(FetchError):
    """The body is binary or in an encoding we cannot read."""

    code = "undecodable"


@dataclass(frozen=True)
class FetchPolicy:
    """Where and how much a fetch may read. `allow_hosts` (IMPORT_ALLOW_HOSTS) may resolve
    to private addresses; `auth_hosts` are the only hosts that get `headers` (a bearer
    token), so a redirect elsewhere never carries it; `check_type` off trusts the caller
    to know the body is text (a Slack file with a report's extension)."""

    allow_hosts: frozenset[str] = frozenset()
    max_bytes: int = MAX_BYTES
    timeout: float = TIMEOUT
    max_redirects: int = MAX_REDIRECTS
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    auth_hosts: frozenset[str] = frozenset()
    check_type: bool = True
    # The hosts the first URL may name (a download must start there); None: any host.
    only_hosts: frozenset[str] | None = None


def parse_hosts(value: str | None) -> frozenset[str]:
    """`IMPORT_ALLOW_HOSTS`: host names separated by commas (or spaces), any case."""
    if not value:
        return frozenset()
    return frozenset(h.strip().strip("[]").lower().rstrip(".")  # [::1] is the host ::1
                     for h in value.replace(" ", ",").split(",") if h.strip())


@dataclass(frozen=True)
class Fetched:
    """A fetched page: where it was asked for, where it ended up, its bytes and text."""

    url: str
    final_url: str
    content_type: str
    data: bytes
    text: str


_SAFE = "/%:@!$&'()*+,;=-._~"


MAX_URL_CHARS = 1000  # under reports.source's 1,024 characters (and its index's bytes)


def normalise_url(url: str) -> str:
    """The URL as a report identity: scheme and host in lower case, no fragment, no default
    port; BadUrl when it is no http(s) URL."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadUrl("not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise BadUrl(f"only http and https pages can be fetched, not {scheme or 'this'}:"
                     if scheme else "not a URL: give an http:// or https:// address")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BadUrl("the URL names no host")
    if parts.username or parts.password:
        raise BadUrl("URLs with a user name or password are not fetched")
    if ":" in host:
        host = f"[{host}]"
    else:
        try:  # a name in Japanese or another script: its ASCII (IDNA) spelling
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise BadUrl("the URL's host name is not valid") from None
    default = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default) else f"{host}:{port}"
    # Spaces, control and non-ASCII characters percent-encoded (what a browser sends), so
    # every spelling of one page is one identity and the request line stays valid.
    path = quote(parts.path or "/", safe=_SAFE)
    query = quote(parts.query, safe=_SAFE + "?")
    normal = urlunsplit((scheme, netloc, path, query, ""))
    if len(normal) > MAX_URL_CHARS:  # the report's identity: it must fit reports.source
        raise UrlTooLong(f"the URL is longer than {MAX_URL_CHARS} characters")
    return normal


def blocked_reason(ip: IPAddress) -> str | None:
    """Why we do not connect to `ip`, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        # an IPv4 address inside IPv6 (mapped, 6to4, Teredo) is judged as that address
        if ip.ipv4_mapped is not None:
            return blocked_reason(ip.ipv4_mapped)
        if ip.sixtofour is not None and (inner := blocked_reason(ip.sixtofour)):
            return inner
        if ip.teredo is not None and (inner := blocked_reason(ip.teredo[1])):
            return inner
    if ip in METADATA:
        return "a cloud metadata address"
    for test, name in ((ip.is_loopback, "a loopback address"),
                       (ip.is_unspecified, "an unspecified address"),
                       (ip.is_link_local, "a link-local address"),
                       (ip.is_multicast, "a multicast address"),
                       (ip.is_private, "a private address"),
                       (ip.is_reserved, "a reserved address")):
        if test:
            return name
    if not ip.is_global:
        return "an address that is not public"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _check(host: str, ip: IPAddress, policy: FetchPolicy) -> None:
    reason = blocked_reason(ip)
    if reason is None:
        return
    if ip in METADATA or (isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped in METADATA):
        raise MetadataAddress(f"{host} resolves to {reason}; never fetched")
    if host in policy.allow_hosts:
        return
    raise BlockedAddress(f"{host} resolves to {reason}; add it to IMPORT_ALLOW_HOSTS if it "
                         "is an intranet wiki")


def _resolve_within(resolve: Resolver, host: str, port: int, deadline: _Deadline) -> list[str]:
    """`resolve(host, port)` within the fetch's deadline: getaddrinfo has no timeout of its
    own, and a resolver that never answers must not hold a listener thread past it."""
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["addresses"] = resolve(host, port)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=work, name="resolve", daemon=True)
    worker.start()
    worker.join(deadline.left())
    if worker.is_alive():
        raise FetchTimeout(f"the name {host} was not resolved within {deadline.seconds:g} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return list(box["addresses"])  # type: ignore[call-overload]


def _vetted(host: str, port: int, policy: FetchPolicy, resolve: Resolver,
            deadline: _Deadline) -> list[IPAddress]:
    try:
        literal: IPAddress | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0])
                         for a in _resolve_within(resolve, host, port, deadline)]
        except (OSError, UnicodeError, ValueError):
            raise Unreachable(f"cannot resolve {host}") from None
        if not addresses:
            raise Unreachable(f"cannot resolve {host}")
    for ip in addresses:  # any bad address refuses the host: the next lookup may pick it
        _check(host, ip, policy)
    return addresses


class _Deadline:
    """One deadline for the whole fetch; a watchdog shuts the socket when it passes, so a
    server that trickles a byte a second cannot stretch a read past it."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.seconds = seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchTimeout(f"the page did not arrive within {self.seconds:g} s")
        return left

    @contextlib.contextmanager
    def watching(self, sock: socket.socket) -> Iterator[None]:
        def cut() -> None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(max(0.0, self.end - time.monotonic()), cut)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()


def _connect(scheme: str, host: str, port: int, addresses: list[IPAddress],
             policy: FetchPolicy, deadline: _Deadline) -> socket.socket:
    last: OSError | None = None
    for ip in addresses:
        try:
            sock = socket.create_connection((str(ip), port), timeout=deadline.left())
        except TimeoutError:
            raise FetchTimeout(f"{host} did not answer within {deadline.seconds:g} s") from None
        except OSError as exc:
            last = exc
            continue
        peer = ipaddress.ip_address(sock.getpeername()[0].split("%")[0])
        try:
            _check(host, peer, policy)  # the address this socket really reached
        except FetchError:
            sock.close()
            raise
        if scheme == "https":
            try:
                context = ssl.create_default_context()
                sock.settimeout(deadline.left())
                sock = context.wrap_socket(sock, server_hostname=host.strip("[]"))
            except TimeoutError:
                sock.close()
                raise FetchTimeout(f"{host} did not answer within {deadline.seconds:g} s"
                                   ) from None
            except (ssl.SSLError, ssl.CertificateError, OSError) as exc:
                sock.close()
                raise Unreachable(f"TLS with {host} failed ({type(exc).__name__})") from None
        return sock
    raise Unreachable(f"cannot connect to {host}:{port} "
                      f"({getattr(last, 'strerror', None) or type(last).__name__})")


class _Pinned(http.client.HTTPConnection):
    """An HTTP connection over a socket we opened (to a vetted address) ourselves."""

    def __init__(self, host: str, port: int, sock: socket.socket, *, tls: bool) -> None:
        super().__init__(host, port)
        self.default_port = 443 if tls else 80  # no ":443" in the Host header
        self.sock = sock

    def connect(self) -> None:  # the socket is already there
        return


def _media_type(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        k, _, v = param.partition("=")
        if k.strip().lower() == "charset":
            charset = v.strip().strip("\"'") or None
    return media.strip().lower(), charset


def _status_error(status: int, host: str) -> HttpStatusError:
    if status in (401, 403, 407):
        return LoginRequired(f"{host} answered {status}: the page needs a login", status)
    if status in (404, 410):
        return NotFound(f"{host} answered {status}: no such page", status)
    return HttpStatusError(f"{host} answered {status}", status)


def decode_body(data: bytes, charset: str | None) -> str:
    """The body as text: the charset the server names when it decodes cleanly, else
    store.decoding's detection (UTF-8, Shift_JIS/CP932, EUC-JP; binary refused)."""
    if charset and b"\x00" not in data[:8192]:
        try:
            text = data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
        else:
            text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
            if text.strip():
                return text
    try:
        return decode_report(data)
    except ReportError as exc:
        raise Undecodable(exc.reason) from None


def fetch_url(url: str, policy: FetchPolicy | None = None, *,
              resolve: Resolver = system_resolver) -> Fetched:
    """GET `url` under `policy` (see the module's docstring); FetchError says why not."""
    policy = policy or FetchPolicy()
    deadline = _Deadline(policy.timeout)
    start = normalise_url(url)
    current = start
    for hop in range(policy.max_redirects + 1):
        parts = urlsplit(current)
        scheme, host = parts.scheme, (parts.hostname or "").lower().rstrip(".")
        port = parts.port or (443 if scheme == "https" else 80)
        if hop == 0 and policy.only_hosts is not None and host not in policy.only_hosts:
            raise BlockedAddress(f"{host} is not the host this download may come from")
        addresses = _vetted(host, port, policy, resolve, deadline)
        sock = _connect(scheme, host, port, addresses, policy, deadline)
        conn = _Pinned(host, port, sock, tls=scheme == "https")
        try:
            with deadline.watching(sock):
                response = _request(conn, parts, host, policy, deadline)
                status = response.status
                if status in (301, 302, 303, 307, 308):
                    location = response.getheader("Location")
                    if not location:
                        raise HttpStatusError(f"{host} redirected nowhere ({status})", status)
                    if hop == policy.max_redirects:
                        raise TooManyRedirects(
                            f"more than {policy.max_redirects} redirects")
                    current = normalise_url(urljoin(current, location))
                    continue
                if status != 200:
                    raise _status_error(status, host)
                media, charset = _media_type(response.getheader("Content-Type"))
                if policy.check_type and media not in TEXT_TYPES:
                    raise WrongContentType(
                        f"the page is {media or 'of no stated type'}, not HTML, Markdown or "
                        "plain text")
                data = _read(response, policy, deadline)
        except FetchError:
            raise
        except TimeoutError:
            raise FetchTimeout(f"the page did not arrive within {deadline.seconds:g} s"
                               ) from None
        except (OSError, http.client.HTTPException) as exc:
            if time.monotonic() >= deadline.end:
                raise FetchTimeout(f"the page did not arrive within {deadline.seconds:g} s"
                                   ) from None
            raise Unreachable(f"{host} broke off the answer ({type(exc).__name__})") from None
        finally:
            conn.close()
        return Fetched(url=start, final_url=current, content_type=media, data=data,
                       text=decode_body(data, charset))
    raise TooManyRedirects(f"more than {policy.max_redirects} redirects")  # pragma: no cover


def _request(conn: _Pinned, parts: SplitResult, host: str, policy: FetchPolicy,
             deadline: _Deadline) -> http.client.HTTPResponse:
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html, text/markdown;q=0.9, "
               "text/plain;q=0.8", "Accept-Encoding": "identity", "Connection": "close"}
    if host in policy.auth_hosts and (parts.scheme == "https" or host in policy.allow_hosts):
        # a token never travels in clear text, except to a host the operator configured so
        headers.update(policy.headers)
    assert conn.sock is not None
    conn.sock.settimeout(deadline.left())
    conn.request("GET", target, headers=headers)
    conn.sock.settimeout(deadline.left())
    return conn.getresponse()


def _read(response: http.client.HTTPResponse, policy: FetchPolicy,
          deadline: _Deadline) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > policy.max_bytes:
        raise TooLarge(f"the page is larger than {_size(policy.max_bytes)}")
    chunks: list[bytes] = []
    got = 0
    while True:
        deadline.left()
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
        if not chunk:
            if time.monotonic() >= deadline.end:
                raise FetchTimeout(f"the page did not arrive within {deadline.seconds:g} s")
            break
        got += len(chunk)
        if got > policy.max_bytes:
            raise TooLarge(f"the page is larger than {_size(policy.max_bytes)}")
        chunks.append(chunk)
    return b"".join(chunks)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n:,} bytes"
