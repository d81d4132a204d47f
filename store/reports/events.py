"""The event a report is about: its own name and the event day the text states.

Pure text rules (stdlib, PyYAML, rapidfuzz): no database, no files. `guess_event` reads the
parsed front matter and the body; `date_in` reads one short text such as a section heading.

Names come from ranked candidates: a front-matter `event`, the event named in the prose
("「X」に参加しました", "[X](url)を開催しました", "attended X", "X was held"), the post's
title without its decorations ("参加レポート", "Recap:", "#hashtags"), and only for pages
that name no event (archives, README agendas) the series behind them (a meetup.com group, a
repeated event-like heading, at last the file name). A blog's name, a greeting or a section
heading is never the event.

Dates follow the annotation convention: the event day only when the text states it; the
front-matter, "Posted at" or update date is the post date, kept apart. Stated dates rank by
where they stand: an explicit label ("開催日:", "Date:"), a sentence that says the event was
held, the title, a line that names the event. A text that dates many sections weeks apart is
an archive of several meetups and has no single date.

Scans are bounded (the name in the first 16 KB, dates in the first 64 KB or 3,000 lines,
archive entries in the first 256 KB) and the patterns are anchored or bounded so they stay
linear: a 5 MB report costs well under a second, most far less.

Dates are read by regexes, not dateparser: its `search_dates` was measured at 0.3 s to import
and 0.3 s on 2 KB of Japanese, and it reads a bare year or an ordinary phrase as a date.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from store.errors import ReportError
from store.frontmatter import as_date, read_front_matter

__all__ = ["EventGuess", "date_in", "guess_event"]

_NAME_SCAN = 16 * 1024  # the event is named in the opening
_DATE_SCAN = 64 * 1024
_MAX_LINES = 3000
_ARCHIVE_SCAN = 256 * 1024  # archives date their entries all the way down
_MAX_ENTRIES = 1000
_LINE_MAX = 2000  # longer lines are cut before pattern matching


@dataclass
class EventGuess:
    name: str  # the event's own name
    date: dt.date | None  # the event day stated in the text (first day of a range)
    post_date: dt.date | None  # the post/front-matter date, kept for reference
    warnings: list[str] = field(default_factory=list)
    archive: bool = False  # several meetups, each dated by its section: no single day


# --------------------------------------------------------------------------- dates
_MONTH_NAMES = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
# Capitalised month names only: "may" and "march" are also words.
_MON = (r"(?P<mon>(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
        r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|"
        r"JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\.?)")
_ORD = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_RANGE_TAIL = r"(?:\s*(?:-|–|—|~|to|&|and)\s*(?:\d{1,2}(?:st|nd|rd|th)?))?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"

# (pattern, has_year); every pattern names its groups year/mon/day.
_DATE_PATTERNS: list[tuple[re.Pattern[str], bool]] = [
    (re.compile(_YEAR + r"\s*年\s*(?P<mon>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"), True),
    # "2021年1105日": the month sign lost in scraping
    (re.compile(_YEAR + r"\s*年\s*(?P<mon>1[0-2]|0?[1-9])(?P<day>\d{2})\s*日"), True),
    (re.compile(r"(?<![\d/.\-])" + _YEAR + r"(?P<sep>[-/.])(?P<mon>\d{1,2})(?P=sep)"
                r"(?P<day>\d{1,2})(?![\d])"), True),
    (re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.(?P<mon>\d{1,2})\.(?P<year>(?:19|20)\d{2})(?!\d)"),
     True),
    (re.compile(r"\b" + _MON + r"\s+" + _ORD + _RANGE_TAIL + r",?\s+" + _YEAR + r"\b"), True),
    (re.compile(r"\b" + _ORD + _RANGE_TAIL + r"\s+(?:of\s+)?" + _MON + r",?\s+" + _YEAR + r"\b"),
     True),
    (re.compile(r"\b" + _YEAR + r",?\s+" + _MON + r"\s+" + _ORD + r"\b"), True),
    (re.compile(r"(?<![\d年])(?P<mon>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"), False),
    # "5/3(月)", "5/3〜5/4", "5/3, 5/4に": Japanese month/day, only in Japanese context
    (re.compile(r"(?<![\d/.])(?P<mon>1[0-2]|0?[1-9])/(?P<day>[0-3]?\d)(?![\d/])"
                r"(?=\s*(?:\([月火水木金土日]\)|[~〜]|に|から|、|,\s*\d{1,2}/\d{1,2}\s*に))"), False),
    (re.compile(r"\b" + _MON + r"\s+" + _ORD + r"\b(?!\s*[,:]?\s*\d)"), False),
    (re.compile(r"\b" + _ORD + r"\s+(?:of\s+)?" + _MON + r"\b"), False),
]

_DIGIT = re.compile(r"\d")
_DIGIT_LINE = re.compile(r"(?m)^[^\n\d]*\d[^\n]*")
_URL = re.compile(r"(?:https?:)?//[^\s<>\"'）」]+|www\.[^\s<>\"'）」]+")
_LINK_TARGET = re.compile(r"\]\([^)\n]{0,500}\)")
_TAG = re.compile(r"<[^<>\n]{0,500}>")


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    year: int | None
    month: int
    day: int


def _scrub(text: str, limit: int = _LINE_MAX) -> str:
    """NFKC text without URLs, link targets and tags (file names and paths carry digits)."""
    text = unicodedata.normalize("NFKC", text[:limit])
    text = _LINK_TARGET.sub("]", text)
    text = _TAG.sub(" ", text)
    return _URL.sub(" ", text)


_EDITION = re.compile(r"#\s?\d{1,4}\b|第\s*\d{1,4}\s*回|\bvol\.?\s*\d{1,4}\b", re.I)


def _find_dates(text: str) -> list[_Found]:
    """Every date in scrubbed `text`, left to right; overlapping matches keep the longest."""
    found: list[_Found] = []
    if not _DIGIT.search(text):
        return found
    # an edition's number is not a day ("Meetup #12 - 14 November 2018"); blanked, not cut,
    # so the positions of what is found stay those of the text
    text = _EDITION.sub(lambda m: " " * len(m.group(0)), text)
    for pat, has_year in _DATE_PATTERNS:
        for m in pat.finditer(text):
            mon = m.group("mon")
            month = int(mon) if mon.isdigit() else _MONTH_NAMES.get(mon[:3].lower(), 0)
            year = int(m.group("year")) if has_year else None
            found.append(_Found(m.start(), m.end(), year, month, int(m.group("day"))))
    found.sort(key=lambda f: (f.start, -(f.end - f.start), f.year is None))
    out: list[_Found] = []
    for f in found:
        if out and f.start < out[-1].end:
            continue
        if _valid(f.year or 2000, f.month, f.day):
            out.append(f)
    return out


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return 1990 <= year <= 2100


def _resolve(f: _Found, year: int | None) -> dt.date | None:
    y = f.year if f.year is not None else year
    if y is None or not _valid(y, f.month, f.day):
        return None
    return dt.date(y, f.month, f.day)


def stated_days(text: str) -> list[tuple[int, int, dt.date]]:
    """(start, end, day) of every day with its year that NFKC `text` states, left to right
    (the search reads dates in queries with the same patterns as the parser in reports)."""
    return [(f.start, f.end, dt.date(f.year, f.month, f.day))
            for f in _find_dates(text) if f.year is not None]


def date_in(text: str, year_hint: int | None = None) -> dt.date | None:
    """The first date stated in one short text (a heading, a label line); a day without a
    year takes `year_hint`; None when the text states no day."""
    for f in _find_dates(_scrub(text)):
        d = _resolve(f, year_hint)
        if d is not None:
            return d
    return None


def _as_date(value: object) -> dt.date | None:
    """A front-matter value as a date: what YAML or TOML made of it, else a date its text
    states ("2018年3月8日")."""
    return as_date(value) or (date_in(value) if isinstance(value, str) else None)


# --------------------------------------------------------------------------- lines
@dataclass(frozen=True)
class _Line:
    text: str  # inline markup removed
    marked: str  # the same with link texts wrapped in ⁅ ⁆
    kind: str  # heading | bullet | text | blank
    level: int = 0
    indent: int = 0
    offset: int = 0  # where the line starts in the body


_MD_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
_HTML_HEADING = re.compile(r"^<h([1-6])\b[^>]*>(.*?)</h\1>\s*$", re.I)
_BULLET = re.compile(r"^(?:[-*+•・●○◦▪‣]|\d{1,3}[.)])\s+")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_LINK = re.compile(r"!?\[([^\[\]\n]{0,300})\]\([^()\n]{0,500}\)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|&<>])")


_MARKUP = re.compile(r"[\\<\[*_`&!\u00a0\u3000]")


def _inline(s: str) -> str:
    """Markdown/HTML inline markup removed; link texts wrapped in ⁅ ⁆."""
    s = s[:_LINE_MAX]
    if not _MARKUP.search(s):
        return s.strip()
    s = re.sub(r"<(https?://[^>\s]+)>", " ", s)
    s = _ESCAPE.sub(r"\1", s)
    s = _LINK.sub(lambda m: f"⁅{m.group(1)}⁆" if not m.group(0).startswith("!") else "", s)
    s = _TAG.sub("", s)
    s = re.sub(r"\*\*([^*\n]{1,300}?)\*\*|__([^_\n]{1,300}?)__", lambda m: m.group(1) or m.group(2), s)
    s = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])", r"\1", s)
    s = re.sub(r"`([^`\n]*)`", r"\1", s)
    s = s.replace("&amp;", "&").replace("&nbsp;", " ").replace("&mdash;", "—")
    return s.replace("\u00a0", " ").replace("\u3000", " ").strip()


def _plain(marked: str) -> str:
    return marked.replace("⁅", "").replace("⁆", "")


_ATX = re.compile(r"^#{1,6}(?:\s|$)|^##")


def _lines(body: str) -> list[_Line]:
    """The first lines of the body (at most _MAX_LINES), classified."""
    out: list[_Line] = []
    fence = False
    offset = 0
    for raw in body.split("\n", _MAX_LINES)[:_MAX_LINES]:
        at = offset
        offset += len(raw) + 1
        raw = raw.rstrip()
        stripped = raw.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence:
            continue
        if not stripped:
            out.append(_Line("", "", "blank"))
            continue
        indent = len(raw) - len(raw.lstrip())
        m = _SETEXT.match(stripped)
        if m and out and out[-1].kind == "text" and (stripped[0] == "=" or len(stripped) >= 2):
            prev = out.pop()
            out.append(_Line(prev.text, prev.marked, "heading", 1 if stripped[0] == "=" else 2,
                             0, prev.offset))
            continue
        m = _HTML_HEADING.match(stripped)
        if m:
            marked = _inline(m.group(2))
            out.append(_Line(_plain(marked), marked, "heading", int(m.group(1)), 0, at))
            continue
        m = _MD_HEADING.match(stripped)
        if m and m.group(2).strip() and _ATX.match(stripped):
            marked = _inline(m.group(2))
            out.append(_Line(_plain(marked), marked, "heading", len(m.group(1)), indent, at))
            continue
        b = _BULLET.match(stripped)
        kind = "bullet" if b else "text"
        marked = _inline(stripped[b.end():] if b else stripped)
        if not marked:
            out.append(_Line("", "", "blank"))
            continue
        out.append(_Line(_plain(marked), marked, kind, 0, indent, at))
    return out


# --------------------------------------------------------------------------- names
_HIRA = "\u3040-\u309f"
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_EVENT_WORDS = (
    r"meet-?ups?|meetings?|conf|con\b|con\s|summit|forum|days?\b|night|camp|kaigi|fest|hack|"
    r"gathering|user\s*group|\bug\b|jug\b|symposium|expo|week\b|seminar|workshop|sprint|"
    r"勉強会|カンファレンス|ミートアップ|会議|大会|もくもく|セミナー|ハッカソン|ナイト|祭|フェス|"
    r"ワークショップ|イベント|\bLT|#\d+|第\s*\d+\s*回|\bsig\b|vol\.?\s*\d+|"
    r"(?:愛好|読書|輪読|交流|研究|ユーザー?|LT)会")
_EVENT_WORD = re.compile(_EVENT_WORDS, re.I)
_EVENTISH = re.compile(_EVENT_WORDS + r"|\b(?:19|20)\d{2}\b", re.I)
# Section headings, greetings and page furniture that never name an event.
_GENERIC = re.compile(
    r"^(?:meet-?ups?|meetings?|events?|talks?(?:\s+archive)?|archives?|agenda|schedule|"
    r"program(?:me)?|index|readme|home|about(?:\s+us)?|notes|introduction|intro|overview|"
    r"general|summary|contents?|table\s+of\s+contents?|keynotes?|day\s*\d+|sessions?|"
    r"welcome|presentations?|past\s+presentations|slides|links?|videos?|contact|"
    r"概要|はじめに|情報|内容|目次|感想|まとめ|所感|会場|セッション|タイムテーブル|"
    r"発表資料|資料|スライド|動画|レポート|参加レポート|イベント|勉強会|お知らせ|告知|"
    r"キーノート|基調講演|登壇資料まとめ.*)\s*[:：]?$", re.I)
_GENERIC_HEAD = re.compile(r"^(?:meet-?ups|meetings|events|talks|past\s+\w+|archive)\b", re.I)
_BLOG_NAME = re.compile(r"blog\b|ブログ|日記|diary|weblog|tech\s*note|開発者ブログ", re.I)
_CHROME = re.compile(
    r"^(?:log ?in|sign ?up|loginsignup|sign ?in|ログイン|新規登録|\d{1,6}|edited at|"
    r"view on github|skip to (?:main )?content|menu|search|share|tweet|"
    r"more than \d+ \w+ (?:have|has) passed since last update\.?|"
    r"(?:last updated|posted|updated|edited|published)\b.*|"
    r"(?:最終更新日|投稿日|更新日|公開日).*)$", re.I)
_SENTENCE = re.compile(r"[。.!！?？]\s*$|(?:です|ます|でした|ました|だった|である)[!！。w笑]*$")

# Decorations a post title puts after the event's name: report nouns first (they say the
# title names the event), then attendance verbs (the title is a sentence about it).
_JA_REPORT = (r"(?:(?:に|へ)?(?:参加|聴講)?(?:レポート|レポ(?!ジトリ))(?!ー?会)|参加報告|参加記録?|参加メモ|"
              r"聴講メモ|参加ブログ|参戦記|参加記|(?:の)?振り返り|(?:の)?ふりかえり|(?:の)?感想|聴講記録|"
              r"(?:発表)?資料まとめ|スライドまとめ|(?:の)?報告(?!会)|(?:の)?まとめ(?!会)|"
              r"(?:の)?メモ(?!リ)|とは|って[?？]|って何)")
_JA_ATTEND = (r"(?:(?:に|へ|で|にて)\s*)?(?:参加(?!者|型)|参戦|行って|行ってき|行って来|いって|行った|"
              r"聴講し|聞いてき|聴いてき|登壇し|発表し|講演し|LTし|話して|やりました|やった|"
              r"(?:を)?開催し|(?:を)?運営し|(?:を)?行いました)")
_EN_REPORT = (r"(?:trip\s+)?(?:recap|report|notes|write-?up|summary|review|wrap-?up|"
              r"highlights|takeaways|transcripts?|retrospective)")
_TITLE_TAIL = re.compile(
    r"\s*(?:(?P<ja_report>" + _JA_REPORT + r")|(?P<ja_attend>" + _JA_ATTEND + r")|"
    r"(?:[-–—:|]\s*|\s)(?P<en_report>(?:my\s+)?" + _EN_REPORT + r")\b[^\w]*$)", re.I)
_TITLE_HEAD = re.compile(
    r"^(?:(?:a\s+|my\s+|some\s+)?(?:" + _EN_REPORT + r"|thoughts|lessons(?:\s+learned)?|"
    r"experience|impressions|what\s+i\s+learned|a\s+look\s+back)\s+(?:from|of|on|at)\s+"
    r"(?:the\s+)?|"
    r"(?:" + _EN_REPORT + r"|イベントレポート|参加レポート|開催レポート|レポート|参加報告|"
    r"開催報告)\s*[:：]\s*|"
    r"welcome\s+to\s+(?:the\s+)?|attending\s+(?:the\s+)?)", re.I)
_BRACKET_DECOR = re.compile(r"^\s*[【\[(（][^】\]()（）]{0,30}[】\])）]\s*|\s*[【\[(（][^】\]()（）]{0,30}[】\])）]\s*$")
_REPORTISH = re.compile(r"レポ|参加|報告|まとめ|メモ|更新|report|recap|notes|略称|aka\b", re.I)
_HASHTAGS = re.compile(r"(?:\s*[#＃](?![\d\s])[^\s#＃]+)+\s*$")

# time words a run of kanji may start with ("先日", "この間" leaves "間"): not the name's
_JA_TIME_WORD = re.compile(r"^(?:先日|昨日|本日|今日|先週|今週|今回|前回|次回|今年|昨年|去年|先月|"
                           r"今月|週末|当日|間|際|後|前|中)\s*[、,]?\s*(?=\S)")
_JA_STOP = _HIRA + r"。、，,！？!?「」『』()（）\n:：⁅⁆\[\]|"
# a name starts where a run of non-hiragana starts (the lookbehind keeps the scan linear)
_JA_NAME = r"(?<![^" + _JA_STOP + r"])(?P<name>[^" + _JA_STOP + r"]{2,80}?)"
_QUOTED = r"[「『⁅\"“](?P<q>[^「」『』⁅⁆\"“”\n]{2,120})[」』⁆\"”]"
_JA_VERB = r"(?:参加|参戦|行って|行ってき|いって|聴講|登壇|行った)"
_JA_SPOKE = r"(?:で|にて)\s*(?:登壇|発表|講演|LT|話して|お話し)"
_JA_HELD = r"(?:開催|行い|行われ|開かれ|やりました|催され)"
_JA_PROSE: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"(?:開催|行われ|開かれ)(?:された|される|た|の)?\s*[、,]?\s*" + _QUOTED), 90),
    (re.compile(_QUOTED + r"\s*(?:に|へ)\s*[、,]?\s*" + _JA_VERB), 90),
    (re.compile(_QUOTED + r"\s*(?:が|を|は)\s*" + _JA_HELD), 90),
    (re.compile(_QUOTED + r"\s*[、,]\s*(?:行ってき|参加し)"), 85),
    (re.compile(_QUOTED + r"\s*" + _JA_SPOKE), 85),
    (re.compile(_QUOTED + r"\s*の\s*(?:記事|資料|スライド|発表資料)?\s*まとめ"), 75),
    (re.compile(r"(?:開催|行われ|開かれ)(?:された|される|た)\s*[「『]?" + _JA_NAME + r"\s*[」』]?\s*"
                r"(?:に|へ|の|は|で)"), 72),
    (re.compile(_JA_NAME + r"\s*(?:に|へ)\s*[、,]?\s*" + _JA_VERB), 70),
    (re.compile(_JA_NAME + r"\s*[、,]\s*(?:行ってき|参加してき|参加しま)"), 70),
    (re.compile(_JA_NAME + r"\s*(?:が|を)\s*" + _JA_HELD), 70),
    (re.compile(_JA_NAME + r"\s*" + _JA_SPOKE), 66),
    (re.compile(_JA_NAME + r"\s*の\s*(?:記事|資料|スライド)?\s*まとめ"), 66),
]
_EN_TOKEN = r"(?:[A-Z0-9#@][\w.+#&'’!-]*|[a-z]{1,4}[A-Z][\w.+#&'’!-]*|[+&/])"
_EN_NAME = (r"(?<![\w.+#&'’!-])(?P<name>" + _EN_TOKEN + r"(?:\s+(?:" + _EN_TOKEN +
            r"|of|and|for|the|de|du|la|y|in|at|on)){0,8})")
_EN_KIND = r"(?:conference|meetup|meet-up|event|gathering|summit|user group|workshop|festival)"
# "we were (all out) at X", "I was at X": only a name that reads as an event counts
_EN_WAS_AT = re.compile(r"\b(?:was|were|been)\s+(?:[a-z_*]+\s+){0,3}at\s+(?:the\s+)?" + _EN_NAME)
_EN_PROSE: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"\b(?:attend(?:ed|ing)?|went\s+to|was\s+at|were\s+at|back\s+from|"
                r"recap\s+of|notes\s+from|report\s+from|spoke\s+at|speaking\s+at|visited|hosted|"
                r"organi[sz]ed)\s+(?:the\s+)?(?:first\s+|second\s+|latest\s+|this\s+year's\s+)?"
                + _EN_NAME), 70),
    (re.compile(r"\bwas\s+" + _EN_NAME + r",\s+an?\s+(?:[\w-]+\s+){0,3}" + _EN_KIND), 71),
    (_EN_WAS_AT, 66),
    (re.compile(_EN_NAME + r"\s+(?:was|is|will\s+be)\s+(?:held|hosted|organi[sz]ed|taking\s+place)"),
     70),
    (re.compile(_EN_NAME + r"\s+(?:took|takes)\s+place"), 70),
    (re.compile(_EN_NAME + r"\s+(?:is|was)\s+an?\s+(?:[\w-]+\s+){0,3}" + _EN_KIND), 68),
]
_JA_TRIGGER = re.compile(_JA_VERB + "|" + _JA_HELD + "|" + _JA_SPOKE + r"|まとめ|行ってき|参加し")
_EN_TRIGGER = re.compile(
    r"\b(?:attend|went|was|were|back|recap|notes|report|spoke|speaking|visited|is|took|takes|"
    r"will|hosted)", re.I)
_EN_CONNECTOR = re.compile(r"(?:\s+(?:of|and|for|the|de|du|la|y|in|at|on|[+&/]))+$")


def _cut_place(name: str) -> str:
    """"Widgetcon 2015 in Lyon" -> "Widgetcon 2015"; "Women in Widgets Meetup" stays."""
    for _ in range(4):
        m = re.match(r"^(?P<head>.+)\s+(?:in|at|on)\s+(?P<rest>[^\s].*)$", name)
        if not m or _EVENT_WORD.search(m.group("rest")):
            break
        name = m.group("head")
    return name
_EN_STOP = {"I", "We", "It", "The", "This", "That", "A", "An", "My", "Our", "In", "On", "At",
            "After", "Before", "Last", "Next", "Then", "There", "He", "She", "They", "You"}
_MONTH_WORD = re.compile(
    r"^(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|spring|summer|autumn|fall|"
    r"winter|first|second|third|fourth|fifth|last|next|\d+(?:st|nd|rd|th))$", re.I)


@dataclass
class _Candidate:
    name: str
    score: int
    pos: int
    kind: str  # fm | prose | title | series | file
    plain: bool = False  # a title without report or attendance decoration


def _norm(s: str) -> str:
    """The scorer's normalisation, to compare names."""
    s = unicodedata.normalize("NFKC", s or "").casefold()
    return re.sub(r"[\s\u3000「」『』\"'`*_#]+", "", s)


