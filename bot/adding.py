"""Adding reports from Slack: who may, fetching a page or a shared file, the preview, and
what Import, Cancel and Undo do. Every answer is (blocks, fallback) in the user's language;
nothing is stored before Import."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import (
    PreviewView,
    Reply,
    cut_escaped,
    decode_undo,
    imported_blocks,
    notice_blocks,
    preview_blocks,
)
from bot.i18n import Lang, t
from store.errors import LoginPage, MeetupBotError, NoTalkFound, ReportError
from store.fetch import (
    FetchError,
    FetchPolicy,
    HttpStatusError,
    Resolver,
    fetch_url,
    parse_hosts,
    system_resolver,
)
from store.importer import (
    drop_version,
    fingerprint,
    forget_report,
    import_report,
    replaced_version,
)
from store.pending import Pending, peek_pending, save_pending, take_pending
from store.remote import RemoteReport, fetch_report, file_report, reparse

log = logging.getLogger("meetup_bot.slack")

FILE_SUFFIXES = (".md", ".markdown", ".txt", ".html")  # what a Slack file may be
SLACK_FILES_HOST = "files.slack.com"  # where url_private_download points on Slack itself
GROUP_TTL = 60.0  # seconds a user group's members are reused
# An answer to a click, and whether it replaces the message clicked (False: to the clicker only)
Outcome = tuple[Reply, bool]


@dataclass(frozen=True)
class AddPolicy:
    """IMPORT_USERS: everyone ('*'), or these user ids and members of these user groups."""

    everyone: bool = True
    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    @classmethod
    def from_setting(cls, value: str | None) -> AddPolicy:
        names = [n for n in re.split(r"[\s,]+", value or "*") if n]
        if not names or "*" in names:
            return cls()
        return cls(False, frozenset(n for n in names if not n.startswith("S")),
                   frozenset(n for n in names if n.startswith("S")))

    def describe(self, lang: Lang) -> str:
        """Who may add, in mrkdwn: people and groups as Slack shows them."""
        if self.everyone:
            return t(lang, "add_who_everyone")
        who = [f"<@{u}>" for u in sorted(self.users)] + [f"<!subteam^{g}>"
                                                          for g in sorted(self.groups)]
        return t(lang, "add_who_list", who=", ".join(who))


@dataclass
class Adder:
    """The add flow, with what it needs: the store, who may add, how to fetch, Slack."""

    sessions: sessionmaker[Session]
    policy: AddPolicy = field(default_factory=AddPolicy)
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    api_host: str = "slack.com"  # SLACK_API_URL's host: the one place files come from
    api_origin: tuple[str, str | None, int | None] = ("https", "slack.com", None)
    token: str | None = field(default=None, repr=False)
    resolve: Resolver = system_resolver
    clock: Callable[[], float] = time.monotonic
    _groups: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------ who

    def allowed(self, client: WebClient, user_id: str) -> bool:
        if self.policy.everyone or user_id in self.policy.users:
            return True
        return any(user_id in self._members(client, g) for g in sorted(self.policy.groups))

    def _members(self, client: WebClient, group: str) -> frozenset[str]:
        with self._lock:
            cached = self._groups.get(group)
        if cached is not None and self.clock() - cached[0] < GROUP_TTL:
            return cached[1]
        try:
            answer = client.usergroups_users_list(usergroup=group)
            members = frozenset(str(u) for u in (answer.get("users") or []))
        except (SlackApiError, SlackClientError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
            log.warning("usergroups.users.list for %s failed (%s): its members may not add "
                        "reports now", group, error)
            return cached[1] if cached is not None else frozenset()
        with self._lock:
            self._groups[group] = (self.clock(), members)
        return members

    def refused(self, lang: Lang) -> Reply:
        return notice_blocks(t(lang, "add_not_allowed", who=self.policy.describe(lang)))

    # ------------------------------------------------------------ preview

    def preview_url(self, url: str, *, user_id: str, channel_id: str | None,
                    team_id: str | None, lang: Lang) -> Reply:
        """Fetch and read the page; the preview with Import / Cancel, or why not."""
        if not url:
            return notice_blocks(t(lang, "add_usage"))
        try:
            report = fetch_report(url, self.fetch, resolve=self.resolve)
        except (FetchError, ReportError) as exc:
            log.info("add %s refused: %s", _loggable(url), exc)
            return notice_blocks(t(lang, "add_error", reason=why(exc, lang)))
        return self._keep(report, user_id=user_id, channel_id=channel_id, team_id=team_id,
                          lang=lang)

    def preview_file(self, client: WebClient, file_id: str, *, user_id: str,
                     channel_id: str | None, team_id: str | None, lang: Lang) -> Reply:
        """A file shared with the bot: files.info, the download with the bot token, the
        same preview. Only the configured Slack API host (and Slack's file host) is ever
        asked for it, with the token; nothing else, private or not."""
        try:
            info = client.files_info(file=file_id).get("file") or {}
        except (SlackApiError, SlackClientError) as exc:
            log.info("files.info %s failed: %s", file_id, type(exc).__name__)
            return notice_blocks(t(lang, "add_error", reason=t(lang, "why_file_missing")))
        name = str(info.get("name") or info.get("title") or file_id)
        if os.path.splitext(name)[1].lower() not in FILE_SUFFIXES:
            return notice_blocks(t(lang, "add_error", reason=t(lang, "why_file_type")))
        url = str(info.get("url_private_download") or info.get("url_private") or "")
        if not self._slack_file_url(url):
            log.warning("files.info gave %s a download URL off Slack's hosts; not fetched",
                        file_id)
            return notice_blocks(t(lang, "add_error", reason=t(lang, "why_file_missing")))
        hosts = frozenset({self.api_host, SLACK_FILES_HOST})
        policy = FetchPolicy(allow_hosts=frozenset({self.api_host}), only_hosts=hosts,
                             auth_hosts=hosts, check_type=False,
                             headers={"Authorization": f"Bearer {self.token or ''}"},
                             max_bytes=self.fetch.max_bytes, timeout=self.fetch.timeout)
        try:
            page = fetch_url(url, policy, resolve=self.resolve)
            report = file_report(team=team_id or str(info.get("user_team") or "-"),
                                 file_id=file_id, name=name, data=page.data)
        except (FetchError, ReportError) as exc:
            log.info("file %s refused: %s", file_id, exc)
            return notice_blocks(t(lang, "add_error", reason=why(exc, lang, file=True)))
        return self._keep(report, user_id=user_id, channel_id=channel_id, team_id=team_id,
                          lang=lang)

    def _slack_file_url(self, url: str) -> bool:
        """Slack's own file host over https, or exactly the configured API's scheme, host and
        port (the fake Slack of the tests serves files on 127.0.0.1)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        if parts.scheme == "https" and parts.hostname == SLACK_FILES_HOST and port in (None,
                                                                                        443):
            return True
        return (parts.scheme, parts.hostname, port) == self.api_origin

    def _keep(self, report: RemoteReport, *, user_id: str, channel_id: str | None,
              team_id: str | None, lang: Lang) -> Reply:
        with self.sessions() as session:
            pending_id = save_pending(session, ident=report.ident, given=report.given,
                                      name=report.name, text=report.text, user_id=user_id,
                                      channel_id=channel_id, team_id=team_id, lang=lang)
        return preview_blocks(preview_view(report), pending_id, lang=lang)

    # ------------------------------------------------------------ buttons

    def confirm(self, pending_id: str, *, user_id: str, fallback_lang: Lang) -> Outcome:
        """Import: the pending report stored under its identity, with Undo."""
        taken = self._take(pending_id, user_id=user_id, fallback_lang=fallback_lang)
        if not isinstance(taken, Pending):
            return taken
        lang = _lang(taken.lang)
        try:
            report = reparse(taken.ident, taken.given, taken.name, taken.text)
        except ReportError as exc:
            return notice_blocks(t(lang, "add_error", reason=why(exc, lang))), True
        result = import_report(self.sessions, report.data, report.parsed, ident=report.ident,
                               given=report.given, keep=(report.name, report.text))
        if result.rejected:
            log.warning("import of %s failed: %s", _loggable(report.given),
                        result.rejected[0].error)
            return notice_blocks(t(lang, "add_failed")), True
        log.info("imported %s from Slack for %s", _loggable(report.given), user_id)
        return imported_blocks(preview_view(report), report.ident, lang=lang,
                               unchanged=result.imported == 0,
                               digest=fingerprint(report.data)), True

    def cancel(self, pending_id: str, *, user_id: str, fallback_lang: Lang) -> Outcome:
        """Cancel: the pending preview dropped, nothing stored."""
        taken = self._take(pending_id, user_id=user_id, fallback_lang=fallback_lang)
        if not isinstance(taken, Pending):
            return taken
        return notice_blocks(t(_lang(taken.lang), "add_cancelled")), True

    def _take(self, pending_id: str, *, user_id: str, fallback_lang: Lang
              ) -> Pending | Outcome:
        """The pending preview, taken by this click; or the answer saying why not (someone
        else's preview: told only to the clicker, the preview stays)."""
        with self.sessions() as session:
            found = peek_pending(session, pending_id)
            if found is not None and found.user_id != user_id:
                return notice_blocks(t(_lang(found.lang), "add_not_yours",
                                       user=found.user_id)), False
            taken = take_pending(session, pending_id)
        if taken is None:
            return notice_blocks(t(fallback_lang, "add_gone")), True
        return taken

    def undo(self, value: str, *, user_id: str) -> Reply | None:
        """Undo: put the store back as it was before Import. An import that replaced an
        earlier version of the page restores that version; one that added the report
        removes it. Nothing is undone when the report changed since (someone imported
        another version). None when the value is not ours."""
        decoded = decode_undo(value)
        if decoded is None:
            return None
        ident, lang, digest = decoded
        state, previous = replaced_version(self.sessions, ident, digest)
        if state != "current":
            return notice_blocks(t(lang, "add_undo_none" if state == "gone"
                                   else "add_undo_changed", source=_shown(ident)))
        if previous is not None:
            try:
                old = reparse(ident, previous.given, previous.name, previous.text)
            except ReportError as exc:  # the parser no longer reads it: remove, as before
                log.warning("the earlier version of %s no longer parses: %s",
                            _loggable(ident), exc)
            else:
                restored = import_report(self.sessions, old.data, old.parsed, ident=ident,
                                         given=old.given, keep=(old.name, old.text))
                if not restored.rejected:
                    if digest is not None:
                        drop_version(self.sessions, ident, digest)
                    log.info("%s undid the import of %s: earlier version restored", user_id,
                             _loggable(ident))
                    return notice_blocks(t(lang, "add_restored", source=_shown(ident),
                                           event=old.parsed.event.name))
        result = forget_report(self.sessions, ident)
        if not result.forgotten:
            return notice_blocks(t(lang, "add_undo_none"))
        log.info("%s undid the import of %s", user_id, _loggable(ident))
        return notice_blocks(t(lang, "add_undone", source=_shown(ident)))

def preview_view(report: RemoteReport) -> PreviewView:
    ev = report.parsed.event
    talks = tuple((tk.title, tuple(tk.speakers or tk.handles)) for tk in report.parsed.talks)
    return PreviewView(ev.name, ev.date, talks, tuple(report.parsed.warnings), report.given)


def why(exc: MeetupBotError, lang: Lang, *, file: bool = False) -> str:
    """The reason a page or file was not read, in the user's language."""
    if isinstance(exc, FetchError):
        if isinstance(exc, HttpStatusError) and exc.code == "http_error":
            return t(lang, "why_http_error", status=exc.status)
        if file and exc.code in ("not_found", "login_required", "unreachable"):
            return t(lang, "why_file_missing")
        if file and exc.code == "undecodable" and "binary" in str(exc):
            return t(lang, "why_file_binary")
        return t(lang, f"why_{exc.code}")
    if isinstance(exc, LoginPage):
        return t(lang, "why_login_page")
    if isinstance(exc, NoTalkFound):
        return t(lang, "why_not_a_report")
    reason = str(exc)
    if "binary" in reason:
        return t(lang, "why_file_binary" if file else "why_undecodable")
    if "undecodable" in reason or "empty file" in reason:
        return t(lang, "why_undecodable")
    if reason.startswith("unsupported file type"):
        return t(lang, "why_file_type")
    return t(lang, "why_unreadable")


def _lang(value: str) -> Lang:
    return "en" if value == "en" else "ja"


def _shown(ident: str) -> str:
    return cut_escaped(ident, 300)


def _loggable(url: str) -> str:
    """A URL for the log: no user info and no query string (either may carry a token)."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url[:200]
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


def build_adder(sessions: sessionmaker[Session], *, import_users: str | None,
                import_allow_hosts: str | None, api_base_url: str,
                token: str | None) -> Adder:
    """The add flow as the settings say (IMPORT_USERS, IMPORT_ALLOW_HOSTS, SLACK_API_URL)."""
    api = urlsplit(api_base_url)
    return Adder(sessions, policy=AddPolicy.from_setting(import_users),
                 fetch=FetchPolicy(allow_hosts=parse_hosts(import_allow_hosts)),
                 api_host=(api.hostname or "slack.com").lower(),
                 api_origin=(api.scheme, api.hostname, api.port), token=token)


