"""A stand-in for store.search with the same API: substring matching over every talk."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from store.models import Talk
from store.queries import list_talks


@dataclass(frozen=True)
class FakeHit:
    talk: Talk
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class FakeResult:
    hits: list[FakeHit]
    total: int
    suggestions: list[str] = field(default_factory=list)


class FakeSearch:
    """search_talks / search_speaker as store.search has them; records every query."""

    def __init__(self, suggestions: list[str] | None = None, fail: bool = False) -> None:
        self.queries: list[tuple[str, str, int, int]] = []
        self.suggestions = suggestions if suggestions is not None else ["kubernetes"]
        self.fail = fail

    def _run(self, kind: str, session: Session, query: str, limit: int, offset: int,
             fields: str) -> FakeResult:
        self.queries.append((kind, query, limit, offset))
        if self.fail:
            from sqlalchemy.exc import OperationalError
            raise OperationalError("SELECT", {}, Exception("the index is broken"))
        needle = query.lower()
        matches: list[FakeHit] = []
        for talk in list_talks(session):
            text = (" ".join(talk.speakers or []) if fields == "speakers"
                    else f"{talk.title} {talk.summary} {talk.notes}")
            at = text.lower().find(needle)
            if at >= 0:
                start = max(0, at - 20)
                snippet = text[start:at + len(needle) + 40]
                matches.append(FakeHit(talk, 1.0, snippet,
                                       ((at - start, at - start + len(needle)),)))
        page = matches[offset:offset + limit]
        return FakeResult(page, len(matches), [] if matches else list(self.suggestions))

    def search_talks(self, session: Session, query: str, *, limit: int = 5, offset: int = 0
                     ) -> FakeResult:
        return self._run("talks", session, query, limit, offset, "text")

    def search_speaker(self, session: Session, name: str, *, limit: int = 5, offset: int = 0
                       ) -> FakeResult:
        return self._run("speaker", session, name, limit, offset, "speakers")
