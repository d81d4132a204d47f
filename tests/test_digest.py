"""Tests of the weekly digest: schedules, the pick, exactly-once posting and Slack faults."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import check_blocks, home_view
from bot.digest import (
    Candidate,
    DigestScheduler,
    DigestService,
    ScheduleError,
    SlackDigest,
    current_period,
    parse_schedule,
    period_key,
    pick_talk,
)
from store import digests
from store.models import DigestPost, Subscription, Talk
from tests.fakes.slack_api import FakeSlack

MONDAY_9_TOKYO = dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)  # Mon 09:00 Asia/Tokyo


# --------------------------------------------------------------------------- pure parts
def test_pick_talk_covers_every_talk_before_any_repeat() -> None:
    eligible = [Candidate(i, i % 4) for i in range(1, 14)]
    history: list[Candidate] = []
    for week in range(len(eligible) * 2):
        pick = pick_talk(eligible, history, "C1", f"2026-W{week:03d}")
        assert pick is not None
        history.append(pick)
    first, second = history[:13], history[13:]
    assert sorted(c.talk_id for c in first) == list(range(1, 14))
    assert sorted(c.talk_id for c in second) == list(range(1, 14))


def test_pick_talk_varies_the_event_when_it_can() -> None:
    eligible = [Candidate(i, 1 if i <= 6 else 2) for i in range(1, 10)]
    history: list[Candidate] = []
    for week in range(6):
        pick = pick_talk(eligible, history, "C1", f"p{week}")
        assert pick is not None
        if history:
            assert pick.event_id != history[-1].event_id
        history.append(pick)


def test_pick_talk_is_stable_per_channel_and_period() -> None:
    eligible = [Candidate(i, i) for i in range(1, 30)]
    assert pick_talk(eligible, [], "C1", "p") == pick_talk(list(reversed(eligible)), [], "C1", "p")
    picks = {pick_talk(eligible, [], f"C{n}", "p") for n in range(20)}
    assert len(picks) > 1  # channels do not all get the same talk
    assert pick_talk([], [], "C1", "p") is None


def test_current_period_honours_cron_and_time_zone() -> None:
    tokyo = parse_schedule("0 9 * * mon", "Asia/Tokyo")
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # a Wednesday
    assert current_period(tokyo, now) == MONDAY_9_TOKYO
    assert period_key(MONDAY_9_TOKYO) == "2026-11-23T00:00:00Z"
    # the same crontab in New York fires 14 hours later in absolute time
    ny = parse_schedule("0 9 * * mon", "America/New_York")
    assert current_period(ny, now) == dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)
    # just before Monday 09:00 Tokyo the period is still last week's
    before = MONDAY_9_TOKYO - dt.timedelta(seconds=1)
    assert current_period(tokyo, before) == MONDAY_9_TOKYO - dt.timedelta(days=7)
    daily = parse_schedule("30 18 * * *", "Europe/Berlin")
    assert current_period(daily, now) == dt.datetime(2026, 11, 24, 17, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("cron", "tz", "message"),
    [
        ("0 9 * *", "Asia/Tokyo", "five fields"),
        ("0 25 * * mon", "Asia/Tokyo", "the hour field “25”"),
        ("61 9 * * mon", "Asia/Tokyo", "the minute field “61”"),
        ("0 9 32 * *", "Asia/Tokyo", "the day of month field “32”"),
        ("0 9 * 13 *", "Asia/Tokyo", "the month field “13”"),
        ("0 9 * * funday", "Asia/Tokyo", "the weekday field “funday”"),
        ("0 9 31 2 *", "Asia/Tokyo", "never fires"),
        ("*/30 * * * *", "Asia/Tokyo", "2 times an hour"),
        ("* 9 * * mon", "Asia/Tokyo", "60 times an hour"),
        ("0,15 9 * * mon", "Asia/Tokyo", "at most once an hour"),
        ("0 9 * * mon", "Mars/Olympus", "not a time zone"),
    ],
)
def test_parse_schedule_rejects_with_a_reason(cron: str, tz: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(cron, tz)


@pytest.mark.parametrize(("cron", "ja"), [
    ("0 25 * * mon", "時の項目「25」"), ("0 9 * * funday", "曜日の項目「funday」"),
    ("0 9 * 13 *", "月の項目「13」"), ("*/30 * * * *", "1時間に 2 回"),
    ("0 9 *", "3 項目"),
])
def test_schedule_error_speaks_the_users_language(cron: str, ja: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(cron, "Asia/Tokyo")
    assert ja in caught.value.message("ja")
    japanese = caught.value.message("ja").replace("funday", "").replace("crontab", "")
    assert not re.search(r"[A-Za-z]{4,}", japanese)
    assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", caught.value.message("en"))


@pytest.mark.parametrize(("cron", "weekday"), [
    ("0 9 * * 1", "Mon"), ("0 9 * * 0", "Sun"), ("0 9 * * 7", "Sun"), ("0 9 * * 5", "Fri"),
    ("0 9 * * 5-7", "Fri"), ("0 9 * * 0-6", "Wed"), ("0 9 * * */2", "Thu"),
    ("0 9 * * 1,4", "Thu"), ("0 * * * *", None), ("0 9 * * mon-fri", None),
])
def test_parse_schedule_reads_weekday_numbers_as_crontab_does(cron: str, weekday: str | None
                                                             ) -> None:
    fire = parse_schedule(cron, "Asia/Tokyo").get_next_fire_time(
        None, dt.datetime(2026, 11, 25, tzinfo=dt.UTC))
    assert fire is not None
    if weekday is not None:
        assert fire.strftime("%a %H:%M") == f"{weekday} 09:00"


# --------------------------------------------------------------------------- claims
def test_claim_once_then_stale_takeover_by_one(any_sessions: sessionmaker[Session]) -> None:
    stale = dt.timedelta(minutes=5)
    t0 = MONDAY_9_TOKYO
    first = digests.claim(any_sessions, "C1", "p1", None, None, "a", stale_after=stale, now=t0)
    assert first is not None and not first.taken_over
    assert digests.claim(any_sessions, "C1", "p1", None, None, "b", stale_after=stale,
                         now=t0 + dt.timedelta(minutes=1)) is None
    later = t0 + dt.timedelta(minutes=6)
    taken = [digests.claim(any_sessions, "C1", "p1", None, None, who, stale_after=stale,
                           now=later) for who in ("b", "c")]
    assert [c is not None for c in taken] == [True, False]
    assert taken[0] is not None and taken[0].taken_over
    digests.record_posted(any_sessions, taken[0].id, "123.456")
    assert digests.claim(any_sessions, "C1", "p1", None, None, "d", stale_after=stale,
                         now=later + dt.timedelta(hours=1)) is None


# --------------------------------------------------------------------------- posting
@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def _service(sessions: sessionmaker[Session], slack: FakeSlack, **kw: object) -> DigestService:
    client = WebClient(token="xoxb-test", base_url=slack.base_url, timeout=2)
    opts: dict[str, object] = {"sleep": lambda _s: None, "clock": lambda: MONDAY_9_TOKYO,
                               "owner": "test"}
    opts.update(kw)
    return DigestService(sessions, client, **opts)  # type: ignore[arg-type]


def _subscribe(sessions: sessionmaker[Session], channel: str, cron: str = "0 9 * * mon",
               tz: str = "Asia/Tokyo") -> None:
    with sessions() as s, s.begin():
        digests.subscribe(s, channel, cron, tz, now=MONDAY_9_TOKYO)


def test_run_posts_once_with_related_talks(seeded_sessions: sessionmaker[Session],
                                           slack: FakeSlack) -> None:
    _subscribe(seeded_sessions, "C1")
    service = _service(seeded_sessions, slack)
    outcome = service.run("C1")
    assert outcome.posted and outcome.ts and outcome.talk is not None
    assert outcome.talk.has_notes
    again = service.run("C1")
    assert not again.posted and "already posted" in (again.note or "")
    posts = slack.of("chat.postMessage")
    assert len(posts) == 1
    body = posts[0].body
    assert body["channel"] == "C1" and "今週のトーク" in body["text"]
    assert check_blocks(body["blocks"]) == []
    assert body["metadata"]["event_payload"]["period"] == "2026-11-23T00:00:00Z"
    with seeded_sessions() as s:
        row = s.scalars(select(DigestPost)).one()
        assert (row.status, row.ts, row.talk_id) == ("posted", outcome.ts, outcome.talk.id)


def test_run_rotation_over_weeks_features_every_talk(seeded_sessions: sessionmaker[Session],
                                                     slack: FakeSlack) -> None:
    _subscribe(seeded_sessions, "C1")
    with seeded_sessions() as s:
        eligible = set(s.scalars(select(Talk.id).where(Talk.has_notes.is_(True))))
    seen: list[int] = []
    for week in range(len(eligible)):
        now = MONDAY_9_TOKYO + dt.timedelta(days=7 * week, minutes=1)
        outcome = _service(seeded_sessions, slack, clock=lambda n=now: n).run("C1", now=now)
        assert outcome.posted and outcome.talk is not None
        seen.append(outcome.talk.id)
    assert sorted(seen) == sorted(eligible)
    assert len(slack.of("chat.postMessage")) == len(eligible)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_run_retries_slack_faults_into_one_message(seeded_sessions: sessionmaker[Session],
                                                   slack: FakeSlack, status: int) -> None:
    _subscribe(seeded_sessions, "C1")
    waits: list[float] = []
    slack.fail("chat.postMessage", status=status, retry_after=7 if status == 429 else None,
               times=2)
    outcome = _service(seeded_sessions, slack, sleep=waits.append).run("C1")
    assert outcome.posted
    assert len(slack.of("chat.postMessage")) == 1
    assert len(slack.attempts("chat.postMessage")) == 3
    if status == 429:
        assert waits == [7.0, 7.0]  # Retry-After honoured


def test_run_timeout_after_slack_posted_finds_it_instead_of_posting_again(
        seeded_sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    _subscribe(seeded_sessions, "C1")
    slack.fail("chat.postMessage", delay=2.5)  # Slack posts, the answer comes too late
    client = WebClient(token="xoxb-test", base_url=slack.base_url, timeout=1)
    service = DigestService(seeded_sessions, client, sleep=lambda _s: None,
                            clock=lambda: MONDAY_9_TOKYO, owner="t")
    outcome = service.run("C1")
    assert outcome.posted and outcome.ts
    assert len(slack.attempts("chat.postMessage")) == 1


def test_run_crash_between_claim_and_post_recovers_with_one_message(
        seeded_sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    _subscribe(seeded_sessions, "C1")
    period = "2026-11-23T00:00:00Z"
    crashed = digests.claim(seeded_sessions, "C1", period, None, None, "crashed",
                            stale_after=dt.timedelta(minutes=5), now=MONDAY_9_TOKYO)
    assert crashed is not None
    early = _service(seeded_sessions, slack, clock=lambda: MONDAY_9_TOKYO + dt.timedelta(minutes=1))
    assert early.recover() == []  # not stale yet: the other copy may still be posting
    assert early.run("C1").note == "another copy holds this period"
    later = MONDAY_9_TOKYO + dt.timedelta(minutes=6)
    recovered = _service(seeded_sessions, slack, clock=lambda: later).recover()
    assert [o.posted for o in recovered] == [True]
    assert _service(seeded_sessions, slack, clock=lambda: later).recover() == []
    assert len(slack.of("chat.postMessage")) == 1


def test_run_crash_after_post_does_not_post_twice(seeded_sessions: sessionmaker[Session],
                                                  slack: FakeSlack) -> None:
    _subscribe(seeded_sessions, "C1")
    first = _service(seeded_sessions, slack)
    period = first.period_for("C1")
    with seeded_sessions() as s:
        talk = first.choose(s, "C1", period)
    assert talk is not None
    claim = digests.claim(seeded_sessions, "C1", period, talk.id, talk.event_id, "crashed",
                          stale_after=dt.timedelta(minutes=5), now=MONDAY_9_TOKYO)
    assert claim is not None
    outcome = first._post(claim, __import__("bot.digest").digest.DigestOutcome("C1", period, talk))
    assert outcome.posted
    with seeded_sessions() as s, s.begin():  # the crash: the ts never reached the store
        row = s.get(DigestPost, claim.id)
        assert row is not None
        row.status, row.ts = "claimed", None
    later = MONDAY_9_TOKYO + dt.timedelta(minutes=10)
    recovered = _service(seeded_sessions, slack, clock=lambda: later).recover()
    assert recovered[0].ts == outcome.ts and not recovered[0].posted
    assert len(slack.of("chat.postMessage")) == 1


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
def test_run_channel_errors_mark_the_subscription_failing(
        seeded_sessions: sessionmaker[Session], slack: FakeSlack, error: str,
        caplog: pytest.LogCaptureFixture) -> None:
    _subscribe(seeded_sessions, "C1")
    slack.fail("chat.postMessage", error=error, times=2)
    service = _service(seeded_sessions, slack)
    outcome = service.run("C1")
    assert outcome.failed and not outcome.posted and error in (outcome.note or "")
    assert service.run("C1").note == "already failed for this period"  # no retry this period
    with seeded_sessions() as s:
        sub = digests.get_subscription(s, "C1")
        assert sub is not None and (sub.status, sub.failure_reason) == ("failing", error)
    next_week = MONDAY_9_TOKYO + dt.timedelta(days=7)
    _service(seeded_sessions, slack, clock=lambda: next_week).run("C1")  # fails again
    assert sum(error in r.getMessage() for r in caplog.records if r.levelname == "ERROR") == 1
    week_after = MONDAY_9_TOKYO + dt.timedelta(days=14)
    assert _service(seeded_sessions, slack, clock=lambda: week_after).run("C1").posted
    with seeded_sessions() as s:
        sub = digests.get_subscription(s, "C1")
        assert sub is not None and sub.status == "ok"


def test_catch_up_posts_a_young_missed_period_only(seeded_sessions: sessionmaker[Session],
                                                   slack: FakeSlack) -> None:
    _subscribe(seeded_sessions, "C1")
    young = MONDAY_9_TOKYO + dt.timedelta(hours=3)
    assert [o.posted for o in _service(seeded_sessions, slack).catch_up(young)] == [True]
    assert _service(seeded_sessions, slack).catch_up(young) == []  # never two
    old = MONDAY_9_TOKYO + dt.timedelta(days=7, hours=20)  # next period, 20 h late
    assert _service(seeded_sessions, slack, grace=dt.timedelta(hours=12)).catch_up(old) == []
    assert len(slack.of("chat.postMessage")) == 1


# --------------------------------------------------------------------------- scheduling
def test_scheduler_sync_follows_subscriptions_without_restart(
        seeded_sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    service = _service(seeded_sessions, slack)
    sched = DigestScheduler(service)
    sched.scheduler.start(paused=True)
    try:
        _subscribe(seeded_sessions, "C1")
        _subscribe(seeded_sessions, "C2", "30 8 * * fri", "Europe/London")
        sched.sync()
        jobs = {j.id: j for j in sched.scheduler.get_jobs()}
        assert set(jobs) == {"digest:C1", "digest:C2"}
        after = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
        assert jobs["digest:C1"].trigger.get_next_fire_time(None, after) == MONDAY_9_TOKYO
        assert jobs["digest:C2"].trigger.get_next_fire_time(None, after) == dt.datetime(
            2026, 11, 27, 8, 30, tzinfo=dt.UTC)
        with seeded_sessions() as s, s.begin():
            digests.unsubscribe(s, "C1")
            digests.subscribe(s, "C2", "0 7 * * *", "Europe/London")
        sched.sync()
        jobs = {j.id: j for j in sched.scheduler.get_jobs()}
        assert set(jobs) == {"digest:C2"}
        assert jobs["digest:C2"].trigger.get_next_fire_time(None, after) == dt.datetime(
            2026, 11, 22, 7, 0, tzinfo=dt.UTC)
    finally:
        sched.shutdown()


def test_scheduler_fire_posts_for_the_job_channel(seeded_sessions: sessionmaker[Session],
                                                  slack: FakeSlack) -> None:
    _subscribe(seeded_sessions, "C9")
    sched = DigestScheduler(_service(seeded_sessions, slack))
    sched.fire("C9")
    sched.fire("C9")
    assert [c.body["channel"] for c in slack.of("chat.postMessage")] == ["C9"]


def test_subscription_model_round_trip(any_sessions: sessionmaker[Session]) -> None:
    with any_sessions() as s, s.begin():
        digests.subscribe(s, "C1", "0 9 * * mon", "Asia/Tokyo", "U1")
    with any_sessions() as s, s.begin():
        assert digests.mark_failing(s, "C1", "not_in_channel") is True
        assert digests.mark_failing(s, "C1", "not_in_channel") is False
    with any_sessions() as s:
        sub = s.scalars(select(Subscription)).one()
        assert (sub.channel_id, sub.status, sub.created_by) == ("C1", "failing", "U1")




# --------------------------------------------------------------------------- the command
def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120, check=False)


def test_cli_digest_dry_run_prints_the_pick_without_slack(seeded_template: Path,
                                                          tmp_path: Path) -> None:
    shutil.copyfile(seeded_template, tmp_path / "d.db")  # the seeds, imported once a session
    db = f"sqlite:///{tmp_path / 'd.db'}"
    result = _cli(["digest", "--dry-run", "--json", "--channel", "C42", "--db", db],
                  {"SLACK_API_URL": "http://127.0.0.1:9/api/"})
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["channel"] == "C42" and out["posted"] is False and out["ts"] is None
    assert out["talk"]["has_notes"] is True and out["talk"]["title"]
    related = out["related"]
    assert related and all(r["id"] != out["talk"]["id"] and r["title"] for r in related)
    assert all(r["event"]["id"] != out["talk"]["event"]["id"] for r in related)
    # `/meetup week` in that channel shows the same pick with the same related talks
    week = _cli(["ask", "--channel", "C42", "--db", db, "week"], {})
    assert week.returncode == 0, week.stderr
    for title in [out["talk"]["title"], *(r["title"] for r in related)]:
        assert title[:40] in " ".join(week.stdout.split()), title


def test_cli_digest_posts_to_digest_channel_once(seeded_template: Path, tmp_path: Path,
                                                 slack: FakeSlack) -> None:
    shutil.copyfile(seeded_template, tmp_path / "d.db")  # the seeds, imported once a session
    db = f"sqlite:///{tmp_path / 'd.db'}"
    env = {"SLACK_API_URL": slack.base_url, "SLACK_BOT_TOKEN": "xoxb-secret-token",
           "DIGEST_CHANNEL": "C77"}
    first = _cli(["digest", "--json", "--db", db], env)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["channel"] == "C77" and out["posted"] is True and out["ts"]
    second = json.loads(_cli(["digest", "--json", "--db", db], env).stdout)
    assert second["posted"] is False and second["ts"] == out["ts"]
    assert len(slack.of("chat.postMessage")) == 1
    slack.fail("chat.postMessage", error="not_in_channel")
    refused = _cli(["digest", "--channel", "C88", "--db", db], env)
    assert refused.returncode == 1 and "not_in_channel" in refused.stdout
    assert "xoxb-secret-token" not in refused.stdout + refused.stderr


def test_cli_digest_without_token_says_so(tmp_path: Path) -> None:
    result = _cli(["digest", "--channel", "C1", "--db", f"sqlite:///{tmp_path / 'x.db'}"], {})
    assert result.returncode == 1 and "SLACK_BOT_TOKEN" in result.stderr


# --------------------------------------------------------------------------- the Slack side
def test_slack_digest_subscribe_and_unsubscribe_take_effect_at_once(
        seeded_sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    service = _service(seeded_sessions, slack)
    sched = DigestScheduler(service)
    sched.scheduler.start(paused=True)
    port = SlackDigest(service, sched)
    try:
        _blocks, text = port.subscribe(channel_id="C5", user_id="U1", args=None, lang="ja")
        assert "0 9 * * mon" in text and "2026-11-30 09:00" in text
        assert [j.id for j in sched.scheduler.get_jobs()] == ["digest:C5"]
        _, text = port.subscribe(channel_id="C5", user_id="U1", args="0 8 * * fri", lang="en")
        assert "now `0 8 * * fri`" in text
        job = sched.scheduler.get_job("digest:C5")
        assert job is not None and job.trigger.get_next_fire_time(None, MONDAY_9_TOKYO) == \
            dt.datetime(2026, 11, 26, 23, 0, tzinfo=dt.UTC)  # Fri 08:00 Tokyo
        _, text = port.unsubscribe(channel_id="C5", user_id="U1", lang="en")
        assert "no longer" in text and sched.scheduler.get_jobs() == []
        _, text = port.unsubscribe(channel_id="C5", user_id="U1", lang="en")
        assert "not subscribed" in text
    finally:
        sched.shutdown()


@pytest.mark.parametrize("cron", ["0 9 * * everyday", "0 9 * *", "61 9 * * mon", "* * * * * *"])
def test_slack_digest_subscribe_explains_a_bad_schedule(
        seeded_sessions: sessionmaker[Session], slack: FakeSlack, cron: str) -> None:
    port = SlackDigest(_service(seeded_sessions, slack))
    blocks, text = port.subscribe(channel_id="C5", user_id="U1", args=cron, lang="ja")
    assert "使えません" in text and check_blocks(blocks) == []
    with seeded_sessions() as s:
        assert digests.list_subscriptions(s) == []


def test_slack_digest_failing_channel_is_visible(seeded_sessions: sessionmaker[Session],
                                                 slack: FakeSlack) -> None:
    _subscribe(seeded_sessions, "C6")
    slack.fail("chat.postMessage", error="not_in_channel")
    service = _service(seeded_sessions, slack)
    assert service.run("C6").failed
    port = SlackDigest(service)
    _, text = port.subscribe(channel_id="C6", user_id="U1", args=None, lang="en")
    assert "gets the talk of the week" in text and "not_in_channel" in text
    picks, note = port.home_week(lang="en")
    assert note is None and [(p.channel_id, p.failing) for p in picks] == [
        ("C6", "not_in_channel")]
    view = home_view([], lang="en", week_picks=picks)
    assert "The digest to <#C6> is failing (`not_in_channel`)" in json.dumps(view)


def test_slack_digest_week_is_one_pick_per_channel_everywhere(
        seeded_sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    """`/meetup week` in a channel, the App Home and `week` outside a channel all show the
    channel's own pick, and it is the talk the digest then posts there."""
    for channel in ("C10", "C11", "C12"):
        _subscribe(seeded_sessions, channel)
    service = _service(seeded_sessions, slack)
    port = SlackDigest(service)
    picks, _ = port.home_week(lang="ja")
    assert [p.channel_id for p in picks] == ["C10", "C11", "C12"]
    outside, _ = port.week(channel_id="D1", lang="ja")
    outside_text = json.dumps(outside, ensure_ascii=False)
    for pick in picks:
        assert pick.talk is not None
        _, in_channel = port.week(channel_id=pick.channel_id, lang="ja")
        assert in_channel.startswith(f"今週のトーク: {pick.talk.title}")
        assert f"<#{pick.channel_id}>" in outside_text and pick.talk.title in outside_text
        posted = service.run(pick.channel_id)
        assert posted.talk is not None and posted.talk.id == pick.talk.id
    assert len({p.talk.id for p in picks if p.talk}) > 1 or len(picks) == 1


def test_slack_digest_week_shows_the_pick_with_related_talks(
        seeded_sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    _subscribe(seeded_sessions, "C7")
    service = _service(seeded_sessions, slack)
    blocks, text = SlackDigest(service).week(channel_id="C7", lang="ja")
    assert text.startswith("今週のトーク") and check_blocks(blocks) == []
    posted = service.run("C7")
    assert posted.talk is not None and posted.talk.title in text  # the same pick is posted
    assert slack.of("chat.postMessage")[0].body["text"] == text


def test_slack_digest_dm_cannot_subscribe(seeded_sessions: sessionmaker[Session],
                                          slack: FakeSlack) -> None:
    _, text = SlackDigest(_service(seeded_sessions, slack)).subscribe(
        channel_id="D123", user_id="U1", args=None, lang="en")
    assert "inside a channel" in text
