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
    """One report file. Its identity (`source`) is the file's resolved absolute path, or
    `meetup-bot:content/…` for the bundled notes, so every spelling of one file is one report;
    its content hash makes re-imports idempotent, and `content_sha` (the bytes alone)
    recognises a file that moved."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Limited (a unique index), and checked by the importer on both databases alike;
    # the report's own text fields are unbounded Text (migration 0005).
    source: Mapped[str] = mapped_column(String(1024), unique=True)
    # The path as it was last given to `import`: what people see as a talk's source.
    given: Mapped[str | None] = mapped_column(Text, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    content_sha: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    links: Mapped[list[ReportEvent]] = relationship(
        back_populates="report", cascade="all, delete-orphan", passive_deletes=True
    )
    contributions: Mapped[list[TalkSource]] = relationship(
        back_populates="report", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def shown(self) -> str:
        """The report's path for people: as given to `import`, else its identity."""
        return self.given or self.source


class Event(Base):
    """A meetup or conference: one row however many reports describe it."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The name normalised for finding the same event in another report (store.merge).
    name_key: Mapped[str] = mapped_column(String(200), index=True, default="")
    name: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    venue: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    links: Mapped[list[ReportEvent]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ReportEvent.report_id",
    )
    talks: Mapped[list[Talk]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="Talk.position",
    )

    @property
    def sources(self) -> list[str]:
        """The reports that describe this event, first imported first."""
        return [link.report.shown for link in self.links]


class ReportEvent(Base):
    """What one report says of one event (name, date, venue, url, tags)."""

    __tablename__ = "report_events"
    __table_args__ = (UniqueConstraint("report_id", "event_id", name="uq_report_events"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    venue: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    report: Mapped[Report] = relationship(back_populates="links")
    event: Mapped[Event] = relationship(back_populates="links")


class Talk(Base):
    """One talk (session, keynote, lightning talk) of an event, merged from every report that
    has it; its columns are derived from its sources (store.merge)."""

    __tablename__ = "talks"
    # ids outlive talks in Slack buttons and digest history: never hand one out twice
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 (SQLAlchemy reads it)

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
    sources: Mapped[list[TalkSource]] = relationship(
        back_populates="talk", cascade="all, delete-orphan", passive_deletes=True,
        order_by="TalkSource.report_id",
    )


class TalkSource(Base):
    """One report's part of a talk: the talk as that report tells it."""

    __tablename__ = "talk_sources"
    __table_args__ = (UniqueConstraint("talk_id", "report_id", name="uq_talk_sources"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True)
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
    talk: Mapped[Talk] = relationship(back_populates="sources")
    report: Mapped[Report] = relationship(back_populates="contributions")


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
    # A plain search query: the digest picks only talks that match it; None: every talk.
    topic: Mapped[str | None] = mapped_column(Text, nullable=True)
    # "member" (the bot can read the channel), "invite" (private: needs /invite), None: unknown
    access: Mapped[str | None] = mapped_column(String(20), nullable=True)


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
    # claimed → sending (the post may have reached Slack) → posted; or failed (Slack refused
    # for good this period); or unconfirmed (the post may have reached Slack, and neither the
    # store nor the channel's history can tell: never posted again, at most once)
    status: Mapped[str] = mapped_column(String(20), default="claimed")
    claimed_by: Mapped[str] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    ts: Mapped[str | None] = mapped_column(String(40), nullable=True)
    posted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)


class PendingImport(Base):
    """A report previewed in Slack, waiting for Import or Cancel (migration 0007): in the
    store, so a click that reaches another copy of the bot still finds it."""

    __tablename__ = "pending_imports"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ident: Mapped[str] = mapped_column(String(1024), index=True)  # the report's identity
    given: Mapped[str] = mapped_column(Text)  # its source as people see it
    name: Mapped[str] = mapped_column(Text)  # the name the parser reads
    text: Mapped[str] = mapped_column(Text)  # as fetched; parsed again on Import
    team_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lang: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class RemoteVersion(Base):
    """The text of a report that is no file here (a page, a file shared in Slack), per
    version stored (migration 0009): the current one and the one it replaced, so an Undo
    of a replacing import restores the earlier version instead of removing the report."""

    __tablename__ = "remote_versions"
    __table_args__ = (UniqueConstraint("ident", "content_hash",
                                       name="uq_remote_versions_ident_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ident: Mapped[str] = mapped_column(String(1024), index=True)  # Report.source
    content_hash: Mapped[str] = mapped_column(String(64))  # Report.content_hash of it
    given: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)  # the name the parser reads
    text: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
