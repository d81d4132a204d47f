"""The HTTP face of `serve`: a WSGI app (signature check, Bolt, /healthz) run by waitress."""

from __future__ import annotations

import gc
import io
import json
import logging
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, ExitStack
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.orm import Session, sessionmaker
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from bot.handlers import EventLog
from bot.metrics import Metrics
from bot.payloads import BadBody, check_body
from store.health import StoreHealth, probe_store

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger("meetup_bot.server")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
MAX_BODY = 1 << 20  # Slack's payloads are a few kB; anything near this is not from Slack
REPLAY_WINDOW = 600.0  # longer than the 5 minutes a signature's timestamp stays valid
WAITRESS_THREADS = 8
SWITCH_INTERVAL = 0.005


HEALTH_TTL = 5.0  # seconds a probe's answer is reused: load balancers may ask every second


class CachedHealth:
    """The store's health for /healthz: probed at most every `ttl` seconds, and never by two
    requests at once (while one probes, the others get the previous answer)."""

    def __init__(self, probe: Callable[[], StoreHealth], *, ttl: float = HEALTH_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._probe = probe
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._last: StoreHealth | None = None
        self._checked = 0.0

    def __call__(self) -> StoreHealth:
        last = self._last
        if last is not None and self._clock() - self._checked < self._ttl:
            return last
        if not self._lock.acquire(blocking=last is None):
            return last  # type: ignore[return-value]  # not None: blocking otherwise
        try:
            if self._last is not None and self._clock() - self._checked < self._ttl:
                return self._last  # another request probed while this one waited
            health = self._probe()
            if self._last is None or health != self._last:
                level = logging.INFO if health.status == "ok" else logging.WARNING
                log.log(level, "health: the store is %s%s", health.status,
                        f" ({health.reason})" if health.reason else "")
            self._last, self._checked = health, self._clock()
            return health
        finally:
            self._lock.release()


def store_health(sessions: sessionmaker[Session], *, ttl: float = HEALTH_TTL) -> CachedHealth:
    """The health check of `serve`: reads and a write that changes nothing (store.health)."""
    engine = sessions.kw["bind"]
    return CachedHealth(lambda: probe_store(engine), ttl=ttl)


def media_type(content_type: str | None) -> str | None:
    """The media type of a Content-Type header, as Bolt reads it (parameters dropped)."""
    return content_type.split(";")[0] if content_type else None


def _json(start_response: StartResponse, status: str, payload: dict[str, Any]
          ) -> Iterable[bytes]:
    body = json.dumps(payload).encode()
    start_response(status, [("content-type", "application/json"),
                            ("content-length", str(len(body)))])
    return [body]


class SlackWSGI:
    """`POST /slack/events` for Slack (signature first, then Bolt) and `GET /healthz`.

    The signature is checked here before Bolt parses anything, so an unsigned, forged or stale
    request, or an exact replay of a signed one, gets 401 and reaches no listener. Bolt checks
    it again (cheap), which keeps the app safe if it is ever mounted without this wrapper.
    With `app=None` only /healthz is served (Socket Mode).
    """

    def __init__(self, app: App | None, signing_secret: str | None,
                 health: Callable[[], StoreHealth], metrics: Metrics | None = None) -> None:
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._health = health
        self._signatures = EventLog(ttl=REPLAY_WINDOW)
        self._metrics = metrics

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse
                 ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            health = self._health()
            if health.status == "ok":
                return _json(start_response, "200 OK", {"status": "ok"})
            return _json(start_response, "503 Service Unavailable",
                         {"status": health.status, "reason": health.reason})
        if path == METRICS_PATH and method in ("GET", "HEAD") and self._metrics is not None:
            body, content_type = self._metrics.render()
            start_response("200 OK", [("content-type", content_type),
                                      ("content-length", str(len(body)))])
            return [body]
        if path == EVENTS_PATH and self._bolt is not None:
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "use POST"})
            return self._events(environ, start_response)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    def _verified(self, body: bytes, timestamp: str, signature: str) -> bool:
        """Slack's v0 HMAC over `v0:timestamp:body`, timestamp within 5 minutes of now."""
        if self._verifier is None or not signature.isascii() or not signature.startswith("v0="):
            return False
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return False
        try:
            return self._verifier.is_valid(body, timestamp, signature)
        except (ValueError, TypeError):
            return False

    def _events(self, environ: WSGIEnvironment, start_response: StartResponse
                ) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return _json(start_response, "413 Request Entity Too Large", {"error": "too large"})
        body = environ["wsgi.input"].read(length) if length else b""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not self._verified(body, timestamp, signature):
            return _json(start_response, "401 Unauthorized", {"error": "invalid request"})
        if not self._signatures.claim(signature):
            # Already received: never handled twice. Slack's own quick retry of an event we got
            # is acknowledged so Slack stops retrying; any other exact replay is refused.
            if environ.get("HTTP_X_SLACK_RETRY_NUM"):
                return _json(start_response, "200 OK", {})
            log.warning("rejected a replayed request (same signature seen before)")
            return _json(start_response, "401 Unauthorized", {"error": "invalid request"})
        try:
            check_body(body.decode("utf-8"), media_type(environ.get("CONTENT_TYPE")))
        except UnicodeDecodeError:
            return _json(start_response, "400 Bad Request", {"error": "body is not UTF-8"})
        except BadBody as exc:
            log.warning("refused a signed request that Slack would not send: %s", exc.reason)
            return _json(start_response, "400 Bad Request", {"error": "not a Slack request"})
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        assert self._bolt is not None
        try:
            return self._bolt(environ, start_response)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError,
                RecursionError) as exc:
            # check_body should have refused it: a shape it does not know yet. One line at the
            # default level (no body, no traceback); the traceback for operators with -v.
            log.warning("refused a signed request whose body Bolt could not handle (%s)",
                        type(exc).__name__)
            log.info("the body Bolt could not handle", exc_info=True)
            return _json(start_response, "400 Bad Request", {"error": "not a Slack request"})


