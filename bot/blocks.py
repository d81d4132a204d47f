"""Pure Block Kit builders: talks, events and help as (blocks, fallback text) inside Slack's limits."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Literal

from bot.i18n import Lang, t

if TYPE_CHECKING:  # only for type hints: blocks never touch a session
    from store.models import Event, Talk

Block = dict[str, Any]
Reply = tuple[list[Block], str]

# Action ids (Bolt matches them exactly; they are part of the Slack surface, keep them stable).
MORE_RESULTS = "meetup_more"
SHARE_TALK = "meetup_share"
IMPORT_REPORT = "meetup_import"  # value: the pending preview's id (store.pending)
CANCEL_IMPORT = "meetup_import_cancel"  # value: the same id
UNDO_IMPORT = "meetup_import_undo"  # value: encode_undo(report identity, lang, version)

# Slack's documented limits (https://api.slack.com/reference/block-kit).
MAX_MESSAGE_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_TOTAL_TEXT = 12000
MAX_FALLBACK_TEXT = 3000

PAGE_SIZE = 5
MAX_QUERY = 200
ELLIPSIS = "…"

_URL = re.compile(r"^https?://[^\s<>|]+$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


# ---------------------------------------------------------------- plain values


@dataclass(frozen=True)
class TalkView:
    """What the blocks show of a talk; built from a store Talk with `from_talk`."""

    id: int
    title: str
    speakers: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    event_name: str = ""
    event_date: dt.date | None = None
    summary: str = ""
    notes: str = ""
    has_notes: bool = True
    url: str | None = None
    source: str = ""

    @classmethod
    def from_talk(cls, talk: Talk) -> TalkView:
        event = talk.event
        sources = talk.sources
        return cls(
            id=talk.id,
            title=talk.title,
            speakers=tuple(talk.speakers or ()),
            affiliations=tuple(talk.affiliations or ()),
            handles=tuple(talk.handles or ()),
            event_name=event.name if event is not None else "",
            event_date=event.date if event is not None else None,
            summary=talk.summary or "",
            notes=talk.notes or "",
            has_notes=bool(talk.has_notes),
            # the talk's own link (slides, video), else its event's page
            url=talk.url or (event.url if event is not None else None),
            source=sources[0].report.shown if sources else "",
        )


@dataclass(frozen=True)
class HitView:
    """One search hit: the talk, a snippet and the spans of the snippet that matched."""

    talk: TalkView
    snippet: str = ""
    highlights: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_hit(cls, hit: Any) -> HitView:
        """From store.search.TalkHit (duck-typed so blocks never import the search engine)."""
        return cls(TalkView.from_talk(hit.talk), hit.snippet or "", tuple(hit.highlights or ()))


@dataclass(frozen=True)
class EventView:
    id: int
    name: str
    date: dt.date | None = None
    talk_count: int = 0
    url: str | None = None

    @classmethod
    def from_event(cls, event: Event, talk_count: int | None = None) -> EventView:
        count = talk_count if talk_count is not None else len(event.talks or ())
        return cls(event.id, event.name, event.date, count, event.url)


@dataclass(frozen=True)
class ChannelPick:
    """A subscribed channel's talk of the week (None: no talk with notes yet), and why its
    digest is failing, if it is."""

    channel_id: str
    talk: TalkView | None
    failing: str | None = None
    topic: str | None = None  # the subscription's topic (None: every talk)
    invite: bool = False  # a private channel the bot must be /invited to
    # the latest digest may or may not have reached the channel: (its day, why)
    unconfirmed: tuple[dt.date, str] | None = None


@dataclass(frozen=True)
class Page:
    """Where the "More" button leads: the same query, the next offset, the same language."""

    kind: Literal["query", "speaker"]
    query: str
    offset: int
    lang: Lang

    def encode(self) -> str:
        payload = {"k": self.kind[0], "q": self.query[:MAX_QUERY], "o": self.offset, "l": self.lang}
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str) -> Page | None:
        """None for anything that is not a value this module made."""
        try:
            raw = json.loads(value)
            kind: Literal["query", "speaker"] = "speaker" if raw["k"] == "s" else "query"
            lang: Lang = "en" if raw.get("l") == "en" else "ja"
            offset = int(raw["o"])
            query = str(raw["q"])[:MAX_QUERY]
        except (ValueError, TypeError, KeyError):
            return None
        if offset < 0 or offset > 10_000 or not query.strip():
            return None
        return cls(kind, query, offset, lang)


def encode_share(talk_id: int, lang: Lang) -> str:
    return json.dumps({"id": talk_id, "l": lang}, separators=(",", ":"))


def decode_share(value: str) -> tuple[int, Lang] | None:
    try:
        raw = json.loads(value)
        talk_id = int(raw["id"])
    except (ValueError, TypeError, KeyError):
        return None
    return talk_id, ("en" if raw.get("l") == "en" else "ja")


# ---------------------------------------------------------------- text helpers


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters, so report text can't mention, link or ping anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, ending with an ellipsis when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def cut_escaped(text: str, limit: int) -> str:
    """Escape, then cut without splitting an entity such as `&amp;`."""
    escaped = escape_mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    head = escaped[: max(limit - 1, 0)]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head.rstrip() + ELLIPSIS


def one_line(text: str) -> str:
    return " ".join(text.split())


def _link(url: str | None, label: str) -> str:
    """A mrkdwn link when `url` is a plain http(s) URL; else just the (escaped) label."""
    if url and _URL.match(url):
        return f"<{url}|{escape_mrkdwn(label)}>"
    return escape_mrkdwn(label)


def _mention(user_id: str) -> str:
    return user_id if _USER_ID.match(user_id or "") else ""


def highlighted(snippet: str, spans: Iterable[tuple[int, int]], limit: int = 400) -> str:
    """The snippet escaped for mrkdwn with the matched spans in bold; at most `limit` chars."""
    snippet = snippet[: limit * 2]
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start, end = max(start, pos), min(end, len(snippet))
        if end <= start:
            continue
        out.append(escape_mrkdwn(snippet[pos:start]))
        inner = escape_mrkdwn(snippet[start:end]).replace("*", "")
        if inner.strip():
            # Zero-width spaces let Slack see the bold marks inside Japanese text without spaces.
            out.append(f"\u200b*{inner}*\u200b")
        else:
            out.append(inner)
        pos = end
    out.append(escape_mrkdwn(snippet[pos:]))
    text = one_line("".join(out))
    if len(text) <= limit:
        return text
    text = text[: limit - 1]
    if text.count("*") % 2:  # never leave a bold mark open
        text = text[: text.rfind("*")]
    amp = text.rfind("&")
    if amp != -1 and ";" not in text[amp:]:
        text = text[:amp]
    return text.rstrip() + ELLIPSIS


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(one_line(text) or "-", limit), "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_SECTION_TEXT]}}


def _header(text: str) -> Block:
    return {"type": "header", "text": _plain(text, MAX_HEADER_TEXT)}


def _context(*texts: str) -> Block:
    elements = [{"type": "mrkdwn", "text": cut(x, MAX_SECTION_TEXT)} for x in texts if x]
    return {"type": "context", "elements": elements[:MAX_CONTEXT_ELEMENTS]}


def _button(text: str, action_id: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": _plain(text, MAX_BUTTON_TEXT),
        "action_id": action_id[:MAX_ACTION_ID],
        "value": value[:MAX_BUTTON_VALUE],
    }
    if primary:
        button["style"] = "primary"
    return button


_DIVIDER: Block = {"type": "divider"}


def _date(value: dt.date | None, lang: Lang) -> str:
    return value.isoformat() if value else t(lang, "date_unknown")


def _same_person(a: str, b: str) -> bool:
    return a.strip().lstrip("@").casefold() == b.strip().lstrip("@").casefold()


def _speakers(talk: TalkView) -> str:
    """Names, then handles that are not already a name (`@x` is never shown twice), then
    affiliations: `Ian Lewis @IanMLewis (Google)`."""
    names = list(dict.fromkeys(n for n in talk.speakers if n.strip()))
    handles = [h for h in dict.fromkeys(talk.handles)
               if h.strip() and not any(_same_person(h, n) for n in names)]
    who = " ".join(x for x in (", ".join(names), " ".join(handles)) if x)
    orgs = ", ".join(dict.fromkeys(a for a in talk.affiliations if a.strip()))
    if orgs:
        who = f"{who} ({orgs})" if who else orgs
    return who


def _meta_line(talk: TalkView, lang: Lang) -> str:
    parts = []
    who = _speakers(talk)
    if who:
        parts.append(cut_escaped(one_line(who), 300))
    parts.append(cut_escaped(one_line(talk.event_name), 300) + " · " + _date(talk.event_date, lang))
    return " — ".join(parts)


def _source_line(talk: TalkView, lang: Lang) -> str:
    """The talk's number and the report it came from (the link is on the title)."""
    bits = [f"#{talk.id}"]
    if talk.source:
        bits.append(f"{t(lang, 'source')}: {cut_escaped(PurePath(talk.source).name, 200)}")
    return " · ".join(bits)