_AFTER_DATE = re.compile(r"^\s*(?:\([^()]{0,12}\)|[~〜\-–]\s*\d{1,2}\s*日?|\d{1,2}:\d{2})*")


def _strip_dates(s: str) -> str:
    """A day stated at either end of a name is the event's date, not part of its name
    ("… March 3rd 2021", "(2023年4月11日〜12日)", "1/9(水) …"); a year or "January 2025"
    stays."""
    for _ in range(4):
        scrubbed = unicodedata.normalize("NFKC", s)
        dated = _find_dates(scrubbed)
        if not dated:
            return s
        first, last = dated[0], dated[-1]
        if first.start == 0:
            s = _AFTER_DATE.sub("", scrubbed[first.end:]).lstrip(" ,)）]】-–—|:")
            continue
        tail = _AFTER_DATE.sub("", scrubbed[last.end:])
        if not tail.strip(" )）]】-–—,|"):
            return scrubbed[:last.start].rstrip(" ,(（[【-–—|:")
        return s
    return s


_NUMBERED = re.compile(r"#\s?\d+|第\s*\d+\s*回|vol\.?\s*\d+|\b(?:19|20)\d{2}\b", re.I)


def _clean_name(s: str) -> tuple[str, str]:
    """The event's name in a title or phrase, and the decoration found ('report', 'attend', '')."""
    s = _plain(s[:300]).strip()
    s = unicodedata.normalize("NFKC", s)
    decoration = ""
    m = re.search(r"[「『](?P<q>[^「」『』]{3,120})[」』]", s)
    if m and _NUMBERED.search(s[:m.start()]):
        # "Widget-UG #22 「テーマ」 参加レポート": the numbered event is named before the quote,
        # which is the evening's theme or a talk
        s = (s[:m.start()] + " " + s[m.end():]).strip()
        m = None
    if m and _norm(m.group("q")) and (
            _REPORTISH.search(s[:m.start()] + s[m.end():])
            or re.search(_JA_ATTEND, s[:m.start()] + s[m.end():])):
        return _clean_name(m.group("q"))[0], "report"
    prev = None
    while prev != s:
        prev = s
        s = _HASHTAGS.sub("", s).strip()
        b = _BRACKET_DECOR.search(s)
        if b and _REPORTISH.search(b.group(0)):
            s = (s[:b.start()] + " " + s[b.end():]).strip()
        h = _TITLE_HEAD.match(s)
        if h and h.end() < len(s):
            decoration = decoration or "report"
            s = s[h.end():].strip()
        t = _first_tail(s)
        if t is not None:
            decoration = decoration or t[1]
            s = s[:t[0]].strip()
        s = re.sub(r"(?:^|\s)[-–—|]+\s*$", "", s).strip(" \t:：|/,、。!！")
    s = re.sub(r"(?:^|\s)[-–—|]+\s*$", "", _strip_dates(s)).strip(" \t:：|/,、")
    # "WidgetKaigi 2019 Day 1", "Widget JP 2018 1日目": the day of the event is not its name
    s = re.sub(r"[\s\-–—:：]*[(（]?\s*(?:day\s*\d+|\d+\s*日目)\s*[)）]?$", "", s, flags=re.I)
    s = re.sub(r"^day\s*\d+\s+(?:of|at)\s+", "", s, flags=re.I)
    s = re.sub(r"\s*[(（][^()（）]*[)）]$", lambda m: "" if _REPORTISH.search(m.group(0))
               else m.group(0), s).strip()
    return s, decoration


