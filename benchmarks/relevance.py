"""Relevance of search on a real team's store: graded queries, nDCG@5, MRR@5, hit@1, hit@5.

    python benchmarks/relevance.py [--db URL] [--kind K] [--worst N] [--json]
        [--queries benchmarks/relevance_queries.yaml] [--shared ../shared]

Builds one store from the seed reports, the bundled notes (`content/`) and both folders of the
report corpus (a fresh SQLite file in a temporary directory; with `--db` a fresh schema of that
PostgreSQL server, dropped afterwards), then runs every query of relevance_queries.yaml
through store.search.search_talks, the function behind `meetup-bot search` and `/meetup`.

Grades (0-3 per talk, written in the YAML): 3 the talk is what the query asks for, 2 clearly
relevant, 1 related (acceptable in the answer, not what was asked). Talks not listed are 0.
Talks are named by title (a substring, or the exact title when a substring is ambiguous) and,
where titles repeat, by event name or date; an entry with an event and no title grades every
talk of that one event. Every name must resolve to exactly one talk (or event) of the built
store, else the run stops with the name that failed.

Figures per query:
  nDCG@5    gain 2^grade - 1, discount log2(rank + 1), over the ideal order of all graded talks
  MRR@5     1 / rank of the first talk graded 2 or 3 within the first five, else 0
  hit@1/@5  a talk graded 2 or 3 is first / among the first five
  answer    the number of talks the search says match (SearchResult.total) against the talks
            graded 1-3; "answer <= 2x graded" is the share of queries whose answer is at most
            twice as large as the graded set
A query without graded talks (noise, and questions the store cannot answer) is right when the
answer is empty: then every figure is 1, else 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.orm import Session, joinedload, sessionmaker  # noqa: E402

from store.db import make_engine, make_sessionmaker, normalise_url, upgrade  # noqa: E402
from store.importer import import_paths  # noqa: E402
from store.models import Talk  # noqa: E402
from store.search import DEFAULT_GLOSSARY, load_glossary, search_talks  # noqa: E402

QUERIES = Path(__file__).resolve().parent / "relevance_queries.yaml"
SHARED = ROOT.parent / "shared"
KINDS = (
    "topic-ja", "topic-en", "cross-language", "loanword", "abbreviation", "typo", "speaker",
    "organisation", "event", "date/recency", "question", "noise",
)
K = 5
LIMIT = 30  # talks fetched per query; the answer-set size is the search's own total
RELEVANT = 2  # the lowest grade that counts for MRR and hits


class RelevanceSetError(ValueError):
    """The query file is malformed, or one of its talk names does not name exactly one talk."""


# --------------------------------------------------------------------------- the query set


@dataclass(frozen=True)
class TalkRef:
    """A talk named by title (substring or exact), optionally narrowed by event name or date;
    without a title, every talk of the one event named by `event` and/or `date`."""

    title: str | None
    event: str | None = None
    date: str | None = None

    def __str__(self) -> str:
        where = ", ".join(x for x in (self.event, self.date) if x)
        if self.title is None:
            return f"every talk of the event ({where})"
        return f"{self.title!r}" + (f" ({where})" if where else "")


@dataclass(frozen=True)
class Query:
    q: str
    kind: str
    relevant: tuple[tuple[TalkRef, int], ...]
    issue: bool = False  # one of the failing examples the issue names


def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).casefold().split())


def parse_queries(data: Any) -> list[Query]:
    """The queries of a loaded relevance_queries.yaml; RelevanceSetError on anything malformed."""
    items = data.get("queries") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise RelevanceSetError("the file needs a top-level `queries:` list")
    out: list[Query] = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise RelevanceSetError(f"query #{n}: needs `q` (a string)")
        where = f"query #{n} {item['q']!r}"
        kind = item.get("kind")
        if kind not in KINDS:
            raise RelevanceSetError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        unknown = set(item) - {"q", "kind", "relevant", "issue", "note"}
        if unknown:
            raise RelevanceSetError(f"{where}: unknown keys {sorted(unknown)}")
        refs: list[tuple[TalkRef, int]] = []
        for r in item.get("relevant") or []:
            if not isinstance(r, dict) or not any(isinstance(r.get(k), str)
                                                  for k in ("title", "event", "date")):
                raise RelevanceSetError(f"{where}: each relevant entry needs `title` or `event`")
            grade = r.get("grade")
            if not isinstance(grade, int) or isinstance(grade, bool) or not 0 <= grade <= 3:
                raise RelevanceSetError(f"{where}: grade {grade!r} of {r} is not 0..3")
            extra = set(r) - {"title", "event", "date", "grade"}
            if extra:
                raise RelevanceSetError(f"{where}: unknown keys {sorted(extra)} in a talk")
            date = r.get("date")
            refs.append((TalkRef(r.get("title"), r.get("event"), str(date) if date else None),
                         grade))
        out.append(Query(item["q"], kind, tuple(refs), bool(item.get("issue", False))))
    return out


def load_queries(path: Path = QUERIES) -> list[Query]:
    return parse_queries(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class StoredTalk:
    id: int
    title: str
    event: str
    date: str | None


def store_talks(session: Session) -> list[StoredTalk]:
    talks = session.scalars(select(Talk).options(joinedload(Talk.event))).unique()
    return [StoredTalk(t.id, t.title, t.event.name,
                       t.event.date.isoformat() if t.event.date else None) for t in talks]


def _event_matches(ref: TalkRef, t: StoredTalk) -> bool:
    return ((ref.event is None or _norm(ref.event) in _norm(t.event))
            and (ref.date is None or ref.date == t.date))


def resolve_event(ref: TalkRef, talks: Sequence[StoredTalk]) -> list[int]:
    """The ids of every talk of the one event `ref` names (by name substring and/or date)."""
    events = {(t.event, t.date) for t in talks if _event_matches(ref, t)}
    if len(events) > 1 and ref.event is not None:
        exact = {e for e in events if _norm(e[0]) == _norm(ref.event)}
        events = exact or events
    if not events:
        raise RelevanceSetError(f"no event in the store matches {ref}")
    if len(events) > 1:
        names = "; ".join(f"{n} ({d})" for n, d in sorted(events, key=str)[:5])
        raise RelevanceSetError(f"{ref} matches {len(events)} events: {names}")
    (name, date), = events
    return [t.id for t in talks if t.event == name and t.date == date]


def resolve(ref: TalkRef, talks: Sequence[StoredTalk]) -> int:
    """The id of the one talk `ref` names; RelevanceSetError when it names none or several."""
    if ref.title is None:
        raise RelevanceSetError(f"{ref} names an event, not a talk")
    want = _norm(ref.title)
    found = [t for t in talks if want in _norm(t.title) and _event_matches(ref, t)]
    if len(found) > 1:
        exact = [t for t in found if _norm(t.title) == want]
        if len(exact) == 1:
            found = exact
    if not found:
        raise RelevanceSetError(f"no talk in the store matches {ref}")
    if len(found) > 1:
        names = "; ".join(f"{t.title!r} ({t.event}, {t.date})" for t in found[:5])
        raise RelevanceSetError(f"{ref} matches {len(found)} talks: {names}")
    return found[0].id


def resolve_all(queries: Sequence[Query], talks: Sequence[StoredTalk]) -> list[dict[int, int]]:
    """talk id -> grade for every query. Whole events are graded first, then talks named by
    title override their event's grade; every name must resolve, no talk is named twice."""
    out = []
    for q in queries:
        grades: dict[int, int] = {}
        for ref, grade in q.relevant:
            if ref.title is None:
                for tid in resolve_event(ref, talks):
                    grades[tid] = max(grades.get(tid, 0), grade)
        named: set[int] = set()
        for ref, grade in q.relevant:
            if ref.title is None:
                continue
            tid = resolve(ref, talks)
            if tid in named:
                raise RelevanceSetError(f"query {q.q!r}: {ref} is graded twice")
            named.add(tid)
            grades[tid] = grade
        out.append({tid: g for tid, g in grades.items() if g > 0})
    return out


