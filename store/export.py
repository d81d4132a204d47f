"""Writing the store back as canonical Markdown: one file per event, in the README's format.

The files are what a team maintains once it moves from scraped reports to its own notes, so
they read like hand-written notes (front matter, a `##` heading per talk, a `by` line,
`tags:`/`url:` lines, the notes as written) and they read back exactly: importing the export
into a fresh store gives the same events and talks. Where a value would be misread by the
heading reader (a title the reader would cut, a line of notes that looks like a heading or a
metadata line) it is written in a shape the reader keeps as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from store.errors import MeetupBotError
from store.models import Event, Talk
from store.reports.canonical import (
    CODE_PREFIXES,
    FORMAT,
    FORMAT_KEY,
    escape_item,
    parse_people,
)

MANIFEST = ".meetup-bot-export"
SLUG_MAX = 60


class ExportError(MeetupBotError):
    """The export cannot be written where asked (a folder holding other files)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ExportResult:
    """What an export wrote: the folder, its files (names, sorted), the events and talks."""

    directory: str
    files: list[str] = field(default_factory=list)
    events: int = 0
    talks: int = 0
    removed: list[str] = field(default_factory=list)  # stale files of a previous export

    def as_dict(self) -> dict[str, object]:
        return {"dir": self.directory, "files": list(self.files), "events": self.events,
                "talks": self.talks, "removed": list(self.removed)}


