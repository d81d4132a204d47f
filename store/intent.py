"""What a search query asks besides words: a date or a period, recency, an event named by
its abbreviation, or nothing at all (noise).

`read_intent` takes these out of the query and leaves the words to search for. Dates are
read in the common Japanese and English forms (2018-03-08, 2018/3/8, 2018年3月8日, 2019年6月,
June 2019, 8 June 2019, 2019, 2019年), periods relative to today (先週, last week, 今年,
this year …), recency words (latest, 最新, 最近 …); event abbreviations are derived from
the event names in the store (Kubernetes Meetup Tokyo #20 → KMT20 and KMT, CloudNative Days
Tokyo 2019 → CNDT2019), never listed by hand.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field

from store.reports.events import stated_days

# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class EventInfo:
    id: int
    name: str
    date: dt.date | None

    @property
    def year(self) -> int | None:
        """The event's year: its date's, else a year its name states (KubeCon EU 2025)."""
        if self.date is not None:
            return self.date.year
        m = _NAME_YEAR.search(self.name)
        return int(m.group(1)) if m else None

    @property
    def when(self) -> dt.date:
        """For ordering by recency: the date, else the first day of the named year."""
        if self.date is not None:
            return self.date
        year = self.year
        return dt.date(year, 1, 1) if year else dt.date.min


_NAME_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z][a-z]+|[a-z]+|[A-Z]+")
_NAME_PART = re.compile(r"\s+[/|｜]\s+")


def abbreviations(name: str) -> set[str]:
    """Initials of an event name's words, alone and with each number the name holds:
    "Kubernetes Meetup Tokyo #20" → {"kmt", "kmt20"}; "CloudNative Days Tokyo 2019" →
    {"cndt", "cndt2019", "cndt19"}. Parts of a name joined by " / " count on their own."""
    out: set[str] = set()
    for part in _NAME_PART.split(unicodedata.normalize("NFKC", name)):
        words = re.findall(r"[A-Za-z]+|[0-9]+", part)
        letters = [w for w in words if w.isalpha()]
        initials = "".join(p[0] for w in letters for p in _CAMEL.findall(w)).lower()
        if len(initials) < 2 or len(letters) < 2:
            continue
        out.add(initials)
        for n in (w for w in words if w.isdigit()):
            out.add(initials + n.lstrip("0"))
            if len(n) == 4:
                out.add(initials + n[2:])
    return out


# --------------------------------------------------------------------------- the intent


@dataclass
class Intent:
    """The query's words, and what it asks besides them."""

    words: str  # what is left to search for
    start: dt.date | None = None  # events from this day …
    end: dt.date | None = None  # … to this one (both included)
    year_only: bool = False  # the period is a whole year: an undated event of it counts
    recent: bool = False  # newest events first
    events: frozenset[int] | None = None  # only these events (an abbreviation named them)
    noise: bool = False  # not a query: markup, SQL, single letters, no word at all
    said: list[str] = field(default_factory=list)  # what was understood, for the answer

    @property
    def filters(self) -> bool:
        return self.start is not None or self.events is not None or self.recent

    def admits(self, event: EventInfo) -> bool:
        if self.events is not None and event.id not in self.events:
            return False
        if self.start is None or self.end is None:
            return True
        if event.date is not None:
            return self.start <= event.date <= self.end
        return self.year_only and event.year == self.start.year


_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"((?:19|20)[0-9]{2})"
_MONTH_PATTERNS = [
    re.compile(rf"(?<![0-9]){_YEAR}\s*年\s*([01]?[0-9])\s*月"),
    re.compile(rf"(?<![0-9]){_YEAR}\s*[-/.]\s*([01]?[0-9])(?![0-9])"),
]
_MONTH_YEAR = re.compile(rf"(?i)\b{_MONTH}\s+(?:of\s+)?{_YEAR}\b")
_YEAR_MONTH = re.compile(rf"(?i)\b{_YEAR}\s+{_MONTH}\b")
_YEAR_ALONE = re.compile(rf"(?<![0-9A-Za-z#]){_YEAR}(?:\s*年(?:度)?)?(?![0-9A-Za-z])")