def _adds_to(talk: TalkView, snippet: str) -> bool:
    """Whether a search snippet says something the title and speaker line do not."""
    core = one_line(snippet).strip(ELLIPSIS + " /")
    if not core or core.casefold() in one_line(talk.title).casefold():
        return False
    people = (*talk.speakers, *talk.handles, *talk.affiliations)
    parts = [p.strip(ELLIPSIS + " ") for p in core.split(" / ")]
    return not all(any(_same_person(p, x) for x in people) for p in parts if p)


def _talk_section(talk: TalkView, lang: Lang, hit: HitView | None = None, *,
                  summary_limit: int = 350, with_summary: bool = True,
                  with_title: bool = True) -> str:
    """Title (linked to the talk's own link, else its event's page), who and where, then
    either the matched snippet (the match in bold) or the summary: never both, as the
    snippet is mostly the summary again."""
    lines = []
    if with_title:
        title = cut(one_line(talk.title), 200) or t(lang, "untitled")
        lines.append(f"*{_link(talk.url, title)}*")
    lines.append(_meta_line(talk, lang))
    snippet = hit is not None and _adds_to(talk, hit.snippet)
    if not talk.has_notes:
        lines.append(f"_{t(lang, 'no_notes')}_")
    if snippet and hit is not None:
        lines.append(highlighted(hit.snippet, hit.highlights))
    elif talk.has_notes and with_summary and _summary(talk):
        lines.append(cut_escaped(_summary(talk), summary_limit))
    return "\n".join(lines)


