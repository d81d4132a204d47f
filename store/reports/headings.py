"""Talks from heading-structured reports (the first reader, exact on well-formed notes)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from store.reports.talkline import ROOM_CODE, parse_talk_line

SUMMARY_MAX = 300
# Bump when parsing changes what a report yields: every report is then imported again once.
PARSER_VERSION = 2


@dataclass
class ParsedEvent:
    name: str
    date: dt.date | None = None
    venue: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class ParsedTalk:
    title: str
    speakers: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    notes: str = ""
    summary: str = ""
    has_notes: bool = False
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    session_code: str | None = None


@dataclass
class ParsedReport:
    event: ParsedEvent
    talks: list[ParsedTalk]
    # What a person could fix in the file: an unstated date, talks without speakers …
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- site chrome
# Lines that blog and Qiita-like pages add around the article; removed before parsing.
_CHROME = [re.compile(p, re.I) for p in (
    r"^(log ?in|sign ?up|login ?signup|sign ?in|log ?out|ログイン|新規登録|ユーザー登録)$",
    r"^\d{1,6}$",
    r"^more than \d+ (years?|months?|days?) (have|has) passed since last update\.?$",
    r"^(last updated|posted|updated|edited) (at|on)\b.*$",
    r"^(最終更新日|投稿日|更新日|公開日)[:：]?.*$",
    r"^comments powered by .*$",
    r"^register as a new user.*$",
    r"^what you can do with signing up$",
    r"^you (get articles|can efficiently|can use dark theme).*$",
    r"^(share|tweet|like|stock|follow|フォロー|いいね|ストック|ブックマーク|シェア|はてなブックマーク"
    r"|記事を書く|この記事は以下の記事からリンクされています|このエントリーをはてなブックマークに追加)$",
    r"^[\w\-. ]+\.(png|jpe?g|gif|svg|webp|bmp)$",
    r"^!\[[^\]]*\]\([^)]*\)$",
    r"^(report article|help us understand the problem.*|improve article|記事の報告)$",
    r"^read more$|^続きを読む$|^もっと見る$",
    r"^(powered by|theme by|copyright|©|\(c\)) .*$",
    r"^(読者になる|広告を非表示にする|この広告は.*|コメントを書く|関連記事|シェアする|もっと読む|"
    r"引用をストックしました|ストックしました|引用するにはまずログインしてください|"
    r"(twitter|x|facebook|line|pocket|はてブ)\s*で?(共有|シェア)|share on .*|min read|listen|"
    r"why not register and get more from qiita\??|lgtm|スキ|目次|table of contents)$",
    r"^(search|検索|trend|question|official events?|official columns?|advent calendar|qiitadon|"
    r"organizations?|home|ホーム|menu|メニュー|ブログトップ|記事一覧|カテゴリー?|アーカイブ|"
    r"月別アーカイブ|最新記事|人気記事|プロフィール|profile|about|contact|privacy policy|"
    r"terms of service|sign in with .*|skip to (main )?content|open in app)$",
)]

_BULLET = re.compile(r"^(?:[•・●○◦▪‣∙*+]|-(?!>|-)|(?:\d{1,3}|[a-zA-Z])[.)](?=\s))\s*")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# "[1A1]", "[2B1]-1", Markdown-escaped "\[A1(S)\]", "【S3】"
_SESSION_CODE = re.compile(r"^(?:\\?\[|【)([0-9A-Za-z]{1,5}(?:\([A-Za-z]\))?)(?:\\?\]|】)(-\d{1,2})?\s*")
_LT_PREFIX = re.compile(r"^(?:LT\s*\d*|Lightning\s*Talk\s*\d*|ライトニングトーク\s*\d*)\s*[:：\-–—]?\s+",
                        re.I)
_KEYNOTE_PREFIX = re.compile(r"^(?:keynote|キーノート|基調講演)\s*\d*\s*[:：]\s*", re.I)
_DAY_MARKER = re.compile(
    r"^[■□◆◇●#\s]*(?:day\s*\d+|\d+\s*日目|(?:第\s*)?\d+\s*日目?|day\s*(?:one|two|three))"
    r"(?:\s*[（(].*[)）])?\s*[:：]?$", re.I)
_KEYNOTE = re.compile(r"keynote|キーノート|基調講演", re.I)
_URL = re.compile(r"https?://[^\s<>()\"'（）「」]+")
_HANDLE = re.compile(r"(?<![\w.])@([A-Za-z0-9_][A-Za-z0-9_\-.]{0,38}[A-Za-z0-9_]|[A-Za-z0-9_])")
_PLACEHOLDER = {"aa", "aaa", "a", "tbd", "tba", "todo", "wip", "-", "--", "---", "—", "–", "...", "…",
                "n/a", "na", "none", "なし", "未記入", "メモなし", "(メモなし)", "（メモなし）", "特になし",
                "x", "xx", "xxx", "?", "??", "test", "準備中", "後で書く", "あとで書く"}
# Section names that open a part of the report that is not a talk.
_NON_TALK = re.compile(
    r"^(?:概要|はじめに|初めに|前置き|イベント概要|開催概要|まとめ|おわりに|終わりに|最後に|所感|感想|全体の感想|"
    r"おまけ|余談|参考|参考資料|参考リンク|(?:関連)?リンク(?:集|一覧)?|関連記事|目次|もくじ|告知|宣伝|懇親会|その他|スポンサー(?:ブース)?|"
    r"一般セッション|セッション一覧|セッション|タイムテーブル|スライド(?:一覧|リンク)?|動画|資料|登壇資料|"
    r"以下、.*|overview|introduction|intro|summary|conclusion|agenda|timetable|schedule|links?|"
    r"references?|appendix|misc|others?|sponsors?|networking|party|懇親会.*|追記.*|更新履歴|"
    r"table of contents|toc|contents|LT(?:枠|セッション)?|ライトニングトーク(?:枠)?|lightning talks?|"
    # the event's logistics, the people on its page, its summary and its end
    r"description|details|when\s*(?:&|and)\s*where|where\s*(?:&|and)\s*when|date\s*(?:&|and)\s*time|"
    r"time\s*(?:&|and)\s*place|location|venue|registration|code of conduct|faq|"
    r"(?:speakers?|panelists?|moderators?|hosts?|organi[sz]ers?)(?:\s*(?:&|and|,)\s*(?:speakers?|panelists?|"
    r"moderators?|hosts?|organi[sz]ers?))*|(?:speaker )?bios?|about the speakers?|q\s*&\s*a(?: log| session)?|"
    r"one more thing|今後について|今後の(?:予定|展望|活動)|全体的に|全体を通して|全体として|"
    r"(?:本会|イベント|勉強会)?終了|閉会(?:の挨拶)?|"
    r".{1,20}による(?:LT|ライトニングトーク)(?:大会)?)"
    r"\s*[:：]?\s*(?:[(（].*[)）])?\s*[…。.!！]*$", re.I)
# Sections that end the last talk in reports whose talks carry session codes; there a
# `まとめ` or `背景` heading is part of the talk, while impressions close it.
_CLOSING = re.compile(r"^(?:所感|感想|全体の感想|おわりに|終わりに|おまけ|余談|懇親会|告知|宣伝|追記|"
                      r"以上|最後に)", re.I)
_SENTENCE_END = re.compile(r"[。．、，,:：;；]$")
_ORG_WORDS = re.compile(
    r"(株式会社|有限会社|合同会社|\(株\)|（株）|大学|研究所|財団|協会|社$|"
    r"\b(?:Inc|Ltd|LLC|Corp|Corporation|Co|Company|Foundation|University|Labs?|Group|"
    r"Technologies|Systems|Software|Project|Institute|GmbH|K\.K|Japan)\b\.?)")
_LABELLED_LINK = re.compile(
    r"^(?:slides?|スライド|資料|発表資料|登壇資料|video|動画|録画|recording|youtube|link|url)\s*[:：]\s*"
    r"(.*?)$", re.I)
_SLIDE_HOSTS = re.compile(
    r"https?://(?:www\.)?(?:speakerdeck\.com|slideshare\.net|docs\.google\.com/presentation|"
    r"youtube\.com/watch|youtu\.be|vimeo\.com)/\S+")
_META_LINE = re.compile(r"^(tags?|タグ|slides?|スライド|video|動画|url|資料)\s*[:：]\s*(.+)$", re.I)


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def _clean_inline(s: str) -> str:
    """Strip Markdown inline markup, keeping the words."""
    s = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", s)
    s = re.sub(r"\[([^\]]+)\]\((https?://[^)]+)\)", r"\1 (\2)", s)
    s = re.sub(r"(\*\*|__)(.+?)\1", r"\2", s)
    s = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", s)
    s = re.sub(r"`([^`]+)`", r"\1", s)
    return s.replace("\u00a0", " ").replace("\u3000", " ").strip()


# --------------------------------------------------------------------------- lines
@dataclass
class _Line:
    text: str  # stripped, inline markup removed
    indent: int
    kind: str  # blank | heading | bullet | text | code
    level: int = 0  # Markdown heading level
    raw: str = ""
    link: str | None = None  # a Markdown heading's link target


# A line that ends the article on a scraped page: what follows is comments, related posts,
# the author's profile or sign-up prompts, never talks.
_FOOTER = re.compile(
    r"^(?:関連記事|関連エントリー?|この記事をシェアする|コメントを書く|コメント|前の記事|次の記事|"
    r"«\s*\S.*|.*\s»|related (?:posts|articles)|share this:?|like this:?|leave a comment|"
    r"comments powered by .*|register as a new user.*|what you can do with signing up|"
    r"you may also like|more from .*|recommended|follow me on .*)$", re.I)


_SETEXT = re.compile(r"^(?:={3,}|-{3,})$")


def _to_lines(body: str) -> list[_Line]:
    out: list[_Line] = []
    in_code = False
    for raw in _article(body.split("\n")):
        raw = raw.replace("\t", "    ").rstrip()
        stripped = raw.replace("\u00a0", " ").replace("\u3000", " ").strip()
        indent = len(raw) - len(raw.lstrip(" \u00a0\u3000"))
        if stripped.startswith(("```", "~~~")):
            inline = stripped[3:].rstrip("`~").strip()
            if len(stripped) > 6 and stripped.endswith(stripped[:3]) and inline:
                out.append(_Line(inline, indent, "code", raw=inline))  # ```one line```
            else:
                in_code = not in_code
            continue
        if in_code:
            out.append(_Line(stripped, indent, "code" if stripped else "blank", raw=raw))
            continue
        if not stripped or any(p.match(stripped) for p in _CHROME):
            out.append(_Line("", 0, "blank", raw=raw))
            continue
        if (_SETEXT.match(stripped) and indent < 4 and out and out[-1].kind == "text"
                and (len(out) == 1 or out[-2].kind in ("blank", "heading"))):
            # "Title" over "-----" or "=====": a Markdown heading of level 2 or 1
            prev = out.pop()
            out.append(_Line(prev.text, prev.indent, "heading", 1 if stripped[0] == "=" else 2,
                             prev.raw))
            continue
        m = _MD_HEADING.match(stripped)
        if m and m.group(2):
            heading = m.group(2)
            link = re.search(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", heading)
            if link:  # "## [Title](slides URL)": the title is the text, the URL the talk's link
                heading = heading.replace(link.group(0), link.group(1))
            out.append(_Line(_clean_inline(heading), indent, "heading", len(m.group(1)), raw,
                             link.group(2) if link else None))
            continue
        if re.match(r"^\|?\s*:?-{3,}", stripped) and set(stripped) <= set("|:- "):
            continue  # Markdown table rule
        bm = _BULLET.match(stripped)
        if bm and stripped[bm.end():].strip():
            out.append(_Line(_clean_inline(stripped[bm.end():]), indent, "bullet", raw=raw))
            continue
        if bm:
            out.append(_Line("", 0, "blank", raw=raw))
            continue
        out.append(_Line(_clean_inline(stripped), indent, "text", raw=raw))
    return out


def _article(lines: list[str]) -> list[str]:
    """The lines up to a page footer, when the footer comes after most of the text."""
    for i, raw in enumerate(lines):
        if i >= len(lines) // 3 and _FOOTER.match(raw.strip()):
            return lines[:i]
    return lines


# --------------------------------------------------------------------------- speakers
@dataclass
class _People:
    speakers: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)

    def add(self, other: _People) -> None:
        for mine, theirs in ((self.speakers, other.speakers), (self.handles, other.handles),
                             (self.affiliations, other.affiliations)):
            for x in theirs:
                if not x:
                    continue
                same = next((k for k, y in enumerate(mine)
                             if x.lower() in y.lower() or y.lower() in x.lower()), None)
                if same is None:
                    mine.append(x)
                elif len(x) > len(mine[same]):
                    mine[same] = x

    def __bool__(self) -> bool:
        return bool(self.speakers or self.handles or self.affiliations)


def _looks_like_org(s: str) -> bool:
    s = s.strip()
    if not s or len(s) > 60 or _URL.search(s) or s.startswith("@"):
        return False
    if _ORG_WORDS.search(s):
        return True
    if re.search(r"[\u3040-\u30ff\u3005\u4e00-\u9fff]", s):
        return False
    words = s.split()
    if len(words) > 5:
        return False
    connectors = {"of", "and", "&", "the", "for", "de", "/"}
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in connectors for w in words) and \
        not all(w.lower() in connectors for w in words)


def _looks_like_person(s: str) -> bool:
    s = s.strip()
    if not s or len(s) > 40 or _URL.search(s):
        return False
    if re.fullmatch(r"[A-Za-z0-9_\-.]{2,30}", s):  # an account-style name: nasa9084, tnir
        return True
    if re.fullmatch(r"[A-Z][A-Za-z'\-.]+(?:\s+[A-Z][A-Za-z'\-.]*){1,3}", s):
        return True
    # Japanese names start with a kanji or katakana, never with a particle such as の.
    return bool(re.fullmatch(r"[\u3005\u4e00-\u9fff\u30a0-\u30ff][\u3005\u4e00-\u9fff\u3040-\u30ff]{1,7}"
                             r"(?:\s[\u3005\u4e00-\u9fff\u3040-\u30ff]{1,6})?", s))


def _split_top(s: str, seps: str) -> list[str]:
    """Split `s` on the separator regex `seps`, ignoring separators inside parentheses."""
    parts, depth, buf = [], 0, ""
    i = 0
    sep_re = re.compile(seps)
    while i < len(s):
        ch = s[i]
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        if depth == 0:
            m = sep_re.match(s, i)
            if m and m.end() > i:
                parts.append(buf)
                buf = ""
                i = m.end()
                continue
        buf += ch
        i += 1
    parts.append(buf)
    return [p.strip() for p in parts if p.strip()]


def _parse_one_speaker(chunk: str) -> _People:
    people = _People()
    chunk = chunk.strip().strip("、,")
    parens = re.findall(r"[(（]([^()（）]*)[)）]", chunk)
    rest = re.sub(r"[(（][^()（）]*[)）]", " ", chunk)
    for p in parens:
        p = p.strip()
        hm = _HANDLE.fullmatch(p)
        if hm:
            people.handles.append("@" + hm.group(1))
        elif p:
            people.affiliations.append(p)
    for hm in _HANDLE.finditer(rest):
        people.handles.append("@" + hm.group(1))
    name = _HANDLE.sub(" ", rest)
    name = re.sub(r"\s+", " ", name).strip(" -–—,、:：")
    name = re.sub(r"(?:さん|氏|様|先生)$", "", name).strip()
    if name:
        people.speakers.append(name)
    elif people.handles:
        people.speakers.append(people.handles[0])
    return people


def parse_speakers(text: str, *, name_org: bool = False) -> _People:
    """People named in a speaker clause: `NAME (@handle) (Org), NAME2 (Org2)` and variants.

    `name_org` reads `A, B` as a person and an organisation, as video sites write it.
    """
    text = text.strip().rstrip("。")
    people = _People()
    chunks = _split_top(text, r"\s*(?:,|、|，|\band\b|&|＆|/|／|・(?=\s))\s*")
    # "NAME, ORG" (as video sites write it) is one person, not two.
    pair = len(chunks) == 2 and "(" not in chunks[1] and "@" not in chunks[1] and (
        (name_org and _looks_like_org(chunks[1]))
        or (bool(_ORG_WORDS.search(chunks[1])) and not _ORG_WORDS.search(chunks[0])))
    if pair:
        one = _parse_one_speaker(chunks[0])
        one.affiliations.append(chunks[1].strip())
        return one
    for chunk in chunks:
        people.add(_parse_one_speaker(chunk))
    return people


_BY = re.compile(r"^(?P<title>.*?)\s*(?:^|\s)(?:by|By|BY|登壇者?|発表者|講演者|スピーカー|[Ss]peakers?|"
                 r"[Pp]resenters?)\s*[:：]?\s+"
                 r"(?P<who>[^\s].*)$")
_TRAILING_ORG = re.compile(r"^(?P<title>.*?)\s*[(（](?P<org>[^()（）]+)[)）]\s*$")
_TRAILING_NAME_ORG = re.compile(
    r"^(?P<title>.*[^\x00-\x7F])\s+(?P<name>[A-Z][A-Za-z'\-]+(?:\s+[A-Z][A-Za-z'\-]+){1,2})"
    r"\s*[(（](?P<org>[^()（）]+)[)）]\s*$")


def _names_someone(text: str) -> bool:
    """Whether `text` after a " / " in a heading is a speaker rather than the rest of a title
    ("CI / CD", "監視 / 運用"): a handle, an organisation in parentheses, an honorific, or a
    full name."""
    bare = re.sub(r"[(（][^()（）]*[)）]|@[A-Za-z0-9_\-.]+", " ", text)
    bare = re.sub(r"\s*(?:さん|氏|様)\s*$", "", bare).strip()
    if bare and not _looks_like_person(bare):
        return False
    return bool(
        _HANDLE.search(text) or re.search(r"[(（][^()（）]+[)）]", text)
        or re.search(r"(?:さん|氏|様)\s*$", text)
        or re.fullmatch(r"[A-Z][A-Za-z'\-]+(?:\s+[A-Z][A-Za-z'\-]+){1,2}", bare)
        or re.fullmatch(r"[\u3005\u4e00-\u9fff\u30a0-\u30ff]{1,5}\s[\u3005\u4e00-\u9fff\u3040-\u30ff]{1,6}", bare))


def split_heading(heading: str) -> tuple[str, _People]:
    """Split a talk heading into its title and the people it names."""
    h = heading.strip()
    m = re.fullmatch(r"[「『](?P<title>[^「」『』]+)[」』]\s*[/／\-–—:：]?\s*(?P<who>.+)", h)
    if m and _looks_like_person(re.sub(r"[(（].*?[)）]|@\S+|さん$|氏$|様$", "", m.group("who")).strip()):
        return m.group("title").strip(), parse_speakers(m.group("who"))
    m = re.fullmatch(r"(?P<title>.+?)\s+[/／]\s+(?P<who>[^/／]+)", h)
    if m and _names_someone(m.group("who")):
        return m.group("title").strip(), parse_speakers(m.group("who"))
    m = _BY.match(h)
    if m and m.group("title").strip():
        who = parse_speakers(m.group("who"))
        if who:
            return m.group("title").strip(" -–—:：,"), who
    m = _TRAILING_NAME_ORG.match(h)
    if m and _looks_like_org(m.group("org")):
        return m.group("title").strip(), _People([m.group("name")], [], [m.group("org").strip()])
    m = _TRAILING_ORG.match(h)
    if m and m.group("title").strip() and _looks_like_org(m.group("org")):
        return m.group("title").strip(), _People([], [], [m.group("org").strip()])
    # "タイトル（山田 太郎さん）": a person only when honorific, handle or a spaced full name
    # says so, since "（前編）" and "（仮）" are parts of titles.
    if m and m.group("title").strip():
        inside = m.group("org").strip()
        bare = re.sub(r"\s*(?:さん|氏|様)$", "", inside)
        if (bare != inside or "@" in inside or re.fullmatch(
                r"[\u3005\u4e00-\u9fff\u30a0-\u30ff]{1,5}\s[\u3005\u4e00-\u9fff\u3040-\u30ff]{1,6}", inside)) \
                and (_looks_like_person(_HANDLE.sub("", bare).strip()) or _HANDLE.search(inside)):
            return m.group("title").strip(), parse_speakers(inside)
    return h, _People()


_PROSE_SPEAKER = [
    # Tim Hockin 氏 (Google) / Tim Hockin (Google) による / Google Brian Grant氏
    re.compile(r"(?P<name>[A-Z][A-Za-z'\-]+(?:\s+[A-Z][A-Za-z'\-]+){1,3})\s*(?:氏|さん)?\s*"
               r"[(（](?P<org>[^()（）]{1,40})[)）]\s*(?:氏)?\s*(?:から|による|が|の発表|は)"),
    re.compile(r"(?P<name>[A-Z][A-Za-z'\-]+(?:\s+[A-Z][A-Za-z'\-]+){1,4})\s*氏"),
    re.compile(r"(?P<name>[\u3005\u4e00-\u9fff]{2,3}\s?[\u3005\u4e00-\u9fff]{1,3})氏"),
    # "@handle さんによる発表" / "山田 太郎さんの発表"
    re.compile(r"(?P<name>@[A-Za-z0-9_\-]+|[A-Z][A-Za-z'\-]+(?:\s+[A-Z][A-Za-z'\-]+){1,3}|"
               r"[\u3005\u4e00-\u9fff]{1,4}\s?[\u3005\u4e00-\u9fff\u3040-\u30ff]{1,4})\s*さん(?:による|の発表|から)"),
    # "桜庭さんの…に関するセッション", "王子こと寺田さんのセッション" (a nickname, then the name)
    re.compile(r"(?:^|(?<=[、。\s「」()（）])|(?<=こと))(?P<name>[\u3005\u4e00-\u9fff]{2,6}|(?:(?!こと)[\u3040-\u30ff]){2,8})"
               r"\s*さん(?:の|による)[^。]{0,40}?(?:セッション|講演|発表|トーク)"),
]
_NOT_NAME_KANJI = {"同", "両", "各", "彼", "本", "当", "前", "後"}


def prose_speakers(text: str) -> _People:
    """People a talk's opening prose names: `NAME氏`, `NAME 氏 (Org)`, `NAME (Org) による`."""
    people = _People()
    for pat in _PROSE_SPEAKER:
        for m in pat.finditer(text):
            name = m.group("name").strip()
            org = m.groupdict().get("org")
            words = name.split()
            if org is None and len(words) >= 3 and re.match(r"^[A-Z]", name):
                # "Google Brian Grant氏": the words before a two-word name are the organisation.
                org, name = " ".join(words[:-2]), " ".join(words[-2:])
            if name[0] in _NOT_NAME_KANJI or name in people.speakers:
                continue
            if any(name in s or s in name for s in people.speakers):
                continue
            people.speakers.append(name)
            if name.startswith("@"):
                people.handles.append(name)
            if org and _looks_like_org(org) and org not in people.affiliations:
                people.affiliations.append(org.strip())
        if people.speakers:
            break
    return people