def _stop_on_sigterm() -> None:
    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)


# ---------------------------------------------------------------- slow and idle clients

# A client gets this long from connecting (or, on a kept-alive connection, from the first byte of
# its next request) to the end of the request's headers, and REQUEST_TIMEOUT to the end of its
# body. Slack sends a few kB at once; anything slower is a stuck or hostile client, and without a
# deadline one header line every few seconds would hold a connection forever.
HEADER_TIMEOUT = 10.0
REQUEST_TIMEOUT = 30.0
IDLE_TIMEOUT = 30  # a kept-alive connection with no request in progress
CLEANUP_INTERVAL = 1  # how often deadlines are checked (seconds)
# Held connections cost one file descriptor each and no thread (waitress reads requests in its
# event loop); poll() rather than select() lets their descriptors go past 1024.
CONNECTION_LIMIT = 2000
FD_RESERVE = 200  # descriptors kept for the store, the worker, logs and Slack calls


class DeadlineChannel(HTTPChannel):  # type: ignore[misc]
    """A waitress channel that knows when the request it is receiving began."""

    request_started: float | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_started = self.creation_time  # a new connection owes a request at once

    def received(self, data: bytes) -> bool:
        done: bool = super().received(data)
        if self.request is None:
            self.request_started = None  # nothing half-received: only IDLE_TIMEOUT applies
        elif self.request_started is None:
            self.request_started = time.time()
        return done

    def overdue(self, now: float, header_timeout: float, request_timeout: float) -> bool:
        """True when the request being received has missed its header or body deadline."""
        if self.requests or self.request_started is None:
            return False  # being answered, or idle between requests
        waited = now - self.request_started
        if self.request is None or not self.request.headers_finished:
            return waited > header_timeout
        return waited > request_timeout


