"""store.pending: a preview is taken by one click only, replaced by a re-add, and expires."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from store.pending import TTL, peek_pending, pending_count, save_pending, take_pending


def _save(session: Session, ident: str, user: str = "U1", now: dt.datetime | None = None
          ) -> str:
    return save_pending(session, ident=ident, given=ident, name="/r.html", text="<h1>x</h1>",
                        user_id=user, channel_id="C1", team_id="T1", lang="ja", now=now)


def test_take_pending_only_once(any_sessions: sessionmaker[Session]) -> None:
    with any_sessions() as session:
        pending_id = _save(session, "https://a.example/r")
        found = take_pending(session, pending_id)
        assert found is not None and found.user_id == "U1" and found.text == "<h1>x</h1>"
        assert take_pending(session, pending_id) is None
        assert take_pending(session, "no-such-id") is None


def test_save_pending_replaces_the_same_users_preview_and_expires_old_ones(
        any_sessions: sessionmaker[Session]) -> None:
    now = dt.datetime.now(dt.UTC)
    with any_sessions() as session:
        old = _save(session, "https://a.example/old", now=now - TTL - dt.timedelta(seconds=1))
        first = _save(session, "https://a.example/r")
        other_user = _save(session, "https://a.example/r", user="U2")
        assert peek_pending(session, old) is None  # expired: not offered any more
        second = _save(session, "https://a.example/r")
        assert peek_pending(session, first) is None and peek_pending(session, second)
        assert peek_pending(session, other_user) is not None
        assert pending_count(session) == 2  # the expired one was removed
