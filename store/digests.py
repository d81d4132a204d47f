"""Digest bookkeeping in the store: subscriptions, and the (channel, period) claims.

The claim is what makes a digest post exactly once: a row is inserted for (channel, period)
before posting — the unique constraint lets one copy win —, marked "sending" just before the
message goes to Slack (the intent), and the message's ts is recorded after (the result). A
claim left without a ts by a crash can be taken over, by one copy only, once it is older than
a timeout (compare-and-set on its claimed_at); the new owner knows from the mark whether the
crashed copy may have posted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.models import DigestPost, Subscription


@dataclass(frozen=True)
class Claim:
    """A won claim: this copy may post the digest for (channel_id, period)."""

    id: int
    channel_id: str
    period: str
    talk_id: int | None
    taken_over: bool  # True when a stale claim of a crashed copy was taken over
    # True when the crashed copy had started posting: the message may be in the channel
    in_doubt: bool = False
    claimed_at: dt.datetime | None = None  # as this copy wrote it (see `renew`)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; every time stored here is UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# --------------------------------------------------------------------------- subscriptions
KEEP_TOPIC: str = "\0keep"  # subscribe(topic=KEEP_TOPIC): leave the channel's topic as it is


def subscribe(session: Session, channel_id: str, cron: str, timezone: str,
              user_id: str | None = None, *, now: dt.datetime | None = None,
              topic: str | None = KEEP_TOPIC) -> Subscription:
    """Subscribe a channel, or change its schedule or topic (None: every talk; by default a
    subscribed channel keeps its topic); a failing one gets a fresh start."""
    sub = session.scalar(select(Subscription).where(Subscription.channel_id == channel_id))
    if sub is None:
        sub = Subscription(channel_id=channel_id, cron=cron, timezone=timezone,
                           created_by=user_id, created_at=now or now_utc(), status="ok",
                           topic=None if topic == KEEP_TOPIC else topic)
        session.add(sub)
    else:
        sub.cron, sub.timezone = cron, timezone
        sub.status, sub.failure_reason = "ok", None
        if topic != KEEP_TOPIC:
            sub.topic = topic
    session.flush()
    return sub


def set_access(session: Session, channel_id: str, access: str | None) -> None:
    """What the bot found out about the channel: "member", "invite" or None (unknown)."""
    sub = get_subscription(session, channel_id)
    if sub is not None:
        sub.access = access


def unsubscribe(session: Session, channel_id: str) -> bool:
    sub = session.scalar(select(Subscription).where(Subscription.channel_id == channel_id))
    if sub is None:
        return False
    session.delete(sub)
    session.flush()
    return True


def get_subscription(session: Session, channel_id: str) -> Subscription | None:
    return session.scalar(select(Subscription).where(Subscription.channel_id == channel_id))


def list_subscriptions(session: Session) -> list[Subscription]:
    return list(session.scalars(select(Subscription).order_by(Subscription.channel_id)))


def unconfirmed_latest(session: Session) -> dict[str, tuple[str, str | None]]:
    """Channels whose latest digest is unconfirmed (it may or may not be in the channel and
    will not be sent again): channel → (period, why)."""
    latest = (select(DigestPost.channel_id, func.max(DigestPost.period).label("period"))
              .group_by(DigestPost.channel_id).subquery())
    rows = session.execute(
        select(DigestPost.channel_id, DigestPost.period, DigestPost.error)
        .join(latest, (DigestPost.channel_id == latest.c.channel_id)
              & (DigestPost.period == latest.c.period))
        .where(DigestPost.status == "unconfirmed"))
    return {channel: (period, error) for channel, period, error in rows}


def mark_failing(session: Session, channel_id: str, reason: str) -> bool:
    """Record why Slack refused the channel; True when this is news (log it once)."""
    sub = get_subscription(session, channel_id)
    if sub is None:
        return False
    news = sub.status != "failing" or sub.failure_reason != reason
    sub.status, sub.failure_reason = "failing", reason[:200]
    return news


def mark_ok(session: Session, channel_id: str) -> None:
    sub = get_subscription(session, channel_id)
    if sub is not None and sub.status != "ok":
        sub.status, sub.failure_reason = "ok", None
    if sub is not None and sub.access == "invite":
        sub.access = "member"  # the post went through: someone invited the bot


# --------------------------------------------------------------------------- claims
OPEN = ("claimed", "sending")  # a claim whose round has not ended (posted, failed …)


def history(session: Session, channel_id: str, *, before_period: str | None = None
            ) -> list[DigestPost]:
    """The channel's earlier digests (claimed, posted or failed), oldest first."""
    stmt = select(DigestPost).where(DigestPost.channel_id == channel_id)
    if before_period is not None:
        stmt = stmt.where(DigestPost.period < before_period)
    return list(session.scalars(stmt.order_by(DigestPost.period)))


