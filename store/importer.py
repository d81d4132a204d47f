"""Importing report files into the store: one transaction a file, unchanged files skipped.

Whatever one file holds, it costs that file only: every failure in reading, parsing or storing
it becomes its one-line rejection and the batch goes on. A failure of the store itself
(read-only, disk full, connection lost) is no file's fault: it stops the import with a
StoreError naming the store and the cause.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from store.db import error_line, hidden_url, store_failure
from store.decoding import MAX_BYTES, decode_report
from store.errors import ReportError, StoreError
from store.models import Event, Report, Talk
from store.reports import PARSER_VERSION, ParsedReport, parse_report
from store.search import index_event

log = logging.getLogger(__name__)

REPORT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
MAX_SOURCE_CHARS = 1024  # reports.source is String(1024) on both databases
# PostgreSQL's btree index holds at most ~2,700 bytes a row; the unique index on the source
# must accept every path we accept, whatever its script.
MAX_SOURCE_BYTES = 2000
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def source_name(path: str) -> str:
    """The path as the store keeps it: a file name that is not UTF-8 (it reaches Python with
    surrogate escapes, which no database can store) gets its odd bytes as `\\xNN`."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        try:
            raw = path.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return path.encode("utf-8", "backslashreplace").decode("utf-8")
        return raw.decode("utf-8", "backslashreplace")


def display_path(path: str) -> str:
    """The path printable on one line: odd bytes as `\\xNN`, a newline or other control
    character escaped, so a file name cannot fake a line of the output."""
    return _UNPRINTABLE.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}"
                                                  if ord(m.group()) < 0x100
                                                  else f"\\u{ord(m.group()):04x}"),
                            source_name(path))


def _one_line(text: str) -> str:
    return " ".join(_UNPRINTABLE.sub(" ", text).split())[:300]


@dataclass(frozen=True)
class Rejected:
    """A path and why it was not imported, both printable on one line."""

    path: str
    error: str

    @classmethod
    def of(cls, path: str, error: str) -> Rejected:
        return cls(display_path(path), _one_line(error))


@dataclass
class ImportResult:
    files: int = 0
    imported: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    events: int = 0
    talks: int = 0
    # symbolic links not followed (they lead outside the imported folders), and why
    skipped: list[Rejected] = field(default_factory=list)
    # path -> what the front matter had that was ignored or cut (for `--dry-run` and `-v`)
    warnings: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "files": self.files,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "rejected": [{"path": r.path, "error": r.error} for r in self.rejected],
            "events": self.events,
            "talks": self.talks,
        }
        if self.skipped:  # only then, so the usual shape stays the documented one
            out["skipped"] = [{"path": r.path, "reason": r.error} for r in self.skipped]
        return out


@dataclass
class Scan:
    """What `scan_paths` found: files to import, paths it could not read, links it skipped."""

    files: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    skipped: list[Rejected] = field(default_factory=list)


