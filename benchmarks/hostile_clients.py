"""`serve` under idle, half-open and trickling clients, and what kill -9 leaves behind.

Starts `meetup-bot serve` on 127.0.0.1 (HTTP mode, a fake Slack, a SQLite store), then:
/healthz latency with no other client, with N half-open connections (`POST … Host: x\\r\\n`, no
end of headers) held open, how long a client trickling one header line a second keeps its
connection, and how long the answer worker and the resource tracker outlive a kill -9 of
`serve`. Only 127.0.0.1, bounded counts and times.

    python benchmarks/hostile_clients.py [--idle 300,1000] [--samples 20]

Measured on the 2-core development machine (Python 3.11, waitress 3.0.2, SQLite), load
average 2.6-3.5 from other work, 20 samples each (the first sample probes the store, the rest
reuse the 5 s health cache):

  /healthz p50 / max, no other client       0.9 / 4.2 ms
  with 300 half-open connections            1.5-4.0 / 7.8-16.2 ms
  with 1000 half-open connections           3.7-7.7 / 354-459 ms (the first request after
                                            the 1000 connects, while they are still accepted)
  with 1800 half-open connections           10.5 / 115 ms
  a trickling client dropped after          10.0-11.0 s (HEADER_TIMEOUT 10 s, checked each 1 s)
  children gone after kill -9 of serve      0.1-0.2 s (2 processes: worker, resource tracker)

Before these changes (waitress connection_limit=200, channel_timeout=30): with 300 half-open
connections /healthz did not answer within 3 s (about 40 s), a trickling client was never
dropped, and both children were still alive 60 s after kill -9.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.process import alive, descendants, http, serve, serve_env  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402

HALF_OPEN = b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"


def healthz_ms(url: str, samples: int) -> tuple[float, float]:
    times = []
    for _ in range(samples):
        status, _body, seconds = http("GET", url + "/healthz", timeout=10)
        assert status == 200, status
        times.append(seconds * 1000)
    return statistics.median(times), max(times)


def trickle_seconds(port: int, limit: float = 30.0) -> float:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET /healthz HTTP/1.1\r\n")
    start = time.monotonic()
    with sock:
        while time.monotonic() - start < limit:
            try:
                sock.sendall(b"X-Trickle: 1\r\n")
                sock.settimeout(1.0)
                if sock.recv(1024) == b"":
                    break
            except TimeoutError:
                continue
            except OSError:
                break
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", default="300,1000", help="half-open connection counts")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    counts = [int(n) for n in args.idle.split(",")]
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as slack:
        env = serve_env(DATABASE_URL=f"sqlite:///{tmp}/store.db", SLACK_BOT_TOKEN="xoxb-bench",
                        SLACK_SIGNING_SECRET="bench-secret", SLACK_API_URL=slack.base_url)
        with serve(env) as served:
            p50, worst = healthz_ms(served.url, args.samples)
            print(f"/healthz p50 / max, no other client       {p50:.1f} / {worst:.1f} ms")
            for count in counts:
                held = []
                try:
                    for _ in range(count):
                        sock = socket.create_connection(("127.0.0.1", served.port), timeout=5)
                        sock.sendall(HALF_OPEN)
                        held.append(sock)
                    time.sleep(0.3)
                    p50, worst = healthz_ms(served.url, args.samples)
                    label = f"with {count} half-open connections"
                    print(f"{label:<42}{p50:.1f} / {worst:.1f} ms")
                finally:
                    for sock in held:
                        sock.close()
            print(f"a trickling client dropped after          "
                  f"{trickle_seconds(served.port):.1f} s")
            children = descendants(served.proc.pid)
            served.proc.kill()
            served.proc.wait(timeout=10)
            killed = time.monotonic()
            while alive(children) and time.monotonic() - killed < 30:
                time.sleep(0.01)
            left = alive(children)
            print(f"children gone after kill -9 of serve      "
                  f"{time.monotonic() - killed:.1f} s ({len(children)} processes"
                  f"{f', {len(left)} STILL ALIVE' if left else ''})")


if __name__ == "__main__":
    main()
