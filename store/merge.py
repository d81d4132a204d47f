"""One event however many reports describe it; one talk however many reports tell it.

Each report keeps its own version of what it says (`ReportEvent`, `TalkSource`); the `events`
and `talks` rows are the merged view, derived from those and nothing else (`refresh`). So a
report can be re-imported or forgotten and only its contribution changes, while the ids of
talks that remain stay (Slack buttons and the digest's history point at them).

Same event: the same name after normalisation (case, width, spacing, `#` and `第N回`
numbering, decorations like "Recap" or 参加レポート) and dates that agree (equal, within a few
days for a multi-day conference or a report posted the day after, or one undated when the name
carries a number); a fuzzy name only on the same date.
Same talk: the same title after normalisation, else a close title (fuzzy), else a similar
title by a shared speaker. A block of one report that holds several talks another report has
separately (a "keynotes" section listing them) is split between those talks.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from store.models import Event, Report, ReportEvent, Talk, TalkSource
from store.reports import ParsedEvent, ParsedTalk, summarise

NAME_KEY_MAX = 200
DATE_SLACK = dt.timedelta(days=3)
TITLE_CUTOFF = 90.0  # rapidfuzz ratio of two title keys for the same talk
SPEAKER_TITLE_CUTOFF = 75.0  # a lower bar when the two share a speaker
FUZZY_EVENT_CUTOFF = 90.0

_DECORATIONS = re.compile(
    r"(?:参加レポート|参加レポ|参加報告|参加記録?|参加メモ|参加ログ|聴講メモ|聴講レポート|"
    r"イベントレポート|開催レポート|レポート|レポ|まとめ|振り返り|メモ|"
    r"に参加してきました|に参加しました|に参加してきた|に行ってきました|に行ってきた|"
    r"参加してきました|行ってきました|参加してきた|行ってきた|参加した)"
    r"|\b(?:recap|report|notes?|summary|write-?up|trip|highlights|my|from|of|on|at)\b",
    re.I,
)
_NUMBERING = re.compile(r"第\s*(\d+)\s*回|#\s*(\d+)|\bvol\.?\s*(\d+)|\bno\.\s*(\d+)", re.I)
_NON_WORD = re.compile(r"[\W_]+")
_BULLET = re.compile(r"^\s*(?:[-*+•・●◦▪]|#{1,6}|\d{1,3}[.)])\s*")


def event_key(name: str) -> str:
    """An event's name for comparing: `Kubernetes Meetup Tokyo #20 参加レポート` and
    `kubernetes meetup tokyo 20` give the same key."""
    s = unicodedata.normalize("NFKC", name).casefold()
    s = _NUMBERING.sub(lambda m: " " + next(g for g in m.groups() if g) + " ", s)
    s = _DECORATIONS.sub(" ", s)
    key = " ".join(_NON_WORD.sub(" ", s).split())
    if not key:  # a name made only of decorations keeps itself
        key = " ".join(_NON_WORD.sub(" ", unicodedata.normalize("NFKC", name).casefold()).split())
    return key[:NAME_KEY_MAX]


def talk_key(title: str) -> str:
    """A title for comparing: width, case, spacing and punctuation left out."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", title).casefold())


def _person_key(name: str) -> str:
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", name).casefold().lstrip("@"))


def _dates_agree(a: dt.date | None, b: dt.date | None, key: str) -> bool:
    if a is None and b is None:
        return True
    if a is None or b is None:
        return any(ch.isdigit() for ch in key)  # "… #11": one meetup whatever the date
    return abs(a - b) <= DATE_SLACK


def find_event(session: Session, name: str, date: dt.date | None) -> Event | None:
    """The stored event a report's (name, date) describes, if there is one."""
    key = event_key(name)
    # one statement for both: the events of this name, and those of this day
    cond = Event.name_key == key if date is None or not key else or_(
        Event.name_key == key, Event.date == date)
    found = session.scalars(select(Event).where(cond).order_by(Event.id)).all()
    for event in found:
        if event.name_key == key and _dates_agree(event.date, date, key):
            return event
    if date is None or not key:
        return None
    same_day = [e for e in found if e.date == date]
    if not same_day:
        return None
    best = process.extractOne(key, [e.name_key for e in same_day], scorer=fuzz.token_sort_ratio,
                              score_cutoff=FUZZY_EVENT_CUTOFF)
    return same_day[best[2]] if best else None


