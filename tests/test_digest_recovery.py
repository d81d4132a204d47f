"""Exactly once without history access: the claim records the intent before the post and the
ts after it, so recovery decides from the store, and from the channel's history only where the
bot may read it; subscribing joins public channels and finds private ones that need /invite."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import home_view
from bot.digest import DigestService, SlackDigest
from store import digests
from store.models import DigestPost
from tests.fakes.slack_api import Call, FakeSlack

MONDAY_9_TOKYO = dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)
PERIOD = "2026-11-23T00:00:00Z"
LATER = MONDAY_9_TOKYO + dt.timedelta(minutes=10)  # past the 5-minute claim timeout


class Crash(BaseException):
    """The process dies here (not an Exception: nothing may catch it)."""


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def _service(sessions: sessionmaker[Session], slack: FakeSlack, now: dt.datetime = MONDAY_9_TOKYO,
             timeout: float = 2, **kw: Any) -> DigestService:
    client = WebClient(token="xoxb-test", base_url=slack.base_url, timeout=timeout)
    return DigestService(sessions, client, sleep=lambda _s: None, clock=lambda: now,
                         owner=f"copy-{now:%H%M}", related=lambda _s, _t: [], **kw)


def _messages(slack: FakeSlack) -> list[Call]:
    """The messages Slack really posted (not the calls it answered with an error)."""
    return [c for c in slack.of("chat.postMessage") if "_ts" in c.body]


def _row(sessions: sessionmaker[Session]) -> DigestPost:
    with sessions() as s:
        return s.scalars(select(DigestPost)).one()


def _post_then_crash(sessions: sessionmaker[Session], slack: FakeSlack,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy posts C1's digest and dies before it records the message's ts."""
    def crash(*_a: object, **_k: object) -> None:
        raise Crash
    with monkeypatch.context() as m:
        m.setattr(digests, "record_posted", crash)
        with pytest.raises(Crash):
            _service(sessions, slack).run("C1")


def _no_history(slack: FakeSlack) -> None:
    """The bot is not in the channel and cannot join it: every history read is refused."""
    slack.fail("conversations.history", error="not_in_channel", times=1000)
    slack.fail("conversations.join", error="restricted_action", times=1000)


def _subscribe(sessions: sessionmaker[Session], channel: str = "C1") -> None:
    with sessions() as s, s.begin():
        digests.subscribe(s, channel, "0 9 * * mon", "Asia/Tokyo", now=MONDAY_9_TOKYO)


