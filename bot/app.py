"""Wires the Slack app: Web API client with retries, Bolt App, listeners and their deps."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    RetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session, sessionmaker

from bot.handlers import Deps, DigestPort, EventLog, Responder, SearchBackend, register
from bot.settings import Settings, SettingsError

log = logging.getLogger("meetup_bot.slack")

SLACK_API_URL = WebClient.BASE_URL
LAZY_WORKERS = 8


def retry_handlers(max_retries: int = 2) -> list[RetryHandler]:
    """429 (honouring Retry-After), 500/503 and dropped connections are retried."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=max_retries),
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries),
    ]


def api_base_url(settings: Settings) -> str:
    """SLACK_API_URL (or Slack's own), ending with '/' as WebClient joins it with method names."""
    base = settings.slack_api_url or SLACK_API_URL
    return base if base.endswith("/") else base + "/"


def build_web_client(settings: Settings) -> WebClient:
    return WebClient(token=settings.slack_bot_token, base_url=api_base_url(settings), timeout=10,
                     retry_handlers=retry_handlers())


def build_responder() -> Responder:
    """Posts to a response_url with the same retries as the Web API client."""
    def respond(url: str, payload: dict[str, Any]) -> None:
        resp = WebhookClient(url, timeout=10, retry_handlers=retry_handlers()).send_dict(payload)
        if resp.status_code != 200:
            log.warning("response_url answered %s: %s", resp.status_code, resp.body[:200])
    return respond


def default_search() -> SearchBackend:
    """The store's search engine (store.search)."""
    try:
        return importlib.import_module("store.search")  # type: ignore[return-value]
    except ModuleNotFoundError:
        raise SettingsError("the search engine (store/search.py) is not installed") from None


def require_slack_settings(settings: Settings) -> str:
    """'socket' or 'http', or one clear line naming what is missing (never a secret's value)."""
    if not settings.slack_bot_token:
        raise SettingsError("SLACK_BOT_TOKEN is not set: `serve` needs the bot token (xoxb-…)")
    if not settings.slack_bot_token.startswith("xoxb-"):
        raise SettingsError("SLACK_BOT_TOKEN does not look like a bot token (xoxb-…)")
    if settings.slack_app_token:
        if not settings.slack_app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN does not look like an app-level token (xapp-…)")
        return "socket"
    if not settings.slack_signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs it (or set SLACK_APP_TOKEN "
            "for Socket Mode)")
    return "http"


def build_deps(settings: Settings, sessions: sessionmaker[Session], *,
               search: SearchBackend | None = None, digest: DigestPort | None = None,
               events: EventLog | None = None) -> Deps:
    return Deps(sessions=sessions, search=search or default_search(),
                language=settings.bot_language, digest=digest, respond=build_responder(),
                events=events or EventLog())


def build_app(settings: Settings, sessions: sessionmaker[Session], client: WebClient | None = None,
              *, search: SearchBackend | None = None, digest: DigestPort | None = None,
              socket_mode: bool = False, deps: Deps | None = None) -> App:
    """The Bolt app with every listener; calls auth.test once (a bad token fails here)."""
    client = client or build_web_client(settings)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # Acks are answered in the request thread, before any lazy work is queued, so a
        # backlog of searches can never delay one.
        process_before_response=True,
        request_verification_enabled=not socket_mode,
        ssl_check_enabled=False,  # answered after the signature check, in bot.handlers
        listener_executor=ThreadPoolExecutor(LAZY_WORKERS, thread_name_prefix="meetup-lazy"),
        logger=logging.getLogger("meetup_bot.bolt"),
    )
    register(app, deps or build_deps(settings, sessions, search=search, digest=digest))
    return app


def check_slack(settings: Settings) -> None:
    """auth.test once, so a wrong token or an unreachable API is one clear line at start-up."""
    client = WebClient(token=settings.slack_bot_token, base_url=api_base_url(settings), timeout=5,
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    sdk_log = logging.getLogger("slack_sdk.web.base_client")
    level = sdk_log.level
    sdk_log.setLevel(logging.CRITICAL)  # its own report of the same failure would be a 2nd line
    try:
        client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else "unknown"
        raise SettingsError(f"Slack refused SLACK_BOT_TOKEN (auth.test: {error})") from None
    except (SlackClientError, OSError) as exc:
        raise SettingsError(
            f"cannot reach the Slack Web API at {client.base_url} ({type(exc).__name__})"
        ) from None
    finally:
        sdk_log.setLevel(level)


@contextmanager
def socket_mode(app: App, app_token: str) -> Iterator[SocketModeHandler]:
    """A Socket Mode connection (slack_sdk's built-in client: no extra dependency)."""
    handler = SocketModeHandler(app, app_token=app_token, web_client=app.client)
    handler.connect()
    try:
        yield handler
    finally:
        handler.close()


@contextmanager
def lazy_work_drained(app: App) -> Iterator[None]:
    """On the way out, let answers already being prepared reach Slack."""
    try:
        yield
    finally:
        executor = app.listener_runner.listener_executor
        if isinstance(executor, ThreadPoolExecutor):
            executor.shutdown(wait=True)
