"""Slack listeners for /meetup, mentions, DMs, buttons and App Home: ack, store, blocks, respond."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.adding import FILE_SUFFIXES, Adder
from bot.blocks import (
    CANCEL_IMPORT,
    IMPORT_REPORT,
    MAX_QUERY,
    MORE_RESULTS,
    PAGE_SIZE,
    SHARE_TALK,
    UNDO_IMPORT,
    ChannelPick,
    EventView,
    HitView,
    Page,
    Reply,
    TalkView,
    decode_share,
    escape_mrkdwn,
    events_blocks,
    help_blocks,
    home_view,
    no_results_blocks,
    notice_blocks,
    one_line,
    results_blocks,
    shared_talk_blocks,
    talk_blocks,
)
from bot.i18n import Lang, choose_language, normalise_language, t
from bot.locales import UserLocales
from store.errors import MeetupBotError
from store.intent import is_noise
from store.models import Talk
from store.queries import get_talk, list_events, talk_id_was_issued
from store.slack_events import claim_event, forget_events

log = logging.getLogger("meetup_bot.slack")

COMMAND = "/meetup"
MAX_FILES = 3  # report files read from one message
EVENT_TTL_SECONDS = 3600.0  # Slack retries an event three times within about five minutes


# ---------------------------------------------------------------- seams


class SearchResultLike(Protocol):
    hits: Sequence[Any]
    total: int
    suggestions: Sequence[str]


class SearchBackend(Protocol):
    """store.search's two entry points (the module itself satisfies this)."""

    def search_talks(self, session: Session, query: str, *, limit: int = 5,
                     offset: int = 0) -> SearchResultLike: ...

    def search_speaker(self, session: Session, name: str, *, limit: int = 5,
                       offset: int = 0) -> SearchResultLike: ...


class DigestPort(Protocol):
    """What the weekly digest (issue 5) offers the Slack app; absent until it is wired in."""

    def week(self, *, channel_id: str | None, lang: Lang) -> Reply: ...

    def subscribe(self, *, channel_id: str, user_id: str, args: str | None, lang: Lang
                  ) -> Reply:
        """`/meetup subscribe [TOPIC] [CRON]`, `args` being the text after `subscribe`."""
        ...

    def unsubscribe(self, *, channel_id: str, user_id: str, lang: Lang) -> Reply: ...

    def home_week(self, *, lang: Lang) -> tuple[list[ChannelPick], str | None]:
        """App Home: each subscribed channel's talk of the week, or a note saying why none."""
        ...


class EventLog:
    """Keys seen in the last `ttl` seconds, so a re-delivered event is answered once.

    In memory, checked before the ack: it covers the retries that reach this copy of the bot.
    StoreClaims covers several copies behind one URL, after the ack.
    """

    def __init__(self, ttl: float = EVENT_TTL_SECONDS, max_entries: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, key: str) -> bool:
        """True the first time `key` is seen within the TTL; False for a repeat."""
        now = self._clock()
        with self._lock:
            while self._seen:
                oldest, expires = next(iter(self._seen.items()))
                if expires > now and len(self._seen) < self._max:
                    break
                del self._seen[oldest]
            if key in self._seen:
                return False
            self._seen[key] = now + self._ttl
            return True


class StoreClaims:
    """Claims in the store (store.slack_events), so that several copies of the bot behind one
    URL answer a message once; old claims are dropped every `purge_every` seconds."""

    def __init__(self, sessions: sessionmaker[Session], *, ttl: float = EVENT_TTL_SECONDS,
                 purge_every: float = 600.0) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._purge_every = purge_every
        self._next_purge = 0.0
        self._lock = threading.Lock()

    def __call__(self, key: str) -> bool:
        with self._sessions() as session:
            claimed = claim_event(session, key)
            with self._lock:
                due = time.monotonic() >= self._next_purge
                if due:
                    self._next_purge = time.monotonic() + self._purge_every
            if due:
                forget_events(session, before=dt.datetime.now(dt.UTC)
                              - dt.timedelta(seconds=self._ttl))
        return claimed


