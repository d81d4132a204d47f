"""The talk of the week: schedules, the pick, and posting each digest exactly once."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import os
import re
import shlex
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import (
    ChannelPick,
    Reply,
    TalkView,
    channel_picks_blocks,
    digest_blocks,
    escape_mrkdwn,
    notice_blocks,
    one_line,
)
from bot.i18n import Lang, choose_language, t
from bot.metrics import MeteredWebClient, Metrics
from store import digests
from store.models import Talk
from store.queries import talk_options
from store.topics import MAX_TOPIC, topic_suggestions, topic_talks

log = logging.getLogger(__name__)

DIGEST_EVENT_TYPE = "meetup_digest"
HISTORY_PAGES = 10  # pages of channel history read to find a digest after a crash

# Slack errors that no retry can fix this period: the subscription is marked failing.
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived",
                            "channel_is_archived", "restricted_action", "missing_scope",
                            "invalid_auth", "account_inactive", "not_authed"})


# Slack errors that mean the bot is not in the channel: someone has to /invite it.
INVITE_ERRORS = frozenset({"not_in_channel", "channel_not_found"})


class ScheduleError(ValueError):
    """A crontab or time zone that cannot be used. `message(lang)` says why in the user's
    language (bot.i18n keys `sched_*`); str() is the English text, for logs and the CLI."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(self.message("en"))

    def message(self, lang: Lang) -> str:
        values = dict(self.values)
        field_name = values.get("field")
        if isinstance(field_name, str):
            values["field"] = t(lang, f"cron_{field_name}")
            values["allowed"] = t(lang, f"cron_allowed_{field_name}")
        return t(lang, self.key, **values)


# --------------------------------------------------------------------------- schedules
# A crontab's five fields, as APScheduler's CronTrigger names them.
CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
_WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_WEEKDAY_PART = re.compile(r"(\*|[0-7])(?:-([0-7]))?(?:/(\d{1,2}))?")


def _crontab_weekdays(value: str) -> str:
    """Crontab's numeric weekdays (0 and 7 Sunday, 1 Monday; ranges and steps too) as
    APScheduler day names: APScheduler 3 reads 0 as Monday, so `0 9 * * 1` would otherwise
    fire on Tuesdays. Names (`mon-fri`) and anything unreadable are left as they are."""
    days: list[int] = []
    for part in value.split(","):
        m = _WEEKDAY_PART.fullmatch(part)
        if m is None:
            return value
        first, last, step = m.group(1), m.group(2), int(m.group(3) or 1)
        if step < 1:
            return value
        if first == "*":
            if last is not None:
                return value
            low, high = 0, 6
        else:
            low = int(first)
            high = int(last) if last is not None else (low if m.group(3) is None else 7)
        if low > high:
            return value  # leave the verdict to APScheduler: it names the field
        days += [d % 7 for d in range(low, high + 1, step)]
    if value == "*":
        return value
    return ",".join(_WEEKDAY_NAMES[d] for d in sorted(set(days)))


def parse_schedule(cron: str, timezone: str) -> CronTrigger:
    """The APScheduler trigger for a five-field crontab in `timezone`.

    Refused, naming what is wrong: an unknown time zone, other than five fields, a field
    out of its range (named), a schedule that never fires, and one that fires more often
    than once an hour (a digest is a weekly-ish note, never a stream).
    """
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError("sched_tz", tz=timezone[:60]) from None
    values = cron.split()
    if len(values) != 5:
        raise ScheduleError("sched_count", count=len(values))
    values[4] = _crontab_weekdays(values[4])
    for name, value, typed in zip(CRON_FIELDS, values, cron.split(), strict=True):
        try:
            CronTrigger(timezone=tz, **{name: value})
        except ValueError:
            raise ScheduleError("sched_field", field=name, value=typed[:30]) from None
    try:
        trigger = CronTrigger(timezone=tz, **dict(zip(CRON_FIELDS, values, strict=True)))
    except ValueError:
        raise ScheduleError("sched_never") from None
    first = trigger.get_next_fire_time(None, dt.datetime.now(tz))
    if first is None:
        raise ScheduleError("sched_never")
    hour = first.replace(minute=0, second=0, microsecond=0)
    per_hour = len(fire_times_between(trigger, hour, hour + dt.timedelta(minutes=59, seconds=59),
                                      limit=61))
    if per_hour > 1:
        raise ScheduleError("sched_too_often", count=per_hour)
    return trigger


def fire_times_between(trigger: CronTrigger, start: dt.datetime, end: dt.datetime,
                       limit: int = 10_000) -> list[dt.datetime]:
    out: list[dt.datetime] = []
    t = trigger.get_next_fire_time(None, start)
    while t is not None and t <= end and len(out) < limit:
        out.append(t)
        t = trigger.get_next_fire_time(t, t + dt.timedelta(seconds=1))
    return out