def _same_text(a: str, b: str) -> bool:
    return one_line(a).strip(" …:：").casefold() == one_line(b).strip(" …:：").casefold()


def _summary(talk: TalkView) -> str:
    """The summary without points that only say the title again."""
    points = [p for p in one_line(talk.summary).split(" / ") if not _same_text(p, talk.title)]
    return " / ".join(points)


_SOURCE_MARK = re.compile(r"^\[([^\[\]\n]+)\]$")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _notes(talk: TalkView) -> str:
    """The notes as shown: lines that repeat the title dropped; the `[report]` line above
    each report's part of merged notes shows the report's file name, not its path."""
    lines = []
    for line in talk.notes.strip().splitlines():
        mark = _SOURCE_MARK.match(line.strip())
        if mark:
            line = f"[{PurePath(mark.group(1)).name}]"
        elif _same_text(_LIST_MARK.sub("", line), talk.title):
            continue
        lines.append(line)
    return "\n".join(lines).strip()


def _title_line(talk: TalkView, lang: Lang) -> str:
    """`Title — speakers` for notifications, without a dangling dash when nobody spoke."""
    title = one_line(talk.title) or t(lang, "untitled")
    who = one_line(_speakers(talk))
    return f"{title} — {who}" if who else title


def _fallback(text: str) -> str:
    return cut(escape_mrkdwn(one_line(text)), MAX_FALLBACK_TEXT)


