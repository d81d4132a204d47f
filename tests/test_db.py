"""Tests of store.db: migrations on both databases, URL handling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from store.db import (
    current_revision,
    ensure_schema,
    head_revision,
    make_engine,
    make_sessionmaker,
    normalise_url,
    upgrade,
)
from store.errors import StoreError


def test_upgrade_creates_tables_on_both_databases(any_engine: Engine) -> None:
    names = set(inspect(any_engine).get_table_names())
    assert {"reports", "events", "talks", "alembic_version"} <= names
    assert current_revision(any_engine) == head_revision()


def test_ensure_schema_is_idempotent(any_engine: Engine) -> None:
    ensure_schema(any_engine)
    ensure_schema(any_engine)
    assert current_revision(any_engine) == head_revision()


def test_normalise_url_uses_psycopg3_for_plain_postgresql() -> None:
    assert normalise_url("postgresql://u@h:5432/d").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_report_text_columns_are_unbounded_on_both_databases(any_engine: Engine) -> None:
    from sqlalchemy import Text

    insp = inspect(any_engine)
    for table, column in (("events", "name"), ("events", "venue"), ("events", "url"),
                          ("talks", "title"), ("talks", "url")):
        col = next(c for c in insp.get_columns(table) if c["name"] == column)
        if any_engine.dialect.name == "postgresql":
            assert isinstance(col["type"], Text), (table, column, col["type"])
        # SQLite never enforced VARCHAR(n); writing long values is checked in test_importer


# --------------------------------------------------------------------------- crash safety
@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty store on either database, not yet migrated."""
    url = (f"sqlite:///{tmp_path / 'fresh.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_url"))
    eng = make_engine(url)
    yield eng
    eng.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrade_failing_midway_leaves_the_old_schema(fresh_engine: Engine,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # 0002 indexes the talks after creating its tables; fail there, deep inside the upgrade.
    def crash(_session: object) -> int:
        raise RuntimeError("killed")

    monkeypatch.setattr("store.search.rebuild_index", crash)
    with pytest.raises(RuntimeError):
        upgrade(fresh_engine)
    assert _tables(fresh_engine) == set()
    monkeypatch.undo()
    ensure_schema(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()


def _half_migrated_by_old_version(engine: Engine) -> None:
    """What an older meetup-bot left after a kill: 0001's tables, alembic_version empty."""
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))


def test_ensure_schema_repairs_an_empty_half_migrated_store(fresh_engine: Engine) -> None:
    _half_migrated_by_old_version(fresh_engine)
    assert current_revision(fresh_engine) is None and "reports" in _tables(fresh_engine)
    ensure_schema(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()
    assert {"search_docs", "digest_posts"} <= _tables(fresh_engine)


def test_ensure_schema_repairs_a_store_with_only_some_tables(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'part.db'}")
    with eng.begin() as conn:  # killed after the first CREATE TABLE
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("CREATE TABLE reports (id INTEGER PRIMARY KEY)"))
    ensure_schema(eng)
    assert current_revision(eng) == head_revision()
    eng.dispose()


def test_ensure_schema_stamps_an_unversioned_store_that_holds_data(
        fresh_engine: Engine, tmp_path: Path) -> None:
    from store.importer import import_paths

    upgrade(fresh_engine)
    f = tmp_path / "r.md"
    f.write_text("## 話\nby 誰か\n\n- メモ\n", encoding="utf-8")
    assert import_paths(make_sessionmaker(fresh_engine), [f]).imported == 1
    with fresh_engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    ensure_schema(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM talks")).scalar() == 1


def test_ensure_schema_explains_an_unversioned_store_it_cannot_place(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'odd.db'}")
    upgrade(eng, "0001")
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("CREATE TABLE slack_events (event_key VARCHAR(200) PRIMARY KEY, "
                          "seen_at TIMESTAMP)"))
        conn.execute(text("INSERT INTO slack_events VALUES ('x', '2026-01-01')"))
    with pytest.raises(StoreError) as info:
        ensure_schema(eng)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path / "odd.db") in message
    assert "no schema version" in message
    eng.dispose()
    from click.testing import CliRunner

    from bot.cli import cli

    result = CliRunner().invoke(cli, ["talks", "--db", f"sqlite:///{tmp_path / 'odd.db'}"])
    assert result.exit_code == 1 and result.output == f"Error: {message}\n"