# --------------------------------------------------------------------------- metrics


def dcg(grades: Sequence[int], k: int = K) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))


def ndcg(ranked: Sequence[int], ideal: Sequence[int], k: int = K) -> float:
    """nDCG@k of the grades in answer order against all graded talks (any order)."""
    best = dcg(sorted(ideal, reverse=True), k)
    return dcg(ranked, k) / best if best else 0.0


def reciprocal_rank(ranked: Sequence[int], k: int = K, relevant: int = RELEVANT) -> float:
    for i, g in enumerate(ranked[:k]):
        if g >= relevant:
            return 1.0 / (i + 1)
    return 0.0


def hit(ranked: Sequence[int], k: int, relevant: int = RELEVANT) -> float:
    return 1.0 if any(g >= relevant for g in ranked[:k]) else 0.0


@dataclass
class Outcome:
    q: str
    kind: str
    issue: bool
    ndcg: float
    mrr: float
    hit1: float
    hit5: float
    answer: int  # talks the search says match
    graded: int  # talks graded 1-3
    top: list[str] = field(default_factory=list)  # first five answers, with their grades

    @property
    def answer_ok(self) -> bool:
        return self.answer <= 2 * self.graded


def score_query(q: Query, grades: dict[int, int], answer_ids: Sequence[int], total: int,
                titles: dict[int, str] | None = None) -> Outcome:
    ranked = [grades.get(tid, 0) for tid in answer_ids]
    top = [f"[{grades.get(tid, 0)}] {(titles or {}).get(tid, tid)}" for tid in answer_ids[:K]]
    if not grades:
        right = 1.0 if total == 0 and not answer_ids else 0.0
        return Outcome(q.q, q.kind, q.issue, right, right, right, right, total, 0, top)
    return Outcome(q.q, q.kind, q.issue, ndcg(ranked, list(grades.values())),
                   reciprocal_rank(ranked), hit(ranked, 1), hit(ranked, K), total, len(grades),
                   top)