_RELATIVE = [  # (pattern, period)
    (re.compile(r"先週|(?i:\blast week\b)"), "last-week"),
    (re.compile(r"今週|(?i:\bthis week\b)"), "this-week"),
    (re.compile(r"先月|(?i:\blast month\b)"), "last-month"),
    (re.compile(r"今月|(?i:\bthis month\b)"), "this-month"),
    (re.compile(r"去年|昨年|(?i:\blast year\b)"), "last-year"),
    (re.compile(r"今年|本年|(?i:\bthis year\b)"), "this-year"),
]
_RECENT = re.compile(r"最新|最近|直近|新着|(?i:\b(?:latest|newest|recent(?:ly)?|new(?:er)? ones?)\b)")
# Words that only say "talks" or "events" once a period or recency is asked for.
_GENERIC = re.compile(
    r"(?i)\b(?:talks?|sessions?|events?|meetups?|presentations?|from|in|of|at|on|during|the|"
    r"what|which|were|was|there|any|show|list|me|all)\b"
    r"|トーク|セッション|イベント|発表|講演|勉強会|開催|一覧|の|で|に|は|を|が|と|から|まで|"
    r"について|ありますか|ある|教えて|話")

# Not a query: markup, SQL, nothing but punctuation and single letters.
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>")
_SCRIPT = re.compile(r"(?is)<\s*(script|style)\b.*?(<\s*/\s*\1\s*>|$)")
_SQL = re.compile(
    r"(?i)(?:['\"`]\s*(?:;|--|\)|\bor\b|\band\b)|;\s*(?:drop|delete|insert|update|select|alter|"
    r"truncate|create)\b|\b(?:or|and)\s+['\"]?\w+['\"]?\s*=\s*['\"]?\w+|\bunion\s+(?:all\s+)?"
    r"select\b|--\s*$|/\*.*\*/)")
_LANGUAGE = re.compile(r"(?i)(?<![0-9a-z])(?:c\+\+|c#|f#|r)(?![0-9a-z+#])")
_WORDISH = re.compile(r"[^\W_]{2,}|[\u3400-\u9fff\uf900-\ufaff]")


