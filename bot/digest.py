"""The talk of the week: schedules, the pick, and posting each digest exactly once."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import re
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
)
from bot.i18n import Lang, choose_language, t
from store import digests
from store.models import Talk
from store.queries import talk_options

log = logging.getLogger(__name__)

DIGEST_EVENT_TYPE = "meetup_digest"
# Slack errors that no retry can fix this period: the subscription is marked failing.
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived",
                            "channel_is_archived", "restricted_action", "missing_scope",
                            "invalid_auth", "account_inactive", "not_authed"})


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
    posted: bool = False
    ts: str | None = None
    note: str | None = None  # why nothing was posted (already posted, no talks, Slack said …)
    failed: bool = False  # Slack refused

    def as_dict(self) -> dict[str, Any]:
        from store.queries import talk_dict

        return {"channel": self.channel, "period": self.period,
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

    def choose(self, session: Session, channel: str, period: str) -> Talk | None:
        """The talk for (channel, period): the one already claimed, else a fresh pick."""
        existing = digests.find_post(session, channel, period)
        if existing is not None and existing.talk_id is not None:
            talk = _load_talk(session, existing.talk_id)
            if talk is not None:
                return talk
        rows = session.execute(
            select(Talk.id, Talk.event_id).where(Talk.has_notes.is_(True)).order_by(Talk.id)
        ).all()
        eligible = [Candidate(r.id, r.event_id) for r in rows]
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
        outcome = DigestOutcome(key, period, talk, related)
        if post is not None and post.ts:
            outcome.ts = post.ts
        if talk is None:
            outcome.note = "no talk with notes in the store"
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
        if talk is None:
            return DigestOutcome(channel, period, None, note="no talk with notes in the store")
        if existing is not None and existing.status != "claimed":
            return DigestOutcome(channel, period, talk, ts=existing.ts,
                                 note=f"already {existing.status} for this period")
        won = digests.claim(self.sessions, channel, period, talk.id, talk.event_id, self.owner,
                            stale_after=self.stale_after, now=now)
        if won is None:
            return DigestOutcome(channel, period, talk, note="another copy holds this period")
        with self.sessions() as session:
            if won.talk_id is not None and won.talk_id != talk.id:
                talk = _load_talk(session, won.talk_id) or talk
            related = self._related(session, talk)
        outcome = DigestOutcome(channel, period, talk, related)
        if won.taken_over:
            found = self._find_posted(channel, period, won)
            if found:
                digests.record_posted(self.sessions, won.id, found)
                outcome.ts, outcome.note = found, "found the message a crashed copy had posted"
                return outcome
        return self._post(won, outcome)

    def _post(self, won: digests.Claim, outcome: DigestOutcome) -> DigestOutcome:
        if self.client is None:
            raise RuntimeError("posting a digest needs a Slack client")
        blocks, text = digest_blocks(
            TalkView.from_talk(outcome.talk),  # type: ignore[arg-type]
            [TalkView.from_talk(t) for t in outcome.related], lang=self.lang)  # type: ignore[arg-type]
        delay = 1.0
        for attempt in range(1, self.max_attempts + 1):
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
                found = self._find_posted(won.channel_id, won.period, won)
                if found:
                    digests.record_posted(self.sessions, won.id, found)
                    outcome.posted, outcome.ts = True, found
                    return outcome
        # Out of attempts: the claim stays, and a later round takes it over once stale.
        outcome.note = "Slack did not answer; will retry"
        outcome.failed = True
        return outcome

    def _refused(self, won: digests.Claim, outcome: DigestOutcome, error: str
                 ) -> DigestOutcome:
        digests.record_failed(self.sessions, won.id, error)
        with self.sessions() as session, session.begin():
            news = digests.mark_failing(session, won.channel_id, error)
        if news:
            log.error("digest for %s refused by Slack: %s (marked failing; retried next "
                      "period)", won.channel_id, error)
        outcome.note, outcome.failed = f"Slack refused: {error}", True
        return outcome

    def _find_posted(self, channel: str, period: str, won: digests.Claim) -> str | None:
        """The ts of a digest for this period already in the channel (posted before a crash)."""
        if self.client is None:
            return None
        oldest = parse_period_key(period) - dt.timedelta(minutes=1)
        try:
            resp = self.client.conversations_history(
                channel=channel, oldest=f"{oldest.timestamp():.6f}", limit=100,
                include_all_metadata=True)
        except (SlackApiError, OSError, TimeoutError):
            return None  # without history access we cannot know; post
        for msg in resp.get("messages") or []:
            meta = msg.get("metadata") or {}
            if meta.get("event_type") == DIGEST_EVENT_TYPE and \
                    (meta.get("event_payload") or {}).get("period") == period:
                return str(msg.get("ts"))
        return None

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
def digest_client(token: str, api_url: str | None = None) -> WebClient:
    """The client the digest posts with. No retry handlers: `DigestService._post` retries
    429/5xx itself and looks at the channel before retrying a timeout, so that a retry can
    never make a second message."""
    kwargs: dict[str, Any] = {"token": token, "timeout": 10}
    if api_url:
        kwargs["base_url"] = api_url if api_url.endswith("/") else api_url + "/"
    return WebClient(**kwargs)


def make_digest_service(settings: Any, sessions: sessionmaker[Session],
                        client: WebClient | None, **kwargs: Any) -> DigestService:
    """A DigestService configured from Settings (cron, time zone, grace, claim timeout,
    the glossary its related talks are found with)."""
    glossary = getattr(settings, "glossary", None)
    if glossary is not None:
        kwargs.setdefault("related", functools.partial(_related_by_search, glossary=glossary))
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
            status = [(s.channel_id, s.status, s.failure_reason)
                      for s in digests.list_subscriptions(session)]
        if self.home_channel and self.home_channel not in {c for c, _, _ in status}:
            status.insert(0, (self.home_channel, "ok", None))
        out = []
        for channel, state, reason in status:
            try:
                talk = self.service.preview(channel).talk
            except ScheduleError as exc:  # a stored schedule that no longer parses
                log.error("subscription of %s has a bad schedule: %s", channel, exc)
                continue
            out.append(ChannelPick(channel, TalkView.from_talk(talk) if talk else None,
                                   (reason or "?") if state == "failing" else None))
        return out

    def subscribe(self, *, channel_id: str, user_id: str, cron: str | None, lang: Lang
                  ) -> Reply:
        if not channel_id or channel_id.startswith("D"):
            return notice_blocks(t(lang, "sub_where"))
        cron = " ".join((cron or self.service.default_cron).split())
        tz = self.service.default_timezone
        try:
            parse_schedule(cron, tz)
        except ScheduleError as exc:
            return notice_blocks(t(lang, "sub_bad", reason=escape_mrkdwn(exc.message(lang))))
        with self.service.sessions() as session, session.begin():
            before = digests.get_subscription(session, channel_id)
            old = (before.cron, before.timezone, before.status, before.failure_reason) \
                if before else None
            if old is None or old[:2] != (cron, tz):
                digests.subscribe(session, channel_id, cron, tz, user_id or None)
        if self.scheduler is not None:
            self.scheduler.sync()
        nxt = _next_fire(cron, tz, self.service.clock())
        key = "sub_done" if old is None else "sub_same" if old[:2] == (cron, tz) else "sub_changed"
        text = t(lang, key, cron=escape_mrkdwn(cron), tz=tz, next=nxt)
        if old is not None and old[:2] == (cron, tz) and old[2] == "failing":
            text += "\n" + t(lang, "sub_failing", reason=escape_mrkdwn(old[3] or "?"))
        log.info("channel %s subscribed by %s: %s (%s)", channel_id, user_id, cron, tz)
        return notice_blocks(text)

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


def build_slack_digest(settings: Any, sessions: sessionmaker[Session], *,
                       with_scheduler: bool) -> SlackDigest:
    """The digest for `serve` (posting, with its scheduler) or for `ask` (previews only)."""
    client = digest_client(settings.slack_bot_token, settings.slack_api_url) \
        if with_scheduler and settings.slack_bot_token else None
    service = make_digest_service(settings, sessions, client)
    scheduler = DigestScheduler(service) if with_scheduler else None
    return SlackDigest(service, scheduler, home_channel=settings.digest_channel)