def _first_tail(s: str) -> tuple[int, str] | None:
    """Where the title's decoration starts (after at least two characters of name)."""
    for m in _TITLE_TAIL.finditer(s):
        if m.start() < 2:
            continue
        if m.group("ja_report"):
            return m.start(), "report"
        if m.group("ja_attend"):
            return m.start(), "attend"
        if m.group("en_report"):
            return m.start(), "report"
    return None


_LABEL_NAME = re.compile(r"^(?:date|time|when|where|venue|location|日時|日程|開催日|会場|場所|"
                         r"subject|件名|from|to)\s*[:：]", re.I)


def _good_name(s: str) -> bool:
    if len(s) < 2 or len(s) > 150 or _GENERIC.match(s.strip()) or re.search(r"[、。]", s):
        return False
    if _LABEL_NAME.match(s.strip()):
        return False  # "Date: Thursday, April 11": a label line, not a title
    if _URL.match(s.strip()):
        return False  # a bare link at the top of a post names a page, not the event
    if not re.search(r"[A-Za-z\u3040-\u30ff\u3400-\u9fff]", s):
        return False
    return date_in(s) is None or len(_strip_dates(s)) > 2


# "meetup-notes", "k8s_meetup_reports": a repository's name heading its README
_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)+")


# "Sydney Info", "開催情報": a page about a place or a series, not an event's name
_INFO_TAIL = re.compile(r"\s(?:info(?:rmation)?|details|resources|links|page)$|(?:情報|案内)$", re.I)