# --------------------------------------------------------------------------- dates and events
_REPORT_SUFFIX = re.compile(
    r"\s*(?:[【\[(（].*?(?:レポート|参加|メモ|更新|まとめ|report|recap|notes).*?[】\])）])?\s*"
    r"(?:に|へ)?\s*(?:の)?\s*(?:参加\s*レポート|参加レポ|参加報告|参加記録?|参加し.*|"
    r"行ってき.*|行って来.*|聴講し.*|レポート|レポ|報告|まとめ|メモ|"
    r"report|recap|notes|write-?up|感想.*|聴講メモ.*|参加メモ.*)\s*[!！。]*\s*$", re.I)
_ATTEND = [
    re.compile(r"開催された\s*[「『]?(?P<name>[^「」『』。]{3,120}?)[」』]?\s*(?:に|へ)\s*"),
    re.compile(r"^(?P<name>[^。、]{3,120}?)\s*(?:に|へ)?\s*[、,]?\s*"
               r"(?:行ってきました|行ってきた|参加してきました|参加しました|参加してきた)"),
    re.compile(r"[「『](?P<name>[^「」『』]{3,120})[」』]\s*(?:に|へ)\s*(?:参加|行って)"),
]
_EVENTISH = re.compile(r"meetup|days?|con\b|conf|summit|forum|night|勉強会|カンファレンス|ミートアップ|"
                       r"#\d+|\d{4}|kubecon|cloudnative|sig|jp|tokyo|osaka", re.I)