def test_crash_between_post_and_record_without_history_posts_once(
        seeded_copy: sessionmaker[Session], slack: FakeSlack,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _subscribe(seeded_copy)
    _no_history(slack)

    _post_then_crash(seeded_copy, slack, monkeypatch)
    assert len(_messages(slack)) == 1
    assert (_row(seeded_copy).status, _row(seeded_copy).ts) == ("sending", None)
    # Another copy (or this one restarted) finds the stale claim: in doubt, history refused.
    recovered = _service(seeded_copy, slack, LATER).recover()
    assert [o.posted for o in recovered] == [False]
    assert "not posted again" in (recovered[0].note or "")
    assert slack.attempts("conversations.history")  # it did look, and was refused
    assert slack.attempts("conversations.join")  # and tried to join to be able to look
    assert _row(seeded_copy).status == "unconfirmed"
    for later in (LATER, LATER + dt.timedelta(hours=1)):
        service = _service(seeded_copy, slack, later)
        assert service.recover() == [] and service.catch_up() == []
        assert not service.run("C1", now=later).posted
    assert len(_messages(slack)) == 1
    # App Home tells the team to look, in the subscription's own day, and why it is unsure.
    port = SlackDigest(_service(seeded_copy, slack, LATER))
    for lang, words in (("ja", "2026-11-23 の配信は、届いたかどうか確かめられませんでした"),
                        ("en", "The 2026-11-23 digest to <#C1> may or may not have been posted")):
        home = json.dumps(home_view([], lang=lang, week_picks=port.home_week(lang=lang)[0]),
                          ensure_ascii=False)
        assert words in home and "crashed copy" in home
    # The next period's digest is posted: nothing left to check.
    next_week = MONDAY_9_TOKYO + dt.timedelta(days=7)
    assert _service(seeded_copy, slack, next_week).run("C1").posted
    port = SlackDigest(_service(seeded_copy, slack, next_week))
    assert "確かめられません" not in json.dumps(
        home_view([], lang="ja", week_picks=port.home_week(lang="ja")[0]), ensure_ascii=False)


def test_crash_between_claim_and_post_without_history_posts_once(
        seeded_copy: sessionmaker[Session], slack: FakeSlack) -> None:
    _subscribe(seeded_copy)
    _no_history(slack)
    crashed = digests.claim(seeded_copy, "C1", PERIOD, None, None, "crashed",
                            stale_after=dt.timedelta(minutes=5), now=MONDAY_9_TOKYO)
    assert crashed is not None  # the record says: claimed, nothing sent
    recovered = _service(seeded_copy, slack, LATER).recover()
    assert [o.posted for o in recovered] == [True]
    assert _service(seeded_copy, slack, LATER).recover() == []
    assert len(_messages(slack)) == 1
    assert (_row(seeded_copy).status, _row(seeded_copy).ts) == \
        ("posted", recovered[0].ts)


def test_crash_after_post_joins_a_public_channel_to_find_the_message(
        seeded_copy: sessionmaker[Session], slack: FakeSlack,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _subscribe(seeded_copy)

    _post_then_crash(seeded_copy, slack, monkeypatch)
    slack.fail("conversations.history", error="not_in_channel")  # not in it until it joins
    recovered = _service(seeded_copy, slack, LATER).recover()
    assert recovered[0].ts == _messages(slack)[0].body["_ts"] and not recovered[0].posted
    assert [c.body["channel"] for c in slack.of("conversations.join")] == ["C1"]
    assert len(_messages(slack)) == 1
    assert _row(seeded_copy).status == "posted"


def test_timeout_without_history_is_not_posted_again(seeded_copy: sessionmaker[Session],
                                                     slack: FakeSlack) -> None:
    _subscribe(seeded_copy)
    _no_history(slack)
    slack.fail("chat.postMessage", delay=1.5)  # Slack posts, the answer comes too late
    outcome = _service(seeded_copy, slack, timeout=0.5).run("C1")
    assert not outcome.posted and "not posted again" in (outcome.note or "")
    assert len(slack.attempts("chat.postMessage")) == 1
    assert _row(seeded_copy).status == "unconfirmed"


def test_post_marks_the_intent_before_slack_sees_the_message(
        seeded_copy: sessionmaker[Session], slack: FakeSlack) -> None:
    _subscribe(seeded_copy)
    seen: list[str] = []
    service = _service(seeded_copy, slack)
    real = service.client.chat_postMessage  # type: ignore[union-attr]

    def post(**kwargs: Any) -> Any:
        seen.append(_row(seeded_copy).status)
        return real(**kwargs)
    service.client.chat_postMessage = post  # type: ignore[method-assign,union-attr]
    assert service.run("C1").posted
    assert seen == ["sending"] and _row(seeded_copy).status == "posted"


# --------------------------------------------------------------------------- subscribing
def test_subscribe_joins_a_public_channel(seeded_copy: sessionmaker[Session],
                                          slack: FakeSlack) -> None:
    port = SlackDigest(_service(seeded_copy, slack))
    _, text = port.subscribe(channel_id="C1", user_id="U1", args=None, lang="en")
    assert [c.body["channel"] for c in slack.of("conversations.join")] == ["C1"]
    assert "/invite" not in text
    with seeded_copy() as s:
        sub = digests.get_subscription(s, "C1")
        assert sub is not None and sub.access == "member"


def test_subscribe_in_a_private_channel_asks_for_an_invite(
        seeded_copy: sessionmaker[Session], slack: FakeSlack) -> None:
    slack.fail("conversations.join", error="method_not_supported_for_channel_type", times=2)
    slack.fail("conversations.history", error="channel_not_found")
    service = _service(seeded_copy, slack)
    port = SlackDigest(service)
    _, text = port.subscribe(channel_id="G1", user_id="U1", args=None, lang="ja")
    assert "`/invite @meetup-bot`" in text
    home = json.dumps(home_view([], lang="ja", week_picks=port.home_week(lang="ja")[0]),
                      ensure_ascii=False)
    assert "<#G1>" in home and "/invite @meetup-bot" in home
    # after the invite, the next digest goes through and the hint goes away
    assert service.run("G1").posted
    home = json.dumps(home_view([], lang="ja", week_picks=port.home_week(lang="ja")[0]),
                      ensure_ascii=False)
    assert "<#G1>" in home and "/invite" not in home
    # a private channel the bot is already in: no hint
    _, text = port.subscribe(channel_id="G2", user_id="U1", args=None, lang="en")
    assert "/invite" not in text
    with seeded_copy() as s:
        sub = digests.get_subscription(s, "G2")
        assert sub is not None and sub.access == "member"


def test_a_claim_taken_over_while_slack_makes_us_wait_is_left_to_the_new_owner(
        seeded_copy: sessionmaker[Session], slack: FakeSlack) -> None:
    """Slack's 429s kept the first copy waiting past the claim timeout, and a recovery round
    took its claim over (and posted, as the history showed nothing): the first copy must not
    post as well when it wakes up."""
    _subscribe(seeded_copy)
    slack.fail("chat.postMessage", status=429, retry_after=1)
    first = _service(seeded_copy, slack)
    taken: list[object] = []

    def meanwhile(_seconds: float) -> None:
        taken.extend(_service(seeded_copy, slack, LATER).recover())

    first.sleep = meanwhile
    outcome = first.run("C1")
    assert [o.posted for o in taken] == [True]  # type: ignore[attr-defined]
    assert not outcome.posted and "taken over" in (outcome.note or "")
    assert len(_messages(slack)) == 1


def test_recovery_finds_the_digest_past_the_first_page_of_a_busy_channel(
        seeded_copy: sessionmaker[Session], slack: FakeSlack,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Posted, then the copy crashed before recording it, then the channel talked on for
    more than a page of history: the recovery still finds the digest and does not repost."""
    _subscribe(seeded_copy)

    _post_then_crash(seeded_copy, slack, monkeypatch)
    chatter = WebClient(token="xoxb-test", base_url=slack.base_url)
    for n in range(230):
        chatter.chat_postMessage(channel="C1", text=f"message {n}")
    recovered = _service(seeded_copy, slack, LATER).recover()
    assert [(o.posted, bool(o.ts)) for o in recovered] == [(False, True)]  # found, not reposted
    assert len(slack.attempts("conversations.history")) == 2  # two pages of 200
    digests_posted = [c for c in _messages(slack) if c.body.get("metadata")]
    assert len(digests_posted) == 1