def _title_score(name: str, decoration: str) -> int:
    if _GENERIC_HEAD.match(name):
        return 20  # "Past Meetings", "Talks archive": names nothing, the file name may
    if _SLUG.fullmatch(name) or _INFO_TAIL.search(name):
        return 30
    if decoration == "report":
        return 80
    if decoration == "attend":
        return 60
    # a bare title that reads like an event ("Widgetrama 2018") outweighs an event the prose
    # merely mentions; a bare title that does not ("Widgets.py") is weak
    if _EVENTISH.search(name):
        return 72
    # "Our evenings": words, no name in them (the file name may do better)
    words = name.split()
    if len(words) > 1 and all(w.islower() for w in words[1:]):
        return 25
    return 45


def _paragraphs(lines: list[_Line]) -> Iterator[tuple[int, str]]:
    """(line index, text) per paragraph; a heading or list item is its own paragraph."""
    buf: list[str] = []
    start = 0
    for i, ln in enumerate(lines):
        if ln.kind == "text" and buf and lines[i - 1].kind == "text":
            buf.append(ln.marked)
            continue
        if buf:
            yield start, "\n".join(buf)
        buf = [ln.marked] if ln.kind != "blank" else []
        start = i
    if buf:
        yield start, "\n".join(buf)


def _prose_candidates(lines: list[_Line]) -> list[_Candidate]:
    out: list[_Candidate] = []
    for pos, para in _paragraphs(lines):
        para = unicodedata.normalize("NFKC", para)
        # the patterns scan every start position: run them only where their verbs occur
        ja = _JA.search(para) is not None and _JA_TRIGGER.search(para) is not None
        for pat, score in _JA_PROSE if ja else []:
            for m in pat.finditer(para):
                raw = m.groupdict().get("q") or m.group("name")
                quoted = m.groupdict().get("q") is not None
                name, _ = _clean_name(raw.strip())
                name = _JA_TIME_WORD.sub("", name.strip(" 、,"))
                if not _good_name(name):
                    continue
                eventish = bool(_EVENTISH.search(name) or re.fullmatch(r"[\w\s.+#&/-]+", name))
                if not quoted and not (re.search(r"[A-Za-z]", name) or eventish):
                    continue
                # a quoted activity ("「オンラインで講師を囲む会」を実施") is weaker than a
                # report's title
                out.append(_Candidate(name, score if eventish else min(score, 75), pos, "prose"))
        if not _JA.search(para) or re.search(r"[A-Za-z]{3}", para):
            flat = _plain(para).replace("\n", " ")
            sents = [x for x in _sentences(flat) if _EN_TRIGGER.search(x)]
            for (pat, score), sent in ((p, x) for x in sents for p in _EN_PROSE):
                for m in pat.finditer(sent):
                    name = _cut_place(_EN_CONNECTOR.sub("", _strip_dates(m.group("name"))))
                    name = name.strip(" .,'’")
                    first = name.split(" ")[0] if name else ""
                    if not name or first in _EN_STOP or not _good_name(name):
                        continue
                    if re.fullmatch(r"[\d:.apm\s]+", name, re.I) or date_in(name):
                        continue
                    eventish = bool(_EVENTISH.search(name))
                    if pat is _EN_WAS_AT and not eventish:
                        continue  # "we were at home", "I was at Google"
                    s = score if eventish else score - 30
                    out.append(_Candidate(name, s, pos, "prose"))
    return out