def _clean_event_name(s: str) -> str:
    s = _clean_inline(s)
    s = re.sub(r"^[【\[](.+?)[】\]]\s*", lambda m: "" if re.search(
        r"レポート|参加|report", m.group(1), re.I) else m.group(0), s)
    prev = None
    while prev != s:
        prev = s
        s = _REPORT_SUFFIX.sub("", s).strip(" -–—:：|")
        # "DevOpsDays Tokyo 2023 (2023年4月11日〜12日)": the dates are not part of the name,
        # nor a day of it, a hashtag or a "Recap:" in front.
        s = re.sub(r"\s*[(（][^()（）]*\d{1,4}\s*(?:年|月|日|/|-)[^()（）]*[)）]$", "", s)
        s = re.sub(r"[\s\-–—:：]*[(（]?\s*(?:day\s*\d+|\d+\s*日目)\s*[)）]?$", "", s, flags=re.I)
        s = re.sub(r"\s+#[A-Za-z_][\w-]*$", "", s)
        s = re.sub(r"^(?:recap|report|レポート|参加報告|参加レポート|イベントレポート)\s*[:：]\s*", "", s,
                   flags=re.I)
        s = re.sub(r"^(?:my\s+)?(?:notes|recap|report|takeaways|highlights|learnings)\s+"
                   r"(?:from|of|on)\s+", "", s, flags=re.I)
        s = re.sub(r"\s*を?\s*開催し(?:ました|た)\S*$", "", s)
    return s.strip()


