"""Slack deliveries a copy of the bot has claimed, so several copies answer each one once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, MetaData, String, Table, delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

# The table belongs to migration 0003; this is only its shape for queries.
slack_events = Table(
    "slack_events",
    MetaData(),
    Column("event_key", String(200), primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)
MAX_KEY = 200


def claim_event(session: Session, key: str, *, now: dt.datetime | None = None) -> bool:
    """True for the first claim of `key` in the whole store, False when a copy had it already.

    Commits: the claim must be visible to other copies before this one answers.
    """
    now = now or dt.datetime.now(dt.UTC)
    values = {"event_key": key[:MAX_KEY], "seen_at": now}
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        module = sqlite if dialect == "sqlite" else postgresql
        stmt = (module.insert(slack_events).values(**values).on_conflict_do_nothing()
                .returning(slack_events.c.event_key))
        # RETURNING, not rowcount: psycopg 3 reports -1 rows for ON CONFLICT DO NOTHING.
        claimed = session.execute(stmt).first() is not None
        session.commit()
        return claimed
    try:
        session.execute(insert(slack_events).values(**values))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False


def forget_events(session: Session, *, before: dt.datetime) -> int:
    """Drop claims older than `before` (Slack stops re-delivering after minutes); how many."""
    result = session.execute(delete(slack_events).where(slack_events.c.seen_at < before))
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
