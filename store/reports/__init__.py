"""Reading report text into an event and its talks; pure: no database, no files.

`parse_report` is the only entry point. The pipeline: a reader turns Markdown, HTML or plain
text into blocks (`blocks.py`); small rules read each block as a candidate talk and the
candidates that carry the report's talks are chosen by evidence (`extract.py`). The heading
reader (`headings.py`), exact on notes written a talk per heading, reads the same text; the
reading with more evidence wins.
"""

from __future__ import annotations

import re

from store.errors import ReportError
from store.htmltext import looks_like_html
from store.reports.blocks import Block, read_html, read_markdown
from store.reports.extract import Candidate, candidates, choose, is_noise
from store.reports.headings import (
    _CHROME,
    PARSER_VERSION,
    SUMMARY_MAX,
    ParsedEvent,
    ParsedReport,
    ParsedTalk,
    _article,
    _split_front_matter,
    event_of,
    find_date,
    parse_sections,
    parse_speakers,
    split_heading,
    summarise,
)

__all__ = [
    "PARSER_VERSION",
    "SUMMARY_MAX",
    "ParsedEvent",
    "ParsedReport",
    "ParsedTalk",
    "find_date",
    "parse_report",
    "parse_speakers",
    "split_heading",
    "summarise",
]


def _plain_body(body: str) -> str:
    """A scraped page without its chrome lines and footer, for the block reader."""
    lines = _article(body.split("\n"))
    return "\n".join("" if any(p.match(ln.strip()) for p in _CHROME) else ln for ln in lines)


def _notes(body: list[Block]) -> str:
    out = []
    for b in body:
        if b.kind == "heading":
            out.append(b.text)
        elif b.kind == "item":
            out.append("  " * max(0, b.depth - 1) + "- " + b.text)
        elif b.kind == "row":
            out.append(" | ".join(c for c in b.cells if c))
        elif b.text:
            out.append(b.text)
    return "\n".join(out).strip()


def _talk(c: Candidate) -> ParsedTalk:
    line = c.line
    title = (line.title or "").strip() or " / ".join(line.speakers + line.handles)
    notes = _notes(c.body)
    speakers = list(line.speakers)
    handles = list(line.handles)
    if not speakers and handles:
        speakers = [handles[0]]
    return ParsedTalk(title=title[:1000], speakers=speakers, handles=handles,
                      affiliations=list(line.orgs[:3]), notes=notes,
                      summary=summarise(notes) if notes else "", has_notes=bool(notes),
                      url=line.url)


def _quality(talks: list[ParsedTalk]) -> float:
    """How much a reading's talks look like talks: named people, notes written under them
    and links to slides are evidence."""
    score = 0.0
    for t in talks:
        score += max(0.2, (1.0 if t.speakers or t.handles else 0.0)
                     + (0.5 if len(t.notes) >= 80 else 0.0) + (0.3 if t.url else 0.0))
    return score


def parse_report(text: str, source: str = "") -> ParsedReport:
    """Find the event and talks in one report; ReportError when there is nothing to import."""
    if "\x00" in text:
        raise ReportError("binary content, not a text report")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise ReportError("empty file")
    is_html = source.lower().endswith((".html", ".htm")) or looks_like_html(text)
    if is_html:
        blocks = read_html(text)
        from store.htmltext import html_to_text

        text = html_to_text(text)
        fm: dict[str, object] = {}
        body = text
    else:
        fm, body = _split_front_matter(text)
        plain = source.lower().endswith(".txt")
        blocks = read_markdown(_plain_body(body) if plain else body, plain=plain)
    by_headings: ParsedReport | None
    try:
        by_headings = parse_sections(fm, body, source)
        by_headings.talks = [t for t in by_headings.talks if not is_noise(t.title)]
    except ReportError:
        by_headings = None
    chosen = choose(candidates(blocks))
    by_blocks = [_talk(c) for c in chosen]
    by_blocks = [t for t in by_blocks if t.title]
    if by_headings is not None and _quality(by_headings.talks) >= _quality(by_blocks):
        return by_headings
    if not by_blocks:
        raise ReportError("no talk found: give each talk a heading (see the README's format)")
    event = by_headings.event if by_headings is not None else event_of(fm, body, source)
    return ParsedReport(event=event, talks=by_blocks)


_ = re
