"""`meetup-bot serve`: start-up errors, health, shutdown, Socket Mode, Web API client settings."""

from __future__ import annotations

import io
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from bot.app import (
    answer_worker,
    api_base_url,
    build_web_client,
    default_search,
    require_slack_settings,
)
from bot.blocks import check_blocks
from bot.handlers import COMMAND, Deps, reply_to
from bot.server import EVENTS_PATH, SlackWSGI, store_health
from bot.settings import Settings, SettingsError
from store.db import make_engine
from tests.fakes.process import alive, descendants, http, run_serve, serve, serve_env
from tests.fakes.slack_api import FakeSlack, mention_event
from tests.fakes.socket_mode import FakeSocketMode

ROOT = Path(__file__).resolve().parent.parent
SECRET = "serve-signing-secret-do-not-print"
TOKEN = "xoxb-serve-token-do-not-print"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'serve.db'}"


# ---------------------------------------------------------------- settings, in process


@pytest.mark.parametrize(("values", "message"), [
    ({}, "SLACK_BOT_TOKEN is not set"),
    ({"slack_bot_token": "nope"}, "does not look like a bot token"),
    ({"slack_bot_token": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
    ({"slack_bot_token": "xoxb-1", "slack_app_token": "xoxb-2"}, "app-level token"),
])
def test_require_slack_settings_names_what_is_missing(values: dict[str, str], message: str
                                                      ) -> None:
    with pytest.raises(SettingsError, match=message):
        require_slack_settings(Settings(**values))  # type: ignore[arg-type]


def test_require_slack_settings_modes() -> None:
    assert require_slack_settings(Settings(slack_bot_token="xoxb-1",
                                           slack_signing_secret="s")) == "http"
    assert require_slack_settings(Settings(slack_bot_token="xoxb-1",
                                           slack_app_token="xapp-1")) == "socket"


@pytest.mark.parametrize(("url", "base"), [
    (None, "https://slack.com/api/"), ("http://127.0.0.1:9/api", "http://127.0.0.1:9/api/"),
    ("http://127.0.0.1:9/api/", "http://127.0.0.1:9/api/"),
])
def test_api_base_url_ends_with_slash(url: str | None, base: str) -> None:
    assert api_base_url(Settings(slack_api_url=url)) == base


def test_web_client_retries_429_5xx_and_connection_errors() -> None:
    client = build_web_client(Settings(slack_bot_token="xoxb-1"))
    kinds = {type(h) for h in client.retry_handlers}
    assert {ConnectionErrorRetryHandler, RateLimitErrorRetryHandler,
            ServerErrorRetryHandler} <= kinds


def test_web_client_honours_retry_after(slack: FakeSlack) -> None:
    client = build_web_client(Settings(slack_bot_token="xoxb-1", slack_api_url=slack.base_url))
    slack.fail("chat.postMessage", status=429, retry_after=1)
    start = time.monotonic()
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert time.monotonic() - start >= 1.0
    assert [c.status for c in slack.attempts("chat.postMessage")] == [429, 200]
    slack.fail("views.publish", status=503)
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["ok"]
    assert [c.status for c in slack.attempts("views.publish")] == [503, 200]


def _wsgi_get(app: SlackWSGI, path: str, method: str = "GET") -> tuple[str, dict[str, Any]]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = status

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": method,
                         "wsgi.input": io.BytesIO()}, start_response))
    return seen["status"], json.loads(body)


def test_healthz_503_when_the_store_does_not_answer(tmp_path: Path) -> None:
    broken = create_engine(f"sqlite:///{tmp_path / 'missing' / 'no.db'}")
    app = SlackWSGI(None, None, store_health(sessionmaker(bind=broken)))
    status, body = _wsgi_get(app, "/healthz")
    assert status == "503 Service Unavailable" and body["status"] == "unavailable"
    assert body["reason"] == "the store does not answer (OperationalError)"
    empty = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no schema: no answer either
    assert store_health(sessionmaker(bind=empty))().status == "unavailable"
    assert _wsgi_get(app, "/slack/events", "POST")[0] == "404 Not Found"  # Socket Mode: no HTTP


def test_healthz_200_on_a_store_at_head(sessions: sessionmaker) -> None:  # type: ignore[type-arg]
    app = SlackWSGI(None, None, store_health(sessions))
    assert _wsgi_get(app, "/healthz") == ("200 OK", {"status": "ok"})


def test_healthz_503_degraded_on_a_store_that_refuses_writes(
        sessions: sessionmaker) -> None:  # type: ignore[type-arg]
    path = sessions.kw["bind"].url.database
    read_only = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        app = SlackWSGI(None, None, store_health(sessionmaker(bind=read_only)))
        assert _wsgi_get(app, "/healthz") == ("503 Service Unavailable", {
            "status": "degraded", "reason": "the store is read-only"})
    finally:
        read_only.dispose()


# ---------------------------------------------------------------- the real command