def summarise(outcomes: Sequence[Outcome]) -> dict[str, float]:
    n = len(outcomes)
    if not n:
        return {"n": 0}
    return {
        "n": n,
        "ndcg@5": sum(o.ndcg for o in outcomes) / n,
        "mrr@5": sum(o.mrr for o in outcomes) / n,
        "hit@1": sum(o.hit1 for o in outcomes) / n,
        "hit@5": sum(o.hit5 for o in outcomes) / n,
        "answer<=2x": sum(o.answer_ok for o in outcomes) / n,
    }


# --------------------------------------------------------------------------- the store


def source_folders(shared: Path = SHARED) -> list[Path]:
    return [shared / "seeds", ROOT / "content", shared / "corpus" / "ja", shared / "corpus" / "en"]


@contextlib.contextmanager
def built_store(db_url: str | None = None, shared: Path = SHARED
                ) -> Iterator[sessionmaker[Session]]:
    """A fresh store holding the seeds, content/ and the corpus; removed afterwards."""
    missing = [p for p in source_folders(shared) if not p.is_dir()]
    if missing:
        raise RelevanceSetError(f"report folder missing: {missing[0]}")
    with contextlib.ExitStack() as stack:
        if db_url is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{tmp}/relevance.db"
        else:
            base = normalise_url(db_url)
            schema = f"relevance_{uuid.uuid4().hex[:8]}"
            admin = create_engine(base)
            stack.callback(admin.dispose)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))

            def drop() -> None:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

            stack.callback(drop)
            sep = "&" if "?" in base else "?"
            url = f"{base}{sep}options=-csearch_path%3D{schema}"
        engine = make_engine(url)
        stack.callback(engine.dispose)
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        result = import_paths(sessions, [str(p) for p in source_folders(shared)])
        if result.rejected:
            raise RelevanceSetError(f"the store rejected reports: {result.rejected}")
        yield sessions