# ---------------------------------------------------------------- builders


def results_blocks(
    query: str,
    hits: Sequence[HitView],
    *,
    total: int,
    offset: int = 0,
    lang: Lang = "ja",
    kind: Literal["query", "speaker"] = "query",
    shareable: bool = True,
    page_size: int = PAGE_SIZE,
) -> Reply:
    """One page of search hits with a Share button on each and "More" when more remain."""
    shown_query = cut(one_line(query), 80)
    header = (t(lang, "speaker_header", name=shown_query) if kind == "speaker"
              else t(lang, "results_header", query=shown_query))
    hits = list(hits)[:page_size]
    first, last = offset + 1, offset + len(hits)
    blocks: list[Block] = [_header(header),
                           _context(t(lang, "results_count", total=total, first=first, last=last))]
    for hit in hits:
        section = _section(_talk_section(hit.talk, lang, hit))
        if shareable:
            section["accessory"] = _button(t(lang, "share"), SHARE_TALK,
                                           encode_share(hit.talk.id, lang))
        blocks += [section, _context(_source_line(hit.talk, lang))]
    if last < total:
        page = Page(kind, query, last, lang)
        blocks.append({"type": "actions",
                       "elements": [_button(t(lang, "more"), MORE_RESULTS, page.encode(),
                                            primary=True)]})
    elif offset > 0:
        blocks.append(_context(t(lang, "page_end")))
    titles = "; ".join(h.talk.title for h in hits)
    return fit(blocks), _fallback(f"{header}: {titles}")


def no_results_blocks(
    query: str,
    suggestions: Sequence[str] = (),
    *,
    lang: Lang = "ja",
    kind: Literal["query", "speaker"] = "query",
) -> Reply:
    """Nothing matched: say so kindly, offer close spellings and examples."""
    shown = cut_escaped(one_line(query), 100)
    first = (t(lang, "no_speaker", name=shown) if kind == "speaker"
             else t(lang, "no_results", query=shown))
    lines = [first]
    words = [cut_escaped(one_line(s), 60) for s in suggestions if s and s.strip()][:5]
    if words:
        lines.append(t(lang, "did_you_mean", words=", ".join(f"`{w}`" for w in words)))
    lines.append(t(lang, "try_examples"))
    return [_section("\n".join(lines))], _fallback(first)


def talk_blocks(talk: TalkView, *, lang: Lang = "ja", shareable: bool = True) -> Reply:
    """One talk in full: title, speakers, event, summary and the notes (cut to fit)."""
    notes = _notes(talk) if talk.has_notes else ""
    # The title once, as a link (a header cannot link); the summary is the notes' first
    # points: with the notes shown, it would say things twice.
    blocks: list[Block] = [_section(_talk_section(talk, lang, summary_limit=1000,
                                                  with_summary=not notes))]
    if notes:
        blocks.append(_section(cut_escaped(notes, 2500)))
    blocks.append(_context(_source_line(talk, lang)))
    if shareable:
        blocks.append({"type": "actions", "elements": [
            _button(t(lang, "share"), SHARE_TALK, encode_share(talk.id, lang))]})
    return fit(blocks), _fallback(_title_line(talk, lang))


def shared_talk_blocks(talk: TalkView, user_id: str, *, lang: Lang = "ja") -> Reply:
    """A talk posted in a channel through "Share", saying who shared it."""
    who = _mention(user_id)
    by = t(lang, "shared_by", user=who) if who else ""
    blocks: list[Block] = [_section(_talk_section(talk, lang, summary_limit=800)),
                           _context(*(x for x in (by, _source_line(talk, lang)) if x))]
    return fit(blocks), _fallback(_title_line(talk, lang))