def _title_lines(fm: dict[str, object], lines: list[_Line]) -> list[tuple[int, str]]:
    """The report's own title: front matter, a leading heading, or a page's title line."""
    out: list[tuple[int, str]] = []
    if isinstance(fm.get("title"), str) and str(fm["title"]).strip():
        out.append((-1, str(fm["title"])[:300]))
    seen = prose = 0
    for i, ln in enumerate(lines[:80]):
        if ln.kind == "blank" or _CHROME.match(ln.text.strip()) or (
                _POST_LINE.search(ln.text) and date_in(ln.text)) or _POST_DATE_LINE.fullmatch(
                _scrub(ln.text).strip()):
            continue
        seen += 1
        if seen > 8:
            break
        t = ln.text.strip()[:300]
        if ln.kind == "heading" and ln.level == 1:
            out.append((i, t))
            break
        if _BLOG_NAME.search(t) and not _EVENTISH.search(_BLOG_NAME.sub("", t)):
            continue
        if ln.kind == "heading":
            # a leading heading is the title; text below a heading is a section's, not a title
            if seen == 1:
                out.append((i, t))
            break
        if ln.kind == "bullet":
            continue
        if len(t) > 120 or _SENTENCE.search(t):
            prose += 1
            continue
        if _GENERIC.match(t) or (prose and not _first_tail(t)):
            # below the prose a bare line is the text's, not a title; a page's description
            # sentence may stand above its title, which then says what it reports
            continue
        out.append((i, t))
        if _first_tail(t) or (_EVENTISH.search(t) and not _in_words(t)):
            break
    return out


# "Title | Qiita", "Title - connpass": the publishing platform after a page title
_PLATFORM = re.compile(
    r"(?<!\s)\s+[|｜\-–—]\s+(?:qiita|zenn|note|connpass|doorkeeper|techplay|peatix|medium|"
    r"dev(?:\.to| community)|hatena\s*blog|はてなブログ|developersio|speaker\s*deck|slideshare|"
    r"meetup(?:\.com)?|eventbrite|github(?:\s+pages)?)\s*$", re.I)


def _in_words(s: str) -> bool:
    """Japanese words rather than a name: hiragana beyond a possessive の."""
    return len(re.findall("[" + _HIRA + "]", s.replace("の", ""))) >= 2


def _title_candidates(fm: dict[str, object], lines: list[_Line]) -> list[_Candidate]:
    out: list[_Candidate] = []
    for pos, title in _title_lines(fm, lines):
        title = _PLATFORM.sub("", title.strip())
        # "Post title | Blog name": a page title's site part
        title = re.sub(r"^(.{3,}?)\s+[|｜]\s+[^|｜]{1,40}$", r"\1", title)
        # "Post title - Dev Blog": a blog's name after a dash
        title = re.sub(r"^(.{3,}?)\s+[-–—]\s+[^-–—]{0,30}(?:blog|ブログ|diary|日記|journal|"
                       r"engineering)$", r"\1", title, flags=re.I)
        # "Site by Owner" (a GitHub Pages header)
        title = re.sub(r"^(\S+)\s+by\s+\S+$", r"\1", title)
        # "WidgetConf 2017 - The king is dead": the event, then the post's own words
        sub = re.match(r"^(?P<head>.{3,80}?)\s+[-–—:]\s+(?P<tail>.{3,})$", title)
        if sub and _EVENTISH.search(sub.group("head")) and not _EVENTISH.search(sub.group("tail")):
            title = sub.group("head")
        name, decoration = _clean_name(title)
        if not _good_name(name):
            continue
        name = _extend_from_next_lines(name, lines, pos)
        score = _title_score(name, decoration)
        if not decoration and pos >= 0 and _in_words(name):
            # a bare line in words ("イベントを探す") is page furniture more often than a name
            score = min(score, 45)
        out.append(_Candidate(name, score, pos, "title", plain=not decoration))
    for i, ln in enumerate(lines[:200]):
        m = re.match(r"^welcome\s+to\s+(?:the\s+)?(.{3,100})$", ln.text.strip(), re.I)
        if m:
            name, _ = _clean_name(m.group(1).rstrip("!.！"))
            if _good_name(name) and _EVENTISH.search(name):
                out.append(_Candidate(name, 50, i, "title"))
    return out


def _extend_from_next_lines(name: str, lines: list[_Line], pos: int) -> str:
    """A title line shortened from a fuller one just below it ("2nd Widget Week レポート" above
    "WidgetCamp 2021 / 2nd Widget Week2021.10.02") takes the fuller name."""
    if pos < 0 or len(name) < 4:
        return name
    nxt = [ln for ln in lines[pos + 1:pos + 4] if ln.kind != "blank"][:2]
    for ln in nxt:
        t = unicodedata.normalize("NFKC", ln.text)
        k = t.find(name)
        prefix = t[:k]
        if 0 < k <= 40 and not re.search("[" + _JA_STOP + "]", prefix) and date_in(prefix) is None:
            return (t[:k] + name).strip()
        # a group's name above its numbered event: "Widget Meetup" / "Widget Meetup #20 (…)"
        m = re.match(re.escape(name) + r"\s*(#\s?\d+|第\s*\d+\s*回|vol\.?\s*\d+|(?:19|20)\d{2})",
                     t, re.I)
        if m:
            return m.group(0)
    return name


_MEETUP_GROUP = re.compile(r"meetup\.com/(?:[a-z]{2}(?:-[A-Z]{2})?/)?([A-Za-z][A-Za-z0-9-]{2,80})/")