# --------------------------------------------------------------------------- file names
def slug(text: str) -> str:
    """An ASCII, lower-case, hyphenated form of `text` (empty when nothing ASCII is left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(s) > SLUG_MAX:
        s = s[:SLUG_MAX].rsplit("-", 1)[0] if "-" in s[:SLUG_MAX] else s[:SLUG_MAX]
    return s.strip("-")


def file_names(events: Sequence[Event]) -> list[str]:
    """One unique file name per event, in the order given: `YYYY-MM-DD-<slug>.md` (or
    `undated-<slug>.md`); a name with no ASCII in it gets `event-<id>`."""
    names: list[str] = []
    taken: set[str] = set()
    for event in events:
        stem = slug(event.name) or f"event-{event.id}"
        prefix = event.date.isoformat() if event.date else "undated"
        base = f"{prefix}-{stem}"
        name, n = f"{base}.md", 2
        while name in taken:
            name, n = f"{base}-{n}.md", n + 1
        taken.add(name)
        names.append(name)
    return names


# --------------------------------------------------------------------------- rendering
def _front_matter(event: Event) -> str:
    data: dict[str, object] = {FORMAT_KEY: FORMAT, "event": event.name}
    if event.date is not None:
        data["date"] = event.date
    if event.venue:
        data["venue"] = event.venue
    if event.url:
        data["url"] = event.url
    if event.tags:
        data["tags"] = list(event.tags)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None,
                          width=1_000_000)
    return f"---\n{text}---\n"


def _name(text: str) -> str:
    out = escape_item(text, ",()")
    return "\\" + out if out.startswith("@") else out


def _paren(text: str) -> str:
    return escape_item(text, "()")


def by_line(speakers: Sequence[str], handles: Sequence[str], orgs: Sequence[str]) -> str:
    """The `by` line for these lists: the i-th handle and organisation beside the i-th
    speaker (a speaker who is their handle written bare), the rest beside the last."""
    chunks: list[list[str]] = []
    rest = list(handles)
    for name in speakers:
        if name.startswith("@") and rest and rest[0] == name:
            chunks.append([escape_item(name, ",()")])
            rest.pop(0)
        elif rest:
            chunks.append([_name(name), f"({escape_item(rest.pop(0), '()')})"])
        else:
            chunks.append([_name(name)])
    if not chunks:
        chunks.append([])
    for n, org in enumerate(orgs):
        chunks[min(n, len(chunks) - 1)].append(f"({_org(org)})")
    chunks[-1].extend(f"({escape_item(h, '()')})" for h in rest)
    return ", ".join(" ".join(c) for c in chunks if c)


def _org(text: str) -> str:
    out = _paren(text)
    return "\\" + out if out.startswith("@") else out


def _people_lines(talk: Talk) -> list[str]:
    speakers = list(talk.speakers or [])
    handles = list(talk.handles or [])
    orgs = list(talk.affiliations or [])
    if not (speakers or handles or orgs):
        return []
    line = by_line(speakers, handles, orgs)
    if parse_people(line) == (speakers, handles, orgs):
        return [f"by {line}"]
    # Lists a `by` line cannot say (a handle without `@`, several handles for one name …)
    # are written as they are.
    out = []
    for key, items in (("speakers", speakers), ("handles", handles), ("affiliations", orgs)):
        if items:
            out.append(f"{key}: " + ", ".join(escape_item(i) for i in items))
    return out


def render_event(event: Event) -> str:
    """One event as a canonical Markdown report."""
    return "\n".join([_front_matter(event), *(_render_talk(t) for t in event.talks)])


def _render_talk(talk: Talk) -> str:
    lines = [f"## {heading(talk.title, talk.session_code)}", *_people_lines(talk)]
    if talk.tags:
        lines.append("tags: " + ", ".join(escape_item(t) for t in talk.tags))
    if talk.url:
        lines.append(f"url: {talk.url}")
    lines.append("")
    if talk.notes.strip():
        lines += ["\\" + ln if _NOTES_HEADING.match(ln) else ln
                  for ln in talk.notes.strip("\n").split("\n")]
        lines.append("")
    return "\n".join(lines)


_NOTES_HEADING = re.compile(r"^\\*## ")


def heading(title: str, code: str | None) -> str:
    """A talk's `##` text: the session code first, the title escaped where it would be read
    as one."""
    if code is None:
        if title.startswith(("\\", "[", *CODE_PREFIXES)):
            return "\\" + title
        return title
    for prefix in CODE_PREFIXES:
        if code == prefix.rstrip(": ") and not title.startswith("\\"):
            return prefix + title
    return f"[{code}] {title}"


# --------------------------------------------------------------------------- writing
def _events(session: Session) -> list[Event]:
    events = session.scalars(select(Event).options(selectinload(Event.talks))).all()
    return sorted(events, key=lambda e: (e.date or dt.date.max, e.name, e.id))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(directory: Path) -> dict[str, str]:
    path = directory / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = {str(k): str(v) for k, v in data["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise ExportError(f"{path} is not a manifest this exporter wrote") from None
    # Only plain names of Markdown files in the folder: a manifest cannot point elsewhere.
    if any(Path(name).name != name or not name.endswith(".md") or name.startswith(".")
           for name in files):
        raise ExportError(f"{path} lists files outside the export; not touching it")
    return files


def _check_directory(directory: Path) -> dict[str, str]:
    """The files of a previous export in `directory`; ExportError when it holds anything
    else (other than hidden entries, which import skips too)."""
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} exists and is not a folder")
    if not directory.exists():
        return {}
    previous = _read_manifest(directory)
    foreign = sorted(entry.name for entry in directory.iterdir()
                     if not entry.name.startswith(".") and entry.name not in previous)
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3
                                          else "")
        raise ExportError(f"{directory} holds files that are not a previous export ({shown}); "
                          "give a new or empty folder")
    return previous


def _write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file, so a file is whole or not there."""
    if path.is_file() and path.read_bytes() == data:
        return
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_store(sessions: sessionmaker[Session], out_dir: str | Path) -> ExportResult:
    """Write every event of the store to `out_dir` as canonical Markdown, one file each.

    `out_dir` may be new, empty, or a previous export (its manifest lists the files it wrote:
    those are overwritten, and removed when their event is gone); a folder holding other
    files raises ExportError and nothing is written. The same store gives the same bytes."""
    directory = Path(out_dir)
    previous = _check_directory(directory)
    with sessions() as session:
        events = _events(session)
        names = file_names(events)
        rendered = {name: render_event(event).encode("utf-8")
                    for name, event in zip(names, events, strict=True)}
        talks = sum(len(e.talks) for e in events)
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in rendered.items():
        _write(directory / name, data)
    removed = sorted(set(previous) - set(rendered))
    for name in removed:
        (directory / name).unlink(missing_ok=True)
    manifest = {"generator": "meetup-bot export",
                "files": {name: _sha(data) for name, data in sorted(rendered.items())}}
    _write(directory / MANIFEST,
           (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return ExportResult(str(directory), sorted(rendered), len(events), talks, removed)
