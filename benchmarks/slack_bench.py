"""Ack latency of `meetup-bot serve` under signed /meetup load, with a 10,000-talk store.

Builds a synthetic store, starts `meetup-bot serve` on 127.0.0.1 against a fake Slack Web API
(also on 127.0.0.1), sends N signed slash commands C at a time, and prints p50/p99 of the HTTP
ack and of the answer reaching the response_url, and the errors. Bounded in count and time;
talks to nothing but loopback.

    python benchmarks/slack_bench.py [--talks 10000] [--requests 500] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import importlib
import multiprocessing
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.db import make_engine, make_sessionmaker, upgrade  # noqa: E402
from store.models import Event, Report, Talk  # noqa: E402
from tests.fakes.process import serve, serve_env  # noqa: E402
from tests.fakes.slack_api import FakeSlack, command_body, signed_headers  # noqa: E402

SECRET = "bench-signing-secret"
DEADLINE_SECONDS = 300

TOPICS = ["Kubernetes", "Istio", "Envoy", "gVisor", "Prometheus", "Operator", "CRD", "Helm",
          "Knative", "OpenStack", "eBPF", "Rust", "Go", "Terraform", "ArgoCD", "Flux", "etcd",
          "CoreDNS", "service mesh", "serverless", "observability", "SRE", "CI/CD", "RBAC"]
JA = ["セキュリティ", "コンテナ", "ネットワーク", "監視", "運用", "移行", "性能", "設計", "自動化",
      "マルチクラスタ", "スケジューラ", "ストレージ", "認証", "障害対応", "コスト削減"]
NAMES = ["Ian Lewis", "Aya Igarashi", "Junichi Yoshise", "Hirofumi Ichihara", "Melanie Cebula",
         "Doug Davis", "Kazuki Suda", "Noriaki Fukuyasu", "Mark Collier", "Stephan Fabel",
         "山田 太郎", "佐藤 花子", "鈴木 一郎", "高橋 次郎", "田中 美咲"]
ORGS = ["Google", "CyberAgent", "NTT", "Z Lab", "IBM", "Airbnb", "Canonical", "Red Hat",
        "メルカリ", "LINE", "サイボウズ", "ヤフー"]
QUERIES = ["Kubernetes", "istio envoy", "セキュリティ", "コンテナ 監視", "gvisor", "prometheus",
           "operator CRD", "kubernets", "speaker Ian Lewis", "speaker 山田", "events", "help",
           "talk 42", "service mesh 性能", "マルチクラスタ", "rust", "serverless knative", ""]


def build_store(url: str, talks: int, seed: int = 7) -> float:
    """A store with `talks` synthetic talks (40 an event), indexed; returns seconds taken."""
    start = time.perf_counter()
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    per_event = 40
    with sessions() as session:
        for e in range((talks + per_event - 1) // per_event):
            report = Report(source=f"bench/event-{e:04d}.md", content_hash=f"{e:064x}",
                            imported_at=dt.datetime.now(dt.UTC))
            event = Event(name=f"{rng.choice(TOPICS)} Meetup Tokyo #{e}",
                          date=dt.date(2017, 1, 1) + dt.timedelta(days=3 * e),
                          url=f"https://example.com/events/{e}", tags=[], report=report)
            for p in range(min(per_event, talks - e * per_event)):
                topic, ja = rng.choice(TOPICS), rng.choice(JA)
                bullets = [f"{rng.choice(TOPICS)} の{rng.choice(JA)}について {rng.choice(TOPICS)}"
                           for _ in range(rng.randint(3, 12))]
                event.talks.append(Talk(
                    position=p, title=f"{topic} と{ja}: {rng.choice(TOPICS)} 実践",
                    speakers=[rng.choice(NAMES)], handles=[], affiliations=[rng.choice(ORGS)],
                    notes="\n".join(f"- {b}" for b in bullets), summary=" / ".join(bullets[:3]),
                    has_notes=rng.random() > 0.1, tags=[]))
            session.add(report)
            session.add(event)
        session.commit()
        try:
            search = importlib.import_module("store.search")
            search.rebuild_index(session)
            session.commit()
        except (ModuleNotFoundError, AttributeError):
            pass
    engine.dispose()
    return time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def load(port: int, response_base: str, requests: int, concurrency: int
         ) -> tuple[float, list[float], dict[str, float], list[str]]:
    """Send the signed commands; (wall seconds, ack ms, send time per name, errors)."""
    ack_ms: list[float] = []
    sent_at: dict[str, float] = {}
    errors: list[str] = []
    lock = threading.Lock()
    local = threading.local()
    deadline = time.monotonic() + DEADLINE_SECONDS

    def one(i: int) -> None:
        if time.monotonic() > deadline:
            with lock:
                errors.append("deadline")
            return
        name = f"b{i}"
        body = command_body(QUERIES[i % len(QUERIES)], response_base + name,
                            user_id=f"U{i:07d}")
        headers = signed_headers(SECRET, body)
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        start, sent = time.perf_counter(), time.monotonic()
        try:
            conn.request("POST", "/slack/events", body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            took = (time.perf_counter() - start) * 1000
            with lock:
                sent_at[name] = sent
                if resp.status == 200:
                    ack_ms.append(took)
                else:
                    errors.append(f"HTTP {resp.status}")
        except (OSError, http.client.HTTPException) as exc:
            local.conn = None
            with lock:
                errors.append(type(exc).__name__)

    wall = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    return time.perf_counter() - wall, ack_ms, sent_at, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    requests = min(args.requests, 5_000)
    concurrency = max(1, min(args.concurrency, 64))

    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as slack:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        built = build_store(url, args.talks)
        print(f"store: {args.talks} talks built and indexed in {built:.1f} s")
        env = serve_env(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET,
                        SLACK_API_URL=slack.base_url, DATABASE_URL=url)
        with serve(env) as served:
            # Warm up: the first request pays for imports and the search engine's caches.
            warm = command_body("kubernetes", slack.response_url("warm"))
            conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
            conn.request("POST", "/slack/events", body=warm, headers=signed_headers(SECRET, warm))
            conn.getresponse().read()
            conn.close()
            slack.wait_for("response_url", 1, timeout=60)
            slack.reset()

            # The load comes from another process, so receiving the answers here (the fake
            # Slack) never delays the clock that times the acks.
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(1) as pool:
                wall, ack_ms, sent_at, errors = pool.apply(
                    load, (served.port, slack.response_url(""), requests, concurrency))
            answered = slack.wait_for("response_url", len(ack_ms),
                                      timeout=max(5.0, DEADLINE_SECONDS - wall))
            answer_ms = [(c.at - sent_at[c.path.rsplit("/", 1)[-1]]) * 1000
                         for c in answered if c.path.rsplit("/", 1)[-1] in sent_at]

    print(f"{requests} signed /meetup commands, {concurrency} at a time, in {wall:.1f} s "
          f"({requests / wall:.0f} req/s)")
    print(f"ack:    p50 {percentile(ack_ms, 50):.1f} ms  p99 {percentile(ack_ms, 99):.1f} ms  "
          f"max {max(ack_ms, default=float('nan')):.1f} ms  "
          f"mean {statistics.fmean(ack_ms) if ack_ms else float('nan'):.1f} ms")
    print(f"answer: p50 {percentile(answer_ms, 50):.0f} ms  p99 {percentile(answer_ms, 99):.0f} ms"
          f"  ({len(answer_ms)}/{len(ack_ms)} answers reached the response_url)")
    print(f"errors: {len(errors)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else ""))
    ok = not errors and percentile(ack_ms, 99) <= 100
    print("target p99 <= 100 ms and no errors:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