class GuardedServer(TcpWSGIServer):  # type: ignore[misc]
    """waitress's TCP server that also closes connections whose request is overdue."""

    channel_class = DeadlineChannel
    header_timeout = HEADER_TIMEOUT
    request_timeout = REQUEST_TIMEOUT

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        for channel in list(self.active_channels.values()):
            if isinstance(channel, DeadlineChannel) and channel.overdue(
                    now, self.header_timeout, self.request_timeout):
                log.info("closed a connection from %s: its request was too slow",
                         channel.addr[0] if channel.addr else "?")
                channel.will_close = True


def connection_limit(wanted: int = CONNECTION_LIMIT) -> int:
    """`wanted`, raising the soft limit on open files if needed (and allowed), else less."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + FD_RESERVE
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < need:
        wanted = max(16, soft - FD_RESERVE)
        log.warning("the open-files limit (%s) allows only %s connections", soft, wanted)
    return wanted


def make_server(wsgi: SlackWSGI, *, host: str, port: int,
                header_timeout: float = HEADER_TIMEOUT, request_timeout: float = REQUEST_TIMEOUT,
                idle_timeout: int = IDLE_TIMEOUT, connections: int | None = None) -> Any:
    """A waitress server for `wsgi` on host:port, not yet running (`.run()`, `.close()`)."""
    adj = Adjustments(
        host=host, port=port, threads=WAITRESS_THREADS, ident="meetup-bot",
        max_request_body_size=MAX_BODY, clear_untrusted_proxy_headers=True,
        connection_limit=connections or connection_limit(), channel_timeout=idle_timeout,
        cleanup_interval=CLEANUP_INTERVAL, asyncore_use_poll=True)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    socket_map: dict[int, Any] = {}
    servers = []
    for sockinfo in adj.listen:
        server = GuardedServer(wsgi, socket_map, dispatcher=dispatcher, adj=adj,
                               sockinfo=sockinfo)
        server.header_timeout, server.request_timeout = header_timeout, request_timeout
        servers.append(server)
    if len(servers) == 1:
        return servers[0]
    listening = [(s.effective_host, s.effective_port) for s in servers]
    return MultiSocketServer(socket_map, adj, listening, dispatcher, servers[0].log_info)


def run(wsgi: SlackWSGI, *, host: str, port: int, services: Sequence[AbstractContextManager[Any]]
        = (), on_listen: Callable[[str, int], None] | None = None) -> None:
    """Serve `wsgi` with waitress until SIGTERM/SIGINT; `services` run alongside it."""
    # Acks must not wait behind CPU-bound searches in the lazy threads: hand the GIL over
    # sooner than the default 5 ms (costs a little search throughput, nothing else).
    sys.setswitchinterval(SWITCH_INTERVAL)

    server = make_server(wsgi, host=host, port=port)
    if isinstance(server, MultiSocketServer):
        effective_host, effective_port = server.effective_listen[0]
    else:
        effective_host, effective_port = server.effective_host, server.effective_port
    with ExitStack() as stack:
        for service in services:
            stack.enter_context(service)
        # Everything loaded so far lives as long as the process: keep it out of the cyclic
        # garbage collector's full passes, which otherwise pause every request now and then.
        gc.collect()
        gc.freeze()
        if on_listen is not None:
            on_listen(str(effective_host), int(effective_port))
        _stop_on_sigterm()
        try:
            server.run()
        finally:
            server.close()


def announce(mode: str, *, as_json: bool = False) -> Callable[[str, int], None]:
    """The start-up line on stderr; with LOG_FORMAT=json a JSON object like the log lines."""
    def say(host: str, port: int) -> None:
        text = (f"meetup-bot: {mode} listening on http://{host}:{port} "
                f"(POST {EVENTS_PATH}, GET {HEALTH_PATH}, GET {METRICS_PATH})")
        if as_json:
            text = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "level": "INFO", "logger": log.name, "message": text})
        print(text, file=sys.stderr, flush=True)
    return say