@pytest.mark.parametrize(("env", "message"), [
    ({}, "SLACK_BOT_TOKEN is not set"),
    ({"SLACK_BOT_TOKEN": TOKEN}, "SLACK_SIGNING_SECRET is not set"),
    ({"SLACK_SIGNING_SECRET": SECRET}, "SLACK_BOT_TOKEN is not set"),
])
def test_serve_stops_with_one_clear_line(env: dict[str, str], message: str, db_url: str) -> None:
    result = run_serve(serve_env(DATABASE_URL=db_url, **env))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert SECRET not in result.stderr + result.stdout and TOKEN not in result.stderr


def test_serve_refused_token_is_one_line(slack: FakeSlack, db_url: str) -> None:
    slack.fail("auth.test", error="invalid_auth")
    result = run_serve(serve_env(DATABASE_URL=db_url, SLACK_BOT_TOKEN=TOKEN,
                                 SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.base_url))
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth)"


def test_serve_unreachable_api_is_one_line(db_url: str) -> None:
    result = run_serve(serve_env(DATABASE_URL=db_url, SLACK_BOT_TOKEN=TOKEN,
                                 SLACK_SIGNING_SECRET=SECRET,
                                 SLACK_API_URL="http://127.0.0.1:9/api/"))
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "cannot reach the Slack Web API" in result.stderr and TOKEN not in result.stderr


def test_serve_http_health_and_sigterm(slack: FakeSlack, db_url: str) -> None:
    env = serve_env(DATABASE_URL=db_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                    SLACK_API_URL=slack.base_url, PORT="1")  # --port 0 wins over PORT
    with serve(env) as served:
        status, body, _ = http("GET", served.url + "/healthz")
        assert status == 200 and json.loads(body) == {"status": "ok"}
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(timeout=30) == 0
    assert SECRET not in served.stderr() and TOKEN not in served.stderr()
    assert [c.method for c in slack.calls] == ["auth.test", "auth.test"]
    assert slack.calls[0].headers["authorization"] == f"Bearer {TOKEN}"


def _talk_titles(db_url: str) -> set[str]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(text("SELECT title FROM talks"))}
    finally:
        engine.dispose()


def _wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


NOTE = "---\nevent: \"Team Notes #{n}\"\ndate: 2024-06-0{n}\n---\n\n## {title}\nby 山田 花子\n\n- memo\n"


def test_serve_imports_content_dir_and_reimports_on_the_interval(
        slack: FakeSlack, db_url: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    first = notes / "one.md"
    first.write_text(NOTE.format(n=1, title="Zebrafish operators"), encoding="utf-8")
    (notes / "empty.md").write_bytes(b"")  # rejected, and the server starts all the same
    env = serve_env(DATABASE_URL=db_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                    SLACK_API_URL=slack.base_url, CONTENT_DIR=str(notes), IMPORT_INTERVAL="1")
    with serve(env) as served:
        # imported before the server listens
        assert _talk_titles(db_url) == {"Zebrafish operators"}
        assert f"imported {notes}: 2 files: 1 imported, 0 unchanged, 1 rejected" in served.stderr()
        first.unlink()
        (notes / "two.md").write_text(NOTE.format(n=2, title="Quokka networking"),
                                      encoding="utf-8")
        assert _wait_for(lambda: _talk_titles(db_url) == {"Quokka networking"}), \
            served.stderr()
        assert _wait_for(lambda: "1 forgotten" in served.stderr())
    assert SECRET not in served.stderr() and TOKEN not in served.stderr()


def test_serve_without_content_dir_imports_the_bundled_notes(slack: FakeSlack,
                                                             db_url: str) -> None:
    env = serve_env(DATABASE_URL=db_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                    SLACK_API_URL=slack.base_url)
    with serve(env) as served:
        assert "imported the bundled notes: 5 files: 5 imported" in served.stderr()
        assert len(_talk_titles(db_url)) > 20


@pytest.mark.parametrize(("env", "message"), [
    ({"CONTENT_DIR": "/nonexistent/notes"}, "CONTENT_DIR: /nonexistent/notes is not a folder"),
    ({"IMPORT_INTERVAL": "-1"}, "IMPORT_INTERVAL must not be negative"),
    ({"GLOSSARY": "/nonexistent/glossary.yaml"},
     "GLOSSARY: cannot read the glossary /nonexistent/glossary.yaml"),
])
def test_serve_bad_notes_settings_stop_it_with_one_line(env: dict[str, str], message: str,
                                                         db_url: str) -> None:
    result = run_serve(serve_env(DATABASE_URL=db_url, SLACK_BOT_TOKEN=TOKEN,
                                 SLACK_SIGNING_SECRET=SECRET, **env))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


ORPHAN_DEADLINE = 5.0


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_serve_children_die_with_it_after_kill_9(slack: FakeSlack, db_url: str, database: str,
                                                 request: pytest.FixtureRequest) -> None:
    """The answer worker and multiprocessing's resource tracker do not outlive `serve`."""
    url = request.getfixturevalue("pg_url") if database == "postgresql" else db_url
    env = serve_env(DATABASE_URL=url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                    SLACK_API_URL=slack.base_url)
    with serve(env) as served:
        assert http("GET", served.url + "/healthz")[0] == 200
        children = descendants(served.proc.pid)
        assert len(children) >= 2, children  # at least one worker and the resource tracker
        served.proc.kill()
        served.proc.wait(timeout=5)
        killed = time.monotonic()
        while alive(children) and time.monotonic() - killed < ORPHAN_DEADLINE:
            time.sleep(0.05)
        left = alive(children)
        assert not left, f"orphans {left} {ORPHAN_DEADLINE} s after kill -9 of serve"


def test_socket_mode_end_to_end(slack: FakeSlack, db_url: str) -> None:
    """`serve` with SLACK_APP_TOKEN: apps.connections.open, a WebSocket, envelopes, acks."""
    with FakeSocketMode() as socket_mode:
        slack.socket_mode_url = socket_mode.url
        env = serve_env(DATABASE_URL=db_url, SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN="xapp-1-A-2",
                        SLACK_API_URL=slack.base_url)
        with serve(env) as served:
            assert socket_mode.wait_connected()
            [opened] = slack.wait_for("apps.connections.open")
            assert opened.headers["authorization"] == "Bearer xapp-1-A-2"
            assert http("GET", served.url + "/healthz")[0] == 200
            socket_mode.send({
                "envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                "payload": {"command": "/meetup", "text": "help", "user_id": "U0USER1",
                            "channel_id": "C0CHAN1", "team_id": "T0001",
                            "response_url": slack.response_url("sm"), "trigger_id": "1"}})
            ack = socket_mode.wait_ack("env-1")
            assert ack is not None and ack["envelope_id"] == "env-1"
            [sent] = slack.wait_for("response_url")
            assert "/meetup" in json.dumps(sent.body["blocks"]) and check_blocks(
                sent.body["blocks"]) == []
            event = mention_event("help", ts="1700000500.000100")
            for envelope_id, retry in (("env-2", 0), ("env-3", 1)):  # a retried event, once
                socket_mode.send({
                    "envelope_id": envelope_id, "type": "events_api", "retry_attempt": retry,
                    "retry_reason": "timeout" if retry else "",
                    "accepts_response_payload": False,
                    "payload": {"type": "event_callback", "event_id": "EvSM1", "team_id": "T0001",
                                "api_app_id": "A0001", "event": event}})
                assert socket_mode.wait_ack(envelope_id) is not None
            [post] = slack.wait_for("chat.postMessage")
            assert post.body["thread_ts"] == "1700000500.000100"
            time.sleep(0.3)
            assert len(slack.of("chat.postMessage")) == 1
        assert "xapp-1-A-2" not in served.stderr() and TOKEN not in served.stderr()