def _series_candidates(body: str, lines: list[_Line]) -> list[_Candidate]:
    out: list[_Candidate] = []
    groups = Counter(m.group(1) for m in _MEETUP_GROUP.finditer(body[:_ARCHIVE_SCAN]))
    for g, _n in groups.most_common(1):
        if g.lower() not in {"find", "topics", "cities", "pro", "apps", "events", "members"}:
            # a group's URL slug, written as a name: "rust-sydney" -> "Rust Sydney"
            words = [w[:1].upper() + w[1:] if w.islower() else w for w in g.split("-") if w]
            out.append(_Candidate(" ".join(words), 50, 10**6, "series"))
    # a section of the page (h2, h3), not a talk's own heading deep in a list
    headings = [(i, ln) for i, ln in enumerate(lines) if ln.kind == "heading" and 2 <= ln.level <= 3]
    for i, ln in headings[:200]:
        words = _clean_name(ln.text)[0].split()
        while words and _MONTH_WORD.match(words[0].strip(",.")):
            words = words[1:]
        name = " ".join(words)
        if (_EVENT_WORD.search(name) and re.search(r"[A-Za-z\u3040-\u30ff\u3400-\u9fff]{3}", name)
                and _good_name(name) and not _GENERIC_HEAD.match(name)
                and re.match(r"[A-Z0-9\u3040-\u30ff\u3400-\u9fff]", name)):
            out.append(_Candidate(name, 45, i, "series"))
            break
    return out


_FILE_GENERIC = {"archive", "archives", "meetups", "notes", "report", "recap", "slides",
                 "index", "readme", "talks", "blog", "post", "posts", "md", "markdown", "txt",
                 "html", "htm", "events", "day1", "day2", "day", "the", "and"}


def _file_candidate(source: str) -> _Candidate | None:
    """The last resort: "07_widget-makers-2018-2019.md" -> "widget makers" (the words before
    the first year, without an index, a post date, months or words like "archive")."""
    stem = re.split(r"[\\/]", source)[-1]
    stem = stem.split(".")[0]
    stem = re.sub(r"^(?:\d{4}-\d{2}-\d{2}[-_]|\d{8}[-_]|\d{1,4}[_-])+", "", stem)
    words: list[str] = []
    for w in re.split(r"[-_\s]+", stem):
        if re.fullmatch(r"(?:19|20)\d{2}(?:\d{2,4})?", w):
            break
        if w and w.lower() not in _FILE_GENERIC and not _MONTH_WORD.match(w):
            words.append(w)
    name = " ".join(words).strip()
    if len(name) < 3 or not re.search(r"[A-Za-z]{2}", name):
        return None
    return _Candidate(name, 28, 10**7, "file")


_NAME_LABEL = re.compile(
    r"^[\W_]{0,3}\s*(?:イベント名?|勉強会名?|名称|event\s+name|event(?=\s*[:：]))\s*[】\]］]?\s*"
    r"(?:[:：]\s*(?P<value>.+))?$", re.I)


_COMMITTEE = re.compile(r"(?:[■□◆◇●・\-*\s]*(?:主催|運営)\s*[:：]?\s*)?(?P<name>[^:：、。]{2,60}?)\s*"
                        r"実行委員会")


def _label_candidates(lines: list[_Line]) -> list[_Candidate]:
    """An event page's label: "イベント名: X", or "【イベント名】" / "■ イベント" above X."""
    out: list[_Candidate] = []
    text_lines = [ln for ln in lines if ln.kind != "blank"][:60]
    for ln in text_lines:
        # "主催: 岡山 Ruby 会議 02 実行委員会": an event's organising committee bears its name
        m = _COMMITTEE.fullmatch(ln.text.strip()[:200])
        if m and _good_name(m.group("name")):
            out.append(_Candidate(m.group("name").strip(), 90, ln.offset, "label"))
            break
    for k, ln in enumerate(text_lines):
        m = _NAME_LABEL.match(ln.text.strip()[:200])
        if not m:
            continue
        value = (m.group("value") or "").strip()
        if not value and k + 1 < len(text_lines):
            value = text_lines[k + 1].text.strip()
        if value and 2 <= len(value) <= 120 and not _NAME_LABEL.match(value):
            out.append(_Candidate(value, 95, ln.offset, "label"))
            break
    return out


def _pick(cands: list[_Candidate]) -> _Candidate | None:
    if not cands:
        return None
    best = max(cands, key=lambda c: (c.score, -c.pos))
    if best.kind == "title" and best.plain:
        # the prose names the same event as a bare title: the body's own words win
        # ("Regional Widget Gathering Tokyo に行ってきました" under "Widget Gathering Tokyo 2016")
        same = [c for c in cands if c.kind == "prose" and c.score >= 60
                and fuzz.partial_ratio(_norm(c.name), _norm(best.name)) >= 85]
        if same:
            return max(same, key=lambda c: (c.score, -c.pos))
    if best.kind == "title":
        # A prose name inside the title is the event without the title's extra words
        # ("Android: WidgetKaigi", "… #3 (略称WCT)"), unless they are only its year or number.
        for c in sorted(cands, key=lambda c: (-c.score, c.pos)):
            if c.kind != "prose" or c.score < 60 or c.name == best.name:
                continue
            k = best.name.find(c.name)
            if k >= 0:
                rest = (best.name[:k] + best.name[k + len(c.name):]).strip()
                if rest and not re.fullmatch(r"[#\s\d第回年()（）-]*", rest):
                    return c
    return best


def _with_year(name: str, text: str) -> str:
    """"Widget JP" is called "Widget JP 2018" elsewhere in the text: the fuller name."""
    if re.search(r"(?:19|20)\d{2}", name) or len(name) < 3:
        return name
    m = re.search(re.escape(name) + r"\s?((?:19|20)\d{2})(?!\d)", text)
    return f"{name} {m.group(1)}" if m else name


# --------------------------------------------------------------------------- event dates
_LABEL = re.compile(
    r"^(?:日時|開催日時?|開催日程|日程|日付|開催期間|期間|イベント日|date|when|event\s+date)"
    r"(?:\s*(?:[・/&]|and)\s*(?:時間|場所|会場|time|place|location|venue|where))?"
    r"\s*(?:[:：|】\]]\s*|$|(?=\d))", re.I)
_LABEL_DECOR = re.compile(r"^[■□◆◇●○◎★☆▼▽▶►・【\[|\s]+")
_POST_LINE = re.compile(
    r"posted|updated|last\s+update|edited|published|written|\bedit\b|投稿|更新|公開日|作成日|執筆|"
    r"追記|加筆|修正|\dに公開|\d\s*公開$", re.I)
_HELD_JA = re.compile(r"開催|行われ|行い|参加|参戦|実施|催され|にて|行って|いって|聴講|登壇")
_HELD_EN = re.compile(
    r"\b(?:held|took\s+place|takes\s+place|will\s+take\s+place|happened|hosted|attend(?:ed|ing)?|"
    r"met|gathered|went\s+to|spoke\s+at|was\s+on|is\s+on|"
    r"(?:next|last|this|our|the)\s+(?:\w+\s+)?(?:meeting|meetup|meet-up|event|conference)\s+"
    r"(?:is|was|will\s+be|takes|took)|on\s+the\s+day)\b", re.I)
_MAIN_PART = re.compile(r"^.{0,12}?(?:カンファレンス|本編|本会議|本イベント|conference\s+days?|"
                        r"main\s+conference|main\s+event)", re.I)
# a blog's date line: the day alone, perhaps with a time or "に公開" (no weekday: see below)
_POST_DATE_LINE = re.compile(
    r"(?:19|20)\d{2}[-/.年]\s*\d{1,2}[-/.月]\s*\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"\s*(?:に?(?:公開|投稿|更新)(?:日)?)?")
_JA_WEEKDAY_LINE = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*\(\s*[月火水木金土日]\s*\)"
    r".{0,30}")