# --------------------------------------------------------------------------- sections
@dataclass
class _Section:
    heading: str
    level: int  # 0 for plain-text headings
    body: list[_Line]
    index: int  # position of the heading line
    link: str | None = None


def _is_plain_heading(lines: list[_Line], i: int) -> bool:
    ln = lines[i]
    if ln.kind != "text":
        return False
    s = ln.text
    if len(s) > 160 or len(s) < 2 or _URL.search(s) or _LABELLED_LINK.match(s):
        return False
    if re.match(r"^[$`{}<>/#|>=\-]|^\w+\s*=|[{};]$", s):
        return False
    strong = bool(_SESSION_CODE.match(s) or _LT_PREFIX.match(s) or _BY.match(s))
    prev_blank = i == 0 or lines[i - 1].kind == "blank"
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    next_ok = nxt is None or nxt.kind in ("blank", "bullet")
    if not prev_blank:
        return False
    if not next_ok and not strong:
        return False
    if "。" in s or _SENTENCE_END.search(s):
        return False
    if not strong and ("、" in s and len(s) > 25):
        return False
    if not strong and len(s) > 100:
        return False
    return not re.search(r"(です|ます|でした|ました|だった|である|ですね|ますね|ません)[!！?？w笑]*$", s)


def _sections(lines: list[_Line]) -> tuple[list[_Line], list[_Section], bool]:
    """Preamble lines and sections, and whether the structure came from Markdown headings."""
    md_levels = [ln.level for ln in lines if ln.kind == "heading"]
    if md_levels:
        heads = [i for i, ln in enumerate(lines) if ln.kind == "heading"]
        markdown = True
    else:
        heads = [i for i in range(len(lines)) if _is_plain_heading(lines, i)]
        markdown = False
        if len(heads) <= 1:
            # Notes kept as one outline: the top-level items that have items under them are
            # the talks ("1. Title / Speaker" with the points indented below).
            outline = _outline_heads(lines, after=heads[0] if heads else -1)
            if len(outline) >= 2:
                heads = heads[:1] + outline
    if not heads:
        return lines, [], markdown
    pre = lines[: heads[0]]
    secs = []
    for n, i in enumerate(heads):
        end = heads[n + 1] if n + 1 < len(heads) else len(lines)
        secs.append(_Section(lines[i].text, lines[i].level, lines[i + 1:end], i, lines[i].link))
    return pre, secs, markdown


