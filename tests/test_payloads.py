"""bot.payloads: what Slack sends passes; anything else is a BadBody, never a crash in Bolt."""

from __future__ import annotations

import io
import itertools
import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import App
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_app
from bot.blocks import MORE_RESULTS
from bot.payloads import MAX_DEPTH, BadBody, check_body
from bot.server import EVENTS_PATH, SlackWSGI
from bot.settings import Settings
from tests.fakes.search import FakeSearch
from tests.fakes.slack_api import (
    FakeSlack,
    action_body,
    command_body,
    event_body,
    mention_event,
    signed_headers,
)

SECRET = "payloads-signing-secret"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _home_event() -> dict[str, Any]:
    return {"type": "app_home_opened", "user": "U0USER1", "channel": "D0HOME", "tab": "home",
            "event_ts": "1700000300.000100"}


def _dm_event() -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": "U0USER1", "text": "kubernetes",
            "ts": "1700000400.000100", "channel": "D0DM", "event_ts": "1700000400.000100",
            "blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section",
                                                            "elements": [{"type": "text",
                                                                          "text": "k8s"}]}]}]}


def _genuine(url: str = "http://127.0.0.1:9/response/r") -> list[tuple[bytes, str]]:
    """Bodies as Slack sends them, one of each kind the bot answers."""
    return [
        (command_body("kubernetes", url), FORM),
        (action_body(MORE_RESULTS, "x", url), FORM),
        (event_body(mention_event("kubernetes")), JSON),
        (event_body(_home_event()), JSON),
        (event_body(_dm_event()), JSON),
        (json.dumps({"token": "t", "challenge": "c", "type": "url_verification"}).encode(), JSON),
        (b"ssl_check=1&token=t", FORM),
        (json.dumps({"token": "t", "type": "app_rate_limited", "team_id": "T1",
                     "minute_rate_limited": 1518467820, "api_app_id": "A1"}).encode(), JSON),
    ]


@pytest.mark.parametrize(("body", "content_type"), _genuine())
def test_check_body_accepts_what_slack_sends(body: bytes, content_type: str) -> None:
    assert isinstance(check_body(body.decode(), content_type), dict)


@pytest.mark.parametrize(("body", "content_type", "reason"), [
    ("[]", JSON, "the JSON body is not an object"),
    ("null", JSON, "the JSON body is not an object"),
    ("1e999", JSON, "not valid JSON"),
    ("-Infinity", JSON, "not valid JSON"),
    ('{"type": "x", "n": ' + "9" * 5000 + "}", JSON, "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, JSON, "JSON nested too deep"),
    ('{"type": "x", "a": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}", JSON,
     "JSON nested too deep"),
    ('{"event": "x"}', JSON, "type is missing"),
    ('{"type": "event_callback", "event": "x"}', JSON, "event is not object"),
    ('{"type": "event_callback"}', JSON, "event is missing"),
    ('{"type": true}', JSON, "type is not string"),
    ('{"type": "x", "event_time": true}', JSON, "event_time is not integer or null"),
    ('{"type": "event_callback", "event": {"type": "message", "user": {"id": "U1"}}}', JSON,
     "event.user is not string or null"),
    ('{"type": "x", "authorizations": [{"team_id": 1}]}', JSON,
     "authorizations.team_id is not string or null"),
    ("payload=%5B%5D", FORM, "the payload is not an object"),
    ("", FORM, "empty body"),
])
def test_check_body_refuses_with_a_short_reason(body: str, content_type: str, reason: str
                                                ) -> None:
    with pytest.raises(BadBody) as caught:
        check_body(body, content_type)
    assert caught.value.reason == reason


def test_check_body_follows_bolts_parsing_rules() -> None:
    assert check_body('{"type": "x"}', "text/plain") == {"type": "x"}  # "{": JSON to Bolt
    assert check_body("text=payload&command=%2Fmeetup", FORM) == {}  # Bolt's own reading
    assert check_body("a=1&a=2&b=", FORM) == {"a": "2", "b": ""}


# ---------------------------------------------------------------- hostile shapes, in process

_KEYS = ["type", "event", "team", "user", "channel", "actions", "authorizations", "view",
         "message", "container", "enterprise", "item", "text", "ts", "id", "team_id",
         "response_url", "challenge", "event_id", "subtype", "thread_ts", "channel_type",
         "function_data", "previous_message", "assistant_thread", "is_ext_shared_channel"]
_scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**6)
            | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=4), inner,
                                         max_size=3), max_leaves=8)


def _kind(value: Any) -> str:
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else (
        type(value).__name__)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