def events_blocks(events: Sequence[EventView], *, lang: Lang = "ja", limit: int = 20,
                  total: int | None = None) -> Reply:
    """Events, newest first, one line each; those past `limit` (of `total`) only counted."""
    if not events:
        return [_section(t(lang, "events_empty"))], _fallback(t(lang, "events_empty"))
    total = max(total if total is not None else len(events), len(events))
    blocks: list[Block] = [_header(t(lang, "events_header"))]
    blocks += _event_lines(events[:limit], lang)
    if total > min(limit, len(events)):
        blocks.append(_context(t(lang, "events_more", count=total - min(limit, len(events)))))
    return fit(blocks), _fallback(t(lang, "events_header") + ": " +
                                  "; ".join(e.name for e in events[:limit]))


def _event_lines(events: Sequence[EventView], lang: Lang) -> list[Block]:
    lines = []
    for e in events:
        name = f"*{_link(e.url, cut(one_line(e.name), 200))}*"
        lines.append(f"{name} · {_date(e.date, lang)} · {t(lang, 'talks_count', count=e.talk_count)}")
    # Several events share a section so a long list stays well under the block count.
    blocks: list[Block] = []
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > 2800:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    return blocks


def help_blocks(*, lang: Lang = "ja", bot_user_id: str | None = None) -> Reply:
    """How to use the bot."""
    bot = _mention(bot_user_id or "")
    body = t(lang, "help_body", bot=bot)
    if not bot:
        body = body.replace("<@>", t(lang, "help_mention_fallback"))
    blocks = [_header(t(lang, "help_header")), _section(body)]
    return blocks, _fallback(t(lang, "help_header"))


def notice_blocks(text: str) -> Reply:
    """A short message made of our own labels (already mrkdwn, never user text unescaped)."""
    return [_section(cut(text, MAX_SECTION_TEXT))], _fallback(text)


def week_blocks(talk: TalkView | None, *, lang: Lang = "ja", note: str | None = None) -> Reply:
    """The talk of the week, or a note saying why there is none."""
    if talk is None:
        text = note or t(lang, "week_none")
        return [_section(text)], _fallback(text)
    blocks: list[Block] = [_header(t(lang, "week_header")),
                           _section(_talk_section(talk, lang, summary_limit=800)),
                           _context(_source_line(talk, lang))]
    return fit(blocks), _fallback(f"{t(lang, 'week_header')}: {talk.title}")


MAX_PICKS = 10  # channels whose pick is shown in one message or App Home


def _channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if re.fullmatch(r"[CGD][A-Z0-9]{1,20}", channel_id) \
        else escape_mrkdwn(channel_id)


def _pick_blocks(picks: Sequence[ChannelPick], lang: Lang) -> list[Block]:
    """Channels that have the same pick this week: which channels, then the talk (or why
    there is none), then any of them whose digest is failing."""
    channels = ", ".join(_channel(p.channel_id) + (
        " " + t(lang, "home_sub_topic", topic=escape_mrkdwn(p.topic)) if p.topic else "")
        for p in picks)
    head = f"*{t(lang, 'week_in_channel', channel=channels)}*"
    talk = picks[0].talk
    if talk is None:
        blocks = [_section(f"{head}\n{t(lang, 'week_no_talk')}")]
    else:
        blocks = [_section(f"{head}\n" + _talk_section(talk, lang, summary_limit=300)),
                  _context(_source_line(talk, lang))]
    for pick in picks:
        if pick.failing:
            blocks.append(_context(t(lang, "home_sub_failing", channel=_channel(pick.channel_id),
                                     reason=f"`{escape_mrkdwn(pick.failing[:100])}`")))
        if pick.invite:
            blocks.append(_context(t(lang, "sub_invite", channel=_channel(pick.channel_id))))
        if pick.unconfirmed:
            day, reason = pick.unconfirmed
            blocks.append(_context(t(lang, "home_sub_unconfirmed",
                                     channel=_channel(pick.channel_id), date=_date(day, lang),
                                     reason=f"`{escape_mrkdwn(reason[:100])}`")))
    return blocks