def find_post(session: Session, channel_id: str, period: str) -> DigestPost | None:
    return session.scalar(select(DigestPost).where(DigestPost.channel_id == channel_id,
                                                   DigestPost.period == period))


def claim(sessions: sessionmaker[Session], channel_id: str, period: str, talk_id: int | None,
          event_id: int | None, owner: str, *, stale_after: dt.timedelta,
          now: dt.datetime | None = None) -> Claim | None:
    """Claim (channel, period) for this copy, or None when another copy holds it.

    A claim that was never posted and is older than `stale_after` is taken over, keeping
    the talk the first copy picked.
    """
    now = now or now_utc()
    with sessions() as session:
        try:
            with session.begin():
                post = DigestPost(channel_id=channel_id, period=period, talk_id=talk_id,
                                  event_id=event_id, status="claimed", claimed_by=owner,
                                  claimed_at=now, attempts=1)
                session.add(post)
            return Claim(post.id, channel_id, period, talk_id, taken_over=False, claimed_at=now)
        except IntegrityError:
            pass
    with sessions() as session, session.begin():
        held = find_post(session, channel_id, period)
        if held is None or held.status not in OPEN or held.ts is not None:
            return None
        old = held.claimed_at
        if _aware(old) > now - stale_after:
            return None
        # Compare-and-set: of several copies finding the same stale claim, one updates it.
        result = session.execute(
            update(DigestPost)
            .where(DigestPost.id == held.id, DigestPost.status == held.status,
                   DigestPost.claimed_at == old)
            .values(claimed_by=owner, claimed_at=now, attempts=DigestPost.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            return None
        return Claim(held.id, channel_id, period, held.talk_id, taken_over=True,
                     in_doubt=held.status == "sending", claimed_at=now)


def renew(sessions: sessionmaker[Session], claim_id: int, since: dt.datetime | None, *,
          now: dt.datetime | None = None) -> dt.datetime | None:
    """Before another attempt at posting: the claim is still the one this copy made at
    `since` (nobody took it over as stale while Slack made us wait), and it is fresh again.
    Returns the new claim time, or None: leave it."""
    now = now or now_utc()
    if since is None:
        return now
    with sessions() as session, session.begin():
        result = session.execute(
            update(DigestPost)
            .where(DigestPost.id == claim_id, DigestPost.claimed_at == since,
                   DigestPost.ts.is_(None))
            .values(claimed_at=now)
            .execution_options(synchronize_session=False))
        return now if getattr(result, "rowcount", 0) == 1 else None


def mark_sending(sessions: sessionmaker[Session], claim_id: int) -> None:
    """The intent, recorded before the message goes to Slack: from now on a crash leaves a
    claim whose message may be in the channel."""
    with sessions() as session, session.begin():
        session.execute(update(DigestPost).where(DigestPost.id == claim_id)
                        .values(status="sending"))


def record_unconfirmed(sessions: sessionmaker[Session], claim_id: int, note: str) -> None:
    """The message may have been posted and nothing can tell: never post it again."""
    with sessions() as session, session.begin():
        session.execute(update(DigestPost).where(DigestPost.id == claim_id).values(
            status="unconfirmed", error=note[:200]))


def record_posted(sessions: sessionmaker[Session], claim_id: int, ts: str,
                  *, now: dt.datetime | None = None) -> None:
    with sessions() as session, session.begin():
        session.execute(update(DigestPost).where(DigestPost.id == claim_id).values(
            status="posted", ts=ts, posted_at=now or now_utc(), error=None))


def record_failed(sessions: sessionmaker[Session], claim_id: int, error: str) -> None:
    """Slack refused for good (e.g. not_in_channel): no retry this period."""
    with sessions() as session, session.begin():
        session.execute(update(DigestPost).where(DigestPost.id == claim_id).values(
            status="failed", error=error[:200]))


def stale_claims(session: Session, *, stale_after: dt.timedelta,
                 now: dt.datetime | None = None) -> list[DigestPost]:
    now = now or now_utc()
    rows = session.scalars(select(DigestPost).where(DigestPost.status.in_(OPEN),
                                                    DigestPost.ts.is_(None)))
    return [p for p in rows if _aware(p.claimed_at) <= now - stale_after]
