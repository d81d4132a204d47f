"""Wires the Slack app: Web API client with retries, Bolt App, listeners and their deps."""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor, ThreadPoolExecutor
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

from bot.adding import build_adder
from bot.handlers import (
    Deps,
    DigestPort,
    EventLog,
    Offload,
    Responder,
    SearchBackend,
    StoreClaims,
    register,
)
from bot.metrics import MeteredWebClient, Metrics, TimedSearch, bolt_middleware, counted_retries
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


def build_web_client(settings: Settings, metrics: Metrics | None = None) -> WebClient:
    """The app's Web API client; with `metrics`, its errors, retries and answers are counted."""
    kwargs: dict[str, Any] = {"token": settings.slack_bot_token,
                              "base_url": api_base_url(settings), "timeout": 10,
                              "retry_handlers": counted_retries(retry_handlers(), metrics)}
    if metrics is not None:
        return MeteredWebClient(metrics=metrics, **kwargs)
    return WebClient(**kwargs)


def build_responder(metrics: Metrics | None = None) -> Responder:
    """Posts to a response_url with the same retries as the Web API client."""
    def respond(url: str, payload: dict[str, Any]) -> None:
        handlers = counted_retries(retry_handlers(), metrics, "response_url")
        resp = WebhookClient(url, timeout=10, retry_handlers=handlers).send_dict(payload)
        if resp.status_code != 200:
            log.warning("response_url answered %s: %s", resp.status_code, resp.body[:200])
            if metrics is not None:
                metrics.slack_api_errors.labels("response_url", str(resp.status_code)).inc()
        elif metrics is not None:
            metrics.answers.labels("response_url").inc()
    return respond


def default_search(glossary: str | None = None) -> SearchBackend:
    """The store's search engine (store.search), with the glossary at `glossary` (GLOSSARY)
    instead of its default one."""
    try:
        engine = importlib.import_module("store.search")
    except ModuleNotFoundError:
        raise SettingsError("the search engine (store/search.py) is not installed") from None
    if glossary is None:
        return engine  # type: ignore[no-any-return]
    return GlossarySearch(glossary)


def check_glossary(settings: Settings) -> None:
    """A GLOSSARY that cannot be read, or is not a glossary, fails at start: one clear line."""
    if settings.glossary is None:
        return
    from store.errors import GlossaryError
    from store.search import load_glossary

    try:
        load_glossary(settings.glossary)
    except GlossaryError as exc:
        raise SettingsError(f"GLOSSARY: {exc}") from None


class GlossarySearch:
    """store.search with a glossary of the settings' choosing; a plain path inside, so the
    answer workers (other processes) can be handed one."""

    def __init__(self, glossary: str) -> None:
        self.glossary = os.path.abspath(glossary)

    def search_talks(self, session: Session, query: str, *, limit: int = 5,
                     offset: int = 0) -> Any:
        from store.search import load_glossary, search_talks

        return search_talks(session, query, limit=limit, offset=offset,
                            glossary=load_glossary(self.glossary))

    def search_speaker(self, session: Session, name: str, *, limit: int = 5,
                       offset: int = 0) -> Any:
        from store.search import search_speaker

        return search_speaker(session, name, limit=limit, offset=offset)


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
               events: EventLog | None = None, metrics: Metrics | None = None) -> Deps:
    adder = build_adder(sessions, import_users=settings.import_users,
                        import_allow_hosts=settings.import_allow_hosts,
                        api_base_url=api_base_url(settings), token=settings.slack_bot_token)
    search = search or default_search(settings.glossary)
    if metrics is not None:
        search = TimedSearch(search, metrics.observe_search)
    return Deps(sessions=sessions, search=search,
                language=settings.bot_language, digest=digest,
                respond=build_responder(metrics), events=events or EventLog(),
                claim=StoreClaims(sessions), adder=adder)


