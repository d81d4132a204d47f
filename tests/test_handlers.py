"""Listeners and answers: commands, strange text, mentions, DMs, buttons, retries (fake search)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from slack_bolt import App, BoltRequest
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_app
from bot.blocks import MORE_RESULTS, SHARE_TALK, Page, check_blocks, encode_share
from bot.cli import cli
from bot.handlers import Deps, EventLog, answer, clean_text, parse_command
from bot.i18n import choose_language, language_of_locale
from bot.locales import UserLocales
from bot.settings import Settings
from bot.terminal import render_blocks
from store.queries import list_talks
from tests.fakes.search import FakeSearch
from tests.fakes.slack_api import (
    BOT_USER_ID,
    FakeSlack,
    action_body,
    command_body,
    event_body,
    mention_event,
    signed_headers,
)

SECRET = "test-signing-secret"


def _text(reply: tuple[list[dict[str, Any]], str]) -> str:
    return json.dumps(reply[0], ensure_ascii=False)


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(("text", "name", "arg"), [
    ("", "help", ""), ("   ", "help", ""), ("help", "help", ""), ("HELP me", "help", "me"),
    ("ヘルプ", "help", ""), ("events", "events", ""), ("talk 12", "talk", "12"),
    ("talk #7", "talk", "#7"), ("talk about k8s", "search", "talk about k8s"),
    ("speaker Ian Lewis", "speaker", "Ian Lewis"), ("speaker", "speaker", ""),
    ("week", "week", ""), ("subscribe 0 9 * * mon", "subscribe", "0 9 * * mon"),
    ("unsubscribe", "unsubscribe", ""), ("gVisor sandbox", "search", "gVisor sandbox"),
    ("<@U123> <!channel>", "help", ""), ("&lt;script&gt;", "search", "<script>"),
    ("<https://k8s.io|k8s.io> istio", "search", "k8s.io istio"),
    ("<@U123|山田.taro> <!subteam^S1|@team> gvisor", "search", "gvisor"),
])
def test_parse_command_cases(text: str, name: str, arg: str) -> None:
    command = parse_command(text)
    assert (command.name, command.arg) == (name, arg)


def test_parse_command_cuts_long_queries() -> None:
    command = parse_command("x" * 5000)
    assert command.name == "search" and len(command.arg) == 200 and command.cut


def test_clean_text_drops_control_characters_and_mentions() -> None:
    assert clean_text("<@UBOT>\u0000 a\tb\n c <#C1|general>") == "a b c general"


@pytest.mark.parametrize(("setting", "locale", "lang"), [
    (None, "ja-JP", "ja"), (None, "en-US", "en"), (None, "en-GB", "en"), (None, "fr-FR", "en"),
    (None, "ja", "ja"), (None, None, "ja"), (None, "", "ja"), ("en", "ja-JP", "en"),
    ("ja", "en-US", "ja"), ("EN", None, "en"), ("klingon", "en-US", "en"),
])
def test_choose_language_setting_then_locale_then_japanese(
        setting: str | None, locale: str | None, lang: str) -> None:
    assert choose_language(setting, locale) == lang


def test_language_of_locale_unknown_is_none() -> None:
    assert language_of_locale(None) is None and language_of_locale("  ") is None
    assert language_of_locale("ja-JP") == "ja" and language_of_locale("es-ES") == "en"


class _Users:
    """A WebClient stand-in for users.info: counts calls, fails when told to."""

    def __init__(self, locales: dict[str, str], fail: Exception | None = None) -> None:
        self.locales = locales
        self.fail = fail
        self.calls: list[dict[str, Any]] = []

    def users_info(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.fail is not None:
            raise self.fail
        return {"ok": True, "user": {"id": kwargs["user"],
                                     "locale": self.locales[kwargs["user"]]}}


def test_user_locales_cached_per_user_until_the_ttl() -> None:
    now = [0.0]
    users = _Users({"U1": "en-US", "U2": "ja-JP"})
    locales = UserLocales(ttl=100, clock=lambda: now[0])
    client: Any = users
    assert locales.locale(client, "U1") == "en-US" and locales.locale(client, "U2") == "ja-JP"
    assert locales.locale(client, "U1") == "en-US"
    assert [c["user"] for c in users.calls] == ["U1", "U2"]
    assert all(c["include_locale"] is True for c in users.calls)
    users.locales["U1"] = "ja-JP"
    now[0] = 101
    assert locales.locale(client, "U1") == "ja-JP" and len(users.calls) == 3


def test_user_locales_failure_falls_back_quietly(caplog: pytest.LogCaptureFixture) -> None:
    from slack_sdk.errors import SlackApiError

    now = [0.0]
    users = _Users({}, fail=SlackApiError("no", {"ok": False, "error": "missing_scope"}))
    locales = UserLocales(failed_ttl=10, clock=lambda: now[0])
    deps = Deps(sessions=None, search=FakeSearch(), locales=locales)  # type: ignore[arg-type]
    with caplog.at_level("DEBUG", logger="meetup_bot.slack"):
        assert deps.language_of("U1", users) == "ja"  # type: ignore[arg-type]
        assert deps.language_of("U2", users) == "ja"  # type: ignore[arg-type]
    failures = [r for r in caplog.records if "users.info" in r.getMessage()]
    assert len(failures) == 1 and failures[0].levelname == "DEBUG"
    assert "missing_scope" in failures[0].getMessage()
    calls = len(users.calls)
    assert deps.language_of("U1", users) == "ja" and len(users.calls) == calls  # cached
    now[0] = 11
    deps.language_of("U1", users)
    assert len(users.calls) == calls + 1  # asked again after the shorter failure TTL


def test_bot_language_overrides_without_asking_slack() -> None:
    users = _Users({"U1": "ja-JP"})
    deps = Deps(sessions=None, search=FakeSearch(), language="en")  # type: ignore[arg-type]
    assert deps.language_of("U1", users) == "en" and users.calls == []  # type: ignore[arg-type]


def test_event_log_ttl_and_bound() -> None:
    now = [0.0]
    log = EventLog(ttl=10, max_entries=3, clock=lambda: now[0])
    assert log.claim("a") and not log.claim("a")
    now[0] = 11
    assert log.claim("a")
    for key in "bcd":
        assert log.claim(key)
    assert log.claim("a") is False or True  # bounded: the oldest may have been evicted
    assert len(log._seen) <= 3


# ---------------------------------------------------------------- answers


@pytest.fixture
def deps(seeded_sessions: sessionmaker[Session]) -> Deps:
    return Deps(sessions=seeded_sessions, search=FakeSearch())


def test_answer_empty_is_help(deps: Deps) -> None:
    assert "/meetup" in _text(answer(deps, "")) and "使い方" in _text(answer(deps, ""))


def test_answer_query_pages_and_language(deps: Deps) -> None:
    reply = answer(deps, "Kubernetes", lang="en")
    body = _text(reply)
    assert "Talks matching" in body and check_blocks(reply[0]) == []
    more = [b for b in reply[0] if b["type"] == "actions"]
    if more:
        page = Page.decode(more[0]["elements"][0]["value"])
        assert page is not None and page.offset == 5 and page.lang == "en"
    assert "の検索結果" in _text(answer(deps, "コンテナ", lang="ja"))


def test_answer_ascii_query_stays_japanese_by_default(deps: Deps) -> None:
    """The words asked about never choose the language: a Japanese team asks about gVisor."""
    assert "の検索結果" in _text(answer(deps, "Kubernetes"))
    assert "How to use" not in _text(answer(deps, "speaker Ian Lewis"))


def test_answer_bot_language_setting_wins(seeded_sessions: sessionmaker[Session]) -> None:
    deps = Deps(sessions=seeded_sessions, search=FakeSearch(), language="en")
    assert "Talks matching" in _text(answer(deps, "コンテナ"))
    assert "How to use" in _text(answer(deps, ""))


def test_answer_nothing_found_is_friendly(deps: Deps) -> None:
    body = _text(answer(deps, "zzqqxx"))
    assert "zzqqxx" in body and "kubernetes" in body and "/meetup" in body


def test_answer_talk_by_id(deps: Deps, seeded_sessions: sessionmaker[Session]) -> None:
    with seeded_sessions() as session:
        talk = list_talks(session)[0]
    body = _text(answer(deps, f"talk {talk.id}"))
    assert talk.title[:20] in body and SHARE_TALK in body
    assert "ID 999999" in _text(answer(deps, "talk 999999"))
    assert "There is no talk" in _text(answer(Deps(deps.sessions, deps.search, "en"),
                                              "talk 99999999999"))
    assert "番号" in _text(answer(deps, "talk"))
    assert "番号" in _text(answer(deps, "talk abc"))  # usage, not a search for "abc"


def test_answer_speaker(deps: Deps) -> None:
    body = _text(answer(deps, "speaker Ian Lewis", lang="en"))
    assert "Talks by Ian Lewis" in body
    assert "Ian Lewis さんのトーク" in _text(answer(deps, "speaker Ian Lewis"))
    assert "名前" in _text(answer(deps, "speaker"))
    assert "No talks by" in _text(answer(deps, "speaker Nobody Here", lang="en"))


def test_answer_events_filters_by_year_name_and_abbreviation(deps: Deps) -> None:
    year = _text(answer(deps, "events 2019"))
    assert "Kubernetes Meetup Tokyo #20" in year and "#10" not in year
    named = _text(answer(deps, "events KubeCon"))
    assert "KubeCon" in named and "Meetup Tokyo" not in named
    kmt = _text(answer(deps, "events KMT"))
    assert "#10" in kmt and "#20" in kmt and "CloudNative Days" not in kmt
    none = answer(deps, "events <b>zzz</b>")
    assert "当てはまるイベントはありません" in _text(none) and "<b>" not in _text(none)
    assert check_blocks(none[0]) == []


@pytest.mark.parametrize("text", ["a", "<script>alert(1)</script>", "'; DROP TABLE talks; --"])
def test_answer_noise_gets_help_not_hits(deps: Deps, text: str) -> None:
    reply = answer(deps, text)
    body = _text(reply)
    assert "/meetup" in body and ("検索できません" in body or "not something" in body)
    assert "<script>" not in body and check_blocks(reply[0]) == []


def test_answer_events_newest_first(deps: Deps) -> None:
    reply = answer(deps, "events")
    assert check_blocks(reply[0]) == []
    dates = [line.split(" · ")[1] for b in reply[0] if b["type"] == "section"
             for line in b["text"]["text"].splitlines()]
    dated = [d for d in dates if d[:1].isdigit()]
    assert dated == sorted(dated, reverse=True) and dates[: len(dated)] == dated  # undated last


@pytest.mark.parametrize("text", ["week", "subscribe", "subscribe 0 9 * * mon", "unsubscribe"])
def test_answer_digest_commands_not_set_up_yet(deps: Deps, text: str) -> None:
    assert "まだ準備中" in _text(answer(deps, text, channel_id="C1"))
    en = Deps(deps.sessions, deps.search, language="en")
    assert "not set up yet" in _text(answer(en, text, channel_id="C1"))


def test_answer_digest_seam_is_used(deps: Deps) -> None:
    class Digest:
        def week(self, *, channel_id: str | None, lang: str) -> Any:
            return ([{"type": "section", "text": {"type": "mrkdwn", "text": "pick"}}], "pick")

        def subscribe(self, *, channel_id: str, user_id: str, args: str | None, lang: str
                      ) -> Any:
            return ([{"type": "section", "text": {"type": "mrkdwn", "text": f"sub {args}"}}],
                    "sub")

        def unsubscribe(self, *, channel_id: str, user_id: str, lang: str) -> Any:
            return ([{"type": "section", "text": {"type": "mrkdwn", "text": "unsub"}}], "u")

        def home_week(self, *, lang: str) -> Any:
            return [], "n"

    deps.digest = Digest()  # type: ignore[assignment]
    assert "pick" in _text(answer(deps, "week"))
    assert "sub 0 9 * * mon" in _text(answer(deps, "subscribe 0 9 * * mon", channel_id="C1"))
    assert "unsub" in _text(answer(deps, "unsubscribe", channel_id="C1"))


@pytest.mark.parametrize("text", [
    "\u0000\u0001", "'; DROP TABLE talks; --", "🎉🎉🎉", "<!channel>", "%s %d {0}", "*_~`",
    "a" * 10_000, "talk -1", "talk 1e9", "speaker <@U1>", "\u200b", "NEAR(a b)", "\"unclosed",
])
def test_answer_strange_text_never_raises(deps: Deps, text: str) -> None:
    blocks, fallback = answer(deps, text)
    assert blocks and check_blocks(blocks) == [] and "Traceback" not in fallback


# ---------------------------------------------------------------- listeners through Bolt


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def bolt(slack: FakeSlack, seeded_sessions: sessionmaker[Session]) -> App:
    settings = Settings(slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
                        slack_api_url=slack.base_url)
    return build_app(settings, seeded_sessions, search=FakeSearch())


def _dispatch(app: App, body: bytes, content_type: str = "application/x-www-form-urlencoded",
              **kw: Any) -> int:
    headers = signed_headers(SECRET, body, content_type=content_type, **kw)
    request = BoltRequest(body=body.decode(), headers={k.lower(): [v] for k, v in headers.items()})
    return app.dispatch(request).status


def _event(app: App, event: dict[str, Any], event_id: str, **kw: Any) -> int:
    return _dispatch(app, event_body(event, event_id=event_id), "application/json", **kw)


def test_mention_answers_in_thread_once_despite_retries(bolt: App, slack: FakeSlack) -> None:
    event = mention_event("Kubernetes", ts="1700000000.000400")
    assert _event(bolt, event, "Ev1") == 200
    assert _event(bolt, event, "Ev1", retry_num=1) == 200
    assert _event(bolt, event, "Ev1", retry_num=2) == 200
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "1700000000.000400" and post.body["channel"] == "C0CHAN1"
    assert check_blocks(post.body["blocks"]) == []
    assert SHARE_TALK not in json.dumps(post.body["blocks"])  # public reply: no Share
    slack.wait_until(lambda calls: False, timeout=0.3)
    assert len(slack.of("chat.postMessage")) == 1


def test_mention_in_thread_replies_in_that_thread(bolt: App, slack: FakeSlack) -> None:
    _event(bolt, mention_event("help", ts="1700000001.000100", thread_ts="1700000000.000001"),
           "Ev2")
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "1700000000.000001"


def test_ignores_own_bot_and_edited_messages(bolt: App, slack: FakeSlack) -> None:
    own = mention_event("hi", ts="1.1", user=BOT_USER_ID)
    other_bot = {**mention_event("hi", ts="1.2"), "bot_id": "B999"}
    edit = {"type": "message", "subtype": "message_changed", "channel": "D1", "channel_type":
            "im", "ts": "1.3", "message": {"text": "kubernetes", "user": "U0USER1"}}
    channel_message = {"type": "message", "channel": "C1", "channel_type": "channel",
                       "user": "U0USER1", "text": "kubernetes", "ts": "1.4"}
    for i, event in enumerate([own, other_bot, edit, channel_message]):
        assert _event(bolt, event, f"EvIgnore{i}") == 200
    slack.wait_until(lambda calls: False, timeout=0.5)
    assert slack.of("chat.postMessage") == []


def test_dm_answers_like_a_mention_and_once_with_app_mention(bolt: App, slack: FakeSlack
                                                             ) -> None:
    dm = {"type": "message", "channel": "D0DM1", "channel_type": "im", "user": "U0USER1",
          "text": f"<@{BOT_USER_ID}> events", "ts": "1700000002.000100"}
    _event(bolt, dm, "EvDm1")
    _event(bolt, {**mention_event("events", ts="1700000002.000100"), "channel": "D0DM1"},
           "EvDm2")
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["channel"] == "D0DM1" and "thread_ts" not in post.body
    slack.wait_until(lambda calls: False, timeout=0.3)
    assert len(slack.of("chat.postMessage")) == 1


def test_more_replaces_the_ephemeral_message(bolt: App, slack: FakeSlack) -> None:
    value = Page("query", "Kubernetes", 5, "en").encode()
    assert _dispatch(bolt, action_body(MORE_RESULTS, value, slack.response_url())) == 200
    [sent] = slack.wait_for("response_url")
    assert sent.body["replace_original"] is True and check_blocks(sent.body["blocks"]) == []
    assert "6–" in json.dumps(sent.body["blocks"], ensure_ascii=False)


def test_more_with_forged_value_does_nothing(bolt: App, slack: FakeSlack) -> None:
    assert _dispatch(bolt, action_body(MORE_RESULTS, "{not json", slack.response_url())) == 200
    slack.wait_until(lambda calls: False, timeout=0.3)
    assert slack.calls == [c for c in slack.calls if c.method == "auth.test"]


def test_share_posts_in_channel_with_who_shared(bolt: App, slack: FakeSlack,
                                                seeded_sessions: sessionmaker[Session]) -> None:
    with seeded_sessions() as session:
        talk = list_talks(session)[0]
    _dispatch(bolt, action_body(SHARE_TALK, encode_share(talk.id, "en"), slack.response_url(),
                                user_id="U0SHARER"))
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["channel"] == "C0CHAN1" and "<@U0SHARER>" in json.dumps(post.body["blocks"])
    assert check_blocks(post.body["blocks"]) == []


def test_share_falls_back_to_response_url_when_not_in_channel(
        bolt: App, slack: FakeSlack, seeded_sessions: sessionmaker[Session]) -> None:
    with seeded_sessions() as session:
        talk = list_talks(session)[0]
    slack.fail("chat.postMessage", error="not_in_channel")
    _dispatch(bolt, action_body(SHARE_TALK, encode_share(talk.id, "ja"), slack.response_url()))
    [sent] = slack.wait_for("response_url")
    assert sent.body["response_type"] == "in_channel" and sent.body["replace_original"] is False


def test_command_survives_429_and_500_on_response_url(bolt: App, slack: FakeSlack) -> None:
    slack.fail("response_url", status=429, retry_after=0)
    slack.fail("response_url", status=500)
    assert _dispatch(bolt, command_body("help", slack.response_url())) == 200
    [sent] = slack.wait_for("response_url", timeout=15)
    assert len(slack.attempts("response_url")) == 3 and sent.body["response_type"] == "ephemeral"


def test_search_failure_becomes_a_short_apology(seeded_sessions: sessionmaker[Session],
                                                slack: FakeSlack) -> None:
    settings = Settings(slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
                        slack_api_url=slack.base_url.rstrip("/"))
    app = build_app(settings, seeded_sessions, search=FakeSearch(fail=True))
    _dispatch(app, command_body("kubernetes", slack.response_url()))
    [sent] = slack.wait_for("response_url")
    assert "もう一度" in json.dumps(sent.body["blocks"], ensure_ascii=False)
    assert "Traceback" not in str(sent.body)


def test_ssl_check_and_unsigned_requests(bolt: App, slack: FakeSlack) -> None:
    assert _dispatch(bolt, b"ssl_check=1&token=legacy") == 200
    request = BoltRequest(body="ssl_check=1&token=legacy", headers={})
    assert bolt.dispatch(request).status == 401


# ---------------------------------------------------------------- ask (the terminal rendering)


def test_render_blocks_for_a_terminal() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Title"}},
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": "*<https://x.test|Talk>*\n> a \u200b*hit*\u200bだ &lt;b&gt;"},
         "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Share"}}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "_notes not written_"}]},
        {"type": "actions", "elements": [{"type": "button",
                                          "text": {"type": "plain_text", "text": "More"}}]},
    ]
    out = render_blocks(blocks)
    assert out.splitlines()[0] == "Title"
    assert "Talk (https://x.test)" in out and "a hitだ <b>" in out
    assert "[Share]" in out and "[More]" in out and "notes not written" in out
    assert "\033[1m" in render_blocks(blocks, color=True) and "\033" not in out


def test_ask_command_prints_the_answer(seeded_sessions: sessionmaker[Session]) -> None:
    url = seeded_sessions.kw["bind"].url.render_as_string(hide_password=False)
    runner = CliRunner()
    result = runner.invoke(cli, ["ask", "--db", url, "Kubernetes"], env={"BOT_LANGUAGE": "en"})
    assert result.exit_code == 0, result.output
    assert "Talks matching “Kubernetes”" in result.output and "[Share]" in result.output
    ja = runner.invoke(cli, ["ask", "--db", url, "Kubernetes"])
    assert "「Kubernetes」の検索結果" in ja.output
    assert "\033" not in result.output  # not a terminal: no colours
    empty = runner.invoke(cli, ["ask", "--db", url])
    assert empty.exit_code == 0 and "meetup-bot の使い方" in empty.output
    week = runner.invoke(cli, ["ask", "--db", url, "week"])
    assert "今週のトーク" in week.output and "準備中" not in week.output


# ---------------------------------------------------------------- several copies, one store


def test_claim_event_once_per_store(any_sessions: sessionmaker[Session]) -> None:
    import datetime as dt

    from store.slack_events import claim_event, forget_events

    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    with any_sessions() as session:
        assert claim_event(session, "message:C1:1.1", now=old) is True
        assert claim_event(session, "message:C1:1.1") is False
        assert claim_event(session, "message:C1:1.2") is True
        assert claim_event(session, "x" * 500) is True and claim_event(session, "x" * 300) is False
        assert forget_events(session, before=dt.datetime(2021, 1, 1, tzinfo=dt.UTC)) == 1
        assert claim_event(session, "message:C1:1.1") is True


def test_two_copies_answer_a_message_once(slack: FakeSlack,
                                          seeded_sessions: sessionmaker[Session]) -> None:
    settings = Settings(slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
                        slack_api_url=slack.base_url)
    first = build_app(settings, seeded_sessions, search=FakeSearch())
    second = build_app(settings, seeded_sessions, search=FakeSearch())  # its own memory
    event = mention_event("help", ts="1700000009.000100")
    assert _event(first, event, "EvCopy1") == 200
    assert _event(second, event, "EvCopy1", retry_num=1) == 200
    slack.wait_for("chat.postMessage")
    slack.wait_until(lambda calls: False, timeout=0.5)
    assert len(slack.of("chat.postMessage")) == 1


def test_migration_0003_downgrades(engine: Any) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from store.db import _alembic_config

    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    assert "slack_events" not in inspect(engine).get_table_names()


@pytest.mark.parametrize("text", [
    "\u0000\u0001", "'; DROP TABLE talks; --", "🎉🎉🎉", "<!channel>", "%s %d {0}", "*_~`",
    "a" * 10_000, "talk -1", "speaker <@U1>", "\u200b", "NEAR(a b)", "\"unclosed", "k8s OR",
    "kubernets", "コンテナ　セキュリティ", "ｋｕｂｅｒｎｅｔｅｓ", "speaker ian lewsi", "-", "*",
])
def test_answer_with_the_real_search_never_raises(seeded_sessions: sessionmaker[Session],
                                                  text: str) -> None:
    from bot.app import default_search

    deps = Deps(sessions=seeded_sessions, search=default_search())
    blocks, fallback = answer(deps, text)
    assert blocks and check_blocks(blocks) == [] and "Traceback" not in fallback
    assert "ごめんなさい" not in json.dumps(blocks, ensure_ascii=False)  # no apology: it worked


def test_answer_on_an_empty_store_says_how_to_fill_it(sessions: sessionmaker[Session]) -> None:
    empty = Deps(sessions=sessions, search=FakeSearch())
    body = _text(answer(empty, "kubernetes"))
    assert "meetup-bot import" in body and ("ストア" in body or "store is empty" in body)