@dataclass
class Previous:
    """What a report contributed before it was taken out: where its talks were."""

    event_ids: list[int] = field(default_factory=list)
    sole_event_ids: set[int] = field(default_factory=set)
    talk_ids: dict[str, list[int]] = field(default_factory=dict)  # title key -> talk ids


def detach(session: Session, report: Report) -> Previous:
    """Take `report`'s contribution out of its events and talks (the merged rows are stale
    until `refresh`); returns where it was, so a re-import can keep the same talks."""
    prev = Previous()
    if report.id is None:
        return prev
    links = session.execute(select(ReportEvent.event_id).where(
        ReportEvent.report_id == report.id)).scalars().all()
    prev.event_ids = list(dict.fromkeys(links))
    for event_id in prev.event_ids:
        others = session.scalar(select(ReportEvent.id).where(
            ReportEvent.event_id == event_id, ReportEvent.report_id != report.id).limit(1))
        if others is None:
            prev.sole_event_ids.add(event_id)
    for talk_id, title in session.execute(select(TalkSource.talk_id, TalkSource.title).where(
            TalkSource.report_id == report.id).order_by(TalkSource.position)):
        prev.talk_ids.setdefault(talk_key(title), []).append(talk_id)
    session.execute(delete(TalkSource).where(TalkSource.report_id == report.id))
    session.execute(delete(ReportEvent).where(ReportEvent.report_id == report.id))
    session.expire_all()
    return prev


@dataclass
class _Part:
    """One talk as one report tells it (a parsed talk, or a piece of a split block)."""

    position: int
    talk: ParsedTalk


def _title_lines(notes: str, keys: dict[str, Talk]) -> list[tuple[int, Talk]]:
    """Lines of `notes` that are exactly the title of one of `keys`' talks: (offset, talk)."""
    found: list[tuple[int, Talk]] = []
    seen: set[int] = set()
    offset = 0
    for line in notes.splitlines(keepends=True):
        key = talk_key(_BULLET.sub("", line))
        talk = keys.get(key) if len(key) >= 6 else None
        if talk is not None and talk.id not in seen:
            found.append((offset, talk))
            seen.add(talk.id)
        offset += len(line)
    return found


def _split(notes: str, keys: dict[str, Talk]) -> tuple[str, list[tuple[Talk, str]]] | None:
    """A block whose notes name two or more other talks of the event on lines of their own:
    its preamble and each named talk's part; None when it is one talk's notes."""
    lines = _title_lines(notes, keys)
    if len(lines) < 2:
        return None
    preamble = notes[:lines[0][0]].strip()
    parts = []
    for n, (start, talk) in enumerate(lines):
        end = lines[n + 1][0] if n + 1 < len(lines) else len(notes)
        body = notes[start:end].split("\n", 1)
        parts.append((talk, body[1].strip() if len(body) > 1 else ""))
    return preamble, parts


_PREAMBLE_KEPT = 200  # characters of a split block's own text that make it a talk still


def _piece(title: str, notes: str, source: ParsedTalk) -> ParsedTalk:
    summary = summarise(notes)
    return ParsedTalk(title=title, notes=notes, summary=summary, has_notes=bool(notes),
                      tags=list(source.tags))


def _match(parts: Sequence[_Part], talks: Sequence[Talk],
           preferred: dict[str, list[int]]) -> list[Talk | None]:
    """The stored talk each part belongs to, or None for a new talk; a talk takes at most
    one part of one report."""
    out: list[Talk | None] = [None] * len(parts)
    taken: set[int] = set()
    by_id = {t.id: t for t in talks}
    # 1. the talk this report's same title went to before (a re-import keeps its ids)
    for n, part in enumerate(parts):
        for talk_id in preferred.get(talk_key(part.talk.title), []):
            if talk_id in by_id and talk_id not in taken:
                out[n] = by_id[talk_id]
                taken.add(talk_id)
                break
    # 2. the same title
    by_key: dict[str, list[Talk]] = {}
    for t in talks:
        by_key.setdefault(talk_key(t.title), []).append(t)
    for n, part in enumerate(parts):
        if out[n] is None:
            for t in by_key.get(talk_key(part.talk.title), []):
                if t.id not in taken:
                    out[n] = t
                    taken.add(t.id)
                    break
    # 3. a close title, or a similar one by a shared speaker
    for n, part in enumerate(parts):
        if out[n] is not None:
            continue
        key = talk_key(part.talk.title)
        free = [t for t in talks if t.id not in taken]
        if not free or len(key) < 4:
            continue
        people = {_person_key(p) for p in (*part.talk.speakers, *part.talk.handles)} - {""}
        best: tuple[float, Talk] | None = None
        for t in free:
            score = fuzz.ratio(key, talk_key(t.title))
            theirs = {_person_key(p) for p in (*t.speakers, *t.handles)}
            cutoff = SPEAKER_TITLE_CUTOFF if people & theirs else TITLE_CUTOFF
            if score >= cutoff and (best is None or score > best[0]):
                best = (score, t)
        if best is not None:
            out[n] = best[1]
            taken.add(best[1].id)
    return out


