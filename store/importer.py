"""Importing report files into the store: one transaction a file, unchanged files skipped."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from store.decoding import MAX_BYTES, decode_report
from store.errors import ReportError
from store.models import Event, Report, Talk
from store.reports import PARSER_VERSION, ParsedReport, parse_report
from store.search import index_event

log = logging.getLogger(__name__)

REPORT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")


@dataclass(frozen=True)
class Rejected:
    path: str
    error: str


@dataclass
class ImportResult:
    files: int = 0
    imported: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    events: int = 0
    talks: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "rejected": [{"path": r.path, "error": r.error} for r in self.rejected],
            "events": self.events,
            "talks": self.talks,
        }


def _hidden(path: Path, root: Path) -> bool:
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = path.parts
    return any(p.startswith(".") for p in parts)


def collect_files(paths: Iterable[str | Path]) -> tuple[list[str], list[Rejected]]:
    """Report files under `paths` (folders recursively, hidden files skipped), sorted.

    A path that does not exist is reported rather than silently skipped.
    """
    found: list[str] = []
    missing: list[Rejected] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (child.is_file() and child.suffix.lower() in REPORT_SUFFIXES
                        and not _hidden(child, path)):
                    found.append(str(child))
        elif path.is_file():
            found.append(str(path))
        else:
            missing.append(Rejected(str(raw), "no such file or folder"))
    return list(dict.fromkeys(found)), missing


def read_bytes(path: str) -> bytes:
    """The file's bytes, or a ReportError for a wrong type, an oversized or unreadable file."""
    p = Path(path)
    if p.suffix.lower() not in REPORT_SUFFIXES:
        raise ReportError(f"unsupported file type {p.suffix or '(none)'}; "
                          f"use {', '.join(REPORT_SUFFIXES)}")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise ReportError(f"file is larger than 5 MB ({size / 1024 / 1024:.1f} MB)")
        return p.read_bytes()
    except OSError as exc:
        raise ReportError(f"cannot read file: {exc.strerror or exc}") from exc


def fingerprint(data: bytes) -> str:
    """The file's content hash, salted with the parser's version: a file is unchanged only if
    neither it nor the way it is read has changed, so a better parser re-reads old reports."""
    return hashlib.sha256(f"meetup-bot parser {PARSER_VERSION}\n".encode() + data).hexdigest()


IndexHook = Callable[[Session, Event], None]


def _store_report(session: Session, source: str, digest: str, parsed: ParsedReport) -> Event:
    """Write one report's event and talks. A re-imported report keeps its event and the ids
    of talks whose titles it still has, so Slack buttons and the digest's history that point
    at them stay valid; talks it no longer has are deleted."""
    now = dt.datetime.now(dt.UTC)
    report = session.scalar(select(Report).where(Report.source == source))
    if report is None:
        report = Report(source=source, content_hash=digest, imported_at=now)
        session.add(report)
    else:
        report.content_hash, report.imported_at = digest, now
    ev = parsed.event
    event = report.event
    if event is None:
        event = Event(report=report, name=ev.name)
        session.add(event)
    event.name, event.date, event.venue, event.url = ev.name, ev.date, ev.venue, ev.url
    event.tags = list(ev.tags)
    by_title: dict[str, list[Talk]] = {}
    for old in event.talks:
        by_title.setdefault(old.title, []).append(old)
    talks = []
    for position, t in enumerate(parsed.talks):
        same = by_title.get(t.title)
        talk = same.pop(0) if same else Talk(title=t.title)
        talk.position, talk.session_code = position, t.session_code
        talk.speakers, talk.handles = list(t.speakers), list(t.handles)
        talk.affiliations, talk.notes, talk.summary = list(t.affiliations), t.notes, t.summary
        talk.has_notes, talk.url, talk.tags = t.has_notes, t.url, list(t.tags)
        talks.append(talk)
    event.talks = talks  # the delete-orphan cascade removes the talks that are gone
    session.flush()
    return event


def import_paths(
    sessions: sessionmaker[Session],
    paths: Sequence[str | Path],
    *,
    progress: Callable[[str], None] | None = None,
    on_event: IndexHook | None = None,
) -> ImportResult:
    """Import every report under `paths`; each file in its own transaction.

    `progress` is called once per file (for a progress bar); `on_event` runs inside the
    file's transaction after its talks are written (the search index uses it).
    """
    files, missing = collect_files(paths)
    result = ImportResult(files=len(files), rejected=list(missing))
    for path in files:
        try:
            _import_one(sessions, path, result, on_event)
        finally:
            if progress is not None:
                progress(path)
    with sessions() as session:
        result.events = session.scalar(select(func.count(Event.id))) or 0
        result.talks = session.scalar(select(func.count(Talk.id))) or 0
    return result


def _import_one(sessions: sessionmaker[Session], path: str, result: ImportResult,
                on_event: IndexHook | None) -> None:
    try:
        data = read_bytes(path)
        digest = fingerprint(data)
        with sessions() as session:
            known = session.scalar(select(Report.content_hash).where(Report.source == path))
        if known == digest:
            result.unchanged += 1
            return
        parsed = parse_report(decode_report(data), source=path)
    except ReportError as exc:
        log.info("rejected %s: %s", path, exc.reason)
        result.rejected.append(Rejected(path, exc.reason))
        return
    session = sessions()
    try:
        with session.begin():
            event = _store_report(session, path, digest, parsed)
            index_event(session, event)  # here, so no caller can forget the search index
            if on_event is not None:
                on_event(session, event)
    except SQLAlchemyError as exc:
        reason = f"database error: {type(getattr(exc, 'orig', None) or exc).__name__}"
        log.error("could not store %s: %s", path, exc)
        result.rejected.append(Rejected(path, reason))
        return
    finally:
        session.close()
    log.info("imported %s: %s, %d talks", path, parsed.event.name, len(parsed.talks))
    result.imported += 1


@dataclass
class Preview:
    """What importing one file would store, or why it would be rejected."""

    path: str
    report: ParsedReport | None = None
    error: str | None = None


def preview_paths(paths: Sequence[str | Path]) -> tuple[list[Preview], list[Rejected]]:
    """Read and parse every report under `paths` without touching a store (`--dry-run`)."""
    files, missing = collect_files(paths)
    previews: list[Preview] = []
    for path in files:
        try:
            parsed = parse_report(decode_report(read_bytes(path)), source=path)
        except ReportError as exc:
            previews.append(Preview(path, error=exc.reason))
            continue
        previews.append(Preview(path, report=parsed))
    return previews, missing
