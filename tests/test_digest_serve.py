"""The digest inside `meetup-bot serve`: a missed, still-young period is posted at start-up,
exactly once, also across a restart (SQLite store, fake Slack on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from store.db import make_engine, make_sessionmaker, upgrade
from store.importer import import_paths
from tests.fakes.process import serve, serve_env
from tests.fakes.slack_api import FakeSlack


def test_serve_catches_up_a_young_digest_once_across_restarts(tmp_path: Path,
                                                               seeds_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine)
    assert not import_paths(make_sessionmaker(engine), [seeds_dir]).rejected
    engine.dispose()
    fired = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)  # the digest was due 2 hours ago
    with FakeSlack() as slack:
        env = serve_env(SLACK_BOT_TOKEN="xoxb-digest", SLACK_SIGNING_SECRET="s",
                        SLACK_API_URL=slack.base_url, DATABASE_URL=url,
                        DIGEST_CHANNEL="C0DIGEST", DIGEST_TIMEZONE="UTC",
                        DIGEST_CRON=f"{fired.minute} {fired.hour} * * *")
        for _restart in range(2):
            with serve(env) as served:
                slack.wait_for("chat.postMessage", 1, timeout=15)
                time.sleep(0.5)
            assert "Traceback" not in served.stderr(), served.stderr()
        posts = slack.of("chat.postMessage")
    assert [p.body["channel"] for p in posts] == ["C0DIGEST"]
    assert posts[0].body["text"].startswith("今週のトーク")