def test_upgrade_from_0004_keeps_search_working(any_engine: Engine, tmp_path: Path) -> None:
    """0005 on a store with talks: the search index and its triggers still follow writes,
    and a title longer than the old 1,000-character limit is stored and found."""
    from sqlalchemy.orm import Session

    from store import merge
    from store.db import downgrade
    from store.importer import import_paths
    from store.models import Report
    from store.reports import ParsedEvent, ParsedTalk
    from store.search import index_event, rebuild_index, search_talks

    downgrade(any_engine, "0004")  # the fixture is at head: back to 0004
    f = tmp_path / "r.md"
    report = "---\nevent: \"Infra Study\"\n---\n\n## Kubernetes operators{}\nby 誰か\n\n- メモ\n"
    f.write_text(report.format(""), encoding="utf-8")
    sessions = make_sessionmaker(any_engine)
    with any_engine.begin() as conn:  # what an older version stored, in its own schema
        conn.execute(text("INSERT INTO reports (source, content_hash, imported_at) "
                          "VALUES (:src, 'x', CURRENT_TIMESTAMP)"), {"src": str(f)})
        rid = conn.execute(text("SELECT id FROM reports")).scalar_one()
        conn.execute(text("INSERT INTO events (report_id, name, tags) "
                          "VALUES (:r, 'Infra Study', '[]')"), {"r": rid})
        eid = conn.execute(text("SELECT id FROM events")).scalar_one()
        conn.execute(text(
            "INSERT INTO talks (event_id, position, title, speakers, handles, affiliations,"
            " notes, summary, has_notes, tags) VALUES (:e, 0, 'Kubernetes operators',"
            " '[\"誰か\"]', '[]', '[]', '- メモ', 'メモ', :t, '[]')"), {"e": eid, "t": True})
        tid = conn.execute(text("SELECT id FROM talks")).scalar_one()
    with Session(any_engine) as s:
        rebuild_index(s)
        s.commit()
    upgrade(any_engine)
    with Session(any_engine) as s:
        assert [h.talk.id for h in search_talks(s, "operators").hits] == [tid]
    f.write_text(report.format(", revisited"), encoding="utf-8")
    assert import_paths(sessions, [f]).imported == 1
    long_title = "Operators at scale " + "x" * 1500
    with sessions.begin() as s:
        report = Report(source="/long.md", content_hash="0" * 64,
                        imported_at=dt.datetime.now(dt.UTC))
        s.add(report)
        s.flush()
        event = merge.attach(s, report, ParsedEvent(name="Long"),
                             [ParsedTalk(title=long_title)], merge.Previous())
        for ev in merge.refresh(s, [event.id]):
            index_event(s, ev)
    with Session(any_engine) as s:
        assert [(h.talk.id, h.talk.title) for h in search_talks(s, "revisited").hits] == [
            (tid, "Kubernetes operators, revisited")]  # the same talk, changed in place
        assert [h.talk.title for h in search_talks(s, "scale").hits] == [long_title]


def test_upgrade_survives_kill_9_during_first_migration(tmp_path: Path) -> None:
    """20 rounds: `meetup-bot import BIG` on a new SQLite store, SIGKILL at a random moment;
    the store is then either without tables or at head, and the next command works."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time
    from concurrent.futures import ThreadPoolExecutor

    from click.testing import CliRunner

    from bot.cli import cli

    big = tmp_path / "big"
    big.mkdir()
    for n in range(150):
        (big / f"r{n:03}.md").write_text(
            f"---\nevent: \"Study #{n}\"\n---\n\n## Talk {n}\nby 誰か\n\n- point\n", "utf-8")
    small = tmp_path / "small"
    small.mkdir()
    (small / "one.md").write_text("---\nevent: \"One\"\n---\n\n## Talk\n- point\n", "utf-8")
    rng = random.Random(14)

    def one_round(n: int) -> tuple[Path, bool]:
        db = tmp_path / f"m{n}.db"
        proc = subprocess.Popen([sys.executable, "-m", "bot", "import", str(big), "--db",
                                 f"sqlite:///{db}"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        if n % 2:  # the shape: a random moment after the start
            time.sleep(rng.uniform(0.05, 0.8))
        else:  # aimed at the migration: it starts when the file appears
            deadline = time.monotonic() + 10
            while not db.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.1))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return db, db.exists()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        rounds = list(pool.map(one_round, range(20)))
    mid_migration = 0
    for db, existed in rounds:
        if existed:
            eng = make_engine(f"sqlite:///{db}")
            tables, rev = _tables(eng), current_revision(eng)
            eng.dispose()
            # the old schema (nothing) or the new one, never tables without a revision
            assert tables == set() or rev == head_revision(), (db, tables, rev)
            mid_migration += rev is None
        before = time.monotonic()
        result = CliRunner().invoke(cli, ["import", str(small), "--db", f"sqlite:///{db}"])
        assert result.exit_code == 0, (db, result.output)
        assert time.monotonic() - before < 10  # no lock or recovery left waiting
    print(f"kill -9 rounds: 20, killed before the schema was committed: {mid_migration}, "
          f"{time.monotonic() - started:.1f} s")
