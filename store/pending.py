"""Report previews waiting for a click (store.models.PendingImport): kept, taken once, expired."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.models import PendingImport

TTL = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Pending:
    """A pending preview as plain data (the row is gone once it is taken)."""

    id: str
    ident: str
    given: str
    name: str
    text: str
    team_id: str | None
    user_id: str
    channel_id: str | None
    lang: str
    created_at: dt.datetime


def _plain(row: PendingImport) -> Pending:
    created = row.created_at
    if created.tzinfo is None:  # SQLite hands back naive datetimes
        created = created.replace(tzinfo=dt.UTC)
    return Pending(row.id, row.ident, row.given, row.name, row.text, row.team_id, row.user_id,
                   row.channel_id, row.lang, created)


def save_pending(session: Session, *, ident: str, given: str, name: str, text: str,
                 user_id: str, channel_id: str | None, team_id: str | None, lang: str,
                 now: dt.datetime | None = None) -> str:
    """Keep a preview; returns the id its buttons carry. The same user's earlier preview of
    the same report is replaced, and previews older than TTL are dropped."""
    now = now or dt.datetime.now(dt.UTC)
    session.execute(delete(PendingImport).where(PendingImport.created_at < now - TTL))
    session.execute(delete(PendingImport).where(PendingImport.ident == ident,
                                                PendingImport.user_id == user_id))
    pending_id = secrets.token_urlsafe(18)
    session.add(PendingImport(id=pending_id, ident=ident, given=given, name=name, text=text,
                              team_id=team_id, user_id=user_id, channel_id=channel_id,
                              lang=lang, created_at=now))
    session.commit()
    return pending_id


def peek_pending(session: Session, pending_id: str, *, now: dt.datetime | None = None
                 ) -> Pending | None:
    """The preview, if it is still waiting and not expired."""
    now = now or dt.datetime.now(dt.UTC)
    row = session.get(PendingImport, pending_id)
    if row is None:
        return None
    found = _plain(row)
    return found if found.created_at >= now - TTL else None


def take_pending(session: Session, pending_id: str, *, now: dt.datetime | None = None
                 ) -> Pending | None:
    """The preview, removed so that only one click (on whichever copy) acts on it; None when
    it was taken already, expired or never existed."""
    found = peek_pending(session, pending_id, now=now)
    if found is None:
        return None
    gone = session.execute(delete(PendingImport).where(PendingImport.id == pending_id))
    session.commit()
    return found if gone.rowcount == 1 else None  # type: ignore[attr-defined]


def pending_count(session: Session) -> int:
    return len(list(session.scalars(select(PendingImport.id))))