_TIME_RANGE = re.compile(
    r"\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:-|–|~|〜|to)\s*\d{1,2}:\d{2}", re.I)
_SENT_SPLIT = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+(?=[A-Z])")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENT_SPLIT.split(text) if s and s.strip()]


def _dates_with_context(text: str, year: int | None) -> list[tuple[dt.date, bool, str]]:
    """(date, year stated in the text, what follows) for each date in one sentence; a day
    without a year takes the year stated before it in the sentence, else `year`."""
    s = _scrub(text)
    out: list[tuple[dt.date, bool, str]] = []
    ctx: int | None = None
    for f in _find_dates(s):
        if f.year is not None:
            ctx = f.year
        d = _resolve(f, ctx if ctx is not None else year)
        if d is not None:
            out.append((d, ctx is not None, s[f.end:f.end + 30]))
    return out


def _pick_in_sentence(found: list[tuple[dt.date, bool, str]],
                      stated_only: bool) -> dt.date | None:
    found = [f for f in found if f[1] or not stated_only]
    if not found:
        return None
    # "2021年5月1日のスプリント…5月3日～4日のカンファレンス": the conference days
    for d, _stated, after in found:
        if _MAIN_PART.match(after):
            return d
    return found[0][0]


def _post_date(fm: dict[str, object], lines: list[_Line], source: str) -> dt.date | None:
    for key in ("date", "published", "published_at", "pubdate", "created", "created_at", "posted"):
        d = _as_date(fm.get(key))
        if d is not None:
            return d
    for ln in lines[:60]:
        if re.search(r"posted\s+(?:at|on)|投稿日|公開日|published\s*(?:at|on|:)", ln.text, re.I):
            d = date_in(ln.text)
            if d is not None:
                return d
    for ln in lines[:30]:
        t = _scrub(ln.text).strip()
        if _POST_DATE_LINE.fullmatch(t):
            return date_in(t)
    m = re.search(r"((?:19|20)\d{2})-(\d{2})-(\d{2})", re.split(r"[\\/]", source)[-1])
    if m and _valid(int(m.group(1)), int(m.group(2)), int(m.group(3))):
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


_ENTRY = re.compile(r"^(?:\s?(?:#{1,6}|<h[1-6]\b|[-*+]\s|\d{1,3}[.)]\s)|\s*(?:[-*+]\s+)?"
                    r"(?:日時|開催日|日程|date|when)\b|"
                    # a table row opening with its date: "| 2020-01-08 | … |"
                    r"\s{0,3}\|\s*(?=\d{4}[-/.年]\d{1,2}))", re.I)


# "## 次回: 2022/2/22(火)", "Next meetup: May 3": announced events, not entries of an archive
_UPCOMING = re.compile(r"^\W*(?:次回|次々回|今後の(?:予定|開催)|開催予定|upcoming|next\b|coming\s+up)", re.I)


def _entry_dates(body: str) -> list[tuple[int, dt.date]]:
    """(offset, day) stated at the head of headings, top-level list items and date labels: the
    entries of an archive."""
    out: list[tuple[int, dt.date]] = []
    seen = 0
    for line in _DIGIT_LINE.finditer(body[:_ARCHIVE_SCAN]):  # a date needs a digit
        at, raw = line.start(), line.group(0)
        if not _ENTRY.match(raw):
            continue
        seen += 1
        if seen > _MAX_ENTRIES:
            break
        stripped = raw.strip()
        label = _LABEL.match(_BULLET.sub("", stripped, count=1))
        text = _plain(_inline(stripped.lstrip("#").strip()))
        if not label and not re.match(r"^(?:#|<h)", stripped):
            text = _BULLET.sub("", text, count=1)
        text = text[:80] if label else text[:60]
        if _POST_LINE.search(text) or _UPCOMING.match(text):
            continue
        for f in _find_dates(_scrub(text)):
            if f.year is not None:
                d = _resolve(f, None)
                if d is not None:
                    out.append((at, d))
                break
    return out


def _archive_span(body: str) -> tuple[dt.date, dt.date, int, int] | None:
    """(first day, last day, how many, offset of the first entry) when the text dates several
    entries weeks apart: an archive of meetups."""
    entries = _entry_dates(body)
    days = sorted({d for _at, d in entries})
    if len(days) >= 2 and (days[-1] - days[0]).days > 7:
        return days[0], days[-1], len(days), entries[0][0]
    return None


def _event_date(lines: list[_Line], titles: list[tuple[int, str]], name: str,
                post: dt.date | None) -> tuple[dt.date, int, bool] | None:
    """The event day the text states, by where it stands (see the module docstring), with the
    offset of its line and whether a label or a "held" sentence states it."""
    year = post.year if post else None
    # 1. an explicit label: "開催日: 2021/05/08(土)", "Date: 5th of May, 2021", or "Date"
    #    on its own line above the value
    for i, ln in enumerate(lines):
        if ln.kind == "blank":
            continue
        # "| 日時 | 2019/06/18 |", "■日時", "【日時】2019/06/18" read as labels too
        text = _LABEL_DECOR.sub("", ln.text).rstrip("| ")
        m = _LABEL.match(text)
        if not m:
            continue
        rest = text[m.end():]
        if rest.strip():
            d = _pick_in_sentence(_dates_with_context(rest, year), stated_only=False)
            if d is not None:
                return d, ln.offset, True
        else:
            nxt = next((x for x in lines[i + 1:i + 4] if x.kind != "blank"), None)
            if nxt is not None:
                d = _pick_in_sentence(_dates_with_context(nxt.text, year), stated_only=False)
                if d is not None:
                    return d, ln.offset, True
    usable = [ln for ln in lines if ln.kind != "blank" and not _POST_LINE.search(ln.text)]
    # 2. a sentence that says the event was held / attended, with its year
    held: list[str] = []
    for ln in usable:
        for s in _sentences(ln.text):
            if _HELD_JA.search(s) or _HELD_EN.search(s):
                held.append(s)
                d = _pick_in_sentence(_dates_with_context(s, None), stated_only=True)
                if d is not None:
                    return d, ln.offset, True
    # 3. the title ("Widget meetup March 3rd 2021"); 4. a line that names the event
    for pos, t in titles[:2]:
        d = date_in(t)
        if d is not None:
            return d, lines[pos].offset if pos >= 0 else -1, False
    key = _norm(name)
    numbers = re.findall(r"\d+", key)  # "#20" is not "#19"
    if len(key) >= 4:
        for ln in usable[:300]:
            if not _DIGIT.search(ln.text) or fuzz.partial_ratio(key, _norm(ln.text)) < 90:
                continue
            scrubbed = _scrub(ln.text)
            spans = _find_dates(scrubbed)
            line_key = _norm("".join(scrubbed[a.end:b.start] for a, b in zip(
                [_Found(0, 0, None, 0, 0), *spans], [*spans, _Found(len(scrubbed), 0, None, 0, 0)],
                strict=True)))
            found = _dates_with_context(ln.text, None)
            if found and all(re.search(r"(?<!\d)" + n + r"(?!\d)", line_key) for n in numbers):
                return found[0][0], ln.offset, False
    # 5. dated section headings a few days apart: a multi-day event's first day
    headings = [ln.text for ln in usable if ln.kind == "heading"][:200]
    dated = _entry_dates("\n".join("# " + t for t in headings))
    if dated:
        return min(d for _at, d in dated), -1, False
    # 6. a date line with a time slot ("2021/05/12(水) 19:00〜21:00", or the slot on the
    #    next line as event pages print it) or with a Japanese weekday is the event's; a
    #    blog's date line has neither
    head = usable[:60]
    for k, ln in enumerate(head):
        if len(ln.text) > 60:
            continue
        below = head[k + 1].text if k + 1 < len(head) else ""
        if (_TIME_RANGE.search(ln.text) or (len(below) <= 40 and _TIME_RANGE.search(below))
                or _JA_WEEKDAY_LINE.fullmatch(_scrub(ln.text).strip())):
            d = date_in(ln.text)
            if d is not None:
                return d, ln.offset, False
    # 7. a day without a year in a "held" sentence or the title takes the post's year
    for s in [*held, *(t for _pos, t in titles[:2])]:
        d = _pick_in_sentence(_dates_with_context(s, year), stated_only=False)
        if d is not None and post is not None:
            if d > post:  # a January post about a December event
                if not _valid(d.year - 1, d.month, d.day):
                    return None
                d = d.replace(year=d.year - 1)
            return d, -1, False
    return None