def _source_row(report: Report, position: int, t: ParsedTalk) -> dict[str, object]:
    return {
        "report_id": report.id, "position": position, "title": t.title,
        "session_code": t.session_code, "speakers": list(t.speakers),
        "handles": list(t.handles), "affiliations": list(t.affiliations), "notes": t.notes,
        "summary": t.summary, "has_notes": t.has_notes, "url": t.url, "tags": list(t.tags),
    }


def attach(session: Session, report: Report, event_part: ParsedEvent,
           talks: Sequence[ParsedTalk], prev: Previous, *, position: int = 0) -> Event:
    """Add `report`'s account of one event and its talks to the store's merged view: the
    same event and the same talks when others have them, new ones when not. `refresh` of
    the returned event (and of `prev`'s) completes it."""
    event = find_event(session, event_part.name, event_part.date)
    created = False
    if event is None:
        reuse = next((e for e in prev.event_ids if e in prev.sole_event_ids), None)
        event = session.get(Event, reuse) if reuse is not None else None
        if event is not None:
            prev.sole_event_ids.discard(event.id)
    if event is None:
        event = Event(name=event_part.name, name_key=event_key(event_part.name),
                      date=event_part.date, tags=[])
        session.add(event)
        session.flush()
        created = True
    session.add(ReportEvent(report_id=report.id, event_id=event.id, position=position,
                            name=event_part.name, date=event_part.date, venue=event_part.venue,
                            url=event_part.url, tags=list(event_part.tags)))
    stored = [] if created else list(session.scalars(
        select(Talk).where(Talk.event_id == event.id).order_by(Talk.position)))
    own = {talk_key(t.title) for t in talks}
    others = {talk_key(t.title): t for t in stored if talk_key(t.title) not in own}
    parts: list[_Part] = []
    for n, t in enumerate(talks):
        split = _split(t.notes, others) if t.notes else None
        if split is None:
            parts.append(_Part(n, t))
            continue
        preamble, pieces = split
        if len(preamble) >= _PREAMBLE_KEPT:
            parts.append(_Part(n, _piece(t.title, preamble, t)))
        parts.extend(_Part(n, _piece(talk.title, body, t)) for talk, body in pieces)
    matched = _match(parts, stored, prev.talk_ids)
    next_position = max((t.position for t in stored), default=-1) + 1
    new: list[Talk] = []
    for part, talk in zip(parts, matched, strict=True):
        if talk is None:
            # what refresh would derive from this one source, so a report that follows
            # in the same batch matches it before refresh runs
            talk = Talk(event_id=event.id, position=next_position, title=part.talk.title,
                        speakers=list(part.talk.speakers), handles=list(part.talk.handles),
                        affiliations=list(part.talk.affiliations), tags=[])
            next_position += 1
            session.add(talk)
            new.append(talk)
    if new:
        session.flush()  # one flush gives every new talk its id
    fresh = iter(new)  # the new talks, in the order of the parts that have none
    rows = [{**_source_row(report, part.position, part.talk),
             "talk_id": (talk or next(fresh)).id}
            for part, talk in zip(parts, matched, strict=True)]
    if rows:
        session.execute(insert(TalkSource), rows)
    if not created:  # a new event has no other report whose blocks could split
        _split_others(session, report, event, [*stored, *new])
    return event


