"""store.health and the cached check behind /healthz: ok, degraded (no writes), unavailable."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from bot.server import CachedHealth
from store.db import make_engine
from store.health import PROBE_WAIT_MS, StoreHealth, probe_store


def _snapshot(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        counts = tuple(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                       for table in ("events", "talks", "reports", "slack_events"))
    return (tuple(version), counts)


def test_probe_store_ok_and_leaves_nothing(any_engine: Engine) -> None:
    before = _snapshot(any_engine)
    assert probe_store(any_engine) == StoreHealth("ok")
    assert _snapshot(any_engine) == before


@pytest.fixture
def read_only_sqlite(engine: Engine) -> Iterator[Engine]:
    """The same SQLite file through a read-only connection (works as root, unlike chmod)."""
    ro = make_engine(f"sqlite:///file:{engine.url.database}?mode=ro&uri=true")
    yield ro
    ro.dispose()


def test_probe_store_degraded_on_a_read_only_sqlite_file(read_only_sqlite: Engine) -> None:
    assert probe_store(read_only_sqlite) == StoreHealth("degraded", "the store is read-only")


def test_probe_store_degraded_on_sqlite_query_only(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _query_only(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA query_only = ON")

    engine.dispose()  # new connections get the pragma
    health = probe_store(engine)
    assert health.status == "degraded" and health.reason is not None


def test_probe_store_ok_and_quick_while_another_connection_writes(engine: Engine) -> None:
    writer = engine.raw_connection()
    try:
        writer.execute("BEGIN IMMEDIATE")  # holds the write lock, as a long import would
        start = time.monotonic()
        assert probe_store(engine) == StoreHealth("ok")
        assert time.monotonic() - start < PROBE_WAIT_MS / 1000 + 1.0
    finally:
        writer.rollback()
        writer.close()
    with engine.connect() as conn:  # the probe put the usual busy timeout back
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_probe_store_unavailable(tmp_path: Path) -> None:
    missing = make_engine(f"sqlite:///{tmp_path / 'missing' / 'no.db'}")
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no schema
    refused = make_engine("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    for engine in (missing, empty, refused):
        health = probe_store(engine)
        assert health.status == "unavailable" and health.reason is not None
        assert "127.0.0.1" not in health.reason and "nobody" not in health.reason
        engine.dispose()


def test_probe_store_degraded_on_a_read_only_postgresql_session(pg_engine: Engine,
                                                                pg_url: str) -> None:
    """What a hot standby or `default_transaction_read_only` answers, on one connection only."""
    read_only = make_engine(pg_url + "%20-cdefault_transaction_read_only%3Don")
    try:
        assert probe_store(read_only) == StoreHealth("degraded", "the store is read-only")
    finally:
        read_only.dispose()
    assert probe_store(pg_engine) == StoreHealth("ok")


def test_probe_store_ok_on_postgresql_while_a_migration_locks_the_table(
        pg_engine: Engine) -> None:
    with pg_engine.connect() as locker:
        locker.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
        start = time.monotonic()
        health = probe_store(pg_engine)
        locker.rollback()
    assert health == StoreHealth("ok")  # busy, not broken: and found out quickly
    assert time.monotonic() - start < PROBE_WAIT_MS / 1000 + 1.0


# ---------------------------------------------------------------- the cache


def test_cached_health_probes_at_most_once_per_ttl() -> None:
    now = [0.0]
    answers = iter([StoreHealth("ok"), StoreHealth("degraded", "the store is read-only")])
    calls: list[float] = []

    def probe() -> StoreHealth:
        calls.append(now[0])
        return next(answers)

    health = CachedHealth(probe, ttl=5.0, clock=lambda: now[0])
    assert health() == StoreHealth("ok")
    now[0] = 4.9
    assert health() == StoreHealth("ok") and calls == [0.0]
    now[0] = 5.0
    assert health().status == "degraded" and calls == [0.0, 5.0]


def test_cached_health_answers_from_cache_while_a_probe_hangs() -> None:
    now = [0.0]
    release = threading.Event()
    started = threading.Event()
    results = [StoreHealth("ok"), StoreHealth("unavailable", "x")]

    def probe() -> StoreHealth:
        if len(results) == 1:  # the second probe hangs, as a lost database would
            started.set()
            release.wait(5)
        return results.pop(0)

    health = CachedHealth(probe, ttl=5.0, clock=lambda: now[0])
    assert health() == StoreHealth("ok")
    now[0] = 10.0
    slow = threading.Thread(target=health)
    slow.start()
    assert started.wait(5)
    start = time.monotonic()
    assert health() == StoreHealth("ok")  # not stuck behind the hanging probe
    assert time.monotonic() - start < 0.5
    release.set()
    slow.join(5)
    assert health() == StoreHealth("unavailable", "x") and results == []