def _outline_heads(lines: list[_Line], after: int) -> list[int]:
    """Top-level bullets after line `after` that are followed by deeper bullets."""
    bullets = [i for i, ln in enumerate(lines) if ln.kind == "bullet" and i > after]
    if not bullets:
        return []
    top = min(lines[i].indent for i in bullets)
    heads = []
    for i in bullets:
        if lines[i].indent != top:
            continue
        nxt = next((ln for ln in lines[i + 1:] if ln.kind != "blank"), None)
        if nxt is not None and nxt.kind == "bullet" and nxt.indent > top:
            heads.append(i)
    return heads


def _render_notes(body: list[_Line]) -> str:
    """Clean text of a talk's notes: bullets as `- `, nesting as two spaces, no blank runs."""
    out: list[str] = []
    bullet_indents: list[int] = []
    for ln in body:
        if ln.kind == "blank":
            if out and out[-1] != "":
                out.append("")
            continue
        if ln.kind == "bullet" and bullet_indents and out and out[-1] == "":
            out.pop()  # a list stays one block even when the page spaced its items out
        if ln.kind == "bullet":
            while bullet_indents and ln.indent < bullet_indents[-1]:
                bullet_indents.pop()
            if not bullet_indents or ln.indent > bullet_indents[-1]:
                bullet_indents.append(ln.indent)
            depth = len(bullet_indents) - 1
            out.append("  " * depth + "- " + ln.text)
        else:
            if ln.kind != "code":
                bullet_indents = []
            out.append(ln.text if ln.kind != "code" else ln.raw.rstrip())
    while out and out[-1] == "":
        out.pop()
    while out and out[0] == "":
        out.pop(0)
    return "\n".join(out)


def _is_placeholder(notes: str) -> bool:
    words = [re.sub(r"^-\s*", "", ln.strip()).strip().lower() for ln in notes.splitlines()]
    words = [w for w in words if w]
    return all(w in _PLACEHOLDER or re.fullmatch(r"[\W_]+", w) for w in words)


# Lines of a page's frame rather than its notes: share buttons, breadcrumbs, tables of
# contents, program tables. A summary skips them (only text a reader would quote remains).
_TABLE_ROW = re.compile(r"^\s*\|.*\||^\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$|^[^|]*(?:\|[^|]*){2,}$")
_CRUMB = re.compile(r"\s(?:>|›|»|＞|→)\s|^\s*(?:>|›|»|＞)\s")
_TOC = re.compile(r"^(?:目次|もくじ|table\s+of\s+contents|contents|toc|この記事の内容)\s*[:：]?$",
                  re.I)
_CHROME_WORD = re.compile(
    r"^(?:share|tweet|ツイート|シェア|シェアする|post|like|いいね!?|facebook|twitter|x|line|"
    r"hatena|はてな|はてブ|はてなブックマーク|b!|pocket|feedly|linkedin|reddit|email|print|"
    r"印刷|コピー|copy|link|リンクをコピー|home|ホーム|top|トップ|blog|ブログ|"
    r"\d+|[(（]?\d+[)）]?|on)$", re.I)
# The header cells of a program table written as lines (発表者 / タイトル, Time / Talk …).
_TABLE_HEAD = re.compile(r"^(?:発表者|登壇者|スピーカー|講演者|タイトル|題目|発表タイトル|演題|時間|時刻|"
                         r"所属|speakers?|title|time|session|talk|affiliation)\s*[:：]?$", re.I)
_SENTENCE = re.compile(r"[。．.!?！？]$")
_TOC_ITEM = re.compile(r"^(?:\d+(?:\.\d+)*[.)．]?\s*|[・•●○◆■□▶▷→]\s*)?\S.{0,40}$")


def _is_chrome(line: str) -> bool:
    """A line of page furniture: a table row, a breadcrumb, or share/tweet buttons."""
    if _TABLE_ROW.search(line):
        return True
    if len(_CRUMB.findall(line)) >= 2 or (_CRUMB.search(line) and len(line) <= 40
                                          and not re.search(r"[。.!?！？]$", line)):
        parts = [p for p in re.split(r"\s(?:>|›|»|＞|→)\s", line) if p.strip()]
        if all(len(p.strip()) <= 30 for p in parts):
            return True
    words = [w for w in re.split(r"[\s|·・/,、]+", line) if w]
    return bool(words) and all(_CHROME_WORD.match(w) for w in words) and not all(
        w.isdigit() for w in words)


def summary_points(notes: str, *, skip_tables: bool = True) -> list[str]:
    """The notes' lines a summary may quote: list marks, bare URLs, labelled links and page
    chrome dropped; a table of contents is skipped with the entries under it,
    and so is a program table written as lines (its header cells, then short rows)."""
    lines = [re.sub(r"^\s*[-*+]\s*", "", ln).strip() for ln in notes.splitlines()]
    points: list[str] = []
    in_toc = in_table = False
    toc_entries = 0
    for n, s in enumerate(lines):
        if in_table and (not s or (not _SENTENCE.search(s) and len(s) <= 80)):
            continue
        in_table = False
        if skip_tables and _TABLE_HEAD.match(s):
            following = next((x for x in lines[n + 1:] if x), "")
            if _TABLE_HEAD.match(following) or (points and _TABLE_HEAD.match(points[-1])):
                if points and _TABLE_HEAD.match(points[-1]):
                    points.pop()
                in_table = True
                continue
        if not s:
            in_toc = in_toc and not toc_entries  # a blank line ends the contents' entries
            continue
        if _TOC.match(s):
            in_toc, toc_entries = True, 0
            continue
        if in_toc and _TOC_ITEM.match(s) and not re.search(r"[。.!?！？]$", s):
            toc_entries += 1
            continue  # an entry of the table of contents, not a point of the talk
        in_toc = False
        if _URL.fullmatch(s) or len(s) < 2 or _LABELLED_LINK.match(s) or _is_chrome(s):
            continue
        points.append(s)
    if not points and skip_tables:  # the "table" was all there was: better its lines than nothing
        return summary_points(notes, skip_tables=False)
    return points