def current_period(trigger: CronTrigger, now: dt.datetime) -> dt.datetime | None:
    """The latest fire time at or before `now`: the period a digest at `now` belongs to."""
    for window in (dt.timedelta(hours=2), dt.timedelta(days=2), dt.timedelta(days=8),
                   dt.timedelta(days=32), dt.timedelta(days=370)):
        times = fire_times_between(trigger, now - window, now)
        if times:
            return times[-1]
    return None


def period_key(fire_time: dt.datetime) -> str:
    """A period's name in the store: its fire time in UTC, e.g. 2026-11-23T00:00:00Z."""
    return fire_time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_period_key(key: str) -> dt.datetime:
    return dt.datetime.strptime(key, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


# --------------------------------------------------------------------------- /meetup subscribe
# A crontab field: numbers, *, ranges, steps and lists, or month and weekday names in them.
_CRON_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "jan", "feb", "mar", "apr",
               "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_CRON_ATOM = rf"(?:\d+|\*|\?|{'|'.join(_CRON_NAMES)})"
_CRON_FIELD = re.compile(rf"{_CRON_ATOM}(?:[-,/]{_CRON_ATOM})*", re.IGNORECASE)
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "「": '"', "」": '"', "『": '"',
                         "』": '"', "＂": '"'})
# `/meetup subscribe all` goes back to every talk
ALL_TOPICS = frozenset({"all", "すべて", "全て", "全部", "ぜんぶ"})


@dataclass(frozen=True)
class SubscribeArgs:
    """What `/meetup subscribe` was given: a topic (ALL: back to every talk) and a crontab;
    None where the user gave nothing, which keeps what the channel has."""

    topic: str | None = None
    cron: str | None = None
    clear_topic: bool = False

    @property
    def empty(self) -> bool:
        return self.topic is None and self.cron is None and not self.clear_topic


def _looks_like_cron(word: str) -> bool:
    return bool(_CRON_FIELD.fullmatch(word))


def parse_subscribe(text: str | None) -> SubscribeArgs:
    """`[TOPIC] [CRON]`: the crontab is the trailing run of crontab-like words (at least two;
    a word with `*` makes the whole text a crontab); the rest is the topic, quotes grouping
    its words. One word alone ("2024", "monitoring") is a topic."""
    text = " ".join((text or "").translate(_QUOTES).split())
    if not text:
        return SubscribeArgs()
    try:
        lexer = shlex.shlex(text, posix=True)
        lexer.whitespace_split, lexer.commenters, lexer.quotes = True, "", '"'
        words = list(lexer)  # only double quotes group: "what's new" keeps its apostrophe
        quoted = '"' in text
    except ValueError:  # an unbalanced quote: take the words as they are
        words, quoted = text.replace('"', " ").split(), False
    tail = 0
    while tail < len(words) and _looks_like_cron(words[len(words) - 1 - tail]):
        tail += 1
    if (quoted and tail == len(words)) or (tail < 2 and "*" not in "".join(words[-1:])):
        tail = 0  # a quoted topic alone is a topic, and so is one word ("2024")
    if not quoted and any("*" in w for w in words[:len(words) - tail]):
        tail = len(words)  # "0 9 * * everyday": a crontab gone wrong, not a topic
    cron = " ".join(words[len(words) - tail:]) if tail else None
    topic = " ".join(words[:len(words) - tail]).strip() or None
    if topic is not None and topic.lower() in ALL_TOPICS:
        return SubscribeArgs(None, cron, clear_topic=True)
    return SubscribeArgs(topic, cron)


# --------------------------------------------------------------------------- picking
@dataclass(frozen=True)
class Candidate:
    talk_id: int
    event_id: int


def pick_talk(eligible: Sequence[Candidate], history: Sequence[Candidate], channel: str,
              period: str) -> Candidate | None:
    """The talk of the week for (channel, period), from the eligible talks and past picks.

    Pure and deterministic, so a retry or another copy picks the same talk: no talk repeats
    in a channel until every eligible talk has been featured there (then a new round
    starts), consecutive picks come from different events when that is possible, and the
    choice among the rest is a hash of (channel, period, talk).
    """
    if not eligible:
        return None
    ids = {c.talk_id for c in eligible}
    featured: set[int] = set()
    for past in history:
        if past.talk_id in ids:
            featured.add(past.talk_id)
            if featured >= ids:
                featured = set()  # every talk has had its week: a new round
    remaining = [c for c in eligible if c.talk_id not in featured] or list(eligible)
    if history:
        last_event = history[-1].event_id
        other = [c for c in remaining if c.event_id != last_event]
        remaining = other or remaining

    def rank(c: Candidate) -> str:
        return hashlib.sha256(f"{channel}|{period}|{c.talk_id}".encode()).hexdigest()

    return min(remaining, key=rank)


