"""`meetup-bot serve` as a subprocess, signed requests in as Slack sends them, a fake Web API."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.blocks import MORE_RESULTS, SHARE_TALK, check_blocks, encode_share
from store.db import make_engine, make_sessionmaker, upgrade
from store.importer import forget_paths, import_paths
from store.models import Subscription, Talk
from tests.conftest import SEEDS
from tests.fakes.process import Served, http, serve, serve_env
from tests.fakes.slack_api import (
    BOT_USER_ID,
    FakeSlack,
    action_body,
    command_body,
    event_body,
    mention_event,
    signed_headers,
)
from tests.repetition import repetitions

SECRET = "e2e-signing-secret"
# Words that only the Japanese labels use (talk titles in either language may appear anywhere).
JAPANESE_LABELS = re.compile("検索結果|さんのトーク|件中|チャンネルに共有|出典|見つかりません")
ACK_BUDGET = 3.0  # Slack's limit for an answer to any request


JA_USER, EN_USER = "U0JAUSER", "U0ENUSER"  # Slack locales ja-JP and en-US; U0USER1 has none


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.locales.update({JA_USER: "ja-JP", EN_USER: "en-US"})
        yield fake


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The five seed reports, imported as the `seeded_sessions` fixture does, in a file store."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed reports are not at {SEEDS}")
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine)
    result = import_paths(make_sessionmaker(engine), [SEEDS])
    assert not result.rejected
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(slack: FakeSlack, db_url: str) -> Iterator[Served]:
    env = serve_env(SLACK_BOT_TOKEN="xoxb-e2e", SLACK_SIGNING_SECRET=SECRET,
                    SLACK_API_URL=slack.base_url.rstrip("/"), DATABASE_URL=db_url)
    with serve(env) as served:
        yield served
    assert SECRET not in served.stderr() and "xoxb-e2e" not in served.stderr()
    assert "Traceback" not in served.stderr(), served.stderr()


@pytest.fixture(autouse=True)
def _every_message_within_limits(slack: FakeSlack) -> Iterator[None]:
    """Reset the fake before each test; afterwards check every message the bot sent."""
    slack.reset()
    yield
    time.sleep(0.05)
    for call in slack.calls:
        if "blocks" in call.body:
            assert check_blocks(call.body["blocks"]) == [], (call.method, call.body)
            assert len(call.body.get("text", "")) <= 3000
            # nothing said twice, in any message of any test
            assert repetitions(call.body["blocks"], call.body.get("text", "")) == [], call.body
        if "view" in call.body:
            assert check_blocks(call.body["view"]["blocks"], surface="home") == []
            assert repetitions(call.body["view"]["blocks"]) == [], call.body


def _post(server: Served, body: bytes, *, content_type: str = "application/x-www-form-urlencoded",
          **kw: Any) -> tuple[int, bytes]:
    headers = signed_headers(SECRET, body, content_type=content_type, **kw)
    status, answer, seconds = http("POST", server.url + "/slack/events", body, headers)
    assert seconds < ACK_BUDGET
    return status, answer


def _command(server: Served, slack: FakeSlack, text: str, name: str = "r", *,
             user: str = "U0USER1") -> dict[str, Any]:
    status, answer = _post(server, command_body(text, slack.response_url(name), user_id=user))
    assert status == 200 and answer in (b"", b"null")
    sent = [c for c in slack.wait_until(
        lambda calls: any(c.path.endswith("/" + name) for c in calls)) and slack.calls
        if c.path.endswith("/" + name)]
    assert sent, f"no answer to /meetup {text}"
    return sent[0].body


def _blocks_text(body: dict[str, Any]) -> str:
    return json.dumps(body["blocks"], ensure_ascii=False)


def test_healthz(server: Served) -> None:
    status, body, _ = http("GET", server.url + "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    assert http("GET", server.url + "/nope")[0] == 404


def test_url_verification(server: Served, slack: FakeSlack) -> None:
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"}).encode()
    status, answer = _post(server, body, content_type="application/json")
    assert status == 200 and json.loads(answer)["challenge"] == "c-123"
    assert slack.calls == []


@pytest.mark.parametrize("text", ["", "help"])
def test_command_help(server: Served, slack: FakeSlack, text: str) -> None:
    sent = _command(server, slack, text, name=f"help{len(text)}")
    assert sent["response_type"] == "ephemeral" and "/meetup" in _blocks_text(sent)


def test_command_query_more_and_share(server: Served, slack: FakeSlack) -> None:
    sent = _command(server, slack, "Kubernetes", name="q1", user=EN_USER)
    text = _blocks_text(sent)
    assert "Talks matching" in text and SHARE_TALK in text
    more = [b for b in sent["blocks"] if b["type"] == "actions"]
    assert more, "the seeds hold more than five Kubernetes talks, so there is a next page"
    value = more[0]["elements"][0]["value"]

    status, _ = _post(server, action_body(MORE_RESULTS, value, slack.response_url("more"),
                                          user_id=EN_USER))
    assert status == 200
    slack.wait_until(lambda calls: any(c.path.endswith("/more") for c in calls))
    [page2] = [c.body for c in slack.calls if c.path.endswith("/more")]
    assert page2["replace_original"] is True and "6–" in _blocks_text(page2)
    assert re.search(r"6–\d+ of \d+", _blocks_text(page2))  # the presser's language
    _post(server, action_body(MORE_RESULTS, value, slack.response_url("more-ja"),
                              user_id=JA_USER))
    slack.wait_until(lambda calls: any(c.path.endswith("/more-ja") for c in calls))
    [page2_ja] = [c.body for c in slack.calls if c.path.endswith("/more-ja")]
    assert re.search(r"\d+ 件中 6–", _blocks_text(page2_ja))

    share = next(b["accessory"]["value"] for b in sent["blocks"] if "accessory" in b)
    status, _ = _post(server, action_body(SHARE_TALK, share, slack.response_url("share"),
                                          user_id="U0SHARER", channel_id="C0TEAM"))
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["channel"] == "C0TEAM" and "<@U0SHARER>" in _blocks_text(post.body)
    assert post.headers["authorization"] == "Bearer xoxb-e2e"


def test_command_japanese_query(server: Served, slack: FakeSlack) -> None:
    text = _blocks_text(_command(server, slack, "コンテナ", name="ja"))
    assert "検索結果" in text or "見つかりませんでした" in text


def test_command_nothing_found_is_friendly(server: Served, slack: FakeSlack) -> None:
    text = _blocks_text(_command(server, slack, "qqqzzzxxx", name="none", user=EN_USER))
    assert "No talk matches" in text and "/meetup" in text
    text = _blocks_text(_command(server, slack, "qqqzzzxxx", name="none-ja"))
    assert "見つかりませんでした" in text and "No talk" not in text


@pytest.mark.parametrize("query", ["gVisor", "speaker Ian Lewis", "Kubernetes"])
def test_language_follows_the_users_locale_not_the_query(server: Served, slack: FakeSlack,
                                                         query: str) -> None:
    """The same ASCII query: Japanese labels for a ja-JP user, English for an en-US one,
    Japanese for a user whose locale Slack does not tell (users.info fails)."""
    slug = query.replace(" ", "-")
    ja = _blocks_text(_command(server, slack, query, name=f"loc-ja-{slug}", user=JA_USER))
    en = _blocks_text(_command(server, slack, query, name=f"loc-en-{slug}", user=EN_USER))
    unknown = _blocks_text(_command(server, slack, query, name=f"loc-x-{slug}"))
    for text in (ja, unknown):
        assert re.search("の検索結果|さんのトーク|見つかりませんでした", text), text
        assert not re.search("Talks matching|Talks by|No talk", text), text
    assert re.search("Talks matching|Talks by|No talk", en), en
    assert not JAPANESE_LABELS.search(en), en
    asked = [c for c in slack.calls if c.method == "users.info"]
    assert {c.body["user"] for c in asked} <= {JA_USER, EN_USER, "U0USER1"}
    assert all(c.body.get("include_locale") in ("1", "true") for c in asked)
    assert len([c for c in asked if c.body["user"] == EN_USER]) <= 1  # cached per user


def test_mention_and_app_home_follow_the_users_locale(server: Served, slack: FakeSlack) -> None:
    event = mention_event("Kubernetes", ts="1700000400.000100", user=EN_USER)
    _post(server, event_body(event, event_id="EvLang1"), content_type="application/json")
    [post] = slack.wait_for("chat.postMessage")
    assert "Talks matching" in _blocks_text(post.body)
    for user, expected in ((EN_USER, "Latest events"), (JA_USER, "最近のイベント")):
        slack.reset()
        home = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                "event_ts": "1700000300.000200"}
        _post(server, event_body(home, event_id=f"EvLangHome{user}"),
              content_type="application/json")
        [publish] = slack.wait_for("views.publish")
        assert expected in json.dumps(publish.body["view"], ensure_ascii=False)


def test_bot_language_overrides_every_users_locale(slack: FakeSlack, db_url: str) -> None:
    env = serve_env(SLACK_BOT_TOKEN="xoxb-e2e", SLACK_SIGNING_SECRET=SECRET,
                    SLACK_API_URL=slack.base_url.rstrip("/"), DATABASE_URL=db_url,
                    BOT_LANGUAGE="ja")
    with serve(env) as served:
        text = _blocks_text(_command(served, slack, "Kubernetes", name="ov-en", user=EN_USER))
        assert "「Kubernetes」の検索結果" in text and "Talks matching" not in text
        assert slack.attempts("users.info") == []  # the setting decides: Slack is not asked


def test_command_events(server: Served, slack: FakeSlack) -> None:
    text = _blocks_text(_command(server, slack, "events", name="events"))
    assert "イベント一覧" in text and "Kubernetes Meetup Tokyo" in text


def test_command_talk_and_speaker(server: Served, slack: FakeSlack, db_url: str) -> None:
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        talk = session.scalars(select(Talk).where(Talk.has_notes).order_by(Talk.id)).first()
        assert session.scalar(select(func.count()).select_from(Talk)) > 0
    engine.dispose()
    assert talk is not None
    text = _blocks_text(_command(server, slack, f"talk {talk.id}", name="talk"))
    assert talk.title[:30] in text
    assert "ID 99999" in _blocks_text(_command(server, slack, "talk 99999", name="talk404"))
    speaker = talk.speakers[0]
    text = _blocks_text(_command(server, slack, f"speaker {speaker}", name="speaker"))
    assert talk.title[:30] in text


def test_command_week_subscribe_unsubscribe(server: Served, slack: FakeSlack,
                                            db_url: str) -> None:
    assert "今週のトーク" in _blocks_text(_command(server, slack, "week", name="d-week"))
    bad = _blocks_text(_command(server, slack, "subscribe 0 25 * * mon", name="d-bad"))
    assert "使えません" in bad
    done = _blocks_text(_command(server, slack, "subscribe 0 8 * * fri", name="d-sub"))
    assert "0 8 * * fri" in done and "Asia/Tokyo" in done
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        sub = session.scalars(select(Subscription)).one()
        assert (sub.channel_id, sub.cron, sub.created_by) == ("C0CHAN1", "0 8 * * fri", "U0USER1")
    again = _blocks_text(_command(server, slack, "subscribe 0 8 * * fri", name="d-again"))
    assert "すでに登録済み" in again
    gone = _blocks_text(_command(server, slack, "unsubscribe", name="d-unsub"))
    assert "止めました" in gone
    with make_sessionmaker(engine)() as session:
        assert session.scalars(select(Subscription)).all() == []
    engine.dispose()


def test_command_subscribe_with_a_topic(server: Served, slack: FakeSlack, db_url: str) -> None:
    done = _blocks_text(_command(server, slack, 'subscribe "service mesh" 0 9 * * fri',
                                 name="t-sub"))
    assert "0 9 * * fri" in done and "service mesh" in done
    assert [c.body["channel"] for c in slack.of("conversations.join")] == ["C0CHAN1"]
    shown = _blocks_text(_command(server, slack, "subscribe", name="t-show"))
    assert "受け取っています" in shown and "service mesh" in shown
    refused = _blocks_text(_command(server, slack, "subscribe blockchain", name="t-none"))
    assert "blockchain" in refused and "blocking" in refused
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        sub = session.scalars(select(Subscription)).one()
        assert (sub.topic, sub.cron, sub.access) == ("service mesh", "0 9 * * fri", "member")
    _command(server, slack, "unsubscribe", name="t-unsub")
    engine.dispose()


def _samples(server: Served) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client.parser import text_string_to_metric_families

    status, body, _ = http("GET", server.url + "/metrics")
    assert status == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples}


def test_metrics_move_after_a_signed_command(server: Served, slack: FakeSlack) -> None:
    before = _samples(server)
    command = ("meetup_bot_requests_total", (("kind", "command"),))
    acks = ("meetup_bot_ack_seconds_count", (("kind", "command"),))
    searches = ("meetup_bot_search_seconds_count", (("kind", "query"),))
    answers = ("meetup_bot_answers_total", (("via", "response_url"),))
    _command(server, slack, "gVisor", name="m-q")
    assert slack.wait_until(lambda _c: _samples(server).get(answers, 0) > before.get(answers, 0))
    after = _samples(server)
    assert after[command] == before.get(command, 0) + 1
    assert after[acks] == before.get(acks, 0) + 1
    assert after[searches] >= before.get(searches, 0) + 1  # timed in the answer worker
    assert after[answers] == before.get(answers, 0) + 1
    assert ("meetup_bot_import_files_total", (("result", "rejected"),)) in after


def test_mention_replies_in_thread_once_despite_retries(server: Served, slack: FakeSlack
                                                        ) -> None:
    event = mention_event("Kubernetes", ts="1700000100.000100")
    now = int(time.time())
    # Slack's retries: the same event_id, a new timestamp (so a new signature), a retry header;
    # and one that arrives within the same second (the same signature).
    for retry, timestamp in ((None, now), (1, now), (1, now - 1), (2, now - 2)):
        status, _ = _post(server, event_body(event, event_id="EvE2E1"),
                          content_type="application/json", retry_num=retry, timestamp=timestamp)
        assert status == 200
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["thread_ts"] == "1700000100.000100" and post.body["channel"] == "C0CHAN1"
    time.sleep(0.3)
    assert len(slack.of("chat.postMessage")) == 1


def test_own_messages_are_ignored(server: Served, slack: FakeSlack) -> None:
    event = mention_event("Kubernetes", ts="1700000200.000100", user=BOT_USER_ID)
    _post(server, event_body(event, event_id="EvE2E2"), content_type="application/json")
    time.sleep(0.4)
    assert slack.of("chat.postMessage") == []


def test_app_home_opened(server: Served, slack: FakeSlack) -> None:
    event = {"type": "app_home_opened", "user": "U0USER1", "channel": "D0HOME", "tab": "home",
             "event_ts": "1700000300.000100"}
    _post(server, event_body(event, event_id="EvHome1"), content_type="application/json")
    [publish] = slack.wait_for("views.publish")
    assert publish.body["user_id"] == "U0USER1"
    text = json.dumps(publish.body["view"], ensure_ascii=False)
    assert "最近のイベント" in text and "今週のトーク" in text and "準備中" not in text


def test_forged_stale_and_replayed_requests_get_401_and_do_nothing(server: Served,
                                                                  slack: FakeSlack) -> None:
    url = server.url + "/slack/events"
    body = command_body("help", slack.response_url("evil"))
    good = signed_headers(SECRET, body)
    cases = [
        ({"Content-Type": "application/x-www-form-urlencoded"}, body),  # unsigned
        (signed_headers("wrong-secret", body), body),  # forged
        (signed_headers(SECRET, body, timestamp=int(time.time()) - 301), body),  # stale
        (signed_headers(SECRET, body, timestamp=int(time.time()) + 400), body),  # future
        ({**good, "X-Slack-Signature": "v0=" + "0" * 64}, body),
        (good, body.replace(b"help", b"events")),  # replayed with a changed body
        ({**good, "X-Slack-Request-Timestamp": "not-a-number"}, body),
        ({**good, "X-Slack-Request-Timestamp": "\u00b2\u00b3"}, body),  # superscript digits
        ({**good, "X-Slack-Signature": "v0=é"}, body),
        ({**good, "X-Slack-Signature": ""}, body),
    ]
    for headers, data in cases:
        status, _, _ = http("POST", url, data, headers)
        assert status == 401, headers
    assert http("POST", url, body, good)[0] == 200  # the genuine one is answered ...
    slack.wait_for("response_url")
    assert http("POST", url, body, good)[0] == 401  # ... once: an exact replay is refused
    time.sleep(0.3)
    assert [c.method for c in slack.calls] == ["response_url"]


def test_signed_garbage_is_refused_without_a_trace(server: Served, slack: FakeSlack) -> None:
    status, answer = _post(server, b"{not json", content_type="application/json")
    assert status in (400, 404) and b"Traceback" not in answer
    assert slack.calls == []


_DEEP = "[" * 100_000 + "]" * 100_000


def _payload(value: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode({"payload": value}).encode()


@pytest.mark.parametrize(("body", "content_type"), [
    (b"[]", "application/json"),
    (b"null", "application/json"),
    (b'"x"', "application/json"),
    (b"1e999", "application/json"),
    (b"NaN", "application/json"),
    (b"123", "application/json"),
    (_DEEP.encode(), "application/json"),
    (b'{"a": ' + _DEEP.encode() + b"}", "application/json"),
    (b'{"event":"x"}', "application/json"),
    (b'{"type": "event_callback", "event": "x"}', "application/json"),
    (b'{"type": "event_callback", "event": {"type": "app_mention", "text": ["x"]}}',
     "application/json"),
    (b'{"type": "event_callback", "event": {"type": 1}}', "application/json"),
    (b'{"type": "event_callback", "team": 5, "event": {"type": "message"}}',
     "application/json"),
    (b'{"type": "event_callback", "authorizations": [1], "event": {"type": "message"}}',
     "application/json"),
    (b'{"type": ["url_verification"], "challenge": "c"}', "application/json"),
    (b'{"type": "url_verification", "challenge": {"c": 1}}', "application/json"),
    (b'{"challenge": "c"}', "application/json"),
    (b'{"type": "x", "n": 1e999}', "application/json"),
    (_payload("[]"), "application/x-www-form-urlencoded"),
    (_payload("null"), "application/x-www-form-urlencoded"),
    (_payload("{"), "application/x-www-form-urlencoded"),
    (_payload('{"type": "block_actions", "actions": "x"}'), "application/x-www-form-urlencoded"),
    (_payload('{"type": "block_actions", "actions": [[]]}'), "application/x-www-form-urlencoded"),
    (_payload('{"type": "block_actions", "user": "U1", "actions": []}'),
     "application/x-www-form-urlencoded"),
    (b"{}", "application/x-www-form-urlencoded"),  # a form by its type, JSON to Bolt
    (b'{"type": 1}', "text/plain"),
    (b"", "application/json"),
])
def test_signed_bodies_slack_never_sends_get_400(server: Served, slack: FakeSlack, body: bytes,
                                                 content_type: str) -> None:
    status, answer = _post(server, body, content_type=content_type)
    assert status == 400, (status, answer)
    assert json.loads(answer) == {"error": "not a Slack request"}
    assert b"Traceback" not in answer
    time.sleep(0.05)
    assert slack.calls == []
    assert "Traceback" not in server.stderr() and " 500 " not in server.stderr()


def test_forgotten_talk_answers_that_it_is_gone(server: Served, slack: FakeSlack, db_url: str,
                                                tmp_path: Path) -> None:
    """`/meetup talk N` and a Share button of a talk whose report was forgotten say so."""
    report = tmp_path / "forget-me.md"
    report.write_text('---\nevent: "Throwaway Study #1"\ndate: 2020-02-02\n---\n\n'
                      "## Ephemeral clusters for every pull request\nby 山田 花子\n\n- memo\n",
                      encoding="utf-8")
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    assert not import_paths(sessions, [report]).rejected
    with sessions() as session:
        talk_id = session.scalars(select(Talk.id).where(
            Talk.title == "Ephemeral clusters for every pull request")).one()
    found = _command(server, slack, f"talk {talk_id}", name="gone-before")
    assert "Ephemeral clusters" in _blocks_text(found)
    share = encode_share(talk_id, "ja")  # the Share button the user still has
    assert forget_paths(sessions, [report]).forgotten
    engine.dispose()

    text = _blocks_text(_command(server, slack, f"talk {talk_id}", name="gone-talk"))
    assert "もうストアにありません" in text, text
    posts = len([c for c in slack.calls if c.path.endswith("chat.postMessage")])
    status, _ = _post(server, action_body(SHARE_TALK, share, slack.response_url("gone-share"),
                                          user_id="U0SHARER", channel_id="C0TEAM"))
    assert status == 200
    slack.wait_until(lambda calls: any(c.path.endswith("/gone-share") for c in calls))
    [answer] = [c.body for c in slack.calls if c.path.endswith("/gone-share")]
    assert answer["response_type"] == "ephemeral" and "ありません" in _blocks_text(answer)
    assert len([c for c in slack.calls if c.path.endswith("chat.postMessage")]) == posts


def test_add_refuses_a_page_on_this_machine_by_default(server: Served, slack: FakeSlack
                                                       ) -> None:
    """`serve` wires the add flow with the settings: no IMPORT_ALLOW_HOSTS, no local pages."""
    from tests.fakes.pages import Page, PageServer

    with PageServer() as web:
        url = web.add("/r", Page(b"<html><body><h1>x</h1></body></html>"))
        sent = _command(server, slack, f"add <{url}>", name="add-local")
        assert "IMPORT_ALLOW_HOSTS" in _blocks_text(sent) and web.requests == []


def _home(server: Served, slack: FakeSlack, user: str, event_id: str) -> dict[str, Any]:
    slack.reset()
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
             "event_ts": "1700000300.000900"}
    _post(server, event_body(event, event_id=event_id), content_type="application/json")
    [publish] = slack.wait_for("views.publish")
    view: dict[str, Any] = publish.body["view"]
    return view


def test_no_message_kind_repeats_itself(server: Served, slack: FakeSlack, db_url: str) -> None:
    """Every block of every kind of answer, for every talk in the store: no summary or
    sentence twice, no `@x / @x`, no dangling separator (also in the notification text)."""
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        talks = session.scalars(select(Talk).order_by(Talk.id)).all()
        speakers = sorted({s for t in talks for s in (t.speakers or [])})[:12]
        ids = [t.id for t in talks]
    engine.dispose()
    asks = [f"talk {i}" for i in ids] + [f"speaker {s}" for s in speakers] + [
        "Kubernetes", "gVisor", "セキュリティ", "service mesh", "Istio", "qqqzzz", "events",
        "events 2019", "week", "help", ""]
    found: dict[str, list[str]] = {}
    for n, ask in enumerate(asks):
        user = (JA_USER, EN_USER)[n % 2]
        sent = _command(server, slack, ask, name=f"rep{n}", user=user)
        problems = repetitions(sent["blocks"], sent["text"])
        if problems:
            found[ask] = problems
    for user in (JA_USER, EN_USER):
        view = _home(server, slack, user, f"EvRepHome{user}")
        if problems := repetitions(view["blocks"]):
            found[f"App Home {user}"] = problems
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_speaker_suggests_only_close_names(server: Served, slack: FakeSlack) -> None:
    typo = _blocks_text(_command(server, slack, "speaker Yan Luis", name="sp-typo", user=JA_USER))
    assert "もしかして" in typo and "`Ian Lewis`" in typo
    far = _blocks_text(_command(server, slack, "speaker Lewis Carroll", name="sp-far",
                                user=EN_USER))
    assert "No talks by" in far and "Did you mean" not in far


def _pick_title(blocks: list[dict[str, Any]]) -> str:
    """The linked title of the first talk in `blocks` (`*<url|title>*` or `*title*`)."""
    text = html.unescape(json.dumps(blocks, ensure_ascii=False))
    found = re.search(r"\*<[^|>]+\|([^>]+)>\*|\\n\*([^*<]+)\*", text)
    assert found, text
    return found.group(1) or found.group(2)


def test_week_pick_is_the_same_in_the_channel_and_in_app_home(server: Served,
                                                              slack: FakeSlack) -> None:
    channels = ["C0WEEKA", "C0WEEKB", "C0WEEKC"]
    for channel in channels:
        status, _ = _post(server, command_body("subscribe", slack.response_url(f"s-{channel}"),
                                               user_id=JA_USER, channel_id=channel))
        assert status == 200
        slack.wait_until(lambda calls, c=channel: any(x.path.endswith(f"/s-{c}") for x in calls))
    try:
        picks = {}
        for channel in channels:
            _post(server, command_body("week", slack.response_url(f"w-{channel}"),
                                       user_id=EN_USER, channel_id=channel))
            slack.wait_until(lambda calls, c=channel: any(x.path.endswith(f"/w-{c}")
                                                          for x in calls))
            [sent] = [c.body for c in slack.calls if c.path.endswith(f"/w-{channel}")]
            picks[channel] = _pick_title(sent["blocks"])
        for user in (JA_USER, EN_USER):
            view = _home(server, slack, user, f"EvWeekHome{user}")
            sections = [html.unescape(b["text"]["text"]) for b in view["blocks"]
                        if b["type"] == "section"]
            for channel, title in picks.items():
                [mine] = [s for s in sections if f"<#{channel}>" in s]
                assert title in mine, (channel, title, mine)
        # outside a channel (a DM), `week` lists the same picks
        status, _ = _post(server, command_body("week", slack.response_url("w-dm"),
                                               user_id=JA_USER, channel_id="D0DM"))
        slack.wait_until(lambda calls: any(x.path.endswith("/w-dm") for x in calls))
        [dm] = [html.unescape(_blocks_text(c.body)) for c in slack.calls
                if c.path.endswith("/w-dm")]
        assert all(f"<#{c}>" in dm and t in dm for c, t in picks.items())
    finally:
        for channel in channels:
            _post(server, command_body("unsubscribe", slack.response_url(f"u-{channel}"),
                                       user_id=JA_USER, channel_id=channel))
            slack.wait_until(lambda calls, c=channel: any(x.path.endswith(f"/u-{c}")
                                                          for x in calls))


@pytest.mark.parametrize(("cron", "ja", "en"), [
    ("0 25 * * mon", "時の項目「25」", "the hour field “25”"),
    ("61 9 * * mon", "分の項目「61」", "the minute field “61”"),
    ("0 9 32 * *", "日の項目「32」", "the day of month field “32”"),
    ("0 9 * 13 *", "月の項目「13」", "the month field “13”"),
    ("0 9 * * funday", "曜日の項目「funday」", "the weekday field “funday”"),
    ("*/15 * * * *", "1時間に 4 回", "4 times an hour"),
    ("0 9 * *", "4 項目", "not 4"),
])
def test_schedule_errors_name_the_field_in_the_users_language(
        server: Served, slack: FakeSlack, cron: str, ja: str, en: str) -> None:
    slug = re.sub(r"\W", "", cron)
    in_ja = html.unescape(_blocks_text(_command(server, slack, f"subscribe {cron}",
                                                name=f"cj{slug}", user=JA_USER)))
    in_en = html.unescape(_blocks_text(_command(server, slack, f"subscribe {cron}",
                                                name=f"ce{slug}", user=EN_USER)))
    assert "使えません" in in_ja and ja in in_ja, in_ja
    assert "cannot be used" in in_en and en in in_en, in_en
    assert not re.search(r"[A-Za-z]{5,}", re.sub(r"`[^`]*`|crontab|funday|<[^>]*>|[\"{}:,]|"
                                                r"\b(?:type|text|section|mrkdwn|blocks?)\b",
                                                " ", in_ja)), in_ja
    assert not JAPANESE_LABELS.search(in_en) and "項目" not in in_en