def evaluate(sessions: sessionmaker[Session], queries: Sequence[Query]) -> list[Outcome]:
    """Run every query through search_talks and score its answer."""
    glossary = load_glossary(DEFAULT_GLOSSARY)
    with sessions() as session:
        talks = store_talks(session)
        titles = {t.id: f"{t.title} ({t.event}, {t.date})" for t in talks}
        graded = resolve_all(queries, talks)
        out = []
        for q, grades in zip(queries, graded, strict=True):
            result = search_talks(session, q.q, limit=LIMIT, glossary=glossary)
            ids = [h.talk.id for h in result.hits]
            out.append(score_query(q, grades, ids, result.total, titles))
    return out


# --------------------------------------------------------------------------- report


def _row(name: str, s: dict[str, float]) -> str:
    if not s.get("n"):
        return f"{name:<15} {0:>4}"
    return (f"{name:<15} {int(s['n']):>4} {s['ndcg@5']:>7.3f} {s['mrr@5']:>7.3f} "
            f"{s['hit@1']:>6.3f} {s['hit@5']:>6.3f} {s['answer<=2x']:>10.3f}")


def report(outcomes: Sequence[Outcome], worst: int) -> str:
    lines = [f"{'kind':<15} {'n':>4} {'nDCG@5':>7} {'MRR@5':>7} {'hit@1':>6} {'hit@5':>6} "
             f"{'answer<=2x':>10}"]
    for kind in KINDS:
        mine = [o for o in outcomes if o.kind == kind]
        if mine:
            lines.append(_row(kind, summarise(mine)))
    lines.append(_row("issue examples", summarise([o for o in outcomes if o.issue])))
    lines.append(_row("all", summarise(outcomes)))
    if worst:
        lines.append("")
        lines.append(f"worst {worst} (nDCG@5, then answer size against graded talks):")
        order = sorted(outcomes, key=lambda o: (o.ndcg, -o.answer / max(o.graded, 1)))
        for o in order[:worst]:
            flag = " [issue]" if o.issue else ""
            lines.append(f"  {o.ndcg:.3f}  answer {o.answer:>3} / graded {o.graded:>2}  "
                         f"{o.kind:<14} {o.q!r}{flag}")
            lines.extend(f"        {t}" for t in o.top)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None,
                        help="a PostgreSQL URL: build the store in a fresh schema there")
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--shared", type=Path, default=SHARED,
                        help="the folder holding seeds/ and corpus/")
    parser.add_argument("--kind", choices=KINDS, default=None, help="only queries of this kind")
    parser.add_argument("--worst", type=int, default=10, metavar="N",
                        help="list the N worst queries with their first answers")
    parser.add_argument("--json", action="store_true", help="print every query's figures")
    args = parser.parse_args(argv)
    try:
        queries = load_queries(args.queries)
        if args.kind:
            queries = [q for q in queries if q.kind == args.kind]
        with built_store(args.db, args.shared) as sessions:
            outcomes = evaluate(sessions, queries)
    except RelevanceSetError as exc:
        print(f"relevance: {exc}", file=sys.stderr)
        return 1
    if args.json:
        summary = {k: summarise([o for o in outcomes if o.kind == k]) for k in KINDS}
        summary["all"] = summarise(outcomes)
        print(json.dumps({"summary": summary,
                          "queries": [{**asdict(o), "answer_ok": o.answer_ok} for o in outcomes]},
                         ensure_ascii=False, indent=1))
    else:
        print(report(outcomes, args.worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
