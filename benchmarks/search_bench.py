"""Search latency and typo recall at 10,000 and 100,000 talks, against a linear rapidfuzz scan.

Generates a deterministic synthetic corpus with the seed reports' mix (mostly Japanese notes
with English product names, a quarter of the talks without notes, English and Japanese
titles, speakers, handles, affiliations), stores it through the store's models and indexes
every event with store.search.index_event (the importer's own call), then runs a few hundred
mixed queries (exact English terms, Japanese terms, typos with 1-2 edits, speaker names,
two-word queries, 1-2 character queries) through store.search.search_talks and, in the same
run, on the same talks and queries, through a plain linear rapidfuzz.process.extract scan.
Each phase runs in its own process, so each peak RSS is that phase's own.

    python benchmarks/search_bench.py [--sizes 10000,100000] [--queries 300]
        [--pg-url postgresql://postgres@127.0.0.1:5432/test [--no-sqlite]] [--workdir DIR]

PostgreSQL runs only with --pg-url (in a schema of its own, dropped afterwards).

Measured on the 2-core development machine (Python 3.11, SQLite 3.40, PostgreSQL 15), 300
queries, one session a query as the Slack app uses it:

                          SQLite 10k   SQLite 100k   PostgreSQL 10k   PostgreSQL 100k
  build: store + index      5.2 s        55.7 s          13.2 s          104.9 s
    of which the index      3.0 s        33.0 s           9.9 s           77.0 s
  search p50 / p99        3.0 / 5.8    4.2 / 12.1      7.9 / 14.7      15.4 / 33.1 ms
  typo hit rate (top 5)     0.973        0.973           0.973            0.973
  peak RSS, searching       81 MB        160 MB           87 MB           177 MB
  first query (vocabulary)  42 ms        133 ms          156 ms          1266 ms
  linear scan p50 / p99   66 / 164     691 / 1650 ms
  linear scan typo rate     0.960        0.920
  speed ratio, p50          22x          166x

Those columns predate BM25 ranking, the loanword bridge and kanji readings. Re-measured on
2026-12-03, PostgreSQL 100k: p50 38.1 ms, p99 87.5 ms (108.6 ms before PostgreSQL's counts
stopped at 2,000 talks), typo hit rate 1.000; the first kanji query of a process loads the
reading dictionary and the speakers' names (1.4 s, once).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402

from store.db import make_engine, make_sessionmaker, normalise_url, upgrade  # noqa: E402
from store.models import Event, Report, ReportEvent, Talk  # noqa: E402
from store.search import index_event, optimize_index, search_talks  # noqa: E402
from store.text import fold, index_terms  # noqa: E402

SEED = 20261122


def _words(text_: str) -> list[str]:
    return text_.split()


PER_EVENT = 15

EN_TERMS = _words(
    "kubernetes k8s prometheus grafana vault istio envoy linkerd cilium calico helm helmfile "
    "kustomize terraform ansible pulumi crossplane argocd flux tekton jenkins spinnaker "
    "knative openfaas keda karpenter autoscaler operator controller scheduler etcd containerd "
    "docker podman gvisor kata firecracker opentelemetry jaeger zipkin fluentd fluentbit loki "
    "thanos cortex mimir tempo elasticsearch kibana kafka redis postgresql mysql cassandra "
    "mongodb cockroachdb vitess rook ceph longhorn velero harbor quay trivy falco opa "
    "gatekeeper kyverno spiffe spire keycloak dex oauth oidc saml ldap rbac ingress gateway "
    "nginx haproxy traefik coredns ebpf wasm webassembly rust golang python java grpc graphql "
    "serverless lambda fargate gke eks aks openshift rancher k3s kind minikube kubeadm "
    "kubespray backstage gitops devops sre observability monitoring logging tracing metrics "
    "alerting pipeline deployment rollout canary blue green migration upgrade backup restore "
    "disaster recovery multi tenancy cluster federation networking storage security policy "
    "secret certificate encryption compliance audit latency throughput performance scaling "
    "capacity cost finops chaos engineering resilience availability reliability incident "
    "postmortem runbook oncall platform engineering developer experience api microservices "
    "monolith database cache queue stream batch workflow airflow spark ray kubeflow mlflow "
    "gpu inference training llm edge iot 5g telecom sidecar mesh proxy dns tls mtls"
)
JA_TERMS = _words(
    "認証 認可 監視 運用 移行 構築 設計 障害 対応 自動化 可観測性 性能 検証 導入 事例 開発 "
    "本番環境 負荷試験 冗長化 可用性 信頼性 分散 永続化 権限 管理 課題 解決 改善 基盤 標準化 "
    "コンテナ クラスタ データベース ネットワーク ストレージ セキュリティ サービスメッシュ "
    "オートスケール デプロイ パイプライン マイクロサービス インフラ オンプレ クラウド "
    "マルチテナント スケジューラ コントローラ オペレーター メトリクス アラート ログ "
    "トレーシング バックアップ アップグレード マイグレーション コスト削減 レイテンシ "
    "スループット キャパシティ プラットフォーム 開発者体験 障害対応 振り返り 脆弱性 証明書 "
    "暗号化 監査 秘密情報 機械学習 推論 学習基盤 エッジ 通信 仮想化 ベアメタル"
)
JA_GLUE = ["を使って", "の話", "が便利", "について", "を導入した", "の課題", "が大変だった",
           "を検討中", "に移行した", "を紹介", "のデモ", "と比較して", "で解決", "の運用",
           "は今後", "がポイント", "を自作", "で困った", "の事例", "を改善"]
JA_TAIL = ["。", "でした。", "とのこと。", "が印象的だった。", "らしい。", "", "ですね。"]
EN_GLUE = _words("the a of to and in for with on how we our is are was using from at by")
FIRST = _words("Akira Ayumi Daisuke Emi Hiroshi Kaori Kenji Mai Makoto Naoki Rina Ryo Satoshi Shota "
         "Takeshi Yuki Yusuke Haruka Kazuki Tomoko Alice Brian Carol David Emma Frank Grace "
         "Henry Irene Jack Karen Liam Maria Noah Olivia Peter Quinn Rachel Sam Tina")
LAST = _words("Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida "
        "Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu Yamazaki Smith Johnson "
        "Williams Brown Jones Garcia Miller Davis Wilson Anderson Taylor Thomas Moore Martin "
        "Jackson White Harris Clark Lewis Walker")
ORGS = _words("Google Microsoft Amazon CyberAgent Mercari LINE Cybozu Yahoo NTT Fujitsu Hitachi IBM "
        "RedHat Canonical Airbnb Rakuten DeNA GREE Recruit SmartNews freee PFN ZLab SIOS "
        "メルカリ サイボウズ 楽天 ヤフー 富士通 日立")
SERIES = ["Kubernetes Meetup Tokyo", "CloudNative Days", "Cloud Native Kansai", "SRE Lounge",
          "Infra Study", "Observability Conference", "Platform Engineering Meetup",
          "Container Runtime Meetup", "KubeCon Recap", "Istio Meetup Japan"]
SHORT_QUERIES = ["CI", "DB", "k8", "認証", "監視", "運用", "移行", "AI", "ML", "5G", "SRE", "LB",
                 "障害", "性能", "ログ", "gpu", "dns", "tls", "api", "eks", "基盤", "権限", "課題",
                 "設計", "可用", "冗長", "秘密", "推論", "検証", "事例"]


_CUMULATIVE: dict[tuple[int, float], list[float]] = {}


def _zipf(rng: random.Random, items: list[str], s: float = 1.05) -> list[str]:
    key = (len(items), s)
    if key not in _CUMULATIVE:
        total, cum = 0.0, []
        for i in range(len(items)):
            total += 1 / (i + 1) ** s
            cum.append(total)
        _CUMULATIVE[key] = cum
    return rng.choices(items, cum_weights=_CUMULATIVE[key], k=1)


class Corpus:
    """The synthetic talks, generated in the same order from the same seed every time."""

    def __init__(self, seed: int = SEED) -> None:
        rng = random.Random(seed)
        self.en = EN_TERMS[:]
        self.ja = JA_TERMS[:]
        rng.shuffle(self.en)
        rng.shuffle(self.ja)
        # kubernetes and k8s are as common as in the real notes
        for word in ("k8s", "kubernetes"):
            self.en.remove(word)
            self.en.insert(0, word)
        # a long tail of rare product names, like a real corpus's vocabulary
        letters = "abcdefghijklmnopqrstuvwxyz"
        tail = {"".join(rng.choice(letters) for _ in range(rng.randint(5, 10)))
                for _ in range(4000)}
        self.en += sorted(tail)
        self.people = [f"{f} {s}" for f in FIRST for s in LAST]
        rng.shuffle(self.people)

    def _ja_sentence(self, rng: random.Random) -> str:
        parts = []
        for _ in range(rng.randint(1, 3)):
            term = _zipf(rng, self.ja, 0.9)[0] if rng.random() < 0.7 else _zipf(rng, self.en)[0]
            if term[0].isascii() and rng.random() < 0.5:
                term = term.capitalize()
            parts.append(term + rng.choice(JA_GLUE))
        return "".join(parts) + rng.choice(JA_TAIL)

    def _en_sentence(self, rng: random.Random) -> str:
        words = [_zipf(rng, self.en)[0] if rng.random() < 0.6 else rng.choice(EN_GLUE)
                 for _ in range(rng.randint(4, 12))]
        return " ".join(words).capitalize() + "."

    def talk(self, rng: random.Random) -> dict[str, object]:
        ja_talk = rng.random() < 0.65
        if rng.random() < 0.5:
            title = " ".join(_zipf(rng, self.en)[0].capitalize() for _ in range(rng.randint(2, 5)))
            if rng.random() < 0.3:
                title += " " + rng.choice(["in Production", "at Scale", "Deep Dive", "入門"])
        else:
            title = (_zipf(rng, self.en)[0].capitalize() + "で" if rng.random() < 0.5 else "")
            title += "".join(_zipf(rng, self.ja, 0.9)[0] for _ in range(rng.randint(1, 2)))
            title += rng.choice(["の話", "入門", "の実践", "を支える技術", "の現在", ""])
        # a few people speak often, most once or twice
        speakers = [_zipf(rng, self.people, 0.7)[0] for _ in range(rng.choice([0, 1, 1, 1, 2]))]
        handles = [f"@{s.split()[0].lower()}_{s.split()[1][:3].lower()}" for s in speakers
                   if rng.random() < 0.5]
        orgs = [rng.choice(ORGS) for _ in speakers if rng.random() < 0.5]
        notes = ""
        if rng.random() > 0.25:
            target = min(5000, int(rng.lognormvariate(6.35, 0.8)))
            lines = []
            size = 0
            while size < target:
                line = self._ja_sentence(rng) if (ja_talk and rng.random() < 0.8) or (
                    not ja_talk and rng.random() < 0.3) else self._en_sentence(rng)
                lines.append(("- " if rng.random() < 0.6 else "") + line)
                size += len(line)
            notes = "\n".join(lines)
        summary = " / ".join(line.lstrip("- ") for line in notes.splitlines()[:4])[:300]
        return {"title": title, "speakers": speakers, "handles": handles,
                "affiliations": orgs, "notes": notes, "summary": summary,
                "has_notes": bool(notes), "tags": [_zipf(rng, self.en)[0]] if rng.random() < 0.2
                else []}

    def events(self, talks: int) -> Iterator[tuple[dict[str, object], list[dict[str, object]]]]:
        rng = random.Random(SEED + talks)
        made = 0
        n = 0
        while made < talks:
            n += 1
            count = min(PER_EVENT + rng.randint(-5, 5), talks - made)
            series = rng.choice(SERIES)
            date = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3650))
            event: dict[str, object] = {
                "name": f"{series} #{n}", "date": None if rng.random() < 0.05 else date,
                "tags": [series.split()[0]]}
            yield event, [self.talk(rng) for _ in range(count)]
            made += count

    def queries(self, count: int) -> list[tuple[str, str, str | None]]:
        """(kind, query, intended term for typo queries)."""
        rng = random.Random(SEED + 1)
        out: list[tuple[str, str, str | None]] = []
        share = {"exact": 0.2, "japanese": 0.15, "typo": 0.25, "speaker": 0.12,
                 "two-word": 0.18, "short": 0.1}
        common_en = self.en[:150]
        for kind, part in share.items():
            for _ in range(max(1, int(count * part))):
                if kind == "exact":
                    q = rng.choice(common_en if rng.random() < 0.7 else self.en[150:])
                elif kind == "japanese":
                    q = rng.choice(self.ja)
                elif kind == "typo":
                    word = rng.choice([w for w in common_en if len(w) >= 4 and w.isalpha()])
                    out.append((kind, _typo(rng, word, self.en), word))
                    continue
                elif kind == "speaker":
                    name = _zipf(rng, self.people, 0.7)[0]
                    q = name if rng.random() < 0.6 else name.split()[rng.randint(0, 1)]
                elif kind == "two-word":
                    a = rng.choice(common_en)
                    b = rng.choice(common_en + self.ja)
                    q = f"{a} {b}"
                else:
                    q = rng.choice(SHORT_QUERIES)
                out.append((kind, q, None))
        return out


def _typo(rng: random.Random, word: str, vocab: list[str]) -> str:
    """`word` with one or two edits (substitution, deletion, insertion, transposition)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    known = set(vocab)
    for _ in range(100):
        w = list(word)
        for _ in range(1 if len(word) < 6 or rng.random() < 0.6 else 2):
            i = rng.randrange(len(w))
            op = rng.choice(["sub", "del", "ins", "swap"])
            if op == "sub":
                w[i] = rng.choice(letters)
            elif op == "del" and len(w) > 3:
                del w[i]
            elif op == "ins":
                w.insert(i, rng.choice(letters))
            elif i + 1 < len(w):
                w[i], w[i + 1] = w[i + 1], w[i]
        typo = "".join(w)
        if typo != word and typo not in known and len(typo) >= 4:
            return typo
    return word + "x"