@st.composite
def hostile_bodies(draw: st.DrawFn) -> tuple[dict[str, Any] | Any, str]:
    """A genuine JSON body or interactivity payload with one part swapped for a value of
    another type, or one well-known key added anywhere with any value."""
    template = draw(st.sampled_from([
        json.loads(event_body(mention_event("kubernetes"))),
        json.loads(event_body(_home_event())),
        json.loads(event_body(_dm_event())),
        {"type": "url_verification", "challenge": "c", "token": "t"},
        json.loads(dict(parse_qsl(action_body(MORE_RESULTS, "x", "http://127.0.0.1:9/r")
                                  .decode()))["payload"]),
    ]))
    paths = list(_paths(template))
    path = draw(st.sampled_from(paths))
    target = template
    for step in path:
        target = target[step]
    if isinstance(target, dict) and draw(st.booleans()):
        new = dict(target)
        new[draw(st.sampled_from(_KEYS))] = draw(_values)
    else:
        new = draw(_values.filter(lambda v: _kind(v) != _kind(target)))
    where = "payload" if template.get("type") == "block_actions" else "json"
    return _replace(template, path, new), where


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def bolt(slack: FakeSlack, seeded_sessions: sessionmaker[Session]) -> App:
    settings_ = Settings(slack_bot_token="xoxb-payloads", slack_signing_secret=SECRET,
                         slack_api_url=slack.base_url)
    return build_app(settings_, seeded_sessions, search=FakeSearch())


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _post(wsgi: SlackWSGI, body: bytes, content_type: str, age: int = 0) -> int:
    headers = signed_headers(SECRET, body, content_type=content_type,
                             timestamp=int(time.time()) - age)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": EVENTS_PATH, "SERVER_PROTOCOL": "HTTP/1.1",
               "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body),
               "HTTP_X_SLACK_SIGNATURE": headers["X-Slack-Signature"],
               "HTTP_X_SLACK_REQUEST_TIMESTAMP": headers["X-Slack-Request-Timestamp"]}
    seen: list[str] = []
    b"".join(wsgi(environ, lambda status, _headers: seen.append(status)))  # type: ignore[arg-type]
    return int(seen[0].split()[0])


def test_signed_hostile_shapes_get_400_or_an_answer_never_a_crash(bolt: App) -> None:
    """Through the signature check and Bolt, with every listener: no 500, no traceback, and no
    shape that only Bolt's failure (not check_body) turned away."""
    wsgi = SlackWSGI(bolt, SECRET, lambda: None)  # type: ignore[arg-type, return-value]
    nonce = itertools.count()
    records = _Records()
    logging.getLogger().addHandler(records)
    statuses: list[int] = []

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(hostile_bodies())
    def check(drawn: tuple[Any, str]) -> None:
        value, where = drawn
        if isinstance(value, dict):
            # No two alike, so none is dropped as a replay or a re-delivered event or message.
            n = next(nonce)
            value = {**value, "x_nonce": n}
            if isinstance(value.get("event_id"), str):
                value["event_id"] = f"Ev{n}"
            if isinstance(value.get("event"), dict) and isinstance(value["event"].get("ts"), str):
                value["event"] = {**value["event"], "ts": f"1700000000.{n:06d}"}
        text = json.dumps(value)
        if not isinstance(value, dict):
            text += " " * next(nonce)  # the same JSON value, a different body (no replay)
        if where == "payload":
            body, content_type = urlencode({"payload": text, "n": next(nonce)}).encode(), FORM
        else:
            body, content_type = text.encode(), JSON
        seen = len(records.records)
        # A fresh timestamp (within Slack's 5 minutes) for each, so none is a replay.
        status = _post(wsgi, body, content_type, age=next(nonce) % 250)
        statuses.append(status)
        assert status in (200, 400, 404), (status, text)
        turned_away = [r for r in records.records[seen:] if "could not handle" in r.msg]
        assert not turned_away, f"check_body let through a shape Bolt failed on: {text}"

    try:
        check()
        executor = bolt.listener_runner.listener_executor
        executor.shutdown(wait=True)  # every lazy listener has finished
    finally:
        logging.getLogger().removeHandler(records)
    problems = [r for r in records.records
                if r.exc_info or r.levelno >= logging.ERROR or "could not handle" in r.msg]
    assert not problems, [(r.name, r.getMessage()[:300]) for r in problems]
    assert 400 in statuses and (200 in statuses or 404 in statuses)


def test_signed_block_actions_without_actions_is_not_a_crash(bolt: App) -> None:
    """Found by the property test above: `actions: []` (no button at all)."""
    wsgi = SlackWSGI(bolt, SECRET, lambda: None)  # type: ignore[arg-type, return-value]
    payload = {"type": "block_actions", "team": {"id": "T0001", "domain": "fake"},
               "user": {"id": "U0USER1", "username": "someone", "team_id": "T0001"},
               "api_app_id": "A0001", "token": "legacy", "trigger_id": "1.2.3",
               "container": {"type": "message", "message_ts": "1700000000.000100",
                             "channel_id": "C0CHAN1", "is_ephemeral": True},
               "channel": {"id": "C0CHAN1", "name": "general"},
               "response_url": "http://127.0.0.1:9/r", "actions": []}
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert _post(wsgi, body, FORM) in (200, 400, 404)
