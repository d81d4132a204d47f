"""Reading the store: talks and events as plain values for the CLI and the Slack app."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, joinedload, selectinload

from store.models import Event, Talk, TalkSource


def talk_dict(talk: Talk) -> dict[str, Any]:
    """A talk in the JSON shape of INTERFACE.md."""
    event = talk.event
    sources = talk_sources(talk)
    return {
        "id": talk.id,
        "title": talk.title,
        "speakers": list(talk.speakers or []),
        "handles": list(talk.handles or []),
        "affiliations": list(talk.affiliations or []),
        "event": {
            "id": event.id,
            "name": event.name,
            "date": event.date.isoformat() if event.date else None,
        },
        "source": sources[0] if sources else "",
        "sources": sources,
        "summary": talk.summary,
        "has_notes": talk.has_notes,
        "url": talk.url or event.url,
    }


def talk_sources(talk: Talk) -> list[str]:
    """The report files a talk comes from, as given to `import`, first imported first."""
    return [s.report.shown for s in talk.sources]


def talk_options():  # type: ignore[no-untyped-def]
    """Loader options that bring a talk's event and sources in the same query."""
    return (joinedload(Talk.event),
            selectinload(Talk.sources).joinedload(TalkSource.report))


def _talk_query():  # type: ignore[no-untyped-def]
    return select(Talk).options(*talk_options())


def list_talks(session: Session) -> list[Talk]:
    """Every talk, newest event first, in report order within an event."""
    stmt = (
        _talk_query()
        .join(Talk.event)
        .order_by(Event.date.desc().nulls_last(), Event.id, Talk.position)
    )
    return list(session.scalars(stmt).unique())


def get_talk(session: Session, talk_id: int) -> Talk | None:
    return session.scalars(_talk_query().where(Talk.id == talk_id)).unique().one_or_none()


def list_events(session: Session, named: str | None = None) -> list[Event]:
    """Events, newest first (undated last); with `named`, only those it names: a year, a
    date or a period, an abbreviation, words of the name (store.intent.matching_events)."""
    stmt = select(Event).order_by(Event.date.desc().nulls_last(), Event.name)
    if named and named.strip():
        from store.intent import EventInfo, matching_events

        rows = session.execute(select(Event.id, Event.name, Event.date)).all()
        ids = matching_events(named, [EventInfo(i, n, d) for i, n, d in rows])
        if not ids:
            return []
        stmt = stmt.where(Event.id.in_(ids))
    return list(session.scalars(stmt))


def talk_id_was_issued(session: Session, talk_id: int) -> bool:
    """Whether the store ever handed out `talk_id` (a talk that is gone now was removed with
    its report, rather than never there). Talk ids are never reused (AUTOINCREMENT on
    SQLite, a sequence on PostgreSQL), so the highest id issued tells."""
    issued: int | None
    if session.get_bind().dialect.name == "postgresql":
        issued = session.scalar(text(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence('talks', 'id')::regclass)"))
    else:
        issued = session.scalar(text("SELECT seq FROM sqlite_sequence WHERE name = 'talks'"))
    if issued is None:
        issued = session.scalar(select(func.max(Talk.id)))
    return issued is not None and 0 < talk_id <= issued