def summarise(notes: str, limit: int = SUMMARY_MAX) -> str:
    """The first key points of the notes, joined, at most `limit` characters; page chrome
    (tables, breadcrumbs, a table of contents, share buttons) never starts it."""
    text = " / ".join(summary_points(notes))
    text = re.sub(r"\s+", " ", text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for sep in (" / ", "。", ". "):
        pos = cut.rfind(sep)
        if pos >= limit // 2:
            return cut[:pos].rstrip() + ("。" if sep == "。" else "") + " …"
    return cut.rstrip() + "…"


# --------------------------------------------------------------------------- the parser
@dataclass
class _Draft:
    heading: str
    body: list[_Line]
    title: str = ""
    people: _People = field(default_factory=_People)
    session_code: str | None = None
    is_keynote: bool = False
    link: str | None = None


_DECORATION = re.compile(r"^[■□◆◇▼▽▶►★☆◎]+\s*")
_NUMBERING = re.compile(r"^(?:\d{1,2}[.)．]|(?:発表|セッション|session|talk|講演)\s*\d{1,2}\s*"
                        r"[:：.．\-–—)）]?)\s+(?=\S)", re.I)


def _strip_codes(heading: str) -> tuple[str, str | None]:
    """Take session codes, `LT`, `Keynote:`, numbering and decorations off a heading."""
    heading = _NUMBERING.sub("", _DECORATION.sub("", heading))
    m = re.fullmatch(r"【([^【】]+)】", heading.strip())
    if m:
        heading = m.group(1)
    code = None
    for _ in range(2):  # "H-2 H-2 Title": a room code, written twice at times
        m = ROOM_CODE.match(heading)
        if m and heading[m.end():].strip():
            code = m.group(0)
            heading = heading[m.end():].lstrip()
    m = _SESSION_CODE.match(heading)
    if m:
        code = code or m.group(1) + (m.group(2) or "")
        heading = heading[m.end():]
    m = _LT_PREFIX.match(heading)
    if m and heading[m.end():].strip():
        code = code or "LT"
        heading = heading[m.end():]
    m = _KEYNOTE_PREFIX.match(heading)
    if m and heading[m.end():].strip():
        code = code or "Keynote"
        heading = heading[m.end():]
    return heading.strip(), code


def _draft_from(sec_heading: str, body: list[_Line], link: str | None = None) -> _Draft:
    rest, code = _strip_codes(sec_heading)
    title, people = split_heading(rest)
    return _Draft(sec_heading, body, title, people, code, bool(_KEYNOTE.search(title)), link)


def _meta_and_people(d: _Draft) -> tuple[list[_Line], list[str], str | None]:
    """Take `by …`, `tags:` and link lines off the top of a talk's body."""
    tags: list[str] = []
    url: str | None = None
    body = list(d.body)
    seen_content = 0
    out: list[_Line] = []
    for ln in body:
        if ln.kind == "blank":
            out.append(ln)
            continue
        s = ln.text
        m_by = _BY.match(s)
        m_by = m_by if m_by and not m_by.group("title") else None
        if m_by and seen_content < 3 and ln.kind == "text":
            d.people.add(parse_speakers(m_by.group("who")))
            continue
        m_meta = _META_LINE.match(s)
        if m_meta and seen_content < 3 and ln.kind == "text":
            key, value = m_meta.group(1).lower(), m_meta.group(2).strip()
            if key in ("tag", "tags", "タグ"):
                tags.extend(t.strip().strip("#") for t in re.split(r"[,、\s]+", value.strip("[]"))
                            if t.strip())
                continue
            found = _URL.search(value)
            if found and url is None:
                url = found.group(0)
                continue
        seen_content += 1
        out.append(ln)
    return out, tags, url


def _talk_url(notes: str) -> str | None:
    for ln in notes.splitlines():
        m = _LABELLED_LINK.match(re.sub(r"^\s*-\s*", "", ln).strip())
        if m:
            found = _URL.search(m.group(1))
            if found:
                return found.group(0)
    m = _SLIDE_HOSTS.search(notes)
    return m.group(0).rstrip(".,)") if m else None


def _finish(d: _Draft) -> ParsedTalk:
    body, tags, url = _meta_and_people(d)
    notes = _render_notes(body)
    if not d.people.speakers:
        first = "\n".join(notes.splitlines()[:4])
        d.people.add(prose_speakers(first))
    has_notes = bool(notes.strip()) and not _is_placeholder(notes)
    if not has_notes:
        notes = ""
    return ParsedTalk(
        title=d.title,
        speakers=d.people.speakers,
        handles=d.people.handles,
        affiliations=d.people.affiliations,
        notes=notes,
        summary=summarise(notes) if has_notes else "",
        has_notes=has_notes,
        url=url or d.link or _talk_url(notes),
        tags=tags,
        session_code=d.session_code,
    )


def _program_table(lines: list[_Line]) -> list[tuple[str, str]]:
    """(handle, title) pairs of a program listed as `@handle` line then title line."""
    pairs: list[tuple[str, str]] = []
    content = [ln for ln in lines if ln.kind != "blank"]
    i = 0
    while i < len(content) - 1:
        a, b = content[i].text, content[i + 1].text
        if re.fullmatch(r"@[A-Za-z0-9_\-.]+", a) and not b.startswith("@"):
            pairs.append((a, b))
            i += 2
            continue
        cells = [c.strip() for c in a.strip("|").split("|")] if a.count("|") >= 2 else []
        if len(cells) >= 2:
            hcell = next((c for c in cells if re.fullmatch(r"@[A-Za-z0-9_\-.]+", c)), None)
            other = [c for c in cells if c != hcell and c]
            if hcell and other:
                pairs.append((hcell, other[-1]))
        i += 1
    return pairs if len(pairs) >= 2 else []


def _norm_title(s: str) -> str:
    return re.sub(r"[\s.…。]+", " ", _nfkc(s).lower()).strip()


@lru_cache(maxsize=4096)
def _event_like(s: str, event_name: str) -> bool:
    """A heading that repeats (part of) the event's name opens a part of it, not a talk."""
    if not event_name or _SESSION_CODE.match(s):
        return False
    a, b = _norm_title(s), _norm_title(event_name)
    if not (a == b or (len(a) >= 8 and len(a) >= 0.3 * len(b))):
        return False  # the cheap test first: most headings are no part of the event's name
    if split_heading(s)[1]:
        return False
    return a == b or fuzz.partial_ratio(a, b) >= 90


def _build_talks(pre: list[_Line], secs: list[_Section], markdown: bool,
                 all_lines: list[_Line], event_name: str) -> list[ParsedTalk]:
    if not secs:
        return []
    # Markdown: the talk level is the shallowest level used by two or more headings
    # that are not day markers or generic sections.
    if markdown:
        levels = sorted({s.level for s in secs})
        talk_level = levels[-1]
        for lv in levels:
            cands = [s for s in secs if s.level == lv and not _DAY_MARKER.match(s.heading)
                     and not _NON_TALK.match(s.heading) and not _event_like(s.heading, event_name)]
            if len(cands) >= 2 or (len(cands) == 1 and lv == levels[-1]):
                talk_level = lv
                break
        flat: list[_Section] = []
        for s in secs:
            if s.level > talk_level and flat:
                prev = flat[-1]
                flat[-1] = _Section(prev.heading, prev.level, [*prev.body, _Line(s.heading, 0, "text", raw=s.heading), *s.body], prev.index)
            elif s.level > talk_level:
                continue
            else:
                flat.append(s)
        secs = [s for s in flat if s.level == talk_level or _DAY_MARKER.match(s.heading)
                or _NON_TALK.match(s.heading)]
    table = _program_table(all_lines)
    if table:
        return _talks_from_table(table, secs)
    # Without Markdown, session codes are the one reliable sign of a talk heading.
    coded = [s for s in secs if _SESSION_CODE.match(s.heading)]
    if len(coded) >= 2 and not markdown:
        return _talks_from_codes(secs)
    drafts: list[_Draft] = []
    for s in secs:
        if (_DAY_MARKER.match(s.heading) or _NON_TALK.match(s.heading)
                or _event_like(s.heading, event_name)):
            drafts.append(_Draft(s.heading, [], title=""))  # closes the previous talk
            continue
        drafts.append(_draft_from(s.heading, s.body, s.link))
    # A heading directly followed by another heading is a container (a track, a day).
    talks = []
    for n, d in enumerate(drafts):
        if not d.title:
            continue
        empty = not any(ln.kind != "blank" for ln in d.body)
        nxt = drafts[n + 1] if n + 1 < len(drafts) else None
        if empty and nxt is not None and nxt.title and not d.people and not d.session_code \
                and not markdown:
            continue
        talks.append(_finish(d))
    return talks


def _talks_from_codes(secs: list[_Section]) -> list[ParsedTalk]:
    """Reports with session codes: every coded heading is a talk; other headings are notes,
    except the sub-talks of a keynote block (see `_split_keynote_block`)."""
    drafts: list[_Draft] = []
    current: _Draft | None = None
    block: list[_Section] = []

    def close_block() -> None:
        nonlocal current
        if current is not None and current.is_keynote and block:
            subs = _split_keynote_block(current, block)
            drafts.extend(subs)
            if subs:
                current = subs[-1]
        block.clear()

    for s in secs:
        if _SESSION_CODE.match(s.heading) or _LT_PREFIX.match(s.heading):
            close_block()
            current = _draft_from(s.heading, list(s.body))
            drafts.append(current)
            continue
        if _DAY_MARKER.match(s.heading) or _CLOSING.match(s.heading):
            close_block()
            current = None
            continue
        if current is not None and current.is_keynote:
            block.append(s)
        elif current is not None:
            current.body.extend(_as_note(s))
    close_block()
    talks: list[ParsedTalk] = []
    for n, d in enumerate(drafts):
        # A keynote block that holds its sub-talks is not a talk of its own; what it says
        # itself is a line or two of preamble ("keynote (day 2)", a house rule).
        nxt = drafts[n + 1] if n + 1 < len(drafts) else None
        own = [ln for ln in d.body if ln.kind != "blank"]
        if d.is_keynote and len(own) <= _KEYNOTE_PREAMBLE and nxt is not None \
                and nxt.session_code is None:
            continue
        talks.append(_finish(d))
    return talks


_KEYNOTE_PREAMBLE = 3


def _as_note(s: _Section) -> list[_Line]:
    """A section folded into the talk before it: its heading becomes a line of notes."""
    return [_Line("", 0, "blank"), _Line(s.heading, 0, "text", raw=s.heading), *s.body]


def _has_body(s: _Section) -> bool:
    return any(ln.kind != "blank" for ln in s.body)


def _split_keynote_block(head: _Draft, block: list[_Section]) -> list[_Draft]:
    """The sub-talks of a keynote block written as plain sections.

    A block of keynotes carries one session code for several talks, so which of its
    sections are talks has to be read from evidence:

    - a section that names its speaker (a video line "… by Name", or "Title(Org)");
    - a heading with nothing under it, followed by a line that only says who speaks
      ("Org", "Nameさん", "Org名前さん"): the title, then the speaker;
    - once the block is known to hold talks, a heading with nothing under it that reads as
      a talk title (…の事例, …と課題, "Lessons learned …"), and the block's first section,
      which the notes of a block of talks open with.

    Sections that are not talks stay notes of the talk before them. Returns the sub-talk
    drafts; sections before the first sub-talk remain the block's own notes.
    """
    starts: dict[int, _People] = {}
    who_lines: set[int] = set()
    for i, s in enumerate(block):
        if i in who_lines:
            continue
        if _keynote_subtalk(s):
            starts[i] = _video_people(s.body)
            continue
        nxt = block[i + 1] if i + 1 < len(block) else None
        if nxt is not None and not _has_body(s) and not _who_line(s.heading):
            who = _who_line(nxt.heading)
            if who:
                starts[i] = who
                who_lines.add(i + 1)
    if starts:
        for i, s in enumerate(block):
            if i not in starts and i not in who_lines and not _has_body(s) \
                    and _TALK_TITLE_WORDS.search(s.heading):
                starts[i] = _People()
    if len(starts) >= 2 and 0 not in starts and _has_body(block[0]) \
            and len(block[0].heading) >= 8 and not _NON_TALK.match(block[0].heading):
        starts[0] = _People()
    subs: list[_Draft] = []
    for i, s in enumerate(block):
        if i in starts:
            sub = _draft_from(s.heading, list(s.body))
            sub.session_code = None
            sub.is_keynote = False
            sub.people.add(starts[i])
            subs.append(sub)
        elif i in who_lines and subs:
            subs[-1].body.extend(s.body)
        elif subs:
            subs[-1].body.extend(_as_note(s))
        else:
            head.body.extend(_as_note(s))
    return subs


# Words that Japanese and English talk titles are made of, and section headings in notes
# rarely are: "…の事例", "…と課題", "…における…", "…を用いた…", "Lessons learned".
_TALK_TITLE_WORDS = re.compile(
    r"事例|の紹介|と課題|における|を用いた|を使った|による|への旅|で実現する|を支える|のつくりかた|の作り方|"
    r"入門|実践|取り組み|\b(?:lessons? learned|how (?:we|to)|journey|introduc\w+|case study|"
    r"deep dive|beyond|towards?)\b", re.I)


def _who_line(text: str) -> _People:
    """A line that only says who speaks: "Org", "Org (Group)", "Nameさん", "Org名前さん"."""
    t = text.strip()
    if not t or len(t) > 40 or _URL.search(t) or "、" in t or "," in t:
        return _People()
    m = re.fullmatch(r"(?P<who>.+?)\s*(?:さん|氏|様)", t)
    if m:
        bare = m.group("who").strip()
        split = re.fullmatch(r"(?P<org>[A-Za-z][A-Za-z0-9.&\-]*(?:\s[A-Za-z][A-Za-z0-9.&\-]*)*)\s*"
                             r"(?P<name>[\u3005\u4e00-\u9fff\u30a0-\u30ff][\u3005\u4e00-\u9fff\u3040-\u30ff]{0,7})",
                             bare)
        if split:
            return _People([split.group("name")], [], [split.group("org")])
        if _looks_like_person(bare):
            return _People([bare])
        return _People()
    if _looks_like_org(t):
        return _People(affiliations=[t])
    return _People()


_VIDEO_BY = re.compile(r"^(?:動画|video|録画|スライド|slides?|資料)\s*[:：]?.*?\bby\s+(.+?)"
                       r"(?:\s+-\s+(?:YouTube|Vimeo|SpeakerDeck|Speaker Deck|SlideShare).*)?$", re.I)


def _video_people(body: list[_Line]) -> _People:
    for ln in body[:8]:
        m = _VIDEO_BY.match(ln.text)
        if m:
            return parse_speakers(m.group(1), name_org=True)
    return _People()


def _keynote_subtalk(s: _Section) -> bool:
    if _video_people(s.body):
        return True
    m = re.match(r"^(?P<t>.*\S)[(（](?P<org>[^()（）]+)[)）]$", s.heading)
    return bool(m and re.search(r"[A-Za-z]", m.group("t")) and _looks_like_org(m.group("org")))


def _talks_from_table(table: list[tuple[str, str]], secs: list[_Section]) -> list[ParsedTalk]:
    """Reports that list the program (speaker, title) first and then write a section per talk."""
    titles = [_norm_title(t) for _, t in table]
    owner: dict[int, int] = {}
    for si, s in enumerate(secs):
        h = _norm_title(s.heading)
        scores = [fuzz.token_set_ratio(h, t) for t in titles]
        best = max(range(len(scores)), key=lambda k: scores[k])
        if scores[best] >= 85 and best not in owner.values() and len(h) >= 4:
            owner[si] = best
    bodies: dict[int, list[_Line]] = {k: [] for k in range(len(table))}
    current: int | None = None
    for si, s in enumerate(secs):
        if si in owner:
            current = owner[si]
            bodies[current].extend(s.body)
        elif _NON_TALK.match(s.heading) or _DAY_MARKER.match(s.heading):
            current = None
        elif current is not None:
            bodies[current].extend([_Line("", 0, "blank"), _Line(s.heading, 0, "text", raw=s.heading), *s.body])
    talks = []
    for k, (handle, title) in enumerate(table):
        t, code = _strip_codes(title)
        d = _Draft(title, bodies[k], t, parse_speakers(handle), code)
        talks.append(_finish(d))
    return talks


def _event_from(fm: dict[str, object], pre: list[_Line], lines: list[_Line],
                first_heading: str | None) -> ParsedEvent:
    pre_text = "\n".join(ln.text for ln in pre if ln.kind != "blank")
    name = ""
    for key in ("event", "event_name", "meetup", "conference"):
        if isinstance(fm.get(key), str) and str(fm[key]).strip():
            name = str(fm[key]).strip()
            break
    if not name:
        # Prose ("…に参加しました") names the event more fully than a post title does.
        texts = [ln for ln in pre if ln.kind != "blank"]
        for ln in texts[1:] + texts[:1]:
            for pat in _ATTEND:
                m = pat.search(ln.text)
                if m and _EVENTISH.search(m.group("name")):
                    name = _clean_event_name(m.group("name"))
                    break
            if name:
                break
    if not name:
        candidates = []
        if isinstance(fm.get("title"), str):
            candidates.append(str(fm["title"]))
        h1 = next((ln.text for ln in lines if ln.kind == "heading" and ln.level == 1), None)
        if h1:
            candidates.append(h1)
        # Only the preamble can name the event; a talk heading never does.
        first = next((ln.text for ln in pre if ln.kind == "text"
                      and not _NON_TALK.match(ln.text) and len(ln.text) <= 150), None)
        if first:
            candidates.append(first)
        for c in candidates:
            cleaned = _clean_event_name(c)
            if cleaned:
                name = cleaned
                break
    venue = str(fm["venue"]) if isinstance(fm.get("venue"), str) else None
    if venue is None:
        m = re.search(r"^(?:会場|場所|venue|place|location)\s*[:：]\s*(.+)$", pre_text, re.I | re.M)
        if m:
            venue = m.group(1).strip()
        else:
            m = re.search(r"会場は\s*(?:[^\s、。]*にある\s*)?(?P<v>[^、。]{3,80}?)\s*で", pre_text)
            if m:
                venue = m.group("v").strip()
    url = str(fm["url"]) if isinstance(fm.get("url"), str) else None
    if url is None:
        m = re.search(r"^(?:url|イベントページ|event page|connpass|申込)\s*[:：]\s*(\S+)", pre_text,
                      re.I | re.M)
        if m and _URL.match(m.group(1)):
            url = m.group(1)
        else:
            for ln in pre:
                if ln.kind == "text" and _URL.fullmatch(ln.text):
                    url = ln.text
                    break
    tags: list[str] = []
    for key in ("tags", "categories"):
        v = fm.get(key)
        vals = v if isinstance(v, list) else ([v] if isinstance(v, str) else [])
        for t in vals:
            if t is not None and str(t).strip() and str(t).strip() not in tags:
                tags.append(str(t).strip())
    return ParsedEvent(name=name[:500], venue=venue, url=url, tags=tags)


def _layout(fm: dict[str, object], body: str, source: str
            ) -> tuple[ParsedEvent, list[_Line], list[_Section], bool, list[_Line]]:
    lines = _to_lines(body)
    pre, secs, markdown = _sections(lines)
    # Plain text: the report's own title line comes first; it names the event, not a talk.
    if secs and not markdown and not any(ln.kind != "blank" for ln in pre):
        first = secs[0]
        if not (_SESSION_CODE.match(first.heading) or _BY.match(first.heading)):
            pre = [_Line(first.heading, 0, "text", raw=first.heading), *first.body]
            secs = secs[1:]
            # Its bullets and prose belong to the preamble until the next heading.
    if secs and markdown:
        h1s = [s for s in secs if s.level == 1]
        if len(h1s) == 1 and secs[0].level == 1 and len(secs) > 1:
            pre = [*pre, _Line(secs[0].heading, 0, "text", raw=secs[0].heading), *secs[0].body]
            secs = secs[1:]
        # The `## 概要` kind of section is preamble too.
        while secs and (_NON_TALK.match(secs[0].heading) or _DAY_MARKER.match(secs[0].heading)):
            pre = pre + secs[0].body
            secs = secs[1:]
    else:
        while secs and _NON_TALK.match(secs[0].heading):
            pre = pre + secs[0].body
            secs = secs[1:]
    event = _event_from(fm, pre, lines, secs[0].heading if secs else None)
    if not event.name:
        stem = re.sub(r"[_\-]+", " ", re.sub(r"\.[^.]+$", "", source.rsplit("/", 1)[-1])).strip()
        event.name = stem or "Untitled event"
    return event, pre, secs, markdown, lines


# A section of the people on the event's page: its sub-headings are their bios.
_PEOPLE_SECTION = re.compile(
    r"^(?:(?:speakers?|panelists?|moderators?|hosts?|organi[sz]ers?)(?:\s*(?:&|and|,)\s*(?:speakers?|"
    r"panelists?|moderators?|hosts?|organi[sz]ers?))*|(?:speaker )?bios?|about the speakers?|"
    r"登壇者紹介|講師紹介|スピーカー紹介)\s*[:：]?$", re.I)


def _without_bios(secs: list[_Section]) -> list[_Section]:
    """Sections without the bios under a "Speakers" or "Moderators" heading: a sub-heading
    there that names only a person ("Ann Lee (Widgetco)") is a bio, not a talk."""
    out: list[_Section] = []
    people_level = 0  # the level of the people section we are in, 0 outside one
    for s in secs:
        if people_level and s.level <= people_level:
            people_level = 0
        if s.level and _PEOPLE_SECTION.match(s.heading.strip()):
            people_level = s.level
        elif people_level and s.level > people_level:
            line = parse_talk_line(s.heading)
            if line.title is None and (line.speakers or line.handles):
                continue
        out.append(s)
    return out


def parse_sections(fm: dict[str, object], body: str, source: str = "") -> ParsedReport:
    """The event (its venue, URL, tags and the name the sections are told apart from) and
    the talks of a report whose talks are its headings, or bold lines and outline items
    standing for them; no talks when it has none. The event's name and day proper are the
    event finder's (events.py)."""
    event, pre, secs, markdown, lines = _layout(fm, body, source)
    talks = _build_talks(pre, _without_bios(secs), markdown, lines, event.name)
    return ParsedReport(event=event, talks=[t for t in talks if t.title])
