"""Topic subscriptions: `/meetup subscribe [TOPIC] [CRON]`, the digest's pick among the talks
that match the topic, and where the topic shows (App Home, `digest --json`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import check_blocks, home_view
from bot.cli import cli
from bot.digest import DigestService, SlackDigest, SubscribeArgs, parse_subscribe
from store import digests
from store.topics import topic_talks
from tests.fakes.slack_api import FakeSlack

MONDAY_9_TOKYO = dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("", SubscribeArgs()),
    ("セキュリティ", SubscribeArgs("セキュリティ")),
    ('"service mesh" 0 9 * * fri', SubscribeArgs("service mesh", "0 9 * * fri")),
    ("“service mesh” 0 9 * * fri", SubscribeArgs("service mesh", "0 9 * * fri")),
    ("service mesh", SubscribeArgs("service mesh")),
    ("0 9 * * mon", SubscribeArgs(None, "0 9 * * mon")),
    ("0 9 * *", SubscribeArgs(None, "0 9 * *")),  # a bare crontab, wrong: said so as today
    ("0 9 * * everyday", SubscribeArgs(None, "0 9 * * everyday")),
    ("kubernetes 2024", SubscribeArgs("kubernetes 2024")),
    ('"2024"', SubscribeArgs("2024")),
    ("2024", SubscribeArgs("2024")),
    ("what's new", SubscribeArgs("what's new")),
    ("「サービスメッシュ」 0 9 * * fri", SubscribeArgs("サービスメッシュ", "0 9 * * fri")),
    ("monitoring", SubscribeArgs("monitoring")),
    ("kubernetes monitoring", SubscribeArgs("kubernetes monitoring")),
    ("5G edge", SubscribeArgs("5G edge")),
    ("0 9", SubscribeArgs(None, "0 9")),
    ("*/30 * * * mon-fri", SubscribeArgs(None, "*/30 * * * mon-fri")),
    ("gVisor 0 9 * * MON,FRI", SubscribeArgs("gVisor", "0 9 * * MON,FRI")),
    ("all", SubscribeArgs(clear_topic=True)),
    ("すべて 0 8 * * fri", SubscribeArgs(None, "0 8 * * fri", clear_topic=True)),
    ('security "half', SubscribeArgs("security half")),
])
def test_parse_subscribe_splits_topic_and_schedule(text: str, expected: SubscribeArgs) -> None:
    assert parse_subscribe(text) == expected


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def _service(sessions: sessionmaker[Session], slack: FakeSlack,
             now: dt.datetime = MONDAY_9_TOKYO) -> DigestService:
    client = WebClient(token="xoxb-test", base_url=slack.base_url, timeout=2)
    return DigestService(sessions, client, sleep=lambda _s: None, clock=lambda: now,
                         owner="test", related=lambda _s, _t: [])


def test_subscribe_with_a_topic_posts_only_matching_talks_each_once(
        seeded_copy: sessionmaker[Session], slack: FakeSlack) -> None:
    port = SlackDigest(_service(seeded_copy, slack))
    blocks, text = port.subscribe(channel_id="C1", user_id="U1", args="セキュリティ", lang="ja")
    assert "セキュリティ" in text and check_blocks(blocks) == []
    with seeded_copy() as s:
        matching = {t.talk_id for t in topic_talks(s, "セキュリティ")}
        sub = digests.get_subscription(s, "C1")
        assert sub is not None and (sub.topic, sub.cron) == ("セキュリティ", "0 9 * * mon")
    assert 2 <= len(matching) < 20
    assert f"({len(matching)} 件)" in text
    picked = []
    for week in range(2 * len(matching)):
        now = MONDAY_9_TOKYO + dt.timedelta(days=7 * week, minutes=1)
        outcome = _service(seeded_copy, slack, now).run("C1", now=now)
        assert outcome.posted and outcome.talk is not None and outcome.topic == "セキュリティ"
        picked.append(outcome.talk.id)
    first, second = picked[:len(matching)], picked[len(matching):]
    assert sorted(first) == sorted(matching)  # every matching talk once before any repeat
    assert sorted(second) == sorted(matching)
    assert len(slack.of("chat.postMessage")) == 2 * len(matching)


def test_subscribe_topic_and_schedule_change_only_what_is_given(
        seeded_copy: sessionmaker[Session], slack: FakeSlack) -> None:
    port = SlackDigest(_service(seeded_copy, slack))
    _, text = port.subscribe(channel_id="C2", user_id="U1", args='"service mesh" 0 9 * * fri',
                             lang="en")
    assert "0 9 * * fri" in text and "service mesh" in text
    _, text = port.subscribe(channel_id="C2", user_id="U1", args="0 8 * * tue", lang="en")
    with seeded_copy() as s:
        sub = digests.get_subscription(s, "C2")
        assert sub is not None and (sub.topic, sub.cron) == ("service mesh", "0 8 * * tue")
    _, shown = port.subscribe(channel_id="C2", user_id="U1", args=None, lang="en")
    assert "gets the talk of the week" in shown and "0 8 * * tue" in shown
    assert "“service mesh”" in shown
    _, text = port.subscribe(channel_id="C2", user_id="U1", args="all", lang="en")
    assert "every talk" in text
    with seeded_copy() as s:
        sub = digests.get_subscription(s, "C2")
        assert sub is not None and (sub.topic, sub.cron) == (None, "0 8 * * tue")


def test_subscribe_refuses_a_topic_without_talks_and_suggests_close_ones(
        seeded_copy: sessionmaker[Session], slack: FakeSlack) -> None:
    port = SlackDigest(_service(seeded_copy, slack))
    port.subscribe(channel_id="C3", user_id="U1", args="security", lang="en")
    blocks, text = port.subscribe(channel_id="C3", user_id="U1", args="blockchain", lang="en")
    assert "No talk with notes matches “blockchain”" in text and check_blocks(blocks) == []
    assert '`/meetup subscribe "blocking"`' in text  # a close term that does find talks
    _, text = port.subscribe(channel_id="C3", user_id="U1", args="zzqxv", lang="ja")
    assert "「zzqxv」に合う" in text and "こちら" not in text  # nothing close: no suggestions
    with seeded_copy() as s:
        sub = digests.get_subscription(s, "C3")
        assert sub is not None and sub.topic == "security"  # unchanged
        assert digests.get_subscription(s, "C4") is None
    _, text = port.subscribe(channel_id="C4", user_id="U1", args="zzqxv", lang="en")
    with seeded_copy() as s:
        assert digests.get_subscription(s, "C4") is None  # refused: not subscribed either


def test_app_home_lists_each_channels_topic(seeded_copy: sessionmaker[Session],
                                            slack: FakeSlack) -> None:
    port = SlackDigest(_service(seeded_copy, slack))
    port.subscribe(channel_id="C5", user_id="U1", args="セキュリティ", lang="ja")
    port.subscribe(channel_id="C6", user_id="U1", args=None, lang="ja")
    picks, _ = port.home_week(lang="ja")
    assert [(p.channel_id, p.topic) for p in picks] == [("C5", "セキュリティ"), ("C6", None)]
    home = json.dumps(home_view([], lang="ja", week_picks=picks), ensure_ascii=False)
    assert "<#C5> (トピック: セキュリティ)" in home and "<#C6>" in home
    assert "<#C6> (" not in home


def test_cli_digest_json_shows_the_topic(seeded_copy: sessionmaker[Session],
                                         tmp_path: Path, slack: FakeSlack) -> None:
    port = SlackDigest(_service(seeded_copy, slack))
    port.subscribe(channel_id="C7", user_id="U1", args="service mesh", lang="en")
    url = str(seeded_copy.kw["bind"].url)
    result = CliRunner().invoke(cli, ["digest", "--channel", "C7", "--dry-run", "--json",
                                      "--db", url], env={"DATABASE_URL": ""})
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["channel"] == "C7" and out["topic"] == "service mesh" and not out["posted"]
    with seeded_copy() as s:
        assert out["talk"]["id"] in {t.talk_id for t in topic_talks(s, "service mesh")}