def _picks_blocks(picks: Sequence[ChannelPick], lang: Lang) -> list[Block]:
    """Each pick once: channels whose pick is the same talk share one entry."""
    groups: dict[int | None, list[ChannelPick]] = {}
    for pick in picks:
        groups.setdefault(pick.talk.id if pick.talk is not None else None, []).append(pick)
    shown = list(groups.values())
    blocks: list[Block] = []
    for group in shown[:MAX_PICKS]:
        blocks += _pick_blocks(group, lang)
    if len(shown) > MAX_PICKS:
        rest = sum(len(g) for g in shown[MAX_PICKS:])
        blocks.append(_context(t(lang, "week_more_channels", count=rest)))
    return blocks


def channel_picks_blocks(picks: Sequence[ChannelPick], *, lang: Lang = "ja") -> Reply:
    """The talk of the week of every subscribed channel (`/meetup week` outside a channel)."""
    if not picks:
        return notice_blocks(t(lang, "week_no_channels"))
    blocks: list[Block] = [_header(t(lang, "week_header")), *_picks_blocks(picks, lang)]
    titles = "; ".join(dict.fromkeys(p.talk.title for p in picks if p.talk is not None))
    return fit(blocks), _fallback(f"{t(lang, 'week_header')}: {titles}" if titles
                                  else t(lang, "week_header"))


def home_view(
    events: Sequence[EventView],
    *,
    lang: Lang = "ja",
    week_picks: Sequence[ChannelPick] = (),
    week_note: str | None = None,
    bot_user_id: str | None = None,
    event_limit: int = 10,
    adders: str | None = None,
) -> dict[str, Any]:
    """The App Home tab: how to use the bot, the latest events, and each subscribed
    channel's talk of the week (`week_note` when there is none to show)."""
    help_section = help_blocks(lang=lang, bot_user_id=bot_user_id)[0][1]
    blocks: list[Block] = [_header(t(lang, "home_header")), help_section, _DIVIDER,
                           _header(t(lang, "home_latest"))]
    if events:
        blocks += _event_lines(events[:event_limit], lang)
    else:
        blocks.append(_section(t(lang, "events_empty")))
    blocks += [_DIVIDER, _header(t(lang, "home_week"))]
    if week_picks:
        blocks += _picks_blocks(week_picks, lang)
    else:
        blocks.append(_section(week_note or t(lang, "week_no_channels")))
    if adders:  # who may add reports from Slack (IMPORT_USERS), in mrkdwn of our own
        blocks += [_DIVIDER, _context(cut(t(lang, "home_adders", who=adders),
                                          MAX_SECTION_TEXT))]
    return {"type": "home", "blocks": fit(blocks, surface="home")}


# ---------------------------------------------------------------- limits


def _texts(block: Block) -> Iterable[str]:
    """Every piece of text a block carries (what Slack counts toward a message's size)."""
    def walk(node: Any) -> Iterable[str]:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                yield node["text"]
            for key, value in node.items():
                if key != "text" or not isinstance(value, str):
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)
    return walk(block)


def text_size(blocks: Sequence[Block]) -> int:
    return sum(len(x) for b in blocks for x in _texts(b))


