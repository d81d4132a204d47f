"""bot.server under hostile clients: idle and trickling connections, signed bodies Slack never sends."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from waitress import wasyncore

from bot.server import CLEANUP_INTERVAL, SlackWSGI, make_server
from store.health import StoreHealth
from tests.fakes.process import Served, http, serve, serve_env
from tests.fakes.slack_api import FakeSlack, signed_headers

SECRET = "server-signing-secret-do-not-print"
TOKEN = "xoxb-server-token-do-not-print"
LOAD_SLACK = 2.5  # scheduling slack on a loaded machine: the event loop wakes at least every second
HALF_OPEN = b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"  # no end of headers, ever


class Running:
    """A server from `make_server` on 127.0.0.1 in a thread of this process."""

    def __init__(self, wsgi: SlackWSGI, **kwargs: Any) -> None:
        self.server = make_server(wsgi, host="127.0.0.1", port=0, **kwargs)
        self.port = int(self.server.effective_port)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="waitress")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        socket_map = self.server._map
        self.server.close()
        wasyncore.close_all(socket_map)  # the loop ends once its map is empty
        self.thread.join(timeout=5)


def _connect(port: int, first: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if first:
        sock.sendall(first)
    return sock


def _closed_by_peer(sock: socket.socket, wait: float) -> bool:
    """True when the server closes `sock` within `wait` seconds (reads return EOF)."""
    sock.settimeout(wait)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def _response(sock: socket.socket, timeout: float = 5.0) -> bytes:
    """One whole HTTP response (headers and Content-Length body) from `sock`."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _health_ok() -> SlackWSGI:
    return SlackWSGI(None, None, lambda: StoreHealth("ok"))


# ---------------------------------------------------------------- slow and idle clients


def test_make_server_drops_a_client_trickling_header_lines() -> None:
    with Running(_health_ok(), header_timeout=1.0, request_timeout=2.0) as running:
        sock = _connect(running.port, b"GET /healthz HTTP/1.1\r\n")
        start = time.monotonic()
        closed_at = None
        with sock:
            while time.monotonic() - start < 8:
                try:
                    sock.sendall(b"X-Trickle: 1\r\n")  # activity that used to reset the timer
                except (BrokenPipeError, ConnectionResetError):
                    closed_at = time.monotonic() - start
                    break
                if _closed_by_peer(sock, 0.25):
                    closed_at = time.monotonic() - start
                    break
        assert closed_at is not None, "a trickling client kept its connection for 8 s"
        assert 0.9 <= closed_at <= 1.0 + CLEANUP_INTERVAL + LOAD_SLACK, closed_at
        assert http("GET", running.url + "/healthz", timeout=2)[0] == 200


def test_make_server_drops_a_body_that_never_ends() -> None:
    with Running(_health_ok(), header_timeout=1.0, request_timeout=2.0) as running:
        head = (b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        with _connect(running.port, head) as sock:
            start = time.monotonic()
            closed = False
            while not closed and time.monotonic() - start < 8:
                try:
                    sock.sendall(b"a")
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                closed = _closed_by_peer(sock, 0.25)
            elapsed = time.monotonic() - start
        assert closed and 1.9 <= elapsed <= 2.0 + CLEANUP_INTERVAL + LOAD_SLACK, elapsed


def test_make_server_drops_a_silent_connection_and_keeps_an_idle_kept_alive_one() -> None:
    with Running(_health_ok(), header_timeout=1.0, request_timeout=2.0,
                 idle_timeout=30) as running:
        silent = _connect(running.port)
        alive = _connect(running.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        with silent, alive:
            assert _response(alive).startswith(b"HTTP/1.1 200")
            assert _closed_by_peer(silent, 1.0 + CLEANUP_INTERVAL + LOAD_SLACK)
            time.sleep(0.5)  # kept alive past the header deadline: not a slow request
            alive.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _response(alive).startswith(b"HTTP/1.1 200")


def test_make_server_answers_healthz_past_many_idle_connections() -> None:
    with Running(_health_ok(), header_timeout=30.0, connections=500) as running:
        held = [_connect(running.port, HALF_OPEN if i % 2 else b"") for i in range(400)]
        try:
            status, body, seconds = http("GET", running.url + "/healthz", timeout=5)
            assert status == 200 and json.loads(body) == {"status": "ok"} and seconds < 1.0
        finally:
            for sock in held:
                sock.close()


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def served(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The real `meetup-bot serve` in HTTP mode on 127.0.0.1."""
    db = tmp_path_factory.mktemp("served") / "store.db"
    env = serve_env(DATABASE_URL=f"sqlite:///{db}", SLACK_BOT_TOKEN=TOKEN,
                    SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.base_url)
    with serve(env) as running:
        yield running
    output = running.stderr()
    assert SECRET not in output and TOKEN not in output
    assert "Traceback" not in output, output


def test_serve_answers_past_300_idle_connections(served: Served) -> None:
    """300 connections that never finish their headers (the limit used to be 200)."""
    held = [_connect(served.port, HALF_OPEN) for _ in range(300)]
    try:
        time.sleep(0.2)  # let the server accept them all
        status, body, seconds = http("GET", served.url + "/healthz", timeout=5)
        assert status == 200 and json.loads(body) == {"status": "ok"}
        assert seconds < 1.0, seconds
        challenge = json.dumps({"type": "url_verification", "challenge": "c1",
                                "token": "t"}).encode()
        status, answer, seconds = http("POST", served.url + "/slack/events", challenge,
                                       signed_headers(SECRET, challenge,
                                                      content_type="application/json"))
        assert status == 200 and json.loads(answer)["challenge"] == "c1" and seconds < 1.0
    finally:
        for sock in held:
            sock.close()