# --------------------------------------------------------------------------- phases


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(url: str, talks: int) -> dict[str, float]:
    """Store and index the corpus; the index is written by index_event, as imports do."""
    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    corpus = Corpus()
    batch: list[tuple[dict[str, object], list[dict[str, object]]]] = []
    n = 0
    index_seconds = 0.0

    def flush() -> None:
        nonlocal index_seconds, n
        with sessions() as session, session.begin():
            events = []
            for ev, ts in batch:
                n += 1
                report = Report(source=f"synthetic/{n:06d}.md", content_hash="0" * 64,
                                imported_at=dt.datetime.now(dt.UTC))
                event = Event(name=ev["name"], date=ev["date"], tags=ev["tags"])
                event.links = [ReportEvent(report=report, name=ev["name"], date=ev["date"],
                                           tags=ev["tags"])]
                event.talks = [Talk(position=i, **t) for i, t in enumerate(ts)]
                session.add(event)
                events.append(event)
            session.flush()
            t0 = time.perf_counter()
            for event in events:
                index_event(session, event)
            index_seconds += time.perf_counter() - t0
        batch.clear()

    for item in corpus.events(talks):
        batch.append(item)
        if len(batch) >= 100:
            flush()
    if batch:
        flush()
    t0 = time.perf_counter()
    with sessions() as session, session.begin():
        optimize_index(session)
    optimize = time.perf_counter() - t0
    engine.dispose()
    return {"build_s": time.perf_counter() - started, "index_s": index_seconds + optimize,
            "optimize_s": optimize, "rss_mb": rss_mb()}