def fit(blocks: list[Block], *, surface: Literal["message", "home"] = "message") -> list[Block]:
    """Drop trailing content blocks until the block count and total text fit; keep actions last."""
    limit = MAX_HOME_BLOCKS if surface == "home" else MAX_MESSAGE_BLOCKS
    actions = [b for b in blocks[-1:] if b.get("type") == "actions"]
    body = blocks[:-1] if actions else list(blocks)
    cut_any = False
    while body and (len(body) + len(actions) + int(cut_any) > limit
                    or text_size(body + actions) > MAX_TOTAL_TEXT - 200):
        body.pop()
        cut_any = True
    if cut_any:
        body.append(_context(ELLIPSIS))
    return body + actions


def check_blocks(blocks: Sequence[Block], *, surface: Literal["message", "home"] = "message"
                 ) -> list[str]:
    """Every way `blocks` break Slack's limits (an empty list when they are fine)."""
    problems: list[str] = []
    limit = MAX_HOME_BLOCKS if surface == "home" else MAX_MESSAGE_BLOCKS
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks > {limit}")
    total = text_size(blocks)
    if total > MAX_TOTAL_TEXT:
        problems.append(f"{total} characters of text > {MAX_TOTAL_TEXT}")
    action_ids: set[str] = set()
    for i, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "section":
            text = block.get("text", {}).get("text", "")
            if len(text) > MAX_SECTION_TEXT:
                problems.append(f"block {i}: section text {len(text)} > {MAX_SECTION_TEXT}")
            if not text and not block.get("fields"):
                problems.append(f"block {i}: empty section")
            for f in block.get("fields", []):
                if len(f.get("text", "")) > MAX_FIELD_TEXT:
                    problems.append(f"block {i}: field text > {MAX_FIELD_TEXT}")
        elif kind == "header":
            text = block.get("text", {}).get("text", "")
            if len(text) > MAX_HEADER_TEXT or not text:
                problems.append(f"block {i}: header text {len(text)} not in 1..{MAX_HEADER_TEXT}")
        elif kind == "context":
            elements = block.get("elements", [])
            if not 1 <= len(elements) <= MAX_CONTEXT_ELEMENTS:
                problems.append(f"block {i}: context with {len(elements)} elements")
        elif kind == "actions":
            if not 1 <= len(block.get("elements", [])) <= 25:
                problems.append(f"block {i}: actions with {len(block.get('elements', []))}")
        elif kind != "divider":
            problems.append(f"block {i}: unexpected block type {kind!r}")
        buttons = list(block.get("elements", [])) if kind == "actions" else []
        if "accessory" in block:
            buttons.append(block["accessory"])
        for button in buttons:
            text = button.get("text", {}).get("text", "")
            if not text or len(text) > MAX_BUTTON_TEXT:
                problems.append(f"block {i}: button text {len(text)} not in 1..{MAX_BUTTON_TEXT}")
            action_id = button.get("action_id", "")
            if not action_id or len(action_id) > MAX_ACTION_ID:
                problems.append(f"block {i}: action_id length {len(action_id)}")
            if len(button.get("value", "")) > MAX_BUTTON_VALUE:
                problems.append(f"block {i}: button value > {MAX_BUTTON_VALUE}")
            if kind == "actions" and action_id in action_ids:
                problems.append(f"block {i}: duplicate action_id {action_id}")
            action_ids.add(action_id)
    return problems


def digest_blocks(talk: TalkView, related: Sequence[TalkView], *, lang: Lang = "ja"
                  ) -> Reply:
    """The weekly digest message: the talk of the week and a few related talks."""
    blocks: list[Block] = [_header(t(lang, "week_header")),
                           _section(_talk_section(talk, lang, summary_limit=800)),
                           _context(_source_line(talk, lang))]
    if related:
        lines = [f"• {_link(r.url, cut(one_line(r.title), 150))} — "
                 f"{cut_escaped(one_line(r.event_name), 100)} (#{r.id})" for r in related[:3]]
        blocks += [_DIVIDER, _section(f"*{t(lang, 'related_header')}*\n" + "\n".join(lines))]
    return fit(blocks), _fallback(f"{t(lang, 'week_header')}: {talk.title}")


