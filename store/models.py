"""ORM models of the store: reports, events and talks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Report(Base):
    """One imported report file; its content hash makes re-imports idempotent."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Limited (a unique index), and checked by the importer on both databases alike;
    # the report's own text fields are unbounded Text (migration 0005).
    source: Mapped[str] = mapped_column(String(1024), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    event: Mapped[Event | None] = relationship(
        back_populates="report", cascade="all, delete-orphan", uselist=False
    )


class Event(Base):
    """A meetup or conference, as one report describes it."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    venue: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    report: Mapped[Report] = relationship(back_populates="event")
    talks: Mapped[list[Talk]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="Talk.position",
    )


class Talk(Base):
    """One talk (session, keynote, lightning talk) of an event."""

    __tablename__ = "talks"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    session_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    speakers: Mapped[list[str]] = mapped_column(JSON, default=list)
    handles: Mapped[list[str]] = mapped_column(JSON, default=list)
    affiliations: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    has_notes: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    event: Mapped[Event] = relationship(back_populates="talks")


class Subscription(Base):
    """A channel that receives the weekly digest, with its schedule and its health."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(50), unique=True)
    cron: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(50), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # "ok", or "failing" with the reason Slack gave (channel_not_found, not_in_channel …)
    status: Mapped[str] = mapped_column(String(20), default="ok")
    failure_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)


class DigestPost(Base):
    """One digest per (channel, period): claimed before posting, its ts recorded after."""

    __tablename__ = "digest_posts"
    __table_args__ = (UniqueConstraint("channel_id", "period", name="uq_digest_posts_channel_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(50), index=True)
    period: Mapped[str] = mapped_column(String(40))  # the period's fire time, UTC ISO 8601
    talk_id: Mapped[int | None] = mapped_column(
        ForeignKey("talks.id", ondelete="SET NULL"), nullable=True
    )
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # claimed → posted, or failed (Slack refused for good this period)
    status: Mapped[str] = mapped_column(String(20), default="claimed")
    claimed_by: Mapped[str] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    ts: Mapped[str | None] = mapped_column(String(40), nullable=True)
    posted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)
