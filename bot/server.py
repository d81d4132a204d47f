"""The HTTP face of `serve`: a WSGI app (signature check, Bolt, /healthz) run by waitress."""

from __future__ import annotations

import gc
import io
import json
import logging
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, ExitStack
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.handlers import EventLog
from store.models import Event

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger("meetup_bot.server")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1 << 20  # Slack's payloads are a few kB; anything near this is not from Slack
REPLAY_WINDOW = 600.0  # longer than the 5 minutes a signature's timestamp stays valid
WAITRESS_THREADS = 8
SWITCH_INTERVAL = 0.005


def store_answers(sessions: sessionmaker[Session]) -> bool:
    """True when the store can be queried (schema present)."""
    try:
        with sessions() as session:
            session.execute(select(Event.id).limit(1)).all()
        return True
    except SQLAlchemyError as exc:
        log.warning("health check: the store does not answer (%s)", type(exc).__name__)
        return False


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
                 health: Callable[[], bool]) -> None:
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._health = health
        self._signatures = EventLog(ttl=REPLAY_WINDOW)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse
                 ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            if self._health():
                return _json(start_response, "200 OK", {"status": "ok"})
            return _json(start_response, "503 Service Unavailable", {"status": "unavailable"})
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
            body.decode("utf-8")
        except UnicodeDecodeError:
            return _json(start_response, "400 Bad Request", {"error": "body is not UTF-8"})
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        assert self._bolt is not None
        try:
            return self._bolt(environ, start_response)
        except ValueError:  # a signed body Bolt cannot parse (malformed JSON)
            log.warning("a signed request with a body Bolt could not parse")
            return _json(start_response, "400 Bad Request", {"error": "bad body"})


def _stop_on_sigterm() -> None:
    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)


def run(wsgi: SlackWSGI, *, host: str, port: int, services: Sequence[AbstractContextManager[Any]]
        = (), on_listen: Callable[[str, int], None] | None = None) -> None:
    """Serve `wsgi` with waitress until SIGTERM/SIGINT; `services` run alongside it."""
    from waitress import create_server

    # Acks must not wait behind CPU-bound searches in the lazy threads: hand the GIL over
    # sooner than the default 5 ms (costs a little search throughput, nothing else).
    sys.setswitchinterval(SWITCH_INTERVAL)

    server = create_server(wsgi, host=host, port=port, threads=WAITRESS_THREADS,
                           ident="meetup-bot", max_request_body_size=MAX_BODY,
                           channel_timeout=30, connection_limit=200, clear_untrusted_proxy_headers=True)
    effective_host, effective_port = server.effective_host, server.effective_port  # type: ignore[union-attr]
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


def announce(mode: str) -> Callable[[str, int], None]:
    def say(host: str, port: int) -> None:
        print(f"meetup-bot: {mode} listening on http://{host}:{port} "
              f"(POST {EVENTS_PATH}, GET {HEALTH_PATH})", file=sys.stderr, flush=True)
    return say