# ---------------------------------------------------------------- adding reports


PREVIEW_TALKS = 15


@dataclass(frozen=True)
class PreviewView:
    """What a report would add: its event, talks (title, people) and warnings."""

    event: str
    date: dt.date | None
    talks: tuple[tuple[str, tuple[str, ...]], ...]
    warnings: tuple[str, ...]
    source: str  # a URL, or a file name


def encode_undo(ident: str, lang: Lang, digest: str | None = None) -> str:
    """The Undo button's value: the report, the answer's language, and the version Import
    stored (so a later version is never undone by an old button)."""
    raw: dict[str, str] = {"r": ident, "l": lang}
    if digest:
        raw["h"] = digest
    return json.dumps(raw, separators=(",", ":"), ensure_ascii=False)


def decode_undo(value: str) -> tuple[str, Lang, str | None] | None:
    try:
        raw = json.loads(value)
        ident = raw["r"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(ident, str) or not ident:
        return None
    digest = raw.get("h")
    return (ident, "en" if raw.get("l") == "en" else "ja",
            digest if isinstance(digest, str) and digest else None)


def _source_text(source: str) -> str:
    return _link(source, cut(source, 200)) if _URL.match(source) else cut_escaped(source, 200)


def preview_blocks(view: PreviewView, pending_id: str, *, lang: Lang = "ja") -> Reply:
    """The preview of a report with Import and Cancel."""
    event = t(lang, "add_preview_event", event=cut_escaped(one_line(view.event), 300),
              date=_date(view.date, lang))
    lines = []
    for title, people in view.talks[:PREVIEW_TALKS]:
        who = ", ".join(people) or t(lang, "add_no_speaker")
        lines.append(f"• {cut_escaped(one_line(title), 150)} — {cut_escaped(who, 100)}")
    if len(view.talks) > PREVIEW_TALKS:
        lines.append(t(lang, "add_preview_more", count=len(view.talks) - PREVIEW_TALKS))
    blocks: list[Block] = [
        _header(t(lang, "add_preview_header")),
        _section(event),
        _section(cut(t(lang, "add_preview_talks", count=len(view.talks)) + "\n"
                     + "\n".join(lines), MAX_SECTION_TEXT)),
        _context(t(lang, "add_preview_source", source=_source_text(view.source))),
    ]
    if view.warnings:
        blocks.append(_context(cut(t(lang, "add_preview_warnings", warnings=cut_escaped(
            " / ".join(one_line(w) for w in view.warnings[:5]), 1500)), MAX_SECTION_TEXT)))
    blocks.append({"type": "actions", "elements": [
        _button(t(lang, "add_import"), IMPORT_REPORT, pending_id, primary=True),
        _button(t(lang, "add_cancel"), CANCEL_IMPORT, pending_id)]})
    fallback = f"{t(lang, 'add_preview_header')} {one_line(view.event)}"
    return blocks, _fallback(fallback)


def imported_blocks(view: PreviewView, ident: str, *, lang: Lang = "ja",
                    unchanged: bool = False, digest: str | None = None) -> Reply:
    """What Import stored, with Undo (forget that report). Nothing stored (the report was
    there already, unchanged): no Undo, which would remove what someone else stored."""
    if unchanged:
        text = t(lang, "add_unchanged", event=cut_escaped(one_line(view.event), 300))
        return [_section(cut(text, MAX_SECTION_TEXT))], _fallback(text)
    text = t(lang, "add_imported", event=cut_escaped(one_line(view.event), 300),
             date=_date(view.date, lang), count=len(view.talks),
             source=_source_text(view.source))
    blocks: list[Block] = [_section(cut(text, MAX_SECTION_TEXT)), {
        "type": "actions", "elements": [
            _button(t(lang, "add_undo"), UNDO_IMPORT, encode_undo(ident, lang, digest))]}]
    return blocks, _fallback(text)
