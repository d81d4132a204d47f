"""What `serve` counts for operators (GET /metrics, Prometheus text format), one registry per app."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

# Slack gives an app 3 seconds to acknowledge; the buckets are finest below that.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
SEARCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Web API methods that carry an answer to a person (response_url posts are counted too).
ANSWER_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update",
                            "views.publish"})


class Metrics:
    """The counters and histograms of one running app, in a registry of its own (not the
    process-wide default), so two apps in one process, or two tests, never share counts."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("meetup_bot_requests", "Slack requests handled, by kind "
                                "(command, action, options, event)", ["kind"], registry=r)
        self.ack_seconds = Histogram("meetup_bot_ack_seconds", "Time from a Slack request to "
                                     "its acknowledgement, by kind", ["kind"],
                                     buckets=ACK_BUCKETS, registry=r)
        self.search_seconds = Histogram("meetup_bot_search_seconds", "Time a search took "
                                        "(query or speaker)", ["kind"],
                                        buckets=SEARCH_BUCKETS, registry=r)
        self.answers = Counter("meetup_bot_answers", "Answers sent to Slack, by the way they "
                               "went (response_url or a Web API method)", ["via"], registry=r)
        self.slack_api_errors = Counter("meetup_bot_slack_api_errors", "Slack Web API calls "
                                        "that failed, by method and Slack's error",
                                        ["method", "error"], registry=r)
        self.slack_api_retries = Counter("meetup_bot_slack_api_retries", "Slack calls tried "
                                         "again, by method and reason (rate_limited, "
                                         "server_error, connection)", ["method", "reason"],
                                         registry=r)
        self.digests = Counter("meetup_bot_digests", "Digest rounds that ended, by outcome "
                               "(posted, failed, unconfirmed)", ["outcome"], registry=r)
        self.imports = Counter("meetup_bot_imports", "Imports of the notes that ran",
                               registry=r)
        self.import_files = Counter("meetup_bot_import_files", "Report files the imports "
                                    "saw, by result (imported, unchanged, rejected)",
                                    ["result"], registry=r)

    def __deepcopy__(self, _memo: dict[int, Any]) -> Metrics:
        # Bolt deep-copies each request's context (and the WebClient in it) for lazy
        # listeners: every copy counts into this one registry.
        return self

    def render(self) -> tuple[bytes, str]:
        """The exposition and its Content-Type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    # ------------------------------------------------------------ recording
    def observe_request(self, kind: str, seconds: float) -> None:
        self.requests.labels(kind).inc()
        self.ack_seconds.labels(kind).observe(seconds)

    def observe_search(self, kind: str, seconds: float) -> None:
        self.search_seconds.labels(kind).observe(seconds)

    def count_import(self, imported: int, unchanged: int, rejected: int) -> None:
        self.imports.inc()
        for result, n in (("imported", imported), ("unchanged", unchanged),
                          ("rejected", rejected)):
            self.import_files.labels(result).inc(n)

    def count_retry(self, method: str, reason: str) -> None:
        self.slack_api_retries.labels(method, reason).inc()

    def count_digest(self, outcome: str) -> None:
        self.digests.labels(outcome).inc()


def request_kind(body: dict[str, Any]) -> str:
    """What a Slack request is: command, action, options, event, or other."""
    if body.get("command"):
        return "command"
    kind = body.get("type")
    if kind == "event_callback":
        return "event"
    if kind == "block_suggestion":
        return "options"
    if kind in ("block_actions", "interactive_message", "view_submission", "view_closed",
                "shortcut", "message_action"):
        return "action"
    return "other"


def bolt_middleware(metrics: Metrics) -> Callable[..., Any]:
    """A Bolt global middleware timing each request up to its acknowledgement: with
    process_before_response the ack runs inside `next()`, the lazy work after it."""
    def measure(body: dict[str, Any], next_: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            return next_()
        finally:
            metrics.observe_request(request_kind(body), time.perf_counter() - start)
    return measure


# ---------------------------------------------------------------- the Slack side
_RETRY_REASONS: tuple[tuple[type[RetryHandler], str], ...] = (
    (RateLimitErrorRetryHandler, "rate_limited"),
    (ServerErrorRetryHandler, "server_error"),
    (ConnectionErrorRetryHandler, "connection"),
)


class CountedRetry(RetryHandler):
    """A slack_sdk retry handler that counts the retries the handler it wraps makes."""

    def __init__(self, inner: RetryHandler, on_retry: Callable[[str, str], None],
                 method: str | None = None) -> None:
        super().__init__(max_retry_count=inner.max_retry_count,
                         interval_calculator=inner.interval_calculator)
        self.inner = inner
        self.on_retry = on_retry
        self.method = method
        self.reason = next((name for cls, name in _RETRY_REASONS if isinstance(inner, cls)),
                           type(inner).__name__)

    def can_retry(self, **kwargs: Any) -> bool:
        return bool(self.inner.can_retry(**kwargs))

    def prepare_for_next_attempt(self, **kwargs: Any) -> None:
        request = kwargs.get("request")
        url = str(getattr(request, "url", "") or "")
        self.on_retry(self.method or url.rstrip("/").rsplit("/", 1)[-1] or "?", self.reason)
        self.inner.prepare_for_next_attempt(**kwargs)


def counted_retries(handlers: list[RetryHandler], metrics: Metrics | None,
                    method: str | None = None) -> list[RetryHandler]:
    if metrics is None:
        return handlers
    return [CountedRetry(h, metrics.count_retry, method) for h in handlers]


class MeteredWebClient(WebClient):
    """WebClient that counts failed calls (by method and error) and answers sent."""

    def __init__(self, *args: Any, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            self.metrics.slack_api_errors.labels(api_method, str(error or "http_error")).inc()
            raise
        except OSError as exc:
            self.metrics.slack_api_errors.labels(api_method, type(exc).__name__).inc()
            raise
        if api_method in ANSWER_METHODS:
            self.metrics.answers.labels(api_method).inc()
        return response


class TimedSearch:
    """A search backend (bot.handlers.SearchBackend) that reports each search's duration."""

    def __init__(self, inner: Any, observe: Callable[[str, float], None]) -> None:
        self.inner = inner
        self.observe = observe

    @property
    def glossary(self) -> str | None:
        """The glossary path of the search it wraps (bot.app.GlossarySearch), if any."""
        return getattr(self.inner, "glossary", None)

    def search_talks(self, session: Any, query: str, *, limit: int = 5, offset: int = 0
                     ) -> Any:
        start = time.perf_counter()
        try:
            return self.inner.search_talks(session, query, limit=limit, offset=offset)
        finally:
            self.observe("query", time.perf_counter() - start)

    def search_speaker(self, session: Any, name: str, *, limit: int = 5, offset: int = 0
                       ) -> Any:
        start = time.perf_counter()
        try:
            return self.inner.search_speaker(session, name, limit=limit, offset=offset)
        finally:
            self.observe("speaker", time.perf_counter() - start)