# --------------------------------------------------------------------------- the service
@dataclass
class DigestOutcome:
    channel: str
    period: str
    talk: Talk | None
    related: list[Talk] = field(default_factory=list)
    topic: str | None = None
    posted: bool = False
    ts: str | None = None
    note: str | None = None  # why nothing was posted (already posted, no talks, Slack said …)
    failed: bool = False  # Slack refused

    def as_dict(self) -> dict[str, Any]:
        from store.queries import talk_dict

        return {"channel": self.channel, "topic": self.topic, "period": self.period,
                "talk": talk_dict(self.talk) if self.talk else None,
                "related": [talk_dict(r) for r in self.related],
                "posted": self.posted, "ts": self.ts}


Related = Callable[[Session, Talk], list[Talk]]


def default_owner() -> str:
    """Who holds a claim: host, process and a random part, for the operator's logs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class DigestService:
    """Picks and posts digests; the only place that writes digest claims."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: WebClient | None,
        *,
        default_cron: str = "0 9 * * mon",
        default_timezone: str = "Asia/Tokyo",
        related: Related | None = None,
        owner: str | None = None,
        stale_after: dt.timedelta = dt.timedelta(minutes=5),
        grace: dt.timedelta = dt.timedelta(hours=12),
        clock: Callable[[], dt.datetime] = digests.now_utc,
        lang: str = "ja",
        max_attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        glossary: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.default_cron = default_cron
        self.default_timezone = default_timezone
        self.related = related or _related_by_search
        self.owner = owner or default_owner()
        self.stale_after = stale_after
        self.grace = grace
        self.clock = clock
        self.lang = lang
        self.max_attempts = max_attempts
        self.sleep = sleep
        self.glossary = glossary  # the search glossary topics are matched with (None: default)
        self.metrics = metrics

    # ------------------------------------------------------------------ reading
    def schedule_of(self, channel: str | None) -> tuple[str, str]:
        if channel:
            with self.sessions() as session:
                sub = digests.get_subscription(session, channel)
                if sub is not None:
                    return sub.cron, sub.timezone
        return self.default_cron, self.default_timezone

    def period_for(self, channel: str | None, now: dt.datetime | None = None) -> str:
        cron, tz = self.schedule_of(channel)
        fire = current_period(parse_schedule(cron, tz), now or self.clock())
        return period_key(fire or (now or self.clock()))

    def topic_of(self, session: Session, channel: str | None) -> str | None:
        sub = digests.get_subscription(session, channel) if channel else None
        return sub.topic if sub is not None else None

    def eligible(self, session: Session, topic: str | None) -> list[Candidate]:
        """The talks a digest may feature: with notes, and matching the topic if there is one."""
        if topic:
            found = topic_talks(session, topic, glossary=self._glossary())
            return sorted((Candidate(f.talk_id, f.event_id) for f in found),
                          key=lambda c: c.talk_id)
        rows = session.execute(
            select(Talk.id, Talk.event_id).where(Talk.has_notes.is_(True)).order_by(Talk.id)
        ).all()
        return [Candidate(r.id, r.event_id) for r in rows]

    def _glossary(self) -> Any:
        if self.glossary is None:
            return None
        from store.search import load_glossary

        return load_glossary(self.glossary)

    def suggest_topics(self, session: Session, topic: str) -> list[str]:
        return topic_suggestions(session, topic, glossary=self._glossary())

    def choose(self, session: Session, channel: str, period: str) -> Talk | None:
        """The talk for (channel, period): the one already claimed, else a fresh pick among
        the channel's eligible talks (its topic's, when it has one)."""
        existing = digests.find_post(session, channel, period)
        if existing is not None and existing.talk_id is not None:
            talk = _load_talk(session, existing.talk_id)
            if talk is not None:
                return talk
        eligible = self.eligible(session, self.topic_of(session, channel))
        past = [Candidate(p.talk_id, p.event_id or 0)
                for p in digests.history(session, channel, before_period=period)
                if p.talk_id is not None]
        picked = pick_talk(eligible, past, channel, period)
        return _load_talk(session, picked.talk_id) if picked else None

    def preview(self, channel: str | None, now: dt.datetime | None = None) -> DigestOutcome:
        """The current pick without posting (for `/meetup week`, App Home, --dry-run)."""
        key = channel or "-"
        period = self.period_for(channel, now)
        with self.sessions() as session:
            talk = self.choose(session, key, period)
            related = self._related(session, talk)
            post = digests.find_post(session, key, period)
            topic = self.topic_of(session, channel)
        outcome = DigestOutcome(key, period, talk, related, topic=topic)
        if post is not None and post.ts:
            outcome.ts = post.ts
        if talk is None:
            outcome.note = _nothing_to_post(topic)
        return outcome

    def _related(self, session: Session, talk: Talk | None) -> list[Talk]:
        if talk is None:
            return []
        try:
            return self.related(session, talk)[:3]
        except Exception:  # related talks are a garnish: never lose the digest over them
            log.exception("related talks failed for talk %s", talk.id)
            return []

    # ------------------------------------------------------------------ posting
    def run(self, channel: str, *, now: dt.datetime | None = None,
            period: str | None = None) -> DigestOutcome:
        """One digest round for a channel: claim the period, post, record the ts."""
        now = now or self.clock()
        period = period or self.period_for(channel, now)
        with self.sessions() as session:
            talk = self.choose(session, channel, period)
            existing = digests.find_post(session, channel, period)
            topic = self.topic_of(session, channel)
        if talk is None:
            return DigestOutcome(channel, period, None, topic=topic, note=_nothing_to_post(topic))
        if existing is not None and existing.status not in digests.OPEN:
            return DigestOutcome(channel, period, talk, topic=topic, ts=existing.ts,
                                 note=f"already {existing.status} for this period")
        won = digests.claim(self.sessions, channel, period, talk.id, talk.event_id, self.owner,
                            stale_after=self.stale_after, now=now)
        if won is None:
            return DigestOutcome(channel, period, talk, topic=topic,
                                 note="another copy holds this period")
        with self.sessions() as session:
            if won.talk_id is not None and won.talk_id != talk.id:
                talk = _load_talk(session, won.talk_id) or talk
            related = self._related(session, talk)
        outcome = DigestOutcome(channel, period, talk, related, topic=topic)
        if won.taken_over:
            # The record says whether the crashed copy had started posting; the channel's
            # history, where the bot may read it, says whether the message got there.
            found, known = self._find_posted(channel, period)
            if found:
                digests.record_posted(self.sessions, won.id, found)
                outcome.ts, outcome.note = found, "found the message a crashed copy had posted"
                self._count("recovered")
                return outcome
            if won.in_doubt and not known:
                return self._unconfirmed(won, outcome, "a crashed copy may have posted it")
        return self._post(won, outcome)

    def _unconfirmed(self, won: digests.Claim, outcome: DigestOutcome, why: str
                     ) -> DigestOutcome:
        """The message may be in the channel and nothing can tell: not posted again (a
        digest is never posted twice; one may go missing). Inviting the bot lets it look."""
        digests.record_unconfirmed(self.sessions, won.id, why)
        self._count("unconfirmed")
        log.warning("digest for %s in %s not posted again: %s, and the bot cannot read the "
                    "channel's history (invite it to the channel to let it check)",
                    won.period, won.channel_id, why)
        outcome.note = f"not posted again: {why} (no history access to check)"
        return outcome

    def _post(self, won: digests.Claim, outcome: DigestOutcome) -> DigestOutcome:
        if self.client is None:
            raise RuntimeError("posting a digest needs a Slack client")
        blocks, text = digest_blocks(
            TalkView.from_talk(outcome.talk),  # type: ignore[arg-type]
            [TalkView.from_talk(t) for t in outcome.related], lang=self.lang)  # type: ignore[arg-type]
        delay = 1.0
        # The intent, before anything goes to Slack: a crash from here on leaves a claim whose
        # message may be in the channel, and whoever takes it over knows to look first.
        digests.mark_sending(self.sessions, won.id)
        since = won.claimed_at
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1 and (since := digests.renew(self.sessions, won.id, since,
                                                     now=self.clock())) is None:
                # Slack kept us waiting past DIGEST_CLAIM_TIMEOUT and another copy (or a
                # recovery round) took the claim over: it decides, we must not post too
                log.warning("the digest claim for %s (%s) was taken over while retrying; "
                            "leaving it", won.channel_id, won.period)
                outcome.note = "taken over by another copy while retrying"
                return outcome
            try:
                resp = self.client.chat_postMessage(
                    channel=won.channel_id, blocks=blocks, text=text, unfurl_links=False,
                    metadata={"event_type": DIGEST_EVENT_TYPE,
                              "event_payload": {"period": won.period}})
                ts = str(resp.get("ts") or "")
                digests.record_posted(self.sessions, won.id, ts)
                with self.sessions() as session, session.begin():
                    digests.mark_ok(session, won.channel_id)
                log.info("digest posted to %s for %s (ts %s)", won.channel_id, won.period, ts)
                self._count("posted")
                outcome.posted, outcome.ts = True, ts
                return outcome
            except SlackApiError as exc:
                error = str(exc.response.get("error") or exc.response.status_code)
                status = exc.response.status_code
                if error in CHANNEL_ERRORS:
                    return self._refused(won, outcome, error)
                if status == 429 or status >= 500:
                    wait = _retry_after(exc) if status == 429 else delay
                    log.warning("Slack answered %s for %s; retry %d in %.1fs", status,
                                won.channel_id, attempt, wait)
                    if self.metrics is not None:
                        self.metrics.count_retry(
                            "chat.postMessage", "rate_limited" if status == 429 else "server_error")
                    self.sleep(wait)
                    delay = min(delay * 2, 60.0)
                    continue
                return self._refused(won, outcome, error)
            except (TimeoutError, OSError) as exc:
                # The request may have reached Slack: look before posting again.
                log.warning("no answer from Slack for %s (%s)", won.channel_id,
                            type(exc).__name__)
                self.sleep(delay)
                delay = min(delay * 2, 60.0)
                if self.metrics is not None:
                    self.metrics.count_retry("chat.postMessage", "connection")
                if _not_sent(exc):
                    continue  # refused before any byte went out: nothing can be there
                found, known = self._find_posted(won.channel_id, won.period)
                if found:
                    digests.record_posted(self.sessions, won.id, found)
                    outcome.posted, outcome.ts = True, found
                    return outcome
                if not known:
                    return self._unconfirmed(won, outcome, "Slack did not answer the post")
        # Out of attempts: the claim stays, and a later round takes it over once stale.
        outcome.note = "Slack did not answer; will retry"
        outcome.failed = True
        self._count("failed")
        return outcome

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.count_digest(outcome)

    def _refused(self, won: digests.Claim, outcome: DigestOutcome, error: str
                 ) -> DigestOutcome:
        digests.record_failed(self.sessions, won.id, error)
        with self.sessions() as session, session.begin():
            news = digests.mark_failing(session, won.channel_id, error)
        if news:
            log.error("digest for %s refused by Slack: %s (marked failing; retried next "
                      "period)", won.channel_id, error)
        outcome.note, outcome.failed = f"Slack refused: {error}", True
        self._count("failed")
        return outcome

    def _find_posted(self, channel: str, period: str) -> tuple[str | None, bool]:
        """(the ts of this period's digest in the channel, True when the channel's history
        could be read): (ts, True) found; (None, True) surely not there; (None, False)
        unknown. A public channel the bot is not in is joined to read it."""
        if self.client is None:
            return None, False
        oldest = parse_period_key(period) - dt.timedelta(minutes=1)
        cursor: str | None = None
        joined = False
        # a busy channel writes more than a page since the period began: read every page
        # (up to HISTORY_PAGES; past that, nothing is sure)
        for _page in range(HISTORY_PAGES):
            try:
                resp = self.client.conversations_history(
                    channel=channel, oldest=f"{oldest.timestamp():.6f}", limit=200,
                    include_all_metadata=True, cursor=cursor or None)
            except SlackApiError as exc:
                error = str(exc.response.get("error") or exc.response.status_code)
                if not joined and error == "not_in_channel" and self._join(channel):
                    joined = True
                    continue
                log.info("cannot read the history of %s: %s", channel, error)
                return None, False
            except (OSError, TimeoutError):
                return None, False
            for msg in resp.get("messages") or []:
                meta = msg.get("metadata") or {}
                if meta.get("event_type") == DIGEST_EVENT_TYPE and \
                        (meta.get("event_payload") or {}).get("period") == period:
                    return str(msg.get("ts")), True
            cursor = str((resp.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return None, True  # the last page: not there
        return None, False

    def _join(self, channel: str) -> bool:
        try:
            assert self.client is not None
            self.client.conversations_join(channel=channel)
            return True
        except (SlackApiError, OSError, TimeoutError):
            return False

    # ------------------------------------------------------------------ rounds
    def recover(self, now: dt.datetime | None = None) -> list[DigestOutcome]:
        """Take over claims a crashed copy left without a post, while their period is young."""
        now = now or self.clock()
        with self.sessions() as session:
            stale = [(p.channel_id, p.period) for p in
                     digests.stale_claims(session, stale_after=self.stale_after, now=now)]
        out = []
        for channel, period in stale:
            if now - parse_period_key(period) <= self.grace:
                out.append(self.run(channel, now=now, period=period))
        return out

    def catch_up(self, now: dt.datetime | None = None) -> list[DigestOutcome]:
        """At start-up: post the digests missed while no copy was running, if still young."""
        now = now or self.clock()
        out = []
        for channel, cron, tz in self.channels():
            try:
                fire = current_period(parse_schedule(cron, tz), now)
            except ScheduleError:
                continue
            if fire is None or now - fire > self.grace:
                continue
            period = period_key(fire)
            with self.sessions() as session:
                post = digests.find_post(session, channel, period)
            if post is None:
                log.info("catching up the digest of %s for %s", channel, period)
                out.append(self.run(channel, now=now, period=period))
        return out

    def channels(self) -> list[tuple[str, str, str]]:
        with self.sessions() as session:
            return [(s.channel_id, s.cron, s.timezone)
                    for s in digests.list_subscriptions(session)]


def _nothing_to_post(topic: str | None) -> str:
    if topic:
        return f"no talk with notes matches the topic {topic!r}"
    return "no talk with notes in the store"


def _not_sent(exc: BaseException) -> bool:
    """True when the request surely never reached Slack (the connection was refused)."""
    reason = getattr(exc, "reason", None)
    return isinstance(exc, ConnectionRefusedError) or isinstance(reason, ConnectionRefusedError)


def _retry_after(exc: SlackApiError) -> float:
    try:
        return min(float(exc.response.headers.get("Retry-After", 1)), 120.0)
    except (TypeError, ValueError):
        return 1.0


def _load_talk(session: Session, talk_id: int) -> Talk | None:
    stmt = select(Talk).options(*talk_options()).where(
        Talk.id == talk_id)
    return session.scalars(stmt).unique().one_or_none()


def _related_by_search(session: Session, talk: Talk, glossary: str | None = None) -> list[Talk]:
    from store.search import load_glossary, related_talks

    words = load_glossary(glossary) if glossary is not None else None
    return [hit.talk for hit in related_talks(session, talk, limit=3, other_events=True,
                                              glossary=words)]


# --------------------------------------------------------------------------- the scheduler
class DigestScheduler:
    """APScheduler jobs, one per subscription, kept in step with the store."""

    SYNC_JOB = "digest:sync"

    def __init__(self, service: DigestService, *, sync_seconds: int = 60,
                 scheduler: BackgroundScheduler | None = None) -> None:
        self.service = service
        self.scheduler = scheduler or BackgroundScheduler(timezone="UTC")
        self.sync_seconds = sync_seconds

    def job_id(self, channel: str) -> str:
        return f"digest:{channel}"

    def start(self) -> None:
        self.sync()
        self.scheduler.add_job(self.tick, "interval", seconds=self.sync_seconds,
                               id=self.SYNC_JOB, replace_existing=True, coalesce=True,
                               max_instances=1)
        self.scheduler.start()
        try:
            self.service.catch_up()
        except Exception:
            log.exception("catching up missed digests failed")

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def tick(self) -> None:
        """Periodic: pick up subscriptions other copies made, recover stale claims."""
        self.sync()
        self.service.recover()

    def sync(self) -> None:
        """One cron job per subscription (its cron and time zone); gone ones removed."""
        wanted = {}
        for channel, cron, tz in self.service.channels():
            try:
                wanted[self.job_id(channel)] = (channel, parse_schedule(cron, tz), f"{cron}|{tz}")
            except ScheduleError as exc:
                log.error("subscription of %s has a bad schedule: %s", channel, exc)
        for job in self.scheduler.get_jobs():
            if job.id.startswith("digest:") and job.id != self.SYNC_JOB and job.id not in wanted:
                job.remove()
        for job_id, (channel, trigger, signature) in wanted.items():
            job = self.scheduler.get_job(job_id)
            if job is not None and getattr(job, "name", "") == signature:
                continue
            self.scheduler.add_job(
                self.fire, trigger=trigger, args=[channel], id=job_id, name=signature,
                replace_existing=True, coalesce=True, max_instances=1,
                misfire_grace_time=int(self.service.grace.total_seconds()))

    def fire(self, channel: str) -> DigestOutcome | None:
        """The cron job of one subscription; never raises into the scheduler."""
        try:
            outcome = self.service.run(channel)
        except Exception:
            log.exception("digest round for %s failed", channel)
            return None
        if outcome.note and not outcome.posted:
            log.info("digest for %s: %s", channel, outcome.note)
        return outcome


# --------------------------------------------------------------------------- wiring
def digest_client(token: str, api_url: str | None = None, metrics: Metrics | None = None
                  ) -> WebClient:
    """The client the digest posts with. No retry handlers: `DigestService._post` retries
    429/5xx itself and looks at the channel before retrying a timeout, so that a retry can
    never make a second message."""
    kwargs: dict[str, Any] = {"token": token, "timeout": 10}
    if api_url:
        kwargs["base_url"] = api_url if api_url.endswith("/") else api_url + "/"
    if metrics is not None:
        return MeteredWebClient(metrics=metrics, **kwargs)
    return WebClient(**kwargs)


def make_digest_service(settings: Any, sessions: sessionmaker[Session],
                        client: WebClient | None, **kwargs: Any) -> DigestService:
    """A DigestService configured from Settings (cron, time zone, grace, claim timeout,
    the glossary its related talks are found with)."""
    glossary = getattr(settings, "glossary", None)
    if glossary is not None:
        kwargs.setdefault("related", functools.partial(_related_by_search, glossary=glossary))
        kwargs.setdefault("glossary", glossary)
    return DigestService(
        sessions, client,
        default_cron=settings.digest_cron, default_timezone=settings.digest_timezone,
        grace=dt.timedelta(hours=settings.digest_grace_hours),
        stale_after=dt.timedelta(seconds=settings.digest_claim_timeout),
        lang=choose_language(settings.bot_language),
        **kwargs)


def ensure_settings_subscription(settings: Any, sessions: sessionmaker[Session]) -> None:
    """`DIGEST_CHANNEL` subscribes that channel on `DIGEST_CRON` (a channel's own choice,
    made with /meetup subscribe, is kept)."""
    if not settings.digest_channel:
        return
    parse_schedule(settings.digest_cron, settings.digest_timezone)
    with sessions() as session, session.begin():
        if digests.get_subscription(session, settings.digest_channel) is None:
            digests.subscribe(session, settings.digest_channel, settings.digest_cron,
                              settings.digest_timezone, "settings")


# --------------------------------------------------------------------------- the Slack side
def _next_fire(cron: str, timezone: str, now: dt.datetime) -> str:
    fire = parse_schedule(cron, timezone).get_next_fire_time(None, now + dt.timedelta(seconds=1))
    return fire.strftime("%Y-%m-%d %H:%M") if fire else "-"


class SlackDigest:
    """The digest as the Slack app sees it (bot.handlers.DigestPort): `/meetup week`,
    `subscribe`, `unsubscribe` and the App Home's talk of the week."""

    def __init__(self, service: DigestService, scheduler: DigestScheduler | None = None,
                 *, home_channel: str | None = None) -> None:
        self.service = service
        self.scheduler = scheduler
        self.home_channel = home_channel

    def week(self, *, channel_id: str | None, lang: Lang) -> Reply:
        """In a channel, that channel's pick (what its digest posts, or would); elsewhere
        (a DM, `meetup-bot ask`) every subscribed channel's pick, as the App Home shows."""
        if channel_id and not channel_id.startswith("D"):
            outcome = self.service.preview(channel_id)
            if outcome.talk is None:
                return notice_blocks(t(lang, "week_no_talk"))
            return digest_blocks(TalkView.from_talk(outcome.talk),
                                 [TalkView.from_talk(r) for r in outcome.related], lang=lang)
        return channel_picks_blocks(self.picks(), lang=lang)

    def picks(self) -> list[ChannelPick]:
        """Each subscribed channel (and DIGEST_CHANNEL) with its pick for the current period:
        the one pick function there is, `DigestService.preview`."""
        with self.service.sessions() as session:
            status = [(s.channel_id, s.status, s.failure_reason, s.topic, s.access, s.timezone)
                      for s in digests.list_subscriptions(session)]
            unsure = digests.unconfirmed_latest(session)
        if self.home_channel and self.home_channel not in {c for c, *_ in status}:
            status.insert(0, (self.home_channel, "ok", None, None, None,
                              self.service.default_timezone))
        out = []
        for channel, state, reason, topic, access, tz in status:
            try:
                talk = self.service.preview(channel).talk
            except ScheduleError as exc:  # a stored schedule that no longer parses
                log.error("subscription of %s has a bad schedule: %s", channel, exc)
                continue
            out.append(ChannelPick(
                channel, TalkView.from_talk(talk) if talk else None,
                (reason or "?") if state == "failing" else None,
                topic=one_line(topic)[:MAX_TOPIC] if topic else None,
                invite=access == "invite" or (state == "failing" and reason in INVITE_ERRORS),
                unconfirmed=_unconfirmed_day(unsure.get(channel), tz)))
        return out

    def subscribe(self, *, channel_id: str, user_id: str, args: str | None, lang: Lang
                  ) -> Reply:
        """`/meetup subscribe [TOPIC] [CRON]`: what is given changes, the rest stays; with
        nothing given, a subscribed channel is shown its subscription."""
        if not channel_id or channel_id.startswith("D"):
            return notice_blocks(t(lang, "sub_where"))
        wanted = parse_subscribe(args)
        with self.service.sessions() as session:
            before = digests.get_subscription(session, channel_id)
            old = (before.cron, before.timezone, before.topic, before.status,
                   before.failure_reason, before.access) if before else None
        if old is not None and wanted.empty:
            return notice_blocks(self._describe(channel_id, old, lang, "sub_show"))
        cron = " ".join((wanted.cron or (old[0] if old else self.service.default_cron)).split())
        tz = old[1] if old else self.service.default_timezone
        try:
            parse_schedule(cron, tz)
        except ScheduleError as exc:
            return notice_blocks(t(lang, "sub_bad", reason=escape_mrkdwn(exc.message(lang))))
        topic = None if wanted.clear_topic else wanted.topic or (old[2] if old else None)
        if wanted.topic is not None:
            refused = self._check_topic(wanted.topic, lang)
            if refused is not None:
                return refused
        with self.service.sessions() as session, session.begin():
            if old is None or old[:3] != (cron, tz, topic):
                digests.subscribe(session, channel_id, cron, tz, user_id or None, topic=topic)
        access = self.channel_access(channel_id)
        if access is not None:
            with self.service.sessions() as session, session.begin():
                digests.set_access(session, channel_id, access)
        if self.scheduler is not None:
            self.scheduler.sync()
        key = "sub_done" if old is None else "sub_same" if old[:3] == (cron, tz, topic) \
            else "sub_changed"
        now = (cron, tz, topic, old[3] if old and key == "sub_same" else "ok",
               old[4] if old and key == "sub_same" else None, access or (old[5] if old else None))
        log.info("channel %s subscribed by %s: %s (%s), topic %r", channel_id, user_id, cron, tz,
                 topic)
        return notice_blocks(self._describe(channel_id, now, lang, key))

    def _check_topic(self, topic: str, lang: Lang) -> Reply | None:
        """None when the topic matches talks with notes; else the refusal, with suggestions."""
        shown = escape_mrkdwn(one_line(topic)[:MAX_TOPIC])
        if len(topic) > MAX_TOPIC:
            return notice_blocks(t(lang, "sub_topic_long", limit=MAX_TOPIC))
        with self.service.sessions() as session:
            if self.service.eligible(session, topic):
                return None
            close = self.service.suggest_topics(session, topic)
        text = t(lang, "sub_topic_none", topic=shown)
        if close:
            text += "\n" + t(lang, "sub_topic_try", topics=", ".join(
                f"`/meetup subscribe \"{escape_mrkdwn(c)}\"`" for c in close))
        return notice_blocks(text)

    def _describe(self, channel_id: str, sub: tuple[Any, ...], lang: Lang, key: str) -> str:
        cron, tz, topic, status, reason, access = sub
        text = t(lang, key, cron=escape_mrkdwn(cron), tz=tz,
                 next=_next_fire(cron, tz, self.service.clock()))
        if topic:
            with self.service.sessions() as session:
                count = len(self.service.eligible(session, topic))
            text += "\n" + t(lang, "sub_topic", topic=escape_mrkdwn(one_line(topic)),
                              count=count)
        else:
            text += "\n" + t(lang, "sub_all_topics")
        if status == "failing":
            text += "\n" + t(lang, "sub_failing", reason=escape_mrkdwn(reason or "?"))
        if access == "invite":
            text += "\n" + t(lang, "sub_invite", channel=f"<#{channel_id}>")
        return text

    def channel_access(self, channel_id: str) -> str | None:
        """Joins a public channel (conversations.join), so that the bot can read its history;
        "member" when it is in the channel, "invite" for a private channel it is not in,
        None when Slack cannot be asked (no client, no answer, a scope missing)."""
        client = self.service.client
        if client is None:
            return None
        try:
            client.conversations_join(channel=channel_id)
            return "member"
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if error not in ("method_not_supported_for_channel_type", "channel_not_found"):
                log.warning("could not join %s: %s", channel_id, error)
                return None
        except (OSError, TimeoutError) as exc:
            log.warning("could not join %s: %s", channel_id, type(exc).__name__)
            return None
        try:  # private (or not visible): is the bot in it already?
            client.conversations_history(channel=channel_id, limit=1)
            return "member"
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            return "invite" if error in ("not_in_channel", "channel_not_found") else None
        except (OSError, TimeoutError):
            return None

    def unsubscribe(self, *, channel_id: str, user_id: str, lang: Lang) -> Reply:
        with self.service.sessions() as session, session.begin():
            removed = digests.unsubscribe(session, channel_id)
        if self.scheduler is not None:
            self.scheduler.sync()
        if removed:
            log.info("channel %s unsubscribed by %s", channel_id, user_id)
        return notice_blocks(t(lang, "unsub_done" if removed else "unsub_none"))

    def home_week(self, *, lang: Lang) -> tuple[list[ChannelPick], str | None]:
        """App Home: every subscribed channel with its pick (Slack tells the bot nobody's
        channel memberships without more scopes, so every user sees every subscribed
        channel), or a note saying how to subscribe one."""
        picks = self.picks()
        return picks, None if picks else t(lang, "week_no_channels")


def _unconfirmed_day(found: tuple[str, str | None] | None, tz: str
                     ) -> tuple[dt.date, str] | None:
    """An unconfirmed digest's day in the subscription's time zone, and why it is unsure."""
    if found is None:
        return None
    period, why = found
    fired = parse_period_key(period)
    with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
        fired = fired.astimezone(ZoneInfo(tz))
    return fired.date(), why or "?"


def build_slack_digest(settings: Any, sessions: sessionmaker[Session], *,
                       with_scheduler: bool, metrics: Metrics | None = None) -> SlackDigest:
    """The digest for `serve` (posting, with its scheduler) or for `ask` (previews only)."""
    client = digest_client(settings.slack_bot_token, settings.slack_api_url, metrics) \
        if with_scheduler and settings.slack_bot_token else None
    service = make_digest_service(settings, sessions, client, metrics=metrics)
    scheduler = DigestScheduler(service) if with_scheduler else None
    return SlackDigest(service, scheduler, home_channel=settings.digest_channel)