class _SkipTokenNotice(logging.Filter):
    """Bolt picks SLACK_BOT_TOKEN up from the environment by itself and then warns that the
    client we pass (which carries the same token, from Settings) wins; that is intended."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(settings: Settings, sessions: sessionmaker[Session], client: WebClient | None = None,
              *, search: SearchBackend | None = None, digest: DigestPort | None = None,
              socket_mode: bool = False, deps: Deps | None = None,
              metrics: Metrics | None = None) -> App:
    """The Bolt app with every listener; calls auth.test once (a bad token fails here)."""
    client = client or build_web_client(settings)
    bolt_log = logging.getLogger("meetup_bot.bolt")
    if not any(isinstance(f, _SkipTokenNotice) for f in bolt_log.filters):
        bolt_log.addFilter(_SkipTokenNotice())
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # Acks are answered in the request thread, before any lazy work is queued, so a
        # backlog of searches can never delay one.
        process_before_response=True,
        request_verification_enabled=not socket_mode,
        ssl_check_enabled=False,  # answered after the signature check, in bot.handlers
        listener_executor=ThreadPoolExecutor(LAZY_WORKERS, thread_name_prefix="meetup-lazy"),
        logger=bolt_log,
    )
    if metrics is not None:
        app.use(bolt_middleware(metrics))
    register(app, deps or build_deps(settings, sessions, search=search, digest=digest,
                                     metrics=metrics))
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


# ---------------------------------------------------------------- the answer worker

_worker_deps: Deps | None = None
_worker_searches: list[tuple[str, float]] = []  # this task's searches, for the server's metrics
WORKER_NICENESS = 10
WORKER_TIMEOUT = 60.0


PARENT_CHECK_INTERVAL = 0.25


def exit_with_parent(parent: int, *, interval: float = PARENT_CHECK_INTERVAL) -> threading.Thread:
    """Ends this process (at once, exit status 0) as soon as `parent` is no longer its parent.

    A pool worker blocks reading its task queue, and it holds a write end of that queue
    itself, so it never sees end-of-file when `serve` dies without shutting the pool down
    (kill -9, OOM killer): it would live on with its database connection, and keep the
    multiprocessing resource tracker alive too. An orphan is re-parented, so its parent id
    changes; a daemon thread watches for that. (prctl(PR_SET_PDEATHSIG) is not used: it fires
    when the *thread* that started the worker ends, which need not be the server's end.)
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)  # no clean-up to wait for: the server that needed our answers is gone

    thread = threading.Thread(target=watch, name="exit-with-parent", daemon=True)
    thread.start()
    return thread


def _init_worker(database_url: str, language: str | None, niceness: int, parent: int,
                 glossary: str | None = None) -> None:
    """In the worker process: follow the server out, lower priority, own engine and caches."""
    global _worker_deps
    exit_with_parent(parent)
    os.nice(niceness)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    from store.db import make_engine, make_sessionmaker

    sessions = make_sessionmaker(make_engine(database_url))
    search = TimedSearch(default_search(glossary),
                         lambda kind, seconds: _worker_searches.append((kind, seconds)))
    _worker_deps = Deps(sessions=sessions, search=search, language=language)


def _run_in_worker(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
                   ) -> tuple[Any, list[tuple[str, float]]]:
    """fn's result, and the searches it made (kind, seconds): the server counts them."""
    assert _worker_deps is not None, "the worker was not initialised"
    _worker_searches.clear()
    return fn(_worker_deps, *args, **kwargs), list(_worker_searches)


def _warm_up(deps: Deps) -> int:
    """The first searches fill the engine's caches (the vocabulary; the katakana and kanji
    bridges, whose reading dictionary loads on the first kanji word): do them before a user
    waits for them."""
    with deps.sessions() as session:
        total = deps.search.search_talks(session, "kubernetes", limit=1).total
        deps.search.search_talks(session, "コンテナ 運用", limit=1)
        return total


@contextmanager
def answer_worker(deps: Deps, database_url: str, *, workers: int | None = None,
                  metrics: Metrics | None = None) -> Iterator[Offload]:
    """Searches run in a lower-priority process, so acks keep a core of their own under load.

    The offload falls back to running here if the worker process dies.
    """
    count = workers or max(1, (os.cpu_count() or 2) - 1)
    search = deps.search.inner if isinstance(deps.search, TimedSearch) else deps.search
    glossary = search.glossary if isinstance(search, GlossarySearch) else None
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker,
                               initargs=(database_url, deps.language, WORKER_NICENESS, os.getpid(),
                                         glossary))

    def offload(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            future = pool.submit(_run_in_worker, fn, args, kwargs)
        except (BrokenExecutor, RuntimeError):
            log.warning("the answer worker is gone; answering in the server process")
            return fn(deps, *args, **kwargs)
        try:
            result, searches = future.result(timeout=WORKER_TIMEOUT)
        except BrokenExecutor:
            log.warning("the answer worker died; answering in the server process")
            return fn(deps, *args, **kwargs)
        if metrics is not None:
            for kind, seconds in searches:
                metrics.observe_search(kind, seconds)
        return result

    for _ in range(count):
        pool.submit(_run_in_worker, _warm_up, (), {})
    try:
        yield offload
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def lazy_work_drained(app: App) -> Iterator[None]:
    """On the way out, let answers already being prepared reach Slack."""
    try:
        yield
    finally:
        executor = app.listener_runner.listener_executor
        if isinstance(executor, ThreadPoolExecutor):
            executor.shutdown(wait=True)