def _split_others(session: Session, report: Report, event: Event,
                  stored: list[Talk]) -> None:
    """Blocks of other reports that hold several talks this report has separately
    (`stored`: the event's talks)."""
    if len(stored) < 3:
        return
    sources = session.scalars(select(TalkSource).join(Talk).where(
        Talk.event_id == event.id, TalkSource.report_id != report.id,
        TalkSource.notes != "")).all()
    by_report: dict[int, set[int]] = {}
    for s in sources:
        by_report.setdefault(s.report_id, set()).add(s.talk_id)
    for s in sources:
        theirs = by_report[s.report_id]
        keys = {talk_key(t.title): t for t in stored if t.id not in theirs}
        split = _split(s.notes, keys)
        if split is None:
            continue
        preamble, pieces = split
        template = ParsedTalk(title=s.title, tags=list(s.tags or []))
        owner = session.get(Report, s.report_id)
        assert owner is not None
        rows = [{**_source_row(owner, s.position, _piece(talk.title, body, template)),
                 "talk_id": talk.id} for talk, body in pieces]
        session.execute(insert(TalkSource), rows)
        theirs.update(talk.id for talk, _ in pieces)
        if len(preamble) >= _PREAMBLE_KEPT:
            s.notes, s.summary = preamble, summarise(preamble)
        else:
            session.delete(s)
    session.flush()


def _union(lists: Iterable[Iterable[str]], key=lambda s: s) -> list[str]:  # type: ignore[no-untyped-def]
    seen: set[str] = set()
    out = []
    for items in lists:
        for item in items or []:
            k = key(item)
            if item and k not in seen:
                seen.add(k)
                out.append(item)
    return out


def _merged_notes(sources: Sequence[TalkSource], shown: dict[int, str]) -> str:
    told = [s for s in sources if s.notes.strip()]
    if len(told) <= 1:
        return told[0].notes if told else ""
    return "\n\n".join(f"[{shown[s.report_id]}]\n{s.notes.strip()}" for s in told)


# What refresh reads of an event, loaded in three queries instead of one lazy load a link
# and one a talk (measured with benchmarks/import_bench.py: most of its time went there).
_REFRESH_LOAD = (selectinload(Event.links).joinedload(ReportEvent.report),
                 selectinload(Event.talks).selectinload(Talk.sources))


def refresh(session: Session, event_ids: Iterable[int]) -> list[Event]:
    """Derive the merged rows of these events from their reports' contributions: talks no
    report tells any more and events no report describes are deleted. Returns the events
    that remain (to be indexed for search)."""
    session.flush()
    session.expire_all()
    kept: list[Event] = []
    for event_id in dict.fromkeys(event_ids):
        event = session.get(Event, event_id, options=_REFRESH_LOAD, populate_existing=True)
        if event is None:
            continue
        links = sorted(event.links, key=lambda link: (link.report_id, link.position))
        if not links:
            session.delete(event)
            continue
        first = links[0]
        event.name = first.name
        event.name_key = event_key(first.name)
        dates = [link.date for link in links if link.date is not None]
        event.date = min(dates) if dates else None
        event.venue = next((link.venue for link in links if link.venue), None)
        event.url = next((link.url for link in links if link.url), None)
        event.tags = _union(link.tags for link in links)
        shown = {link.report_id: link.report.shown for link in links}
        ordered = []
        for talk in list(event.talks):
            sources = sorted(talk.sources, key=lambda s: s.report_id)
            if not sources:
                event.talks.remove(talk)
                continue
            _derive(talk, sources, shown)
            ordered.append(((sources[0].report_id, sources[0].position, talk.position), talk))
        for n, (_key, talk) in enumerate(sorted(ordered, key=lambda x: x[0])):
            talk.position = n
        kept.append(event)
    session.flush()
    for event in kept:  # in their new order, without reading them back
        set_committed_value(event, "talks", sorted(event.talks, key=lambda t: t.position))
    return kept


def _derive(talk: Talk, sources: Sequence[TalkSource], shown: dict[int, str]) -> None:
    first = sources[0]
    talk.title = first.title
    talk.session_code = next((s.session_code for s in sources if s.session_code), None)
    talk.speakers = _union((s.speakers for s in sources), _person_key)
    talk.handles = _union((s.handles for s in sources), _person_key)
    talk.affiliations = _union((s.affiliations for s in sources), _person_key)
    talk.notes = _merged_notes(sources, shown)
    talk.summary = next((s.summary for s in sources if s.summary), "")
    talk.has_notes = any(s.has_notes for s in sources)
    talk.url = next((s.url for s in sources if s.url), None)
    talk.tags = _union(s.tags for s in sources)