def _worker_pid(_deps: Deps) -> int:
    return os.getpid()


def _die_unless_in(_deps: Deps, parent: int) -> str:
    if os.getpid() != parent:
        os._exit(3)  # the worker process dies mid-task
    return "answered here"


def test_answer_worker_offloads_and_survives_a_dead_worker(
        seeded_sessions: sessionmaker) -> None:  # type: ignore[type-arg]
    url = seeded_sessions.kw["bind"].url.render_as_string(hide_password=False)
    deps = Deps(sessions=seeded_sessions, search=default_search())
    with answer_worker(deps, url, workers=1) as offload:
        deps.offload = offload
        assert deps.compute(_worker_pid) != os.getpid()
        blocks, text = reply_to(deps, "Kubernetes")
        assert "Kubernetes" in text and check_blocks(blocks) == []
        assert deps.compute(_die_unless_in, os.getpid()) == "answered here"
        assert deps.compute(_worker_pid) == os.getpid()  # the pool is broken: answered here


def _worker_glossary(deps: Deps) -> tuple[int, str | None]:
    return os.getpid(), getattr(deps.search, "glossary", None)


def test_answer_worker_searches_with_the_glossary_setting(
        sessions: sessionmaker, tmp_path: Path) -> None:  # type: ignore[type-arg]
    path = tmp_path / "glossary.yaml"
    path.write_text("synonyms:\n  - [zebrafish, telepresence]\n", encoding="utf-8")
    url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    deps = Deps(sessions=sessions, search=default_search(str(path)))
    with answer_worker(deps, url, workers=1) as offload:
        deps.offload = offload
        pid, glossary = deps.compute(_worker_glossary)
    assert pid != os.getpid() and glossary == str(path)


def test_manifest_matches_the_app() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND and command["url"].endswith(EVENTS_PATH)
    settings_ = manifest["settings"]
    assert set(settings_["event_subscriptions"]["bot_events"]) == {
        "app_mention", "app_home_opened", "message.im", "file_shared"}
    assert settings_["interactivity"]["is_enabled"] is True
    assert settings_["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert settings_["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "app_mentions:read", "im:history", "files:read",
            "usergroups:read", "channels:join", "channels:history",
            "groups:history", "users:read"} <= scopes  # files, user groups, conversations.join, history
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert len(manifest["display_information"]["description"]) <= 140
