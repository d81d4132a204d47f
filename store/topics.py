"""A channel's digest topic: the talks it matches through the search engine, and what to
suggest when it matches none."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Event, Talk
from store.search import Glossary, load_glossary, search_talks, suggest
from store.text import fold

MAX_TOPIC = 100  # characters: a topic is a few words, like a query
PAGE = 100  # search_talks' largest page
MAX_TALKS = 1000  # a topic this broad is "every talk" in all but name


@dataclass(frozen=True)
class TopicTalk:
    talk_id: int
    event_id: int


def topic_talks(session: Session, topic: str, *, glossary: Glossary | None = None
                ) -> list[TopicTalk]:
    """The talks with notes that match `topic`, best match first (at most MAX_TALKS)."""
    glossary = glossary if glossary is not None else load_glossary()
    ids: list[int] = []
    offset = 0
    while offset < MAX_TALKS:
        result = search_talks(session, topic[:MAX_TOPIC], limit=PAGE, offset=offset,
                              glossary=glossary)
        ids += [h.talk.id for h in result.hits]
        offset += PAGE
        if len(result.hits) < PAGE or offset >= result.total:
            break
    if not ids:
        return []
    rows = session.execute(select(Talk.id, Talk.event_id)
                           .where(Talk.id.in_(ids), Talk.has_notes.is_(True))).all()
    events = {r.id: r.event_id for r in rows}
    return [TopicTalk(i, events[i]) for i in dict.fromkeys(ids) if i in events]


def topic_suggestions(session: Session, topic: str, *, glossary: Glossary | None = None,
                      limit: int = 5) -> list[str]:
    """Close topics that do match talks with notes: the search's own suggestions (glossary
    and index terms, titles, speakers) and the tags of talks and events."""
    glossary = glossary if glossary is not None else load_glossary()
    candidates = list(suggest(session, topic[:MAX_TOPIC], glossary=glossary, limit=limit * 2))
    tags: dict[str, str] = {}
    for row in session.execute(select(Talk.tags).where(Talk.has_notes.is_(True))):
        for tag in row.tags or []:
            tags.setdefault(fold(str(tag)), str(tag))
    for row in session.execute(select(Event.tags)):
        for tag in row.tags or []:
            tags.setdefault(fold(str(tag)), str(tag))
    if tags:
        keys = list(tags)
        for key, _score, _i in process.extract(fold(topic), keys, scorer=fuzz.WRatio,
                                               score_cutoff=75, limit=limit):
            candidates.append(tags[key])
    out: list[str] = []
    for cand in dict.fromkeys(candidates):
        if fold(cand) == fold(topic):
            continue
        if topic_talks(session, cand, glossary=glossary):
            out.append(cand)
        if len(out) >= limit:
            break
    return out