Responder = Callable[[str, dict[str, Any]], None]
# Runs fn(deps, *args, **kwargs) somewhere else (bot.app: a low-priority worker process) so
# searches never compete with acks for this process's CPU; None runs it here.
Offload = Callable[[Callable[..., Any], tuple[Any, ...], dict[str, Any]], Any]


@dataclass
class Deps:
    """Everything the listeners need, passed in by bot.app (tests pass fakes)."""

    sessions: sessionmaker[Session]
    search: SearchBackend
    language: str | None = None
    digest: DigestPort | None = None
    respond: Responder | None = None
    events: EventLog = field(default_factory=EventLog)
    offload: Offload | None = None
    claim: Callable[[str], bool] | None = None  # across copies (StoreClaims); None: memory only
    adder: Adder | None = None  # `add URL` and shared files (bot.adding); None: not offered
    locales: UserLocales = field(default_factory=UserLocales)

    def language_of(self, user_id: str | None, client: WebClient | None = None) -> Lang:
        """The language to answer `user_id` in: BOT_LANGUAGE, else their Slack locale,
        else Japanese (also when users.info fails)."""
        fixed = normalise_language(self.language)
        if fixed is not None:
            return fixed  # the workspace's choice: Slack need not be asked
        return choose_language(None, self.locales.locale(client, user_id))

    def compute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(self, *args, **kwargs)`, in the offload worker when there is one."""
        if self.offload is None:
            return fn(self, *args, **kwargs)
        return self.offload(fn, args, kwargs)


# ---------------------------------------------------------------- text in


_MENTION = re.compile(r"<[@!][^>]*>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")
_ALIASES = {
    "help": "help", "ヘルプ": "help", "使い方": "help", "?": "help", "？": "help",
    "events": "events", "イベント": "events",
    "talk": "talk", "トーク": "talk",
    "speaker": "speaker", "登壇者": "speaker", "スピーカー": "speaker",
    "week": "week", "今週": "week",
    "subscribe": "subscribe", "unsubscribe": "unsubscribe",
    "add": "add", "追加": "add", "取り込み": "add",
}


def clean_text(text: str | None) -> str:
    """Slack's markup turned back into what the user typed; mentions of people dropped."""
    text = text or ""
    text = _MENTION.sub(" ", text)
    text = _CHANNEL.sub(lambda m: m.group(1) or " ", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = html.unescape(text)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Command:
    name: Literal["help", "events", "talk", "speaker", "week", "subscribe", "unsubscribe",
                  "add", "search"]
    arg: str = ""
    cut: bool = False


def parse_command(text: str | None) -> Command:
    """`/meetup` text as a command; anything that is no subcommand is a search query."""
    clean = clean_text(text)
    if not clean:
        return Command("help")
    word, _, rest = clean.partition(" ")
    name = _ALIASES.get(word.lower())
    rest = rest.strip()
    if name == "talk" and " " in rest and not re.fullmatch(r"#?\d{1,12}", rest):
        name = None  # "talk about kubernetes" is a search; "talk abc" asks for a number
    if name is None:
        query = clean[:MAX_QUERY]
        return Command("search", query, cut=len(clean) > MAX_QUERY)
    return Command(name, rest[:MAX_QUERY], cut=len(rest) > MAX_QUERY)  # type: ignore[arg-type]


def add_target(text: str | None) -> str:
    """The URL of `add URL` as the user pasted it (Slack wraps it as <url> or <url|label>)."""
    for m in _LINK.finditer(text or ""):
        if m.group(1).lower().startswith(("http://", "https://")):
            return html.unescape(m.group(1))
    _, _, rest = clean_text(text).partition(" ")
    return rest.strip().split(" ")[0] if rest.strip() else ""


# ---------------------------------------------------------------- answers


@contextmanager
def _session(deps: Deps) -> Iterator[Session]:
    session = deps.sessions()
    try:
        yield session
    finally:
        session.close()


def answer(deps: Deps, text: str | None, *, channel_id: str | None = None,
           user_id: str | None = None, shareable: bool = True,
           bot_user_id: str | None = None, lang: Lang | None = None) -> Reply:
    """What the bot says to `/meetup TEXT` (also to a mention or DM with TEXT), in `lang`
    (the asker's language, bot.handlers.Deps.language_of; default: BOT_LANGUAGE or Japanese)."""
    command = parse_command(text)
    lang = lang or choose_language(deps.language)
    if command.name == "help":
        return help_blocks(lang=lang, bot_user_id=bot_user_id)
    if command.name == "add":  # fetched in the listener (bot.adding); here only how to use it
        return notice_blocks(t(lang, "add_usage"))
    if command.name == "events":
        return answer_events(deps, lang, named=command.arg)
    if command.name == "talk":
        return answer_talk(deps, command.arg, lang, shareable=shareable)
    if command.name == "speaker":
        if not command.arg:
            return notice_blocks(t(lang, "speaker_missing"))
        return answer_page(deps, Page("speaker", command.arg, 0, lang), shareable=shareable,
                           cut=command.cut)
    if command.name in ("week", "subscribe", "unsubscribe"):
        return answer_digest(deps, command, lang, channel_id=channel_id, user_id=user_id)
    if is_noise(command.arg):
        # a single letter, markup or SQL is not a question: say how to ask one
        notice, _ = notice_blocks(t(lang, "not_a_query",
                                             query=escape_mrkdwn(one_line(command.arg)[:60])))
        blocks, fallback = help_blocks(lang=lang, bot_user_id=bot_user_id)
        return [*notice, *blocks], fallback
    return answer_page(deps, Page("query", command.arg, 0, lang), shareable=shareable,
                       cut=command.cut)


def reply_to(deps: Deps, text: str | None, **kwargs: Any) -> Reply:
    """`answer`, with the store and search work offloaded; the digest's answers stay here."""
    if parse_command(text).name in ("help", "week", "subscribe", "unsubscribe"):
        return answer(deps, text, **kwargs)
    return deps.compute(answer, text, **kwargs)  # type: ignore[no-any-return]


def answer_page(deps: Deps, page: Page, *, shareable: bool = True, cut: bool = False) -> Reply:
    """One page of results for a query or a speaker, or the friendly nothing-found answer."""
    with _session(deps) as session:
        find = deps.search.search_speaker if page.kind == "speaker" else deps.search.search_talks
        result = find(session, page.query, limit=PAGE_SIZE, offset=page.offset)
        hits = [HitView.from_hit(h) for h in result.hits]
        empty = not hits and session.scalar(select(Talk.id).limit(1)) is None
    if empty:
        return notice_blocks(t(page.lang, "store_empty"))
    if not hits and page.offset == 0:
        blocks, text = no_results_blocks(page.query, list(result.suggestions), lang=page.lang,
                                         kind=page.kind)
    else:
        blocks, text = results_blocks(page.query, hits, total=max(result.total, page.offset),
                                      offset=page.offset, lang=page.lang, kind=page.kind,
                                      shareable=shareable)
    if cut:
        blocks = [*blocks[:-1], *notice_blocks(t(page.lang, "query_cut", limit=MAX_QUERY))[0],
                  blocks[-1]] if len(blocks) > 1 else blocks
    return blocks, text


def answer_talk(deps: Deps, arg: str, lang: Lang, *, shareable: bool = True) -> Reply:
    if not re.fullmatch(r"#?\d{1,12}", arg):
        return notice_blocks(t(lang, "talk_bad_id"))
    talk_id = int(arg.lstrip("#"))
    with _session(deps) as session:
        talk = get_talk(session, talk_id) if talk_id < 2**31 else None
        view = TalkView.from_talk(talk) if talk is not None else None
        gone = view is None and talk_id < 2**31 and talk_id_was_issued(session, talk_id)
    if view is None:
        return notice_blocks(t(lang, "talk_gone" if gone else "talk_not_found", id=talk_id))
    return talk_blocks(view, lang=lang, shareable=shareable)


def answer_events(deps: Deps, lang: Lang, limit: int = 20, *, named: str = "") -> Reply:
    """The events, newest first; `named` (a year, a period, a name, an abbreviation) filters."""
    named = named.strip()
    with _session(deps) as session:
        events = list_events(session, named or None)
        views = [EventView.from_event(e) for e in events[:limit]]
    if named and not views:
        return notice_blocks(t(lang, "events_none",
                                 named=escape_mrkdwn(one_line(named)[:100])))
    return events_blocks(views, lang=lang, limit=limit, total=len(events))


def answer_digest(deps: Deps, command: Command, lang: Lang, *, channel_id: str | None,
                  user_id: str | None) -> Reply:
    """week / subscribe / unsubscribe: the digest's answer, or honestly "not set up yet"."""
    if deps.digest is None:
        return notice_blocks(t(lang, "digest_not_ready"))
    if command.name == "week":
        return deps.digest.week(channel_id=channel_id, lang=lang)
    if not channel_id:
        return notice_blocks(t(lang, "digest_not_ready"))
    if command.name == "subscribe":
        return deps.digest.subscribe(channel_id=channel_id, user_id=user_id or "",
                                     args=command.arg or None, lang=lang)
    return deps.digest.unsubscribe(channel_id=channel_id, user_id=user_id or "", lang=lang)


def answer_share(deps: Deps, value: str, user_id: str, lang: Lang | None = None
                 ) -> tuple[Reply, bool] | None:
    """What "Share" does: (the message to post in the channel, True), or (an ephemeral
    answer to the user, False) when the talk is no longer in the store; None when the value
    is not one of ours. `lang`: the language of whoever pressed it (default: the one the
    button was made in)."""
    decoded = decode_share(value)
    if decoded is None:
        return None
    talk_id, made_in = decoded
    lang = lang or made_in
    with _session(deps) as session:
        talk = get_talk(session, talk_id)
        view = TalkView.from_talk(talk) if talk is not None else None
    if view is None:
        return notice_blocks(t(lang, "talk_gone", id=talk_id)), False
    return shared_talk_blocks(view, user_id, lang=lang), True


def home(deps: Deps, *, bot_user_id: str | None = None, lang: Lang | None = None
         ) -> dict[str, Any]:
    """The App Home view, in `lang` (default: BOT_LANGUAGE or Japanese)."""
    lang = lang or choose_language(deps.language)
    with _session(deps) as session:
        views = [EventView.from_event(e) for e in list_events(session)[:10]]
    week_picks: list[ChannelPick] = []
    week_note: str | None = t(lang, "digest_not_ready")
    if deps.digest is not None:
        week_picks, week_note = deps.digest.home_week(lang=lang)
    adders = deps.adder.policy.describe(lang) if deps.adder is not None else None
    return home_view(views, lang=lang, week_picks=week_picks, week_note=week_note,
                     bot_user_id=bot_user_id, adders=adders)


def safely(lang: Lang, what: str, fn: Callable[[], Reply]) -> Reply:
    """`fn()`, or a short apology when the store or search fails; the detail goes to the log."""
    try:
        return fn()
    except (SQLAlchemyError, MeetupBotError, LookupError, ValueError, TimeoutError):
        log.exception("%s failed", what)
        return notice_blocks(t(lang, "error"))


# ---------------------------------------------------------------- listeners


def _send(deps: Deps, respond: Callable[..., Any], url: str | None, payload: dict[str, Any]
          ) -> None:
    """Answer through the request's response_url, with retries when bot.app gave a responder."""
    if url and deps.respond is not None:
        deps.respond(url, payload)
    else:
        respond(**payload)


def _claimed_everywhere(deps: Deps, key: str) -> bool:
    """The store's claim when there is one; if the store fails, answering beats silence."""
    if deps.claim is None:
        return True
    try:
        return deps.claim(key)
    except SQLAlchemyError as exc:
        log.warning("could not record %s in the store (%s); answering anyway", key,
                    type(exc).__name__)
        return True


def _ack(ack: Ack) -> None:
    ack()


def register(app: App, deps: Deps) -> None:
    """Attach every listener to `app`; the slow part of each runs lazily after the ack."""

    @app.middleware
    def drop_retried_events(body: dict[str, Any], next: Callable[[], BoltResponse]
                            ) -> BoltResponse | None:
        # Slack re-sends an event it thinks we missed (X-Slack-Retry-Num); answer it once.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not deps.events.claim(f"event:{event_id}"):
            log.info("dropped a repeated delivery of %s", event_id)
            return BoltResponse(status=200, body="")
        return next()

    @app.middleware
    def answer_ssl_check(body: dict[str, Any], next: Callable[[], BoltResponse]
                         ) -> BoltResponse | None:
        # Slack's ssl_check pings are signed like everything else; they only need a 200.
        if body.get("ssl_check") == "1":
            return BoltResponse(status=200, body="")
        return next()

    def answer_add(text: str, client: WebClient, *, user_id: str, channel_id: str | None,
                   team_id: str | None) -> Reply:
        """`add URL`: who may, then the fetch and the preview (after the ack)."""
        lang = deps.language_of(user_id, client)
        return safely(lang, "add", lambda: adding(
            client, user_id, lang, lambda adder: adder.preview_url(
                add_target(text), user_id=user_id, channel_id=channel_id, team_id=team_id,
                lang=lang)))

    def adding(client: WebClient, user_id: str, lang: Lang,
               preview: Callable[[Adder], Reply]) -> Reply:
        """A report offered from Slack (a link or a file): who may add, then its preview."""
        adder = deps.adder
        if adder is None:
            return notice_blocks(t(lang, "add_failed"))
        if not adder.allowed(client, user_id):
            return adder.refused(lang)
        return preview(adder)

    def handle_command(body: dict[str, Any], respond: Callable[..., Any], client: WebClient,
                       context: dict[str, Any]) -> None:
        text = body.get("text", "")
        if parse_command(text).name == "add":
            blocks, fallback = answer_add(text, client, user_id=body.get("user_id", ""),
                                          channel_id=body.get("channel_id"),
                                          team_id=body.get("team_id"))
            _send(deps, respond, body.get("response_url"),
                  {"response_type": "ephemeral", "blocks": blocks, "text": fallback})
            return
        lang = deps.language_of(body.get("user_id"), client)
        blocks, fallback = safely(lang, "/meetup", lambda: reply_to(
            deps, text, channel_id=body.get("channel_id"), user_id=body.get("user_id"),
            bot_user_id=context.get("bot_user_id"), lang=lang))
        _send(deps, respond, body.get("response_url"),
              {"response_type": "ephemeral", "blocks": blocks, "text": fallback})

    def handle_more(body: dict[str, Any], respond: Callable[..., Any], client: WebClient
                    ) -> None:
        action = (body.get("actions") or [{}])[0]
        decoded = Page.decode(str(action.get("value", "")))
        if decoded is None:
            return
        # the next page in the language of whoever asks for it
        page = dataclasses.replace(
            decoded, lang=deps.language_of((body.get("user") or {}).get("id"), client))
        ephemeral = bool((body.get("container") or {}).get("is_ephemeral", True))
        blocks, fallback = safely(page.lang, "More", lambda: deps.compute(
            answer_page, page, shareable=ephemeral))
        _send(deps, respond, body.get("response_url"),
              {"replace_original": True, "blocks": blocks, "text": fallback})

    def handle_share(body: dict[str, Any], respond: Callable[..., Any], client: WebClient
                     ) -> None:
        action = (body.get("actions") or [{}])[0]
        user_id = (body.get("user") or {}).get("id", "")
        lang = deps.language_of(user_id, client)
        outcome: list[bool] = []

        def share() -> Reply:
            found = deps.compute(answer_share, str(action.get("value", "")), user_id, lang)
            if found is None:
                return [], ""
            outcome.append(found[1])
            return found[0]

        reply = safely(lang, "Share", share)
        if not reply[0]:
            return
        if outcome != [True]:  # the talk is gone, or the store failed: tell the user only
            _send(deps, respond, body.get("response_url"),
                  {"response_type": "ephemeral", "replace_original": False,
                   "blocks": reply[0], "text": reply[1]})
            return
        channel = (body.get("channel") or {}).get("id")
        try:
            if not channel:
                raise SlackApiError("no channel", {"ok": False, "error": "channel_not_found"})
            client.chat_postMessage(channel=channel, blocks=reply[0], text=reply[1])
        except SlackApiError as exc:
            # Not a member of the channel: the response_url can still post there in_channel.
            log.info("chat.postMessage for Share failed: %s", exc.response.get("error"))
            _send(deps, respond, body.get("response_url"),
                  {"response_type": "in_channel", "replace_original": False,
                   "blocks": reply[0], "text": reply[1]})

    def reply_in_thread(event: dict[str, Any], client: WebClient, context: dict[str, Any]
                        ) -> None:
        bot_user_id = context.get("bot_user_id")
        # report files (by name; a payload without names is asked of Slack) go to the add
        # flow; a screenshot beside a question leaves the question to be answered
        reports = [f for f in (event.get("files") or [])[:MAX_FILES]
                   if isinstance(f, dict) and f.get("id") and (
                       not f.get("name") or os.path.splitext(str(f["name"]))[1].lower()
                       in FILE_SUFFIXES)]
        if reports and event.get("subtype") in (None, "file_share") and not (
                event.get("bot_id") or event.get("user") == bot_user_id):
            for shared in reports:
                answer_file(str(shared["id"]), client, text=event.get("text", ""),
                            user_id=str(event.get("user") or ""),
                            channel_id=event.get("channel"), team_id=context.get("team_id"),
                            thread_ts=event.get("thread_ts") or (
                                None if event.get("channel_type") == "im" else event.get("ts")))
            return
        subtype = event.get("subtype")
        if subtype == "file_share" and not event.get("text"):
            return  # a file that is not a report, and no question with it
        for other in (event.get("files") or [])[:MAX_FILES]:
            if isinstance(other, dict) and other.get("id") and event.get("channel"):
                # the question is the answer: file_shared must not also refuse the file
                key = f"file:{event['channel']}:{other['id']}"
                if deps.events.claim(key):
                    _claimed_everywhere(deps, key)
        if ((subtype and subtype != "file_share") or event.get("bot_id")
                or event.get("user") == bot_user_id
                or not event.get("user") or not event.get("channel") or not event.get("ts")):
            return  # edits, deletions, other bots and ourselves
        key = f"message:{event['channel']}:{event['ts']}"
        if not deps.events.claim(key) or not _claimed_everywhere(deps, key):
            return  # the same message again: re-delivered, or as an app_mention and a DM event
        text = event.get("text", "")
        lang = deps.language_of(event.get("user"), client)
        if parse_command(text).name == "add":
            blocks, fallback = answer_add(text, client, user_id=event["user"],
                                          channel_id=event.get("channel"),
                                          team_id=context.get("team_id"))
        else:
            blocks, fallback = safely(lang, "mention", lambda: reply_to(
                deps, text, channel_id=event.get("channel"), user_id=event.get("user"),
                shareable=False, bot_user_id=bot_user_id, lang=lang))
        thread_ts = event.get("thread_ts") or (
            None if event.get("channel_type") == "im" else event["ts"])
        kwargs: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        client.chat_postMessage(channel=event["channel"], blocks=blocks, text=fallback,
                                unfurl_links=False, unfurl_media=False, **kwargs)

    def answer_file(file_id: str, client: WebClient, *, text: str, user_id: str,
                    channel_id: str | None, team_id: str | None, thread_ts: str | None) -> None:
        """A report file shared with the bot: the preview (or why not) where it was shared.
        A file arrives as a message and as file_shared: it is answered once."""
        key = f"file:{channel_id}:{file_id}"
        if (not user_id or not channel_id or not deps.events.claim(key)
                or not _claimed_everywhere(deps, key)):
            return
        lang = deps.language_of(user_id, client)
        blocks, fallback = safely(lang, "file", lambda: adding(
            client, user_id, lang, lambda adder: adder.preview_file(
                client, file_id, user_id=user_id, channel_id=channel_id, team_id=team_id,
                lang=lang)))
        kwargs: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        client.chat_postMessage(channel=channel_id, blocks=blocks, text=fallback,
                                unfurl_links=False, unfurl_media=False, **kwargs)

    def handle_file_shared(event: dict[str, Any], client: WebClient, context: dict[str, Any]
                           ) -> None:
        channel = str(event.get("channel_id") or "")
        user = str(event.get("user_id") or "")
        if not channel.startswith("D") or not user or user == context.get("bot_user_id"):
            return  # in a channel, only a file shared with a mention is for us
        answer_file(str(event.get("file_id") or ""), client, text="", user_id=user,
                    channel_id=channel, team_id=context.get("team_id"), thread_ts=None)

    def handle_click(body: dict[str, Any], respond: Callable[..., Any], client: WebClient
                     ) -> None:
        """Import, Cancel and Undo: the answer replaces the message clicked, unless it is
        for the clicker only (someone else's preview)."""
        action = (body.get("actions") or [{}])[0]
        value = str(action.get("value", ""))
        user_id = str((body.get("user") or {}).get("id", ""))
        lang = deps.language_of(user_id, client)
        adder = deps.adder
        if adder is None or not value:
            return
        outcome: list[bool] = []

        def run() -> Reply:
            reply: Reply | None
            replace = True
            if action.get("action_id") == IMPORT_REPORT:
                reply, replace = adder.confirm(value, user_id=user_id, fallback_lang=lang)
            elif action.get("action_id") == CANCEL_IMPORT:
                reply, replace = adder.cancel(value, user_id=user_id, fallback_lang=lang)
            elif not adder.allowed(client, user_id):
                reply, replace = adder.refused(lang), False
            else:
                reply = adder.undo(value, user_id=user_id)
            outcome.append(replace)
            return reply if reply is not None else ([], "")

        blocks, fallback = safely(lang, "import button", run)
        if not blocks:
            return
        replace = outcome == [True]
        payload: dict[str, Any] = {"replace_original": replace, "blocks": blocks,
                                   "text": fallback}
        if not replace:
            payload["response_type"] = "ephemeral"
        _send(deps, respond, body.get("response_url"), payload)

    def handle_mention(event: dict[str, Any], client: WebClient, context: dict[str, Any]
                       ) -> None:
        reply_in_thread(event, client, context)

    def handle_message(event: dict[str, Any], client: WebClient, context: dict[str, Any]
                       ) -> None:
        if event.get("channel_type") == "im":
            reply_in_thread(event, client, context)

    def handle_home_opened(event: dict[str, Any], client: WebClient, context: dict[str, Any]
                           ) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        try:
            view = home(deps, bot_user_id=context.get("bot_user_id"),
                        lang=deps.language_of(event["user"], client))
        except (SQLAlchemyError, MeetupBotError, TimeoutError):
            log.exception("App Home failed")
            return
        client.views_publish(user_id=event["user"], view=view)

    app.command(COMMAND)(ack=_ack, lazy=[handle_command])
    app.action(MORE_RESULTS)(ack=_ack, lazy=[handle_more])
    app.action(SHARE_TALK)(ack=_ack, lazy=[handle_share])
    app.event("app_mention")(ack=_ack, lazy=[handle_mention])
    app.event("message")(ack=_ack, lazy=[handle_message])
    app.event("app_home_opened")(ack=_ack, lazy=[handle_home_opened])
    app.event("file_shared")(ack=_ack, lazy=[handle_file_shared])
    for action_id in (IMPORT_REPORT, CANCEL_IMPORT, UNDO_IMPORT):
        app.action(action_id)(ack=_ack, lazy=[handle_click])
