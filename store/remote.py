"""Reports that are no file here: a page fetched by URL, or a file shared in Slack.

Both end as a `RemoteReport`: the identity it is stored under, the text as read and the
parsed report, ready for a preview and for store.importer.import_report.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from store.decoding import decode_report
from store.errors import LoginPage, NoTalkFound, ReportError
from store.fetch import FetchPolicy, Resolver, fetch_url, system_resolver
from store.importer import REPORT_SUFFIXES
from store.reports import ParsedReport, parse_report

# Slack file names and ids are short; a report is known by its team and file id.
SLACK_FILE = "slack-file:{team}/{file_id}"
_PASSWORD = re.compile(r"<input\b[^>]*\btype\s*=\s*[\"']?password", re.I)
_TYPE_SUFFIX = {"text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt",
                "text/markdown": ".md", "text/x-markdown": ".md", "text/x-web-markdown": ".md"}


@dataclass
class RemoteReport:
    """A report read from a page or a Slack file, not yet stored."""

    ident: str  # the identity it is stored under (the page's URL, slack-file:…)
    given: str  # what people see as its source
    name: str  # the name the parser reads (its suffix says HTML, Markdown or text)
    text: str
    parsed: ParsedReport

    @property
    def data(self) -> bytes:
        """The bytes that are fingerprinted: the text as read, in UTF-8."""
        return self.text.encode("utf-8")


def parse_name(url: str, content_type: str) -> str:
    """The page's path with a suffix that tells the parser what it is reading."""
    path = urlsplit(url).path.rstrip("/") or "/index"
    suffix = _TYPE_SUFFIX.get(content_type, "")
    if suffix and os.path.splitext(path)[1].lower() not in (*REPORT_SUFFIXES,):
        path += suffix
    return path


def read_text(text: str, name: str) -> ParsedReport:
    """Parse a page's or file's text; a page with a password field and no talk is a login
    page, not a report."""
    try:
        return parse_report(text, source=name)
    except NoTalkFound:
        if _PASSWORD.search(text[:200_000]):
            raise LoginPage("the page asks for a login instead of showing the report"
                            ) from None
        raise
    except ReportError:
        raise
    except Exception as exc:  # a parser bug costs this report only
        raise ReportError(f"cannot read this report ({type(exc).__name__})") from None


def fetch_report(url: str, policy: FetchPolicy, *, resolve: Resolver = system_resolver
                 ) -> RemoteReport:
    """Fetch and parse the page at `url`; FetchError or ReportError say why not."""
    page = fetch_url(url, policy, resolve=resolve)
    name = parse_name(page.final_url, page.content_type)
    return RemoteReport(page.url, page.url, name, page.text, read_text(page.text, name))


def file_report(*, team: str, file_id: str, name: str, data: bytes) -> RemoteReport:
    """A file shared in Slack: its bytes decoded (store.decoding) and parsed."""
    if os.path.splitext(name)[1].lower() not in REPORT_SUFFIXES:
        raise ReportError(f"unsupported file type {os.path.splitext(name)[1] or '(none)'}")
    text = decode_report(data)  # binary and undecodable files refused, as on disk
    ident = SLACK_FILE.format(team=team, file_id=file_id)
    return RemoteReport(ident, name, name, text, read_text(text, name))


def reparse(ident: str, given: str, name: str, text: str) -> RemoteReport:
    """A report kept as text (a pending preview) read again: the parser is deterministic."""
    return RemoteReport(ident, given, name, text, read_text(text, name))
