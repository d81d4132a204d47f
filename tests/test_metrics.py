"""GET /metrics (Prometheus text, one registry per app) and LOG_FORMAT=json log lines."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_web_client
from bot.cli import JsonLogFormatter, LogFormatter, cli
from bot.digest import DigestService, digest_client
from bot.metrics import Metrics, request_kind
from bot.server import SlackWSGI
from bot.settings import Settings, SettingsError
from store import digests
from store.health import StoreHealth
from tests.conftest import ROOT
from tests.fakes.slack_api import FakeSlack

MONDAY_9_TOKYO = dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)
TOKEN = "xoxb-1111-2222-SeCrEtToKeN"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def _scrape(wsgi: SlackWSGI) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status: list[str] = []
    headers: list[Any] = []

    def start_response(s: str, h: list[Any]) -> None:
        status.append(s)
        headers.extend(h)
    body = b"".join(wsgi({"PATH_INFO": "/metrics", "REQUEST_METHOD": "GET"}, start_response))
    assert status == ["200 OK"] and dict(headers)["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


def _health() -> StoreHealth:
    return StoreHealth("ok")


def test_each_app_has_its_own_registry() -> None:
    one, two = Metrics(), Metrics()
    one.observe_request("command", 0.01)
    assert one.requests.labels("command")._value.get() == 1
    assert two.requests.labels("command")._value.get() == 0
    assert b"meetup_bot_requests_total" in one.render()[0]


@pytest.mark.parametrize(("body", "kind"), [
    ({"command": "/meetup"}, "command"), ({"type": "block_actions"}, "action"),
    ({"type": "block_suggestion"}, "options"), ({"type": "event_callback"}, "event"),
    ({"type": "url_verification"}, "other")])
def test_request_kind(body: dict[str, Any], kind: str) -> None:
    assert request_kind(body) == kind


def test_metrics_show_a_digest_post_and_a_refusal(seeded_copy: sessionmaker[Session],
                                                  slack: FakeSlack) -> None:
    metrics = Metrics()
    wsgi = SlackWSGI(None, None, _health, metrics)
    with seeded_copy() as s, s.begin():
        for channel in ("C1", "C2"):
            digests.subscribe(s, channel, "0 9 * * mon", "Asia/Tokyo", now=MONDAY_9_TOKYO)
    service = DigestService(seeded_copy, digest_client("xoxb-t", slack.base_url, metrics),
                            sleep=lambda _s: None, clock=lambda: MONDAY_9_TOKYO, owner="m",
                            related=lambda _s, _t: [], metrics=metrics)
    assert ("meetup_bot_digests_total", (("outcome", "posted"),)) not in _scrape(wsgi)
    slack.fail("chat.postMessage", status=429, retry_after=1)
    assert service.run("C1").posted
    slack.fail("chat.postMessage", error="channel_not_found")
    assert service.run("C2").failed
    seen = _scrape(wsgi)
    assert seen[("meetup_bot_digests_total", (("outcome", "posted"),))] == 1
    assert seen[("meetup_bot_digests_total", (("outcome", "failed"),))] == 1
    assert seen[("meetup_bot_answers_total", (("via", "chat.postMessage"),))] == 1
    assert seen[("meetup_bot_slack_api_retries_total",
                 (("method", "chat.postMessage"), ("reason", "rate_limited")))] == 1
    assert seen[("meetup_bot_slack_api_errors_total",
                 (("error", "channel_not_found"), ("method", "chat.postMessage")))] == 1


def test_web_client_counts_its_retries_and_errors(slack: FakeSlack) -> None:
    metrics = Metrics()
    client = build_web_client(Settings(slack_bot_token="xoxb-t", slack_api_url=slack.base_url),
                              metrics)
    slack.fail("views.publish", status=503)
    client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    slack.fail("chat.postEphemeral", error="user_not_in_channel")
    with pytest.raises(SlackApiError):
        client.chat_postEphemeral(channel="C1", user="U1", text="x")
    seen = _scrape(SlackWSGI(None, None, _health, metrics))
    assert seen[("meetup_bot_slack_api_retries_total",
                 (("method", "views.publish"), ("reason", "server_error")))] == 1
    assert seen[("meetup_bot_slack_api_errors_total",
                 (("error", "user_not_in_channel"), ("method", "chat.postEphemeral")))] == 1
    assert seen[("meetup_bot_answers_total", (("via", "views.publish"),))] == 1


def test_metrics_is_not_found_without_metrics() -> None:
    status: list[str] = []
    SlackWSGI(None, None, _health)({"PATH_INFO": "/metrics", "REQUEST_METHOD": "GET"},
                                  lambda s, _h: status.append(s))
    assert status == ["404 Not Found"]


# --------------------------------------------------------------------------- logs
def _log_with(formatter: logging.Formatter, fn: Any) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("meetup_bot.test_metrics")
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.INFO
    try:
        fn(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def _leaky(logger: logging.Logger) -> None:
    logger.warning("calling Slack with %s", TOKEN, extra={"channel": "C1", "attempt": 2})
    logger.info("app token xapp-1-A0-123-abcdef and signing secret 0123456789abcdef0123")
    logger.info("store postgresql://bot:hunter2@db/meetup")
    try:
        raise RuntimeError(f"Slack refused {TOKEN}")
    except RuntimeError:
        logger.exception("it failed")


def test_json_log_lines_parse_and_never_hold_a_secret() -> None:
    out = _log_with(JsonLogFormatter(verbose=True, secrets=["0123456789abcdef0123"]), _leaky)
    lines = out.splitlines()
    assert len(lines) == 4
    entries = [json.loads(line) for line in lines]
    first = entries[0]
    assert first["level"] == "WARNING" and first["logger"] == "meetup_bot.test_metrics"
    assert first["channel"] == "C1" and first["attempt"] == 2
    assert dt.datetime.fromisoformat(first["time"].replace("Z", "+00:00"))
    assert first["message"] == "calling Slack with xoxb-…"
    assert "RuntimeError" in entries[3]["exception"]
    for secret in (TOKEN, "SeCrEtToKeN", "abcdef0123", "0123456789abcdef0123", "hunter2"):
        assert secret not in out


def test_text_log_lines_never_hold_a_secret() -> None:
    out = _log_with(LogFormatter("%(levelname)s %(message)s", verbose=True,
                                 secrets=["0123456789abcdef0123"]), _leaky)
    assert "calling Slack with xoxb-…" in out
    for secret in (TOKEN, "SeCrEtToKeN", "0123456789abcdef0123", "hunter2"):
        assert secret not in out


def test_log_format_setting() -> None:
    assert Settings.from_env({"LOG_FORMAT": "JSON"}, yaml_path="/nonexistent").log_format == "json"
    assert Settings.from_env({}, yaml_path="/nonexistent").log_format == "text"
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        Settings.from_env({"LOG_FORMAT": "xml"}, yaml_path="/nonexistent")


def test_cli_with_log_format_json_writes_json_lines(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.update(LOG_FORMAT="json", SLACK_BOT_TOKEN=TOKEN, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "-v", "talks", "--db", f"sqlite:///{tmp_path / 's.db'}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(isinstance(json.loads(line), dict) for line in lines)
    assert TOKEN not in result.stderr


def test_cli_refuses_an_unknown_log_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["talks", "--db", f"sqlite:///{tmp_path / 's.db'}"],
                                env={"LOG_FORMAT": "xml"})
    assert result.exit_code == 1 and "LOG_FORMAT must be text or json" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
