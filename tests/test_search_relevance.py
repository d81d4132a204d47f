"""Relevance of search over the seed reports: hit@5 and MRR@5, the same on both databases."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store.db import make_sessionmaker
from store.importer import import_paths
from store.search import SearchResult, search_talks
from tests.conftest import SEEDS

# (query, title substrings of talks that should come first)
RELEVANCE: list[tuple[str, list[str]]] = [
    # exact English words and phrases
    ("prometheus", ["Prometheus setup"]),
    ("service mesh", ["Istio Service Mesh", "Network Service Mesh"]),
    ("Ian Lewis", ["セキュリティ関連", "Kubernetesセキュリティベストプラクティス"]),
    ("Tim Hockin", ["State of Networking", "CRDs Aren"]),
    ("helm", ["DockerでHelm", "Helmfile"]),
    ("helmfile", ["Helmfile"]),
    ("istio", ["Istio Service Mesh"]),
    ("telepresence", ["Telepresence"]),
    ("federation", ["without Federation"]),
    ("multi-tenancy", ["Multi-Tenancy in Kubernetes", "Multi-Tenancy Tales"]),
    ("pod preemption", ["Pod Preemption"]),
    ("service catalog", ["Service Catalog"]),
    ("debugging", ["Debugging Applications"]),
    ("kubectl apply", ["Kubectl Apply"]),
    ("tekton", ["Tekton"]),
    ("rancher", ["Rancherで実現", "Rancher2.0"]),
    ("serverless", ["Serverless", "Demand Less Choices"]),
    ("deep learning alibaba", ["Alibaba Cloud"]),
    ("container runtime", ["Container Runtime"]),
    ("vertical scaling", ["Vertical Scaling"]),
    ("ingress voyager", ["ingress voyager"]),
    ("amazon", ["Amazon Container Services"]),
    ("infrastructure migrations", ["Infrastructure Migrations"]),
    ("open source infrastructure", ["open source infrastructure"]),
    ("kata nabla", ["Kata and Nabla"]),
    ("KubeCon Europe", ["Europe 2019 Overview"]),
    ("contributor summit", ["Contributor Summit"]),
    ("technical vision", ["Technical Vision"]),
    # Japanese
    ("認証", ["認証フロー"]),
    ("監視", ["Prometheus setup", "キーノート", "Multi-Tenancy in Kubernetes"]),
    ("データベース運用", ["データベース運用"]),
    ("DBをk8sで運用するには", ["データベース運用"]),
    ("ポータビリティ", ["ポータビリティを保つ"]),
    ("自動管理", ["自動管理システム"]),
    ("オートスケーラー", ["自作Autoscaler"]),
    ("セキュリティ対策", ["セキュリティ対策"]),
    ("ライブコーディング", ["ライブコーディング"]),
    ("クラウドネイティブ", ["クラウドネイティブ技術"]),
    ("入門Kubernetes", ["入門Kubernetes"]),
    ("猫", ["猫でもわかる"]),
    ("段階移行", ["段階移行計画"]),
    ("サービスメッシュ", ["Istio Service Mesh", "Network Service Mesh"]),
    ("ネットワーク", ["State of Networking", "Blackholes", "Network Service Mesh"]),
    ("カスタムコントローラー", ["Custom Kubernetes Controller", "ControllerとCustom", "Custom Resource"]),
    # typos
    ("promethus", ["Prometheus setup"]),
    ("kubernets secruity", ["Kubernetesセキュリティベストプラクティス", "Security Through the Ages", "Container Security", "セキュリティ対策"]),
    ("telepresense", ["Telepresence"]),
    ("helmfle", ["Helmfile"]),
    ("istoi", ["Istio Service Mesh"]),
    ("kubectl aply", ["Kubectl Apply"]),
    ("preemtion", ["Pod Preemption"]),
    ("tekon", ["Tekton"]),
    ("rancer", ["Rancherで実現", "Rancher2.0"]),
    ("federaton", ["without Federation"]),
    # speakers, handles, affiliations
    ("potsbo", ["認証フロー"]),
    ("@inductor", ["Kubectl Apply"]),
    ("Melanie Cebula", ["Infrastructure Migrations"]),
    ("Brian Grant", ["Technical Vision"]),
    ("mumoshu", ["Helmfile"]),
    ("Mercari", ["Multi-Tenancy in Kubernetes"]),
    ("Doug Davis", ["Demand Less Choices"]),
    ("hockn", ["State of Networking", "CRDs Aren"]),
    # short queries
    ("CI", ["Modern CI/CD"]),
    ("DB", ["データベース運用"]),
    ("k8", ["あなたのk8sは大丈夫"]),
    ("CRD", ["CRD 〜抽象化", "CRDs Aren"]),
    ("5G", ["5G Orchestration"]),
    # synonyms
    ("authentication", ["認証フロー"]),
    ("k8s security", ["Kubernetesセキュリティベストプラクティス", "セキュリティ対策"]),
    ("database operator", ["データベース運用"]),
    ("migration", ["Infrastructure Migrations", "段階移行計画"]),
    ("monitoring", ["Prometheus setup", "キーノート", "Multi-Tenancy in Kubernetes"]),
    ("オープンソース", ["open source infrastructure"]),
    ("デバッグ", ["Debugging Applications"]),
]


def _ranks(sessions: sessionmaker[Session]) -> dict[str, int | None]:
    ranks: dict[str, int | None] = {}
    with sessions() as session:
        for query, wanted in RELEVANCE:
            hits = search_talks(session, query, limit=5).hits
            ranks[query] = next((i + 1 for i, h in enumerate(hits)
                                 if any(w in h.talk.title for w in wanted)), None)
    return ranks



def test_relevance_set_is_big_and_varied() -> None:
    assert len(RELEVANCE) >= 40
    assert len({q for q, _ in RELEVANCE}) == len(RELEVANCE)


def test_relevance_hit_at_5_and_mrr_at_5(seeded: sessionmaker[Session]) -> None:
    ranks = _ranks(seeded)
    hit = sum(r is not None for r in ranks.values()) / len(ranks)
    mrr = sum(1 / r for r in ranks.values() if r) / len(ranks)
    missed = {q: r for q, r in ranks.items() if r != 1}
    assert hit >= 0.95, missed
    assert mrr >= 0.85, missed


def test_every_expected_title_exists(seeded: sessionmaker[Session]) -> None:
    """Guards the set itself: a renamed talk must fail here, not lower the figures quietly."""
    from store.queries import list_talks

    with seeded() as session:
        titles = [t.title for t in list_talks(session)]
    for query, wanted in RELEVANCE:
        assert any(w in t for w in wanted for t in titles), query


def _top(result: SearchResult) -> list[tuple[str, float, str]]:
    return [(h.talk.title, h.score, h.snippet) for h in result.hits]


def test_same_results_on_sqlite_and_postgresql(seeded: sessionmaker[Session],
                                               pg_engine: Engine) -> None:
    pg = make_sessionmaker(pg_engine)
    assert not import_paths(pg, [SEEDS]).rejected
    extra = ["kubernetes", "k8s", "の", "Kubernetes Meetup Tokyo #10", "xyzzy plugh", "ian"]
    with seeded() as lite, pg() as post:
        for query in [q for q, _ in RELEVANCE] + extra:
            a = search_talks(lite, query, limit=10)
            b = search_talks(post, query, limit=10)
            assert _top(a) == _top(b), query
            assert (a.total, a.suggestions) == (b.total, b.suggestions), query
