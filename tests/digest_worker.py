"""A copy of the bot's digest scheduler in its own process, for the exactly-once test.

Usage: python -m tests.digest_worker DB_URL SLACK_API_URL START_EPOCH ROUNDS CHANNEL...
Every round it fires the digest job of each channel at the same wall-clock instant as the
other copy, for that round's period (one week later each round).
"""

from __future__ import annotations

import datetime as dt
import sys
import time

from slack_sdk import WebClient

from bot.digest import DigestScheduler, DigestService
from store.db import make_engine, make_sessionmaker

MONDAY_9_TOKYO = dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)
ROUND_SECONDS = 0.4


def main(argv: list[str]) -> int:
    db_url, slack_url, start, rounds, *channels = argv
    engine = make_engine(db_url)
    now = [MONDAY_9_TOKYO]
    service = DigestService(make_sessionmaker(engine), WebClient(token="xoxb-worker",
                            base_url=slack_url, timeout=5),
                            clock=lambda: now[0], related=lambda _s, _t: [])
    scheduler = DigestScheduler(service)
    for i in range(int(rounds)):
        now[0] = MONDAY_9_TOKYO + dt.timedelta(days=7 * i, seconds=30)
        time.sleep(max(0.0, float(start) + i * ROUND_SECONDS - time.time()))
        for channel in channels:
            outcome = scheduler.fire(channel)
            print("posted" if outcome and outcome.posted else
                  f"not posted: {outcome.note if outcome else 'error'}", flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
