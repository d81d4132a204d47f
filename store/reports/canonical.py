"""The exact reader of notes in the canonical format that `meetup-bot export` writes.

A file whose front matter says `format: meetup-bot-notes/1` is read by these rules and no
heuristics, so what the store exported imports back as it was, and stays exact as a team
edits it:

- front matter: `event`, `date`, `venue`, `url`, `tags`, as in every report;
- `## Title`: one talk per `##` line; `## [CODE] Title`, `## LT Title` and `## Keynote: Title`
  give the session code; a title that itself starts with `[`, `LT `, `Keynote:` or `\\` is
  written after a `\\`;
- right under it, any of: `by NAME (@handle) (Org), NAME2 (Org2)` (handles start with `@`),
  or the exact lists `speakers:`, `handles:`, `affiliations:`; `tags: a, b`; `url: …`
  (in lists, `\\` escapes `,`, `(`, `)`, `@` and itself);
- then a blank line and the talk's notes, as written; a notes line starting with `## ` is
  written after a `\\` (one is taken off when read).
"""

from __future__ import annotations

import re

from store.errors import ReportError
from store.frontmatter import as_date
from store.reports.headings import ParsedEvent, ParsedReport, ParsedTalk, summarise

FORMAT_KEY = "format"
FORMAT = "meetup-bot-notes/1"
CODE_PREFIXES = ("LT ", "Keynote: ")

_HEADING = re.compile(r"^## (.*)$")
_ESCAPED_HEADING = re.compile(r"^\\+## ")
_META = re.compile(r"^(by|speakers|handles|affiliations|tags|url)(?::| (?=\S))[ ]?(.*)$")
_SOURCE_MARK = re.compile(r"^\[[^\]\n]+\]$")


def is_canonical(front_matter: dict[str, object]) -> bool:
    """Whether a report's front matter declares the exact canonical format."""
    return front_matter.get(FORMAT_KEY) == FORMAT


# --------------------------------------------------------------------------- lists
def split_escaped(text: str, sep: str = ",") -> list[str]:
    """`a, b\\, c` → ["a", "b, c"]: items separated by `sep`, `\\` escaping the next char."""
    items: list[str] = []
    buf: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i + 1])
            i += 2
            continue
        if ch == sep:
            items.append("".join(buf).strip(" "))
            buf = []
            i += 1
            continue
        buf.append(ch)
        i += 1
    items.append("".join(buf).strip(" "))
    return [item for item in items if item]


def escape_item(text: str, specials: str = ",") -> str:
    """`text` with `\\`, the characters in `specials` and outer spaces escaped."""
    out = "".join("\\" + ch if ch in "\\" + specials else ch for ch in text)
    if out.startswith(" "):
        out = "\\" + out
    if out.endswith(" ") and not out.endswith("\\ "):
        out = out[:-1] + "\\ "
    return out


def _chunks(line: str) -> list[tuple[str, bool, list[tuple[str, bool]]]]:
    """A `by` line as chunks separated by `,`: (name, whether the name is a bare `@handle`,
    [(text in parentheses, whether it is a handle)]); `\\` escapes the next character."""
    out: list[tuple[str, bool, list[tuple[str, bool]]]] = []
    name: list[str] = []
    bare_at = False
    parens: list[tuple[str, bool]] = []
    i = 0
    while i <= len(line):
        ch = line[i] if i < len(line) else ","
        if ch == "\\" and i + 1 < len(line):
            name.append(line[i + 1])
            i += 2
            continue
        if ch == "(":
            item: list[str] = []
            handle = line[i + 1:i + 2] == "@"
            i += 1
            while i < len(line) and line[i] != ")":
                if line[i] == "\\" and i + 1 < len(line):
                    item.append(line[i + 1])
                    i += 2
                    continue
                item.append(line[i])
                i += 1
            parens.append(("".join(item), handle))
            i += 1
            continue
        if ch == ",":
            text = "".join(name).strip(" ")
            if text or parens:
                out.append((text, bare_at, parens))
            name, bare_at, parens = [], False, []
            i += 1
            continue
        if ch == "@" and not "".join(name).strip(" "):
            bare_at = True
        name.append(ch)
        i += 1
    return out


def parse_people(line: str) -> tuple[list[str], list[str], list[str]]:
    """Speakers, handles and organisations of a `by` line."""
    speakers: list[str] = []
    handles: list[str] = []
    orgs: list[str] = []
    for name, bare_at, parens in _chunks(line):
        if name:
            speakers.append(name)
            if bare_at:
                handles.append(name)
        for item, handle in parens:
            (handles if handle else orgs).append(item)
    return speakers, handles, orgs


# --------------------------------------------------------------------------- talks
def split_title(heading: str) -> tuple[str, str | None]:
    """A `##` line's text as (title, session code)."""
    if heading.startswith("\\"):
        return heading[1:], None
    if heading.startswith("["):
        end = heading.find("]")
        if end > 1:
            rest = heading[end + 1:]
            return rest[1:] if rest.startswith(" ") else rest, heading[1:end]
    for prefix in CODE_PREFIXES:
        if heading.startswith(prefix):
            return heading[len(prefix):], prefix.rstrip(": ")
    return heading, None


def _talk(heading: str, lines: list[str]) -> ParsedTalk:
    title, code = split_title(heading)
    talk = ParsedTalk(title=title, session_code=code)
    n = 0
    while n < len(lines):
        m = _META.match(lines[n])
        if m is None:
            break
        key, value = m.group(1), m.group(2)
        if key == "by":
            talk.speakers, talk.handles, talk.affiliations = parse_people(value)
        elif key == "speakers":
            talk.speakers = split_escaped(value)
        elif key == "handles":
            talk.handles = split_escaped(value)
        elif key == "affiliations":
            talk.affiliations = split_escaped(value)
        elif key == "tags":
            talk.tags = split_escaped(value)
        elif key == "url":
            talk.url = value or None
        n += 1
    notes = [ln[1:] if _ESCAPED_HEADING.match(ln) else ln for ln in lines[n:]]
    talk.notes = "\n".join(notes).strip("\n")
    talk.has_notes = bool(talk.notes.strip())
    if talk.has_notes:
        talk.summary = summarise("\n".join(ln for ln in talk.notes.splitlines()
                                           if not _SOURCE_MARK.match(ln)))
    return talk


def parse_canonical(front_matter: dict[str, object], body: str) -> ParsedReport:
    """The event and talks of a report in the exact canonical format."""
    fm = front_matter
    name = fm.get("event")
    if not isinstance(name, str) or not name.strip():
        raise ReportError(f"{FORMAT}: the front matter names no event (event: …)")
    tags = fm.get("tags")
    venue, url = fm.get("venue"), fm.get("url")
    event = ParsedEvent(
        name=name,
        date=as_date(fm.get("date")),
        venue=venue if isinstance(venue, str) else None,
        url=url if isinstance(url, str) else None,
        tags=[str(t) for t in tags if t is not None] if isinstance(tags, list)
        else [str(tags)] if isinstance(tags, str) else [],
    )
    talks: list[ParsedTalk] = []
    heading: str | None = None
    lines: list[str] = []
    for line in body.split("\n"):
        m = _HEADING.match(line)
        if m is None:
            if heading is not None:
                lines.append(line)
            continue
        if heading is not None:
            talks.append(_talk(heading, lines))
        heading, lines = m.group(1), []
    if heading is not None:
        talks.append(_talk(heading, lines))
    if not talks:
        raise ReportError(f"{FORMAT}: no talk (give each talk a `## Title` line)")
    return ParsedReport(event=event, talks=talks)
