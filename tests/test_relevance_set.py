"""The relevance set (benchmarks/relevance_queries.yaml) and the metrics of benchmarks/relevance.py.

These tests keep the set usable: well-formed, every talk it names found exactly once in the
store it describes, and the metrics right on hand-made answers. They do not hold search to a
score; the issue's targets are listed at the end as expected failures until search meets them.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("relevance_bench",
                                                  ROOT / "benchmarks" / "relevance.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


rel = _load()
QUERIES = rel.load_queries()

ISSUE_EXAMPLES = [
    "セキュリティ", "observability", "gVisor", "オートスケール", "オートスケーリング", "認可",
    "ポッド", "イアン・ルイス", "市原", "CNDT2019", "KMT20", "2018-03-08", "latest talks",
    "最新のトーク", "最近のイベント", "先週", "a", "<script>alert(1)</script>",
    "'; DROP TABLE talks; --",
]


@pytest.fixture(scope="module")
def store() -> Iterator[Any]:
    if not all(p.is_dir() for p in rel.source_folders(SHARED)):
        pytest.skip(f"the seeds and corpus are not under {SHARED}")
    with rel.built_store(None, SHARED) as sessions:
        yield sessions


@pytest.fixture(scope="module")
def stored_talks(store: Any) -> list[Any]:
    with store() as session:
        return list(rel.store_talks(session))


# --------------------------------------------------------------------------- the file


def test_queries_cover_every_kind_and_enough_queries() -> None:
    assert len(QUERIES) >= 150
    assert {q.kind for q in QUERIES} == set(rel.KINDS)


def test_queries_are_unique() -> None:
    texts = [q.q for q in QUERIES]
    assert len(texts) == len(set(texts))


def test_queries_grade_within_0_to_3() -> None:
    for q in QUERIES:
        assert all(0 <= g <= 3 for _, g in q.relevant), q.q


def test_queries_noise_has_no_relevant_talks() -> None:
    noise = [q for q in QUERIES if q.kind == "noise"]
    assert noise and all(not q.relevant for q in noise)


def test_queries_mark_every_issue_example() -> None:
    marked = {q.q for q in QUERIES if q.issue}
    assert marked == set(ISSUE_EXAMPLES)


@pytest.mark.parametrize("data, message", [
    ({}, "queries"),
    ({"queries": [{"q": "x", "kind": "nonsense"}]}, "kind"),
    ({"queries": [{"q": "x", "kind": "topic-en", "relevant": [{"title": "t", "grade": 4}]}]},
     "0..3"),
    ({"queries": [{"q": "x", "kind": "topic-en", "relevant": [{"grade": 1}]}]}, "title"),
    ({"queries": [{"q": "x", "kind": "topic-en", "oops": 1}]}, "unknown"),
])
def test_parse_queries_rejects_malformed(data: Any, message: str) -> None:
    with pytest.raises(rel.RelevanceSetError, match=message):
        rel.parse_queries(data)


# --------------------------------------------------------------------------- against the store


def test_every_identifier_resolves_to_exactly_one_talk(stored_talks: list[Any]) -> None:
    graded = rel.resolve_all(QUERIES, stored_talks)  # raises on a name that fails
    for q, grades in zip(QUERIES, graded, strict=True):
        if q.relevant:
            assert grades, q.q
            assert max(grades.values()) >= rel.RELEVANT, f"{q.q!r} has no talk graded 2 or 3"


def test_resolve_fails_loudly(stored_talks: list[Any]) -> None:
    with pytest.raises(rel.RelevanceSetError, match="no talk"):
        rel.resolve(rel.TalkRef("no talk has this title at all"), stored_talks)
    with pytest.raises(rel.RelevanceSetError, match="matches"):
        rel.resolve(rel.TalkRef("Kubernetes"), stored_talks)
    with pytest.raises(rel.RelevanceSetError, match="matches"):
        rel.resolve(rel.TalkRef("スポンサーセッション"), stored_talks)  # two in one event
    with pytest.raises(rel.RelevanceSetError, match="events"):
        rel.resolve_event(rel.TalkRef(None, "Kubernetes Meetup Tokyo"), stored_talks)


def test_resolve_narrows_by_event(stored_talks: list[Any]) -> None:
    a = rel.resolve(rel.TalkRef("オープニング", "関西Ruby会議2017"), stored_talks)
    b = rel.resolve(rel.TalkRef("オープニング", "Contributors Summit"), stored_talks)
    assert a != b


# --------------------------------------------------------------------------- metrics


def test_ndcg_perfect_and_empty() -> None:
    assert rel.ndcg([3, 2, 1], [1, 2, 3]) == pytest.approx(1.0)
    assert rel.ndcg([0, 0, 0], [3]) == 0.0
    assert rel.ndcg([], [2]) == 0.0


def test_ndcg_by_hand() -> None:
    # answer: a 0, then a 3; ideal: 3 then 2
    got = rel.ndcg([0, 3], [3, 2])
    dcg = 7 / math.log2(3)
    ideal = 7 / math.log2(2) + 3 / math.log2(3)
    assert got == pytest.approx(dcg / ideal)


def test_ndcg_counts_only_the_first_five() -> None:
    assert rel.ndcg([0, 0, 0, 0, 0, 3], [3]) == 0.0


def test_reciprocal_rank_and_hits() -> None:
    assert rel.reciprocal_rank([0, 1, 2, 3]) == pytest.approx(1 / 3)  # grade 1 is not enough
    assert rel.reciprocal_rank([3]) == 1.0
    assert rel.reciprocal_rank([0, 0, 0, 0, 0, 3]) == 0.0
    assert rel.hit([0, 2], 1) == 0.0
    assert rel.hit([0, 2], 5) == 1.0


def test_score_query_empty_ideal() -> None:
    q = rel.Query("a", "noise", ())
    assert rel.score_query(q, {}, [], 0).ndcg == 1.0
    wrong = rel.score_query(q, {}, [7], 40)
    assert (wrong.ndcg, wrong.hit5, wrong.answer_ok) == (0.0, 0.0, False)


def test_score_query_answer_size() -> None:
    q = rel.Query("x", "topic-en", ())
    assert rel.score_query(q, {1: 3, 2: 1}, [1], 4).answer_ok
    assert not rel.score_query(q, {1: 3, 2: 1}, [1], 5).answer_ok


# --------------------------------------------------------------------------- the issue's goal


# What the issue's examples still miss, and why (strict: a fix turns these into failures
# that ask for the mark to go).
_NOT_YET = {
    "ポッド": "the two Pod talks come first, but 16 more talks discuss pods in their notes and "
              "stay in the answer set (graded as not relevant)",
}


@pytest.mark.parametrize("text", ISSUE_EXAMPLES)
def test_issue_example_first_answer_is_right(store: Any, text: str) -> None:
    [q] = [x for x in QUERIES if x.q == text]
    [outcome] = rel.evaluate(store, [q])
    assert outcome.hit1 == 1.0 and outcome.ndcg >= 0.8


@pytest.mark.parametrize("text", [
    pytest.param(t, marks=pytest.mark.xfail(strict=True, reason=_NOT_YET[t]))
    if t in _NOT_YET else t for t in ISSUE_EXAMPLES])
def test_issue_example_answer_holds_only_the_answers(store: Any, text: str) -> None:
    [q] = [x for x in QUERIES if x.q == text]
    [outcome] = rel.evaluate(store, [q])
    assert outcome.answer_ok


def test_relevance_meets_the_targets(store: Any) -> None:
    """The issue's targets over the whole set: nDCG@5 >= 0.85, hit@5 >= 0.95, hit@1 >= 0.80,
    hit@5 >= 0.90 in every kind, answers at most twice the relevant talks for >= 90%."""
    outcomes = rel.evaluate(store, QUERIES)
    overall = rel.summarise(outcomes)
    assert overall["ndcg@5"] >= 0.85, overall
    assert overall["hit@5"] >= 0.95 and overall["hit@1"] >= 0.80, overall
    assert overall["answer<=2x"] >= 0.90, overall
    for kind in rel.KINDS:
        mine = rel.summarise([o for o in outcomes if o.kind == kind])
        assert mine["hit@5"] >= 0.90, (kind, mine)
