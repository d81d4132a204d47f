"""Two copies of the bot in two processes fire the same digest periods against one
PostgreSQL store and one fake Slack: every channel gets exactly one message per period, and a
channel with a topic gets only the topic's talks, each once before any repeats."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store import digests
from store.db import make_engine, make_sessionmaker, upgrade
from store.importer import import_paths
from store.models import DigestPost
from store.topics import topic_talks
from tests.conftest import ROOT
from tests.digest_worker import ROUND_SECONDS
from tests.fakes.slack_api import FakeSlack

ROUNDS = 20
CHANNELS = ("C0A", "C0B", "C0T")
TOPICS = {"C0T": "セキュリティ"}


def test_two_processes_post_exactly_once_per_channel_and_period(pg_url: str,
                                                                seeds_dir: Path) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    sessions: sessionmaker[Session] = make_sessionmaker(engine)
    assert not import_paths(sessions, [seeds_dir]).rejected
    with sessions() as s, s.begin():
        for channel in CHANNELS:
            digests.subscribe(s, channel, "0 9 * * mon", "Asia/Tokyo",
                              topic=TOPICS.get(channel))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    lines: list[str] = []
    with FakeSlack() as slack:
        start = time.time() + 3.0  # both copies are up and waiting by then
        args = [sys.executable, "-m", "tests.digest_worker", pg_url, slack.base_url,
                f"{start:.3f}", str(ROUNDS), *CHANNELS]
        procs = [subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        try:
            for p in procs:
                out, err = p.communicate(timeout=60 + ROUNDS * ROUND_SECONDS)
                assert p.returncode == 0, err
                lines += out.splitlines()
        finally:
            for p in procs:
                p.kill()
        posts = slack.of("chat.postMessage")
    per_period = Counter((c.body["channel"], c.body["metadata"]["event_payload"]["period"])
                         for c in posts)
    assert len(per_period) == ROUNDS * len(CHANNELS)
    assert set(per_period.values()) == {1}, [k for k, v in per_period.items() if v > 1]
    # Both copies fired every period: one posted, the other found the period taken.
    assert len(lines) == 2 * ROUNDS * len(CHANNELS)
    assert lines.count("posted") == ROUNDS * len(CHANNELS)
    assert set(lines) - {"posted"} <= {"not posted: another copy holds this period",
                                       "not posted: already posted for this period"}
    with sessions() as s:
        matching = {t.talk_id for t in topic_talks(s, TOPICS["C0T"])}
        picks = list(s.scalars(select(DigestPost.talk_id).where(DigestPost.channel_id == "C0T")
                               .order_by(DigestPost.period)))
    assert 2 <= len(matching) < ROUNDS // 2 and len(picks) == ROUNDS
    assert set(picks) == matching
    for start in range(0, ROUNDS - len(matching) + 1, len(matching)):
        window = picks[start:start + len(matching)]
        assert sorted(window) == sorted(matching), picks  # each once, then a new round
    engine.dispose()