def _talk_text(title: str, speakers: list[str], handles: list[str], orgs: list[str],
               tags: list[str], notes: str) -> str:
    return " ".join([title, *(speakers or []), *(handles or []), *(orgs or []), *(tags or []),
                     notes])


def _hit_has(texts: list[str], word: str) -> bool:
    return any(word in set(index_terms(t)) for t in texts)


def run_search(url: str, n_queries: int) -> dict[str, object]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    queries = Corpus().queries(n_queries)
    # The first query reads the typo vocabulary; the first that finds nothing reads the
    # titles and names its did-you-mean list compares with. Both stay cached until the
    # index changes, so they are timed apart from the queries.
    t0 = time.perf_counter()
    with sessions() as session:
        search_talks(session, "kubernetes")
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    with sessions() as session:
        search_talks(session, "qqqqzzzz")
    cold_suggest = time.perf_counter() - t0
    times: list[float] = []
    kinds: dict[str, list[float]] = {}
    typo_hits = typo_total = 0
    empty = 0
    for kind, q, intended in queries:
        with sessions() as session:
            t = time.perf_counter()
            result = search_talks(session, q, limit=5)
            elapsed = time.perf_counter() - t
        times.append(elapsed)
        kinds.setdefault(kind, []).append(elapsed)
        empty += not result.hits
        if intended is not None:
            typo_total += 1
            texts = [_talk_text(h.talk.title, h.talk.speakers, h.talk.handles,
                                h.talk.affiliations, h.talk.tags, h.talk.notes)
                     for h in result.hits]
            typo_hits += _hit_has(texts, intended)
    engine.dispose()
    return {"times": times, "by_kind": {k: _pct(v) for k, v in kinds.items()},
            "typo_hit_rate": typo_hits / max(1, typo_total), "empty": empty,
            "cold_first_query_s": cold, "cold_first_miss_s": cold_suggest, "rss_mb": rss_mb()}