def _inside(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _is_report(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in REPORT_SUFFIXES


def scan_paths(paths: Iterable[str | Path]) -> Scan:
    """Report files under `paths` (folders recursively, hidden files skipped), sorted.

    A path that does not exist and a folder that cannot be read are rejected rather than
    silently skipped. Inside a folder, a symbolic link is followed only when it leads to a
    place inside one of the folders being imported; a path named directly is always read.
    """
    scan = Scan()
    given = [os.fsdecode(os.fspath(p)) for p in paths]
    roots = [os.path.realpath(p) for p in given if os.path.isdir(p)]
    for path in given:
        if os.path.isdir(path):
            scan.files.extend(str(p) for p in sorted(map(Path, _walk(path, roots, scan))))
        elif os.path.isfile(path):
            scan.files.append(path)
        elif os.path.islink(path):
            scan.rejected.append(Rejected.of(path, "broken symbolic link"))
        elif os.path.exists(path):
            scan.rejected.append(Rejected.of(path, "not a regular file or folder"))
        else:
            scan.rejected.append(Rejected.of(path, "no such file or folder"))
    scan.files = list(dict.fromkeys(scan.files))
    return scan


def _walk(top: str, roots: Sequence[str], scan: Scan) -> Iterable[str]:
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            scan.rejected.append(Rejected.of(folder, f"cannot read folder: "
                                                     f"{exc.strerror or exc}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if not os.path.exists(target):
                        if _is_report(entry.name):
                            scan.skipped.append(Rejected.of(entry.path, "broken symbolic link"))
                        continue
                    is_dir = os.path.isdir(target)
                    if not _inside(target, roots):
                        if is_dir or _is_report(entry.name):
                            scan.skipped.append(Rejected.of(
                                entry.path, "symbolic link to outside the imported folders, "
                                            "not followed"))
                        continue
                    if is_dir:
                        continue  # its files are imported under their own folder
                    if os.path.isfile(target) and _is_report(entry.name):
                        yield entry.path
                elif entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False) and _is_report(entry.name):
                    yield entry.path
            except OSError as exc:
                scan.rejected.append(Rejected.of(entry.path, f"cannot read: "
                                                             f"{exc.strerror or exc}"))


def collect_files(paths: Iterable[str | Path]) -> tuple[list[str], list[Rejected]]:
    """The report files under `paths` and the paths that could not be read (`scan_paths`)."""
    scan = scan_paths(paths)
    return scan.files, scan.rejected


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

    `progress` is called once per file (for a progress bar) with the printable path;
    `on_event` runs inside the file's transaction after its talks are written (the search
    index uses it). Raises StoreError, after the files before it were imported, when the store
    itself fails.
    """
    scan = scan_paths(paths)
    result = ImportResult(files=len(scan.files), rejected=list(scan.rejected),
                          skipped=list(scan.skipped))
    for path in scan.files:
        try:
            _import_one(sessions, path, result, on_event)
        finally:
            if progress is not None:
                progress(display_path(path))
    with _store_guard(sessions), sessions() as session:
        result.events = session.scalar(select(func.count(Event.id))) or 0
        result.talks = session.scalar(select(func.count(Talk.id))) or 0
    return result


@contextmanager
def _store_guard(sessions: sessionmaker[Session]) -> Iterator[None]:
    """Turns a failure of the store itself into StoreError; other errors pass unchanged."""
    try:
        yield
    except SQLAlchemyError as exc:
        cause = store_failure(exc)
        if cause is None:
            raise
        bind = sessions.kw.get("bind")
        store = hidden_url(bind.url) if bind is not None else "(unknown)"
        log.info("the store failed", exc_info=True)  # statement and parameters: -v only
        raise StoreError(store, cause) from None


def _reject(result: ImportResult, path: str, reason: str) -> None:
    rejected = Rejected.of(path, reason)
    log.info("rejected %s: %s", rejected.path, rejected.error)
    result.rejected.append(rejected)


def _import_one(sessions: sessionmaker[Session], path: str, result: ImportResult,
                on_event: IndexHook | None) -> None:
    source = source_name(path)
    if len(source) > MAX_SOURCE_CHARS or len(source.encode("utf-8")) > MAX_SOURCE_BYTES:
        _reject(result, path, f"path too long to store ({len(source)} characters; "
                              f"at most {MAX_SOURCE_CHARS})")
        return
    try:
        data = read_bytes(path)
    except ReportError as exc:
        _reject(result, path, exc.reason)
        return
    digest = fingerprint(data)
    with _store_guard(sessions), sessions() as session:
        known = session.scalar(select(Report.content_hash).where(Report.source == source))
    if known == digest:
        result.unchanged += 1
        return
    try:
        parsed = read_report(data, source)
    except ReportError as exc:
        _reject(result, path, exc.reason)
        return
    if parsed.warnings:
        result.warnings[source] = list(parsed.warnings)
        for w in parsed.warnings:
            log.info("%s: %s", display_path(path), w)
    session = sessions()
    try:
        with _store_guard(sessions), session.begin():
            event = _store_report(session, source, digest, parsed)
            index_event(session, event)  # here, so no caller can forget the search index
            if on_event is not None:
                on_event(session, event)
    except SQLAlchemyError as exc:
        log.info("could not store %s", display_path(path), exc_info=True)  # SQL: -v only
        _reject(result, path, f"database error: {type(getattr(exc, 'orig', None) or exc).__name__}"
                              f": {error_line(exc)}")
        return
    except (ValueError, UnicodeError) as exc:  # a value the driver refuses to send
        log.info("could not store %s", display_path(path), exc_info=True)
        _reject(result, path, f"cannot store this report ({type(exc).__name__})")
        return
    finally:
        session.close()
    log.info("imported %s: %s, %d talks", display_path(path), parsed.event.name,
             len(parsed.talks))
    result.imported += 1


@dataclass
class Preview:
    """What importing one file would store, or why it would be rejected."""

    path: str
    report: ParsedReport | None = None
    error: str | None = None


def preview_paths(paths: Sequence[str | Path]) -> tuple[list[Preview], list[Rejected]]:
    """Read and parse every report under `paths` without touching a store (`--dry-run`).

    Paths are printable (`display_path`); like `import_paths`, every failure in reading a
    file is its one-line error, and front-matter warnings come first among a report's.
    """
    scan = scan_paths(paths)
    previews: list[Preview] = []
    for path in scan.files:
        shown = display_path(path)
        try:
            parsed = read_report(read_bytes(path), source_name(path))
        except ReportError as exc:
            previews.append(Preview(shown, error=_one_line(exc.reason)))
            continue
        previews.append(Preview(shown, report=parsed))
    return previews, scan.rejected


def read_report(data: bytes, source: str) -> ParsedReport:
    """Decode and parse one file's bytes; any failure, a parser bug included, is a
    ReportError with a one-line reason, so it costs this file and not the batch."""
    try:
        text = decode_report(data)
        parsed = parse_report(text, source=source)
    except ReportError:
        raise
    except Exception as exc:
        log.info("could not parse %s", display_path(source), exc_info=True)
        raise ReportError(f"cannot read this report ({type(exc).__name__})") from None
    return parsed
