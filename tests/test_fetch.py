"""store.fetch against a local web server: what it refuses, and that it refuses it in time."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator

import pytest

from store.fetch import (
    BadUrl,
    BlockedAddress,
    FetchPolicy,
    FetchTimeout,
    HttpStatusError,
    LoginRequired,
    MetadataAddress,
    NotFound,
    TooLarge,
    TooManyRedirects,
    Undecodable,
    Unreachable,
    WrongContentType,
    blocked_reason,
    fetch_url,
    normalise_url,
    parse_hosts,
)
from tests.fakes.pages import Page, PageServer

LOCAL = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}))
HTML = "<html><body><h1>社内勉強会</h1><p>本文</p></body></html>".encode()


@pytest.fixture
def web() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


def _resolver(table: dict[str, list[str]], calls: list[str] | None = None):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise OSError("no such host")
        return table[host]
    return resolve


def test_fetch_url_refuses_the_local_server_by_default(web: PageServer) -> None:
    url = web.add("/r", Page(HTML))
    with pytest.raises(BlockedAddress, match=r"loopback.*IMPORT_ALLOW_HOSTS"):
        fetch_url(url)
    assert web.requests == []  # refused before connecting


def test_fetch_url_fetches_an_allowed_host(web: PageServer) -> None:
    url = web.add("/r", Page(HTML))
    page = fetch_url(url, LOCAL)
    assert "社内勉強会" in page.text and page.content_type == "text/html"
    assert page.url == url and page.final_url == url


def test_fetch_url_connects_to_the_vetted_address_with_the_name_as_host(web: PageServer
                                                                       ) -> None:
    web.add("/r", Page(HTML))
    calls: list[str] = []
    resolve = _resolver({"wiki.intra": ["127.0.0.1"]}, calls)
    page = fetch_url(web.url("/r", host="wiki.intra"),
                     FetchPolicy(allow_hosts=parse_hosts("Wiki.Intra., other")), resolve=resolve)
    assert "本文" in page.text
    assert calls == ["wiki.intra"]  # one lookup, and the socket went to its answer
    assert web.requests[0]["headers"]["host"] == f"wiki.intra:{web.port}"


@pytest.mark.parametrize(("address", "error"), [
    ("10.1.2.3", BlockedAddress), ("192.168.0.7", BlockedAddress), ("::1", BlockedAddress),
    ("169.254.10.10", BlockedAddress), ("224.0.0.1", BlockedAddress),
    ("0.0.0.0", BlockedAddress), ("100.64.1.1", BlockedAddress), ("fc00::5", BlockedAddress),
    ("::ffff:127.0.0.1", BlockedAddress), ("240.0.0.1", BlockedAddress),
    ("169.254.169.254", MetadataAddress), ("fd00:ec2::254", MetadataAddress),
    ("::ffff:169.254.169.254", MetadataAddress),
])
def test_fetch_url_refuses_hosts_resolving_to_unsafe_addresses(
        address: str, error: type[Exception]) -> None:
    resolve = _resolver({"evil.example": ["93.184.216.34", address]})
    with pytest.raises(error):
        fetch_url("http://evil.example/report", resolve=resolve)


def test_fetch_url_refuses_metadata_even_for_allowed_hosts() -> None:
    resolve = _resolver({"meta.intra": ["169.254.169.254"]})
    with pytest.raises(MetadataAddress, match="never fetched"):
        fetch_url("http://meta.intra/latest/meta-data/",
                  FetchPolicy(allow_hosts=frozenset({"meta.intra"})), resolve=resolve)
    with pytest.raises(MetadataAddress):
        fetch_url("http://169.254.169.254/latest/", FetchPolicy(
            allow_hosts=frozenset({"169.254.169.254"})))


@pytest.mark.parametrize("target", ["http://10.0.0.8/admin", "http://127.0.0.1:{port}/r",
                                    "http://169.254.169.254/latest/meta-data/"])
def test_fetch_url_checks_every_redirect(web: PageServer, target: str) -> None:
    web.add("/r", Page(HTML))
    web.add("/go", Page(b"", status=302, content_type=None,
                        headers={"Location": target.format(port=web.port)}))
    resolve = _resolver({"wiki.intra": ["127.0.0.1"]})
    with pytest.raises(BlockedAddress):
        fetch_url(web.url("/go", host="wiki.intra"),
                  FetchPolicy(allow_hosts=frozenset({"wiki.intra"})), resolve=resolve)
    assert [r["path"] for r in web.requests] == ["/go"]


def test_fetch_url_follows_five_redirects_and_no_more(web: PageServer) -> None:
    web.add("/r", Page(HTML))
    for n in range(6):
        web.add(f"/hop{n}", Page(b"", status=301 if n % 2 else 307, content_type=None,
                                 headers={"Location": f"/hop{n + 1}" if n < 5 else "/r"}))
    assert fetch_url(web.url("/hop1"), LOCAL).final_url == web.url("/r")  # 5 redirects
    with pytest.raises(TooManyRedirects, match="more than 5"):
        fetch_url(web.url("/hop0"), LOCAL)  # 6


def test_fetch_url_refuses_an_oversized_page(web: PageServer) -> None:
    small = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), max_bytes=1000)
    with pytest.raises(TooLarge, match="1,000 bytes"):
        fetch_url(web.add("/big", Page(b"x" * 2000, content_type="text/plain")), small)
    # no Content-Length: the reading itself stops
    with pytest.raises(TooLarge):
        fetch_url(web.add("/stream", Page(b"y" * 5000, content_type="text/plain", length=-1)),
                  small)
    assert "y" * 900 in fetch_url(web.add("/ok", Page(b"y" * 900, content_type="text/plain",
                                                       length=-1)), small).text


def test_fetch_url_has_one_deadline_for_a_slow_server(web: PageServer) -> None:
    url = web.add("/slow", Page(HTML * 20, trickle=0.02))  # a byte every 20 ms, forever
    policy = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), timeout=0.4)
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"0\.4 s"):
        fetch_url(url, policy)
    assert time.monotonic() - started < 1.5


def test_fetch_url_times_out_on_a_server_that_never_answers() -> None:
    with socket.socket() as listener:  # accepts connections (the backlog) and says nothing
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            fetch_url(f"http://127.0.0.1:{port}/", FetchPolicy(
                allow_hosts=frozenset({"127.0.0.1"}), timeout=0.3))
        assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "text/css",
                                          "application/octet-stream", None])
def test_fetch_url_refuses_other_content_types(web: PageServer, content_type: str | None
                                               ) -> None:
    url = web.add("/f", Page(b"%PDF-1.4 ...", content_type=content_type))
    with pytest.raises(WrongContentType):
        fetch_url(url, LOCAL)


@pytest.mark.parametrize("content_type", ["text/markdown", "text/plain; charset=utf-8",
                                          "application/xhtml+xml", "TEXT/X-MARKDOWN"])
def test_fetch_url_accepts_text_types(web: PageServer, content_type: str) -> None:
    url = web.add("/m", Page("# 勉強会\n".encode(), content_type=content_type))
    assert fetch_url(url, LOCAL).text.startswith("# 勉強会")


def test_fetch_url_reads_a_page_that_is_not_utf8(web: PageServer) -> None:
    body = ("<html><body><h1>第3回 コンテナ勉強会</h1><h2>サービスメッシュ入門</h2>"
            "<p>登壇者: 山田 花子</p></body></html>")
    sjis = web.add("/sjis", Page(body.encode("cp932"), content_type="text/html"))
    assert "サービスメッシュ入門" in fetch_url(sjis, LOCAL).text  # detected
    euc = web.add("/euc", Page(body.encode("euc_jp"), content_type="text/html; charset=EUC-JP"))
    assert "山田 花子" in fetch_url(euc, LOCAL).text  # as the server says
    binary = web.add("/bin", Page(bytes(range(256)) * 8, content_type="text/plain"))
    with pytest.raises(Undecodable, match="binary"):
        fetch_url(binary, LOCAL)


@pytest.mark.parametrize(("status", "error"), [
    (404, NotFound), (410, NotFound), (401, LoginRequired), (403, LoginRequired),
    (500, HttpStatusError)])
def test_fetch_url_error_statuses(web: PageServer, status: int, error: type[Exception]) -> None:
    url = web.add("/e", Page(b"<html>nope</html>", status=status))
    with pytest.raises(error) as info:
        fetch_url(url, LOCAL)
    assert str(status) in str(info.value) and "\n" not in str(info.value)


def test_fetch_url_unreachable() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(Unreachable):
        fetch_url(f"http://127.0.0.1:{port}/", LOCAL)
    with pytest.raises(Unreachable, match="resolve"):
        fetch_url("http://nowhere.invalid/", resolve=_resolver({}))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x",
                                 "javascript:alert(1)", "example.com/report", "http:///x",
                                 "http://user:pw@example.com/", "http://example.com:99999/",
                                 "gopher://127.0.0.1:6379/_FLUSHALL"])
def test_fetch_url_refuses_other_schemes_and_odd_urls(url: str) -> None:
    with pytest.raises(BadUrl):
        fetch_url(url, resolve=_resolver({}))


def test_fetch_url_sends_credentials_only_to_their_host(web: PageServer) -> None:
    web.add("/r", Page(HTML))
    web.add("/go", Page(b"", status=302, content_type=None,
                        headers={"Location": web.url("/r", host="other.intra")}))
    resolve = _resolver({"files.intra": ["127.0.0.1"], "other.intra": ["127.0.0.1"]})
    policy = FetchPolicy(allow_hosts=frozenset({"files.intra", "other.intra"}),
                         headers={"Authorization": "Bearer xoxb-secret"},
                         auth_hosts=frozenset({"files.intra"}))
    fetch_url(web.url("/go", host="files.intra"), policy, resolve=resolve)
    first, second = web.requests
    assert first["headers"]["authorization"] == "Bearer xoxb-secret"
    assert "authorization" not in second["headers"]
    only = FetchPolicy(allow_hosts=frozenset({"files.intra", "other.intra"}),
                       only_hosts=frozenset({"files.intra"}))
    assert fetch_url(web.url("/go", host="files.intra"), only, resolve=resolve).text
    with pytest.raises(BlockedAddress, match="not the host"):
        fetch_url(web.url("/r", host="other.intra"), only, resolve=resolve)


@pytest.mark.parametrize(("address", "blocked"), [
    ("8.8.8.8", False), ("2606:4700:4700::1111", False), ("127.0.0.2", True),
    ("172.16.5.4", True), ("198.18.0.1", True), ("::", True), ("ff02::1", True),
    ("fe80::1", True), ("2002:a9fe:a9fe::", True), ("2002:7f00:1::", True),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", True)])
def test_blocked_reason(address: str, blocked: bool) -> None:
    assert (blocked_reason(ipaddress.ip_address(address)) is not None) is blocked


def test_normalise_url() -> None:
    assert normalise_url(" HTTPS://Example.COM:443/a/b?x=1#part ") == "https://example.com/a/b?x=1"
    assert normalise_url("http://example.com") == "http://example.com/"
    assert normalise_url("http://[::1]:8080/x") == "http://[::1]:8080/x"
    assert normalise_url("https://例え.jp/勉強会 メモ?q=日本") == (
        "https://xn--r8jz45g.jp/%E5%8B%89%E5%BC%B7%E4%BC%9A%20%E3%83%A1%E3%83%A2"
        "?q=%E6%97%A5%E6%9C%AC")
    assert normalise_url("https://example.com/a%20b") == "https://example.com/a%20b"


def test_fetch_url_requests_a_path_with_spaces_and_kana(web: PageServer) -> None:
    web.add("/%E5%A0%B1%E5%91%8A%20r", Page(HTML))
    assert "本文" in fetch_url(web.url("/報告 r"), LOCAL).text


def test_allowed_hosts_in_brackets_are_the_addresses_inside() -> None:
    assert parse_hosts("[::1], Wiki.Intra.") == frozenset({"::1", "wiki.intra"})


def test_a_url_longer_than_an_identity_may_be_is_refused_before_any_request() -> None:
    long = "https://wiki.example/" + "ページ" * 120  # each kana is 9 characters encoded
    with pytest.raises(BadUrl) as refused:
        fetch_url(long, FetchPolicy(), resolve=lambda host, port: ["8.8.8.8"])
    assert refused.value.code == "url_too_long"


def test_a_resolver_that_never_answers_is_bounded_by_the_deadline() -> None:
    def stuck(host: str, port: int) -> list[str]:
        time.sleep(3)
        return ["8.8.8.8"]

    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch_url("https://slow-dns.example/", FetchPolicy(timeout=0.3), resolve=stuck)
    assert time.monotonic() - started < 2