def _period(kind: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if kind in ("last-week", "this-week"):
        monday = today - dt.timedelta(days=today.weekday())
        if kind == "last-week":
            monday -= dt.timedelta(days=7)
        return monday, monday + dt.timedelta(days=6)
    if kind in ("last-month", "this-month"):
        first = today.replace(day=1)
        if kind == "last-month":
            first = (first - dt.timedelta(days=1)).replace(day=1)
        last = calendar.monthrange(first.year, first.month)[1]
        return first, first.replace(day=last)
    year = today.year - (kind == "last-year")
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _month(y: str, m: str | int) -> tuple[dt.date, dt.date] | None:
    year, month = int(y), int(m)
    if not 1 <= month <= 12:
        return None
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _cut(text: str, m: re.Match[str]) -> str:
    return text[:m.start()] + " " + text[m.end():]


def is_noise(query: str) -> bool:
    """Markup, SQL, or nothing that could be a word (single letters, symbols, emoji)."""
    text = unicodedata.normalize("NFKC", query)
    if _SCRIPT.search(text) or _SQL.search(text):
        return True
    text = _TAG.sub(" ", text)
    return _WORDISH.search(text) is None and _LANGUAGE.search(text) is None


def abbreviation_index(events: Iterable[EventInfo]) -> dict[str, frozenset[int]]:
    """Each abbreviation of the events' names and the events it stands for."""
    found: dict[str, set[int]] = {}
    for ev in events:
        for a in abbreviations(ev.name):
            found.setdefault(a, set()).add(ev.id)
    return {a: frozenset(ids) for a, ids in found.items()}


def read_intent(query: str, events: Iterable[EventInfo], *, today: dt.date | None = None,
                known_words: Container[str] = frozenset(),
                abbreviated: Mapping[str, frozenset[int]] | None = None) -> Intent:
    """Take dates, periods, recency and event abbreviations out of `query`.

    `known_words` are words that occur in the store's talks: a word that is one of them is
    searched for as a word even when it looks like an abbreviation. `abbreviated` is
    `abbreviation_index(events)`, when the caller keeps it.
    """
    today = today or dt.date.today()
    if is_noise(query):
        return Intent("", noise=True)
    text = unicodedata.normalize("NFKC", query)
    text = _TAG.sub(" ", text)
    intent = Intent(text)
    events = events if isinstance(events, list) else list(events)

    def found(start: dt.date, end: dt.date, said: str, *, year_only: bool = False) -> None:
        intent.start, intent.end, intent.year_only = start, end, year_only
        intent.said.append(said)

    # a day, a month, a year, a period relative to today: the first that the text states
    days = stated_days(text)  # the parser's own reading of dates (store.reports.events)
    if days:
        at, upto, day = days[0]
        found(day, day, day.isoformat())
        text = text[:at] + " " + text[upto:]
    if intent.start is None:
        for pat in _MONTH_PATTERNS:
            m = pat.search(text)
            if m and (span := _month(*m.groups())):
                found(*span, f"{span[0]:%Y-%m}")
                text = _cut(text, m)
                break
    if intent.start is None:
        for pat, order in ((_MONTH_YEAR, "my"), (_YEAR_MONTH, "ym")):
            m = pat.search(text)
            if m:
                month, year = m.groups() if order == "my" else m.groups()[::-1]
                if (span := _month(year, _MONTHS[month.lower().rstrip(".")])):
                    found(*span, f"{span[0]:%Y-%m}")
                    text = _cut(text, m)
                    break
    if intent.start is None:
        for pat, kind in _RELATIVE:
            m = pat.search(text)
            if m:
                start, end = _period(kind, today)
                found(start, end, f"{start.isoformat()}..{end.isoformat()}",
                      year_only=kind.endswith("year"))
                text = _cut(text, m)
                break
    if intent.start is None:
        m = _YEAR_ALONE.search(text)
        # a year that is part of an event's name ("PyCon JP 2018") stays a word of the name
        if m and not _names_year_with(text, m, events):
            year = int(m.group(1))
            found(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), year_only=True)
            text = _cut(text, m)
    m = _RECENT.search(text)
    if m:
        intent.recent = True
        intent.said.append("newest first")
        text = _cut(text, m)

    # an event named by its abbreviation: KMT20, CNDT2019, RSGT
    by_abbr = abbreviated if abbreviated is not None else abbreviation_index(events)
    for m in list(re.finditer(r"(?<![0-9A-Za-z])([A-Za-z]{2,}[0-9]*)(?![0-9A-Za-z])", text)):
        token = m.group(1)
        key = token.lower()
        ids = by_abbr.get(key)
        if not ids or key in known_words:
            continue
        if not (token.isupper() or any(c.isdigit() for c in token)):
            continue  # an acronym is written in capitals (KMT) or with its number (kmt20)
        intent.events = frozenset(ids) if intent.events is None else intent.events | ids
        intent.said.append(token)
        text = text.replace(token, " ", 1)

    if intent.filters:
        rest = _GENERIC.sub(" ", text)
        text = rest if _WORDISH.search(rest) else ""
    intent.words = " ".join(text.split())
    return intent


def _names_year_with(text: str, m: re.Match[str], events: list[EventInfo]) -> bool:
    """Whether the words before the year and the year are an event's name ("PyCon JP 2018")."""
    before = text[:m.start()].split()
    if not before:
        return False
    tail = " ".join(before[-3:]).casefold()
    year = m.group(1)
    for ev in events:
        name = unicodedata.normalize("NFKC", ev.name).casefold()
        if year in name and any(w in name for w in tail.split() if len(w) >= 3):
            return True
    return False


def matching_events(text: str, events: Iterable[EventInfo], *,
                    today: dt.date | None = None) -> list[int]:
    """The events that `text` names (`/meetup events 2019`, `events KubeCon`, `events KMT`):
    a date, period or year filters by the event's date; an abbreviation picks its events;
    other words must all be in the event's name (case, width and kana folded)."""
    events = list(events)
    intent = read_intent(text, events, today=today)
    if intent.noise:
        return []
    words = [_fold_name(w) for w in intent.words.split() if not _GENERIC.fullmatch(w)]
    out = []
    for ev in events:
        if not intent.admits(ev):
            continue
        name = _fold_name(ev.name)
        squeezed = name.replace(" ", "")
        if all(w in name or w in squeezed for w in words):
            out.append(ev.id)
    return out


def _fold_name(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).casefold()
    return " ".join(s.split())