# --------------------------------------------------------------------------- entry point
def _front_matter_in(body: str) -> tuple[dict[str, object], str]:
    """A front matter block still at the top of the body (YAML `---` or TOML `+++`), read
    with the same limits as any report's; a broken one is no front matter here."""
    try:
        front = read_front_matter(body)
    except ReportError:
        return {}, body
    return front.data, front.body


_OPENING_LINES = 12
# Lines that date the page, not the event.
_NOT_EVENT_DAY = re.compile(r"posted|updated|published|last edited|previous|next|投稿|更新|公開|追記|"
                            r"編集|前回|次回", re.I)
_TIME_OF_DAY = re.compile(r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b|\d{1,2}時", re.I)
_WEEKDAY = re.compile(r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|[(（][月火水木金土日][)）]", re.I)
_RANGE = re.compile(r"\d\s*(?:[-–—~〜～]|to|until|から)\s*(?:[A-Z][a-z]+\.?\s+)?\d", re.I)
_HAPPENED = re.compile(r"\b(?:ran|runs|took place|happened|was on|is on|were on|met)\b|開催|行われ|開かれ",
                       re.I)


def _opening_date(lines: list[_Line], name: str, post: dt.date | None) -> dt.date | None:
    """A day the opening lines state in the way event pages and recaps do, when no labelled
    or "held on" date was found: a range ("May 10 - 12, 2023"), a day with a weekday or a
    time ("Wed 8 March 2023, 6pm"), a day beside the event's name or a verb saying it took
    place. A bare date line is a post's date, not the event's, and is left out."""
    seen = 0
    key = re.sub(r"\W+", "", name.casefold())[:40]
    for ln in lines:
        if ln.kind == "blank":
            continue
        seen += 1
        if seen > _OPENING_LINES:
            break
        text = ln.text[:300]
        if not re.search(r"\d{4}", text):
            continue
        if _NOT_EVENT_DAY.search(text):
            continue
        mine = set(re.findall(r"#\s?(\d+)", name))
        theirs = set(re.findall(r"#\s?(\d+)", text))
        if mine and theirs and mine.isdisjoint(theirs):
            continue  # another edition's day
        when = date_in(text, post.year if post else None)
        if when is None or when == post:
            continue
        flat = re.sub(r"\W+", "", text.casefold())
        if (_RANGE.search(text) or _TIME_OF_DAY.search(text) or _WEEKDAY.search(text)
                or _HAPPENED.search(text) or (len(key) >= 4 and key in flat)
                or _EVENT_WORD.search(text)):
            # "from June 16 to June 19, 2022": the range's first day
            first = re.split(r"\s+(?:to|until|through)\s+|\s*[~〜～]\s*", text, maxsplit=1)[0]
            years = re.findall(r"\b(?:19|20)\d{2}\b", text)
            start = date_in(f"{first}, {years[-1]}", None) if years and first != text else None
            return start if start is not None and start <= when else when
    return None


# Front-matter keys that hold the event's start, never a post's date (`date:` is the post's)
_START_KEYS = ("start", "starts_at", "start_date", "start_time", "time", "event_time", "when")


def guess_event(front_matter: dict[str, object], body: str, source: str = "") -> EventGuess:
    """The event's own name and stated date in one report, and warnings a person can act on."""
    fm = {str(k).lower(): v for k, v in (front_matter or {}).items()}
    # nothing past the archive scan is read: cut first, so a huge body costs nothing more
    body = body[:_ARCHIVE_SCAN + 32 * 1024].replace("\r\n", "\n").replace("\r", "\n")
    body = body.lstrip("\ufeff")
    if not fm:
        fm, body = _front_matter_in(body.lstrip("\n"))
    warnings: list[str] = []
    date_lines = _lines(body[:_DATE_SCAN])
    head_lines = [ln for ln in date_lines if ln.offset < _NAME_SCAN]

    cands: list[_Candidate] = []
    for key in ("event", "event_name", "eventname", "meetup", "conference"):
        v = fm.get(key)
        if isinstance(v, str) and v.strip():
            cands.append(_Candidate(v.strip(), 100, -1, "fm"))
            break
    cands += _label_candidates(head_lines)
    cands += _prose_candidates(head_lines)
    cands += _title_candidates(fm, head_lines)
    best = _pick(cands)
    if best is None or best.score < 45:
        cands += _series_candidates(body, date_lines)
        best = _pick(cands)
    if best is None or best.score < 30:
        f = _file_candidate(source)
        if f is not None:
            cands.append(f)
            best = _pick(cands)
    name = best.name if best else ""
    if best is not None and best.kind != "fm":
        name = _with_year(name, _scrub(body, _NAME_SCAN))
    if best is None:
        warnings.append("no event name found; give the report a title or an `event:` line")
    elif best.kind == "file":
        warnings.append(f"event name taken from the file name ({name}); the text names no event")
    elif best.kind == "series":
        warnings.append(f"event name inferred from the page ({name}); the text names no event")

    post = _post_date(fm, head_lines, source)
    date: dt.date | None = None
    archive_found = False
    if any(isinstance(fm.get(k), str) and str(fm[k]).strip()
           for k in ("event", "event_name", "eventname")) or "event_date" in fm:
        # the canonical format: `date:` beside `event:` is the event's day
        date = _as_date(fm.get("event_date")) or _as_date(fm.get("date"))
    if date is None:
        # an event page's own start ("time: 2017-04-22T09:00:00Z" in a meetup export)
        date = next((d for k in _START_KEYS if (d := _as_date(fm.get(k))) is not None), None)
    if date is None:
        stated = _event_date(date_lines, _title_lines(fm, head_lines), name, post)
        archive = _archive_span(body)
        # an archive has no single day, unless the opening states one before any entry
        # (a meetup's page that ends with a dated list of past meetups)
        if archive is not None and not (stated and stated[2] and 0 <= stated[1] < archive[3]):
            first, last, n, _at = archive
            archive_found = True
            warnings.append(f"{n} meetups dated {first} … {last}: an archive, no single event "
                            "date")
        elif stated is not None:
            date = stated[0]
        elif (opening := _opening_date(date_lines, name, post)) is not None:
            date = opening
        elif post is not None:
            warnings.append(f"no event date stated; the post date {post} is not used")
        else:
            warnings.append("no event date stated")
    return EventGuess(name=name[:300], date=date, post_date=post, warnings=warnings,
                      archive=archive_found)
