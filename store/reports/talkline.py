"""Placeholder talk-line reader (replaced by the full module)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from store.reports.headings import _clean_inline, _looks_like_person, parse_speakers, split_heading


@dataclass
class People:
    speakers: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)


@dataclass
class TalkLine:
    title: str | None
    speakers: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    url: str | None = None
    prefix: str | None = None
    evidence: float = 0.0


def looks_like_person(s: str) -> bool:
    return _looks_like_person(s)


def parse_people(raw: str) -> People:
    p = parse_speakers(_clean_inline(raw))
    return People(p.speakers, p.handles, p.affiliations)


def parse_talk_line(raw: str) -> TalkLine:
    url = None
    m = re.search(r"\]\((https?://[^)\s]+)\)", raw)
    if m:
        url = m.group(1)
    text = re.sub(r"\s*\((https?://[^)]+)\)", "", _clean_inline(raw))
    title, p = split_heading(text)
    ev = 0.6 if (p.speakers or p.handles) else 0.0
    return TalkLine(title, p.speakers, p.handles, p.affiliations, url, None, ev)