def run_linear(url: str, n_queries: int) -> dict[str, object]:
    """The baseline: rapidfuzz partial_ratio over every talk's folded text, one by one."""
    engine = make_engine(url)
    t0 = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execute(select(Talk.title, Talk.speakers, Talk.handles, Talk.affiliations,
                                   Talk.tags, Talk.notes)).all()
    docs = [fold(_talk_text(*row)) for row in rows]
    load = time.perf_counter() - t0
    engine.dispose()
    queries = Corpus().queries(n_queries)
    times: list[float] = []
    typo_hits = typo_total = 0
    for _kind, q, intended in queries:
        t = time.perf_counter()
        top = process.extract(fold(q), docs, scorer=fuzz.partial_ratio, limit=5)
        times.append(time.perf_counter() - t)
        if intended is not None:
            typo_total += 1
            typo_hits += _hit_has([docs[i] for _, _, i in top], intended)
    return {"times": times, "typo_hit_rate": typo_hits / max(1, typo_total),
            "load_s": load, "rss_mb": rss_mb()}


def _pct(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p99_ms": p99 * 1000,
            "max_ms": ordered[-1] * 1000, "n": len(ordered)}


def _phase(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--phase", *args], capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"phase {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.splitlines()[-1])


def bench(label: str, url: str, talks: int, n_queries: int, baseline: bool) -> None:
    print(f"\n== {label}, {talks:,} talks ==", flush=True)
    b = _phase("build", url, str(talks))
    print(f"build (store + index): {b['build_s']:.1f} s, of which index {b['index_s']:.1f} s "
          f"(optimize {b['optimize_s']:.1f} s); peak RSS {b['rss_mb']:.0f} MB", flush=True)
    s = _phase("search", url, str(n_queries))
    ours = _pct(s["times"])
    print(f"search_talks: p50 {ours['p50_ms']:.2f} ms  p99 {ours['p99_ms']:.2f} ms  "
          f"max {ours['max_ms']:.1f} ms over {ours['n']} queries; typo hit rate "
          f"{s['typo_hit_rate']:.3f}; caches: first query {s['cold_first_query_s'] * 1000:.0f} "
          f"ms, first query without hits {s['cold_first_miss_s'] * 1000:.0f} ms; "
          f"no hits for {s['empty']}; peak RSS {s['rss_mb']:.0f} MB", flush=True)
    for kind, p in s["by_kind"].items():
        print(f"    {kind:9} p50 {p['p50_ms']:6.2f} ms  p99 {p['p99_ms']:7.2f} ms  (n={p['n']})")
    if baseline:
        lin = _phase("linear", url, str(n_queries))
        theirs = _pct(lin["times"])
        print(f"linear rapidfuzz partial_ratio scan: p50 {theirs['p50_ms']:.1f} ms  "
              f"p99 {theirs['p99_ms']:.1f} ms; typo hit rate {lin['typo_hit_rate']:.3f}; "
              f"peak RSS {lin['rss_mb']:.0f} MB (loading texts {lin['load_s']:.1f} s)")
        print(f"speed ratio (p50): {theirs['p50_ms'] / ours['p50_ms']:.0f}x faster; "
              f"(p99): {theirs['p99_ms'] / ours['p99_ms']:.0f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--pg-url", default=None, help="also run on this PostgreSQL server")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--workdir", default=None, help="where the SQLite files go")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, url, n = args.phase[0], args.phase[1], int(args.phase[2])
        result = {"build": build, "search": run_search, "linear": run_linear}[name](url, n)
        print(json.dumps(result))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="search-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}; {args.queries} queries; SQLite files in {workdir}")
    for talks in sizes:
        db = workdir / f"bench-{talks}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        if not args.no_sqlite:
            bench("SQLite", f"sqlite:///{db}", talks, args.queries, not args.no_baseline)
        if args.pg_url:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(normalise_url(args.pg_url))
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            sep = "&" if "?" in args.pg_url else "?"
            try:
                bench("PostgreSQL", f"{args.pg_url}{sep}options=-csearch_path%3D{schema}",
                      talks, args.queries, False)
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
