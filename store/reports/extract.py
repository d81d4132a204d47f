"""Talks wherever a report puts them: candidates from blocks, chosen by evidence.

Every heading, list item, line and table row is a candidate talk. Small rules read each
candidate (its own line, then the label lines, sub-items or one-row table under it) into a
title and people, and give it evidence: a person, a handle, a slides or video link, a time
slot, a quoted title, a `Talk title:` label. Candidates are grouped by the shape that holds
them (headings of one level, list items of one depth, rows of one table, lines); a group is
taken when its members carry evidence, so notes, tables of contents and site chrome, which
repeat without it, are left out.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz import fuzz

from store.reports.blocks import Block
from store.reports.headings import _DAY_MARKER, _NON_TALK, _REPORT_SUFFIX
from store.reports.talkline import (
    DECORATION,
    ROOM_CODE,
    TalkLine,
    _org_like,
    clean_inline,
    looks_like_person,
    parse_people,
    parse_talk_line,
)

# Programme items that are never talks.
NOISE = re.compile(
    r"^(?:\W*)(?:休憩|昼休憩|昼食|ランチ|懇親会|ネットワーキング|受付|開場|開演|閉会|閉場|写真撮影|集合写真|"
    r"交流会|乾杯|撤収|(?:完全)?撤(?:収|退)|片付け|(?:本会|本編|イベント)?終了$|break|coffee break|lunch|dinner|networking|drinks?|pizza|food|"
    r"arrive|arrival|doors open|registration|raffle|giveaway|thanks?\b|thank you|sponsored by|"
    r"wrap[- ]?up|social|afterparty|after party|pub|beer|q ?& ?a$|まとめ$|感想$|所感$|おわりに$|"
    r"はじめに$|最後に$|目次$|参考$|告知$|次回|質疑応答|質疑|hallway|(?:本会|イベント|勉強会)?終了$|"
    r"(?:発表|講演|登壇|セッション|トーク|内容|プログラム|program(?:me)?)$|.{0,8}感想$|お知らせ|関連リンク|リンク$|資料リンク|スライド$|動画$|"
    r"contents$|table of contents$|agenda$|schedule$|timetable$|タイムテーブル$|"
    r"about( us)?$|contact$|license$|contributing$|organi[sz]ers$|sponsors?$|links?$|"
    r"references?$|summary$|conclusion$|introduction$|overview$|概要$|日時$|会場$|場所$|"
    r"(?:youtube |video )?playlist$|podcast$|photos?$|recordings?$|slides?$|aftermath$|"
    r"wrap(?:ping)?[- ]up|final thoughts|closing thoughts|(?:key )?takeaways$|conclusions?$|"
    r"next (?:time|meetup|event)|次回予告|"
    r"[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|jp|dev|me|co|app|info)/?$)"
    # a whole word: "Pub/Sub at scale", "Lunchbox internals", "Breaking changes" are talks, and
    # so is one about it for a Capitalised audience ("Networking for Introverts")
    r"(?![a-z]|/[a-z]|(?<=ing)\s+for\s+(?-i:[A-Z])[a-z]+s\b)",
    re.I)
# A sentence is not a title: "for his role as speaker.", "to everyone who came".
_SENTENCE = re.compile(r"^(?:for|to|and|with|who|which|as|because|thanks|so|but|or)\s")
# Label lines under a heading or item: who, what, from where. One word list per role,
# shared by the labels, the attribute lines they make and the table columns.
_WHO_WORDS = r"speakers?|presenters?|presented by|登壇者|発表者|講演者|スピーカー|登壇|講師"
_ORG_WORDS = r"speaker affiliation|affiliation|company|organi[sz]ation|所属|会社"
_LINK_WORDS = r"slides?|スライド|資料|発表資料|登壇資料|video|動画|録画|recording|youtube"
_WHO = re.compile(r"^[*_]*(?:(?:" + _WHO_WORDS + r"|who|moderators?|panelists?|facilitators?|"
                  r"hosts?|name|名前|氏名|モデレーター|パネリスト|ファシリテーター|司会)[*_]*\s*[:：]|"
                  r"(?:by|led by|presented by|given by|delivered by)\s)[*_]*\s*(?P<v>.+?)[*_.]*$",
                  re.I)
_WHAT = re.compile(r"^(?:topic|title|talk title|talk|session|presentation title|タイトル|演題|"
                   r"発表タイトル|テーマ|セッション名?)\s*[:：]\s*(?P<v>.+)$", re.I)
_ORG = re.compile(r"^(?:" + _ORG_WORDS + r")\s*[:：]\s*(?P<v>.+)$", re.I)
# A bio field that holds no more than where the speaker works ("Bio: Widgetco").
_BIO = re.compile(r"^(?:bio|biography|略歴)\s*[:：]\s*(?P<v>.+)$", re.I)
_DOMAIN = re.compile(r"[a-z0-9][\w-]*(?:\.[a-z0-9][\w-]*)+", re.I)
_LABEL = re.compile(r"^[\w\s]{1,20}[:：]")
_LINK_LABEL = re.compile(r"^[\W]{0,3}(?:" + _LINK_WORDS + r")\s*[:：]", re.I)
_URL_IN = re.compile(r"https?://[^\s<>()\"'（）「」]+")
# A post on a social network: what someone said about it, not a talk's own link.
_POST_URL = re.compile(r"(?:twitter\.com|x\.com|facebook\.com|threads\.net|bsky\.app)/.{0,80}"
                       r"(?:/status/|/posts?/)", re.I)
_BARE_URL = re.compile(r"<?https?://[^\s<>\"'（）「」]{1,2000}>?")
# Lines that describe the talk above them: never talks of their own.
_ATTRIBUTE = re.compile(
    r"^[\W]{0,3}(?:" + _WHO_WORDS + "|" + _ORG_WORDS + "|" + _LINK_WORDS + r"|link|url|"
    r"date|日時|日付|開催日|time|時間|venue|会場|場所|meetup link|attendees|参加者|hashtag|"
    r"access|directions|アクセス|交通|keywords?|キーワード|"
    r"ハッシュタグ|tags?|タグ|概要|abstract|description|language|言語|level|レベル)"
    r"\s*(?:[(（][^)）]{0,30}[)）])?\s*[:：]", re.I)
# A label alone on its item, its value in the items under it.
_BARE_WHO = re.compile(r"^[*_]*(?:" + _WHO_WORDS + r")[*_]*\s*[:：]?$", re.I)
_BARE_LINK = re.compile(r"^[*_]*(?:" + _LINK_WORDS + r"|links?|url)[*_]*\s*[:：]?$", re.I)
_EMPTY_ATTRIBUTE = re.compile(_ATTRIBUTE.pattern + r"\s*$", re.I)
_SPEAKER_COLUMN = re.compile(_WHO_WORDS + r"|name|名前|氏名", re.I)
_TITLE_COLUMN = re.compile(r"title|talk|session|topic|タイトル|演題|発表|セッション|内容", re.I)
# Columns that classify a talk rather than name it: "Session Type", "Language", "Length".
_CATEGORY_COLUMN = re.compile(r"type|kind|format|language|length|level|種別|形式|言語|長さ|レベル|"
                              r"対象", re.I)
_ORG_COLUMN = re.compile(_ORG_WORDS, re.I)
_DATE_COLUMN = re.compile(r"^(?:date|day|when|日付|日程|開催日|日時)$", re.I)
# A slot's length written after its talk: "Title - @name - 10 mins", "Title (15分)".
_DURATION = re.compile(r"\s+[-–—]\s*~?\d{1,3}\s*(?:[-–]\s*\d{1,3}\s*)?(?:mins?|minutes?|分)\.?"
                       r"(?=\s+[-–—]\s|\s*$)|\s*[(（]\s*~?\d{1,3}\s*(?:mins?|minutes?|分)\s*[)）]",
                       re.I)
_BY = re.compile(r"\sby\s", re.I)
_TIME_COLUMN = re.compile(r"^(?:time|時間|時刻|start|開始)$", re.I)
_TRACK_COLUMN = re.compile(r"track|room|hall|会場|トラック|ルーム|ホール|[a-e]\s*会場", re.I)
_SLIDES = re.compile(r"speakerdeck\.com|slideshare\.net|docs\.google\.com/presentation|"
                     r"youtube\.com|youtu\.be|vimeo\.com|slides?\.|/slides?/|\.pdf\b|\.pptx?\b|"
                     r"talks\.|github\.com/[^/]+/[^/]*talk", re.I)
_TIME = re.compile(r"^\s*\d{1,2}[:：]\d{2}")
_DATEISH = re.compile(r"^(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|"
                      r"\d{4}[-/年]\s*\d{1,2}|\d{1,2}\s*月\s*\d{1,2}\s*日|day\s*\d|\d+\s*日目)",
                      re.I)
MAX_TITLE = 300
# A heading or lead-in line over a bare list of the talks a writer attended.
_SESSION_LIST = re.compile(
    r"^(?:sessions?|talks?|presentations?|lightning talks?|tech ?talks?|セッション(?:一覧)?|"
    r"(?:発表|講演|登壇|トーク|LT)一覧|(?:参加|聴講|聞い|見)た(?:セッション|トーク|発表)(?:一覧)?|"
    r"印象に残った(?:セッション|トーク|発表)|気になった(?:セッション|トーク|発表)|"
    r".{0,12}(?:に参加|参加したのは|聞いたのは|見たのは|聴講したのは))\s*[:：]?$", re.I)
# A section about the next meeting ("次回予告", "Next time", "Upcoming").
_NEXT_EVENT = re.compile(r"^\W*(?:次回(?:予告|の?(?:開催|案内|お知らせ))?|next (?:time|meetup|event|month)|"
                         r"upcoming(?: events?| meetups?)?|coming up)\b", re.I)
# A heading that is only a slot of the programme: "5コマ目", "第2部", "Session 3".
_SLOT_ONLY = re.compile(r"^(?:\d{1,2}\s*コマ目|第\s*\d{1,2}\s*(?:部|セッション|枠|講演)|"
                        r"(?:session|slot|talk|発表|講演|枠)\s*#?\d{1,2})$", re.I)
# A slot prefix that says the line is a talk: "⚡ Lightning Talk:", "Keynote:", "Session3:".
_KIND_PREFIX = re.compile(r"lightning|\bLT\b|keynote|spotlight|基調講演|キーノート|session\s*\d|"
                          r"セッション\s*\d|招待講演", re.I)
_SENTENCE_END = re.compile(r"[。．！？!?]\s*$|[.]\s*$")
# A talk heading that names only its kind; the title is then in the prose below.
_KIND_ONLY = re.compile(r"^(?:keynote|基調講演|キーノート|招待講演|invited talk|opening talk|"
                        r"closing talk|opening keynote|closing keynote)\s*\d*$", re.I)
_BOLD = re.compile(r"\*\*(?P<t>[^*]{3,200})\*\*|__(?P<u>[^_]{3,200})__")
_PROSE_WHO = re.compile(r"(?P<name>[A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3}|"
                        r"[\u4e00-\u9fff\u3040-\u30ff]{2,8})\s*(?:さん|氏)\s*(?:の|による|が|から)")
_SECTION = re.compile(f"(?:{_NON_TALK.pattern})|(?:{_DAY_MARKER.pattern})", re.I)
DEDUPE_WINDOW = 200
MAX_SLOT_SCAN = 5_000


@dataclass
class Candidate:
    block: Block
    line: TalkLine
    key: tuple[object, ...]
    body: list[Block] = field(default_factory=list)
    evidence: float = 0.0
    labelled: bool = False
    headed_link: bool = False  # "■Title" with its link alone on the paragraph's next line
    used: set[int] = field(default_factory=set)  # blocks read as this talk's attributes

    @property
    def title(self) -> str | None:
        return self.line.title

    @property
    def has_people(self) -> bool:
        return bool(self.line.speakers or self.line.handles)


@lru_cache(maxsize=4096)
def _read_line(raw: str) -> TalkLine:
    return parse_talk_line(raw)


def talk_line(raw: str) -> TalkLine:
    """A talk line read once per distinct text (reports repeat lines; hostile ones a lot),
    as a fresh copy the extractor may fill in."""
    line = _read_line(raw)
    return replace(line, speakers=list(line.speakers), handles=list(line.handles),
                   orgs=list(line.orgs))


def _owned(blocks: list[Block], i: int) -> list[Block]:
    """The blocks under block `i`: a heading's section, an item's sub-items and lines."""
    head = blocks[i]
    out: list[Block] = []
    for b in blocks[i + 1:]:
        if head.kind == "heading":
            if b.kind == "heading" and b.level <= head.level:
                break
        elif head.kind == "item":
            if b.kind == "heading" or b.kind == "row":
                break
            if b.kind == "item" and b.depth <= head.depth:
                break
            if b.kind == "line" and b.depth < head.depth:
                break
            if b.kind == "line" and b.depth == head.depth and not b.continued:
                break
        elif head.kind == "line":
            # A wrapped Markdown paragraph goes on; in plain text only the label lines of
            # the same paragraph ("登壇者：…", "Speaker: …") belong to the line above them.
            if not (b.kind == "line" and (b.continued or (b.in_para and _is_label(b.text)))):
                break
        else:
            break
        out.append(b)
        if len(out) >= 400:
            break
    return out


def _is_label(text: str) -> bool:
    return bool(_ATTRIBUTE.match(text) or _WHO.match(text) or _WHAT.match(text)
                or _ORG.match(text))


def _labels_above(c: Candidate, blocks: list[Block], i: int) -> None:
    """"Speaker: Name, Org" written just above a talk's heading, after the previous talk's
    notes: that talk's speaker."""
    for b in blocks[max(0, i - 3):i][::-1]:
        m = _WHO.match(b.text) if b.kind in ("line", "item") else None
        if not m:
            break
        p = parse_people(m.group("v"))
        if p.speakers or p.handles:
            c.line.speakers, c.line.handles = p.speakers, p.handles
            c.line.orgs = c.line.orgs or p.orgs
            c.used.add(b.index)
            return


def _label_block(blocks: list[Block], i: int) -> list[Block]:
    """The run of label lines a paragraph opens with ("Speaker: …", "Title: …")."""
    run = [blocks[i]]
    for b in blocks[i + 1:i + 12]:
        if b.kind != "line" or not b.in_para or not (_is_label(b.text) or b.continued):
            break
        run.append(b)
    return run


def _label_values(body: list[Block], used: set[int]
                  ) -> tuple[str | None, str | None, str | None]:
    """`Topic:`/`Speaker:`/`Affiliation:` labels among the first lines of a body; a label's
    value goes on over hard-wrapped lines until the next label."""
    what = who = org = None
    current: str | None = None
    depth = 0
    if sum(1 for b in body[:12] if b.kind != "heading" and _WHAT.match(b.text)) >= 2:
        return None, None, None  # a section holding several labelled talks, not one talk
    for b in body[:12]:
        if _ATTRIBUTE.match(b.text) or _WHAT.match(b.text) or _WHO.match(b.text):
            used.add(b.index)
        if b.kind == "heading":
            break
        text = b.text
        for name, pat in (("what", _WHAT), ("who", _WHO), ("org", _ORG)):
            m = pat.match(text)
            if m:
                current = name
                value = m.group("v").strip()
                if name == "what" and what is None:
                    what = value
                elif name == "who":
                    # a moderator and the panelists: everyone on stage
                    who = value if who is None else f"{who}, {value}"
                elif name == "org" and org is None:
                    org = value
                break
        else:
            # "* 発表者" over "    * @name", "* 資料" over its link: the value is the item below
            bare = text.strip()
            if b.kind == "item" and (_BARE_WHO.match(bare) or _BARE_LINK.match(bare)):
                current, depth = ("who_items" if _BARE_WHO.match(bare) else "link_items"), b.depth
                used.add(b.index)
                continue
            if current in ("who_items", "link_items") and b.kind in ("item", "line") \
                    and (b.depth > depth or b.continued):
                if current == "who_items":
                    who = text if who is None else f"{who}, {text}"
                    used.add(b.index)
                continue
            if b.continued and current == "what" and what is not None and not _LABEL.match(text):
                what = f"{what} {text}".strip()
            elif b.continued and current == "who" and who is not None and not _LABEL.match(text):
                who = f"{who} {text}".strip()
            elif re.fullmatch(r"[^:：]{1,30}[:：]", text.strip()):
                current = "list"  # "Panelists:" over a list of people
            elif current == "list" and (b.kind == "item" or b.continued):
                continue
            elif not (what or who or org) and text.startswith(("※", "注:", "注：", "Note:")):
                continue  # "※タイトル失念" above the labels
            elif _BIO.match(text) and b.kind == "line":
                bio = _BIO.match(text)
                value = bio.group("v").strip() if bio else ""
                if org is None and (_org_like(value) or _DOMAIN.fullmatch(value)):
                    org = value
                used.add(b.index)
            elif _ATTRIBUTE.match(text) and b.kind == "line":
                continue  # "Time: 19:45" among the labels
            else:
                break  # labels open a talk's body; one further down belongs to the next talk
    return what, who, org


def _cell_people(row: Block) -> tuple[list[str], list[str], list[str], str | None]:
    speakers: list[str] = []
    handles: list[str] = []
    orgs: list[str] = []
    title = None
    for head, cell in zip(row.header, row.cells, strict=False):
        if not cell:
            continue
        if _SPEAKER_COLUMN.search(head):
            p = parse_people(cell)
            speakers += p.speakers
            handles += p.handles
            orgs += p.orgs
        elif _ORG_COLUMN.search(head):
            orgs.append(cell)
        elif _TITLE_COLUMN.search(head) and not _CATEGORY_COLUMN.search(head) and title is None:
            title = cell
    return speakers, handles, orgs, title


def _free_text_cell(row: Block) -> str | None:
    """The cell of a row that holds its talk when no column is named for the title or the
    speaker ("| Date | Info |", "| Time | Item | Description |"): the longest cell that is
    not a time or a date, its duration left out."""
    best = ""
    for head, raw in zip(row.header, row.raw_cells, strict=False):
        h = head.strip()
        if (_TIME_COLUMN.match(h) or _DATE_COLUMN.match(h) or _TIME.match(raw)
                or _DATEISH.match(raw)):
            continue
        if len(raw) > len(best):
            best = raw
    best = _DURATION.sub("", best).strip()
    return best or None


def _person_only(b: Block) -> TalkLine | None:
    """The people of a line that only names someone ("小西 雅也 (@name)", "Jane Roe
    (Example Inc.)"), else None."""
    if len(b.text) > 80:
        return None
    own = talk_line(b.raw)
    if own.title is None and (own.speakers or own.handles):
        return own
    if own.title and not own.speakers and (own.handles or own.orgs) \
            and looks_like_person(own.title):
        own.speakers, own.title = [own.title], None
        return own
    return None


def _enrich(c: Candidate) -> None:
    """Fill a candidate's title and people from what sits under it."""
    line = c.line
    what, who, org = _label_values(c.body, c.used)
    if c.block.kind == "heading" and _KIND_ONLY.match(c.block.text.strip()) and not what:
        # "Keynote" over "Bas Vodde さんの **The Story of LeSS**": the bold text is the title.
        for b in c.body[:2]:
            m = _BOLD.search(b.raw) if b.kind == "line" else None
            if m:
                what = (m.group("t") or m.group("u") or "").strip()
                who_m = list(_PROSE_WHO.finditer(b.raw[:m.start()]))
                if who_m and not who:
                    who = who_m[-1].group("name")
                break
    if what:
        heading_person = (c.block.kind in ("heading", "item") and not line.speakers
                          and looks_like_person(c.block.text))
        if heading_person:
            line.speakers = [c.block.text.strip()]
        inner = talk_line(what)  # "Session: Title - Name, Org" names its people too
        c.line = line = TalkLine(title=inner.title or what,
                                 speakers=line.speakers or inner.speakers,
                                 handles=line.handles or inner.handles,
                                 orgs=line.orgs or inner.orgs, url=line.url or inner.url,
                                 prefix=line.prefix, evidence=line.evidence)
        c.labelled = True
    if who:
        p = parse_people(who)
        if p.speakers or p.handles:
            line.speakers = line.speakers or p.speakers
            line.handles = line.handles or p.handles
            line.orgs = line.orgs or p.orgs
    if not line.url:
        # "Slides: URL", "資料 : [Title](URL)", "Video: URL" under the talk: its own link.
        for b in c.body[:8]:
            if b.kind == "heading":
                break
            if _LINK_LABEL.match(b.text):
                url = next((u for _, u in b.links if u.startswith(("http://", "https://"))),
                           None) or next(iter(_URL_IN.findall(b.text)), None)
                if url:
                    line.url = url
                    c.used.add(b.index)
                    break
    if (c.block.kind == "line" and line.title and line.prefix and DECORATION.match(line.prefix)
            and c.body and c.body[0].continued and _BARE_URL.fullmatch(c.body[0].text.strip())
            and not _POST_URL.search(c.body[0].text)):
        # "■Title" over its slides' URL, written as a heading would be: a talk line.
        line.url = line.url or c.body[0].text.strip().strip("<>")
        c.used.add(c.body[0].index)
        c.headed_link = True
    if org and not line.orgs:
        p = parse_people(org)
        line.orgs = p.orgs or [re.split(r",|、", org)[0].strip()]
    rows = [b for b in c.body if b.kind == "row"]
    for b in c.body[:4]:
        # A one-row table under a talk's heading describes that talk (speaker, language).
        if b.kind == "row" and b.header and sum(1 for r in rows if r.table == b.table) == 1:
            speakers, handles, orgs, _ = _cell_people(b)
            if speakers or handles:
                c.used.add(b.index)
                line.speakers = line.speakers or speakers
                line.handles = line.handles or handles
                line.orgs = line.orgs or orgs
                break
    if not (line.speakers or line.handles) and c.block.kind == "heading" and line.title:
        # "## Title" over "Title from Name" (a slide embed) or "[Title](slides) - Name".
        for b in c.body[:1]:
            if b.kind not in ("line", "item"):
                continue
            inner = talk_line(b.raw)
            if (inner.speakers or inner.handles) and inner.title and _similar(line.title,
                                                                              inner.title):
                line.speakers, line.handles = inner.speakers, inner.handles
                line.orgs = line.orgs or inner.orgs
                line.url = line.url or inner.url
                c.used.add(b.index)
                break
    if not (line.speakers or line.handles) and c.block.kind == "heading" and line.title \
            and c.body and c.body[0].kind == "heading" and c.body[0].level > c.block.level \
            and not _SECTION.match(c.block.text.strip()):
        # "## Title" with "### Name (@handle)" right under it: the sub-heading says who.
        person = _person_only(c.body[0])
        if person is not None:
            line.speakers, line.handles = person.speakers, person.handles
            line.orgs = line.orgs or person.orgs
            c.used.add(c.body[0].index)
    if line.speakers and not line.orgs and c.block.kind == "heading":
        org = _prose_org(c.body)
        if org:
            line.orgs = [org]
    if not (line.speakers or line.handles) and c.block.kind in ("heading", "item"):
        # "- Name, Org" sub-items right under an agenda item name its speakers.
        for b in c.body[:4]:
            if b.kind not in ("item", "line") or (b.depth <= c.block.depth and b.kind == "item"):
                continue
            if _WHAT.match(b.text) or (_LABEL.match(b.text) and not _WHO.match(b.text)):
                continue
            own = talk_line(b.raw)
            if own.title and (own.speakers or own.handles):
                break  # a talk line of its own ("Title / Name"), not a people line
            first = re.split(r"\s*[,、(（]\s*", b.text)[0]
            if len(b.text) <= 120 and looks_like_person(first):
                p = parse_people(b.text)
                if p.speakers or p.handles:
                    c.used.add(b.index)
                    line.speakers += [s for s in p.speakers if s not in line.speakers]
                    line.handles += [h for h in p.handles if h not in line.handles]
                    if not line.orgs:
                        line.orgs = p.orgs
                    continue
            break


_ROLE = (r"(?:チーフ|シニア|リード|プリンシパル)?(?:データサイエンティスト|エンジニア|プログラマー?|"
         r"CTO|CEO|COO|VPoE|代表(?:取締役)?|社長|研究員|教授|准教授|講師|リサーチディレクター|"
         r"ディレクター|マネージャー|Chair|チェア|会長|理事|エバンジェリスト|アーキテクト|デザイナー)")
# Where the prose under a talk says whom the speaker works for.
_PROSE_ORG = [
    re.compile(r"(?P<org>[^。]{2,60}?)で(?:[^、。で]{0,25})として(?:働|勤)"),
    re.compile(r"(?P<org>[^。]{2,60}?)の" + _ROLE),
    re.compile(r"(?P<org>[^。\s]{1,40}(?:大学|研究室|研究所|株式会社|財団|協会))(?:の)?" + _ROLE),
    # "株式会社Xの山田さんによる発表"
    re.compile(r"(?P<org>[^\s。、「」]{2,40})の\s*\S{1,12}?(?:さん|氏)"
               r"(?:による|の(?:発表|講演|お話|セッション|LT)|が)"),
]
_ORG_LEAD = re.compile(r"^.*(?:は|、|，|。|現在|普段|今|\s[はが])\s*")


_BIO_EN = re.compile(r"(?:,?\s+(?:who\s+)?(?:is|works|worked|leads|runs|joined|an?)\b[^.]{0,80}?"
                     r"\b(?:at|for|of)|\s+(?:of|from))\s+"
                     r"(?P<org>[A-Z][\w&.\-]*(?:\s+(?:[A-Z][\w&.\-]*|of|for|and)){0,4})")
_BIO_JA = re.compile(r"(?:さん|氏)は\s*(?P<org>[^。、\s][^。、]{1,40}?)\s*の" + "(?:[^。、]{0,10})" + _ROLE)


_BIO_CUE = re.compile(r"\b(?:is|works|worked|leads|runs|joined|an?|of|from)\s|(?:さん|氏)は")


def bio_orgs(chosen: list[Candidate], blocks: list[Block]) -> None:
    """Organisations stated in a speaker's bio anywhere in the report ("Ann Lee is a senior
    engineer at Widgetco", "Annさんは Widgetco のエンジニア") for talks that name none."""
    wanting = [c for c in chosen if c.line.speakers and not c.line.orgs]
    if not wanting:
        return
    # Only lines that read like a bio are looked at, once: a long report has thousands of
    # lines and each talk would otherwise scan them all.
    texts = [b.text for b in blocks[:3000] if b.kind in ("line", "item") and _BIO_CUE.search(b.text)]
    if not texts:
        return
    for c in wanting:
        name = c.line.speakers[0]
        first = name.split()[0] if " " in name else name
        if len(first) < 2:
            continue
        for text in texts:
            if first not in text[:300]:
                continue
            at = text.find(name) if name in text else text.find(first)
            end = at + (len(name) if name in text else len(first))
            m = _BIO_EN.match(text, end, end + 300) or _BIO_JA.search(text, at, at + 200)
            if m and m.start() - at <= len(name) + 40:
                org = m.group("org").strip(" .,")
                if 2 <= len(org) <= 60:
                    c.line.orgs = [org]
                    break


def _prose_org(body: list[Block]) -> str | None:
    """The organisation the first lines of a talk's notes give its speaker, in the ways
    Japanese recaps say it: "Xで…として働いている", "Xのチーフ…", "X大学…研究室の教授"."""
    lines = [b.text for b in body[:6] if b.kind in ("line", "item") and b.text][:3]
    for text in lines:
        for pat in _PROSE_ORG:
            m = pat.search(text[:300])
            if m:
                org = _ORG_LEAD.sub("", m.group("org")).strip(" 「」『』、,")
                if 2 <= len(org) <= 40 and not org.endswith(("氏", "さん")):
                    return org
    return None


def _evidence(c: Candidate) -> float:
    line = c.line
    if not line.title and not (c.has_people and (
            (line.url and _SLIDES.search(line.url))
            or (line.prefix and _KIND_PREFIX.search(line.prefix)))):
        return 0.0  # a name alone is a talk only with its slides, video or a "Keynote" slot
    e = line.evidence
    if c.has_people:
        e = max(e, 0.6)
    if c.labelled:
        e = max(e, 0.7)
    if line.url and _SLIDES.search(line.url):
        e += 0.15
    if line.prefix and _TIME.match(line.prefix):
        e += 0.15
    if line.title and line.prefix and ROOM_CODE.match(line.prefix):
        e = max(e, 0.5)  # "H-1 Title": a programme's room code names a talk
    return min(1.0, e)


def is_noise(title: str | None) -> bool:
    if title is None:
        return False
    t = title.strip()
    return (not t or len(t) > MAX_TITLE or bool(NOISE.match(t)) or bool(_SENTENCE.match(t))
            or (bool(_DATEISH.match(t)) and len(t) < 40) or t.startswith(("http://", "https://")))


def _grid_talks(rows: list[Block]) -> list[Candidate]:
    """A timetable: a time column and several track columns, each cell a talk."""
    out = []
    for row in rows:
        for head, raw in zip(row.header, row.raw_cells, strict=False):
            if not raw.strip() or _TIME_COLUMN.match(head.strip()) or _TIME.match(raw):
                continue
            line = talk_line(raw)
            if line.title and not is_noise(line.title):
                line.evidence = max(line.evidence, 0.5)
                out.append(Candidate(row, line, ("grid", row.table), evidence=line.evidence))
    return out


def _is_grid(header: tuple[str, ...]) -> bool:
    tracks = sum(1 for h in header if _TRACK_COLUMN.search(h))
    return tracks >= 2 or (tracks >= 1 and any(_TIME_COLUMN.match(h.strip()) for h in header)
                           and not any(_SPEAKER_COLUMN.search(h) for h in header))


def candidates(blocks: list[Block]) -> list[Candidate]:
    """Every block read as a talk, with the blocks it owns and its evidence."""
    out: list[Candidate] = []
    grids: dict[int, list[Block]] = {}
    by_rows: dict[int, int] = {}  # rows of a table whose free-text cell read "Title by Name"
    listing = False  # inside a list of attended talks
    kind_at: dict[int, str | None] = {}  # the slot kind ("Lightning talks:") of the last item per depth
    skip_to = -1  # a section about the next meeting: its talks are not this event's
    slots, slot_parts = _slot_lines(blocks)
    for i, b in enumerate(blocks):
        if i < skip_to or i in slot_parts:
            continue
        if b.kind == "line" and _EMPTY_ATTRIBUTE.match(b.text):
            # "Access:" over a list of directions: the list is the label's value
            k = i + 1
            while k < len(blocks) and blocks[k].kind == "item" and k - i <= 50:
                k += 1
            skip_to = max(skip_to, k)
        if b.kind == "heading" and _NEXT_EVENT.match(b.text.strip()):
            skip_to = i + 1 + len(_owned(blocks, i))
            continue
        if b.kind == "heading" or (b.kind == "line" and not b.continued and (
                len(b.text) <= 40 and not _SENTENCE_END.search(b.text))):
            # Prose between a "Sessions" line and its list keeps the list a list of talks.
            listing = bool(_SESSION_LIST.match(b.text.strip()))
        elif b.kind == "row":
            listing = False
        if b.kind == "row":
            if _is_grid(b.header):
                grids.setdefault(b.table, []).append(b)
                continue
            speakers, handles, orgs, title = _cell_people(b)
            if title is None and not (speakers or handles):
                # No title or speaker column: the row's free-text cell is one talk line, and
                # it is a talk only when that line names its people.
                free = _free_text_cell(b)
                line = talk_line(free) if free else TalkLine(title=None)
                by = bool(free and _BY.search(free))
                if by and not (line.speakers or line.handles) and by_rows.get(b.table, 0) >= 2:
                    # "Title by Ann" among rows that read "Title by Name": a one-word name
                    line = parse_talk_line(free or "", order="title_first")
                if not (line.title and (line.speakers or line.handles)):
                    continue
                if by:
                    by_rows[b.table] = by_rows.get(b.table, 0) + 1
                c = Candidate(b, line, ("row", b.header))
                if is_noise(c.title):
                    continue
                c.evidence = _evidence(c)
                out.append(c)
                continue
            if title is None:
                continue
            line = talk_line(title)
            if (speakers or handles) and line.orgs and not (line.speakers or line.handles):
                # The speaker column names the people: a group at the end of the title cell
                # ("Title (Beta)") is part of the title, not an organisation.
                line.title, line.orgs = title, []
            line.speakers = line.speakers or speakers
            line.handles = line.handles or handles
            line.orgs = line.orgs or orgs
            c = Candidate(b, line, ("row", b.header))
        elif (b.kind == "line" and not b.in_para and (_WHO.match(b.text) or _WHAT.match(b.text))
              and not b.continued):
            # A paragraph of labels is a talk: "Speaker: Name (Org)" / "Title: …".
            run = _label_block(blocks, i)
            c = Candidate(b, TalkLine(title=None), ("labels",), body=run)
            _enrich(c)
            if not c.labelled:
                continue
            c.used.update(x.index for x in run[1:])
            c.used.discard(b.index)  # its own line is the talk's place, not an attribute
        elif b.kind in ("heading", "item", "line") and not (b.kind == "line" and b.continued):
            if len(b.raw) > 1000 or not b.text.strip() or _ATTRIBUTE.match(b.text) or (
                    b.kind == "item" and (_BARE_WHO.match(b.text.strip())
                                          or _BARE_LINK.match(b.text.strip()))):
                continue
            listed = (listing and b.kind == "item" and b.depth == 1
                      and not _SENTENCE_END.search(b.text) and len(b.text) <= 120)
            key: tuple[object, ...] = (("listed", b.depth) if listed
                                       else (b.kind, b.level, b.depth))
            slot = slots.get(b.index)
            if slot is not None:
                key = ("slot",)
            c = Candidate(b, talk_line(b.raw), key)
            if b.kind == "item":
                parent = kind_at.get(b.depth - 1) if b.depth > 1 else None
                if parent and c.title is None and c.has_people and not c.line.prefix:
                    # "- Lightning talks:" over "  - Org: Name": each a talk of that slot
                    c.line.prefix = parent
                prefix = c.line.prefix
                kind_at[b.depth] = prefix if prefix and _KIND_PREFIX.search(prefix) else None
            c.body = _owned(blocks, i)
            _enrich(c)
            if slot is not None:
                _fill_slot(c, *slot)
            if b.kind == "heading" and not c.has_people:
                _labels_above(c, blocks, i)
            if listed:
                c.line.evidence = max(c.line.evidence, 0.55)
        else:
            continue
        if is_noise(c.title):
            continue
        if c.title and title_key(c.title) in {title_key(x) for x in c.line.speakers + c.line.handles}:
            c.line.title = None  # "Name leads the team at X": a name, not a title
        c.evidence = _evidence(c)
        out.append(c)
    for rows in grids.values():
        out.extend(_grid_talks(rows))
    return _people_over_talks(_names_above(_pipe_siblings(out), blocks))


_PIPE = re.compile(r"\s+[|｜]\s+")
_ACCOUNT_NAME = re.compile(r"@?[A-Za-z0-9_][A-Za-z0-9_.\-]{1,30}")


def _pipe_siblings(cands: list[Candidate]) -> list[Candidate]:
    """Items that read "Title | Name": where most items show a person after the bar,
    a short name the rules do not know as one ("Title | てっぷ", "Title | AnaTofuZ") is the
    speaker of its item too."""
    groups: dict[int, list[Candidate]] = {}
    for c in cands:
        if c.block.kind == "item" and len(_PIPE.findall(c.block.text)) == 1:
            groups.setdefault(c.block.depth, []).append(c)
    for run in groups.values():
        named = [c for c in run if c.has_people]
        if len(run) < 2 or len(named) < 2 or len(named) < 0.5 * len(run):
            continue
        for c in run:
            if c.has_people:
                continue
            title, who = (x.strip() for x in _PIPE.split(c.block.text, maxsplit=1))
            if not title or not who or len(who) > 24 or len(who.split()) > 3 or re.search(
                    r"[。、,，!！?？:：()（）]", who):
                continue
            if _ACCOUNT_NAME.fullmatch(who) and " " not in who:
                c.line.handles = [who]
            else:
                c.line.speakers = [who]
            c.line.title = title
            c.evidence = _evidence(c)
    return cands


# A programme slot's time on a line of its own: "10:10 - 10:50 (40分)", "19:00 –", "9:30".
_TIME_ONLY = re.compile(r"^\s*\d{1,2}[:：]\d{2}\s*(?:[-–~〜～]\s*(?:\d{1,2}[:：]\d{2})?)?\s*"
                        r"(?:[(（]\s*\d{1,3}\s*(?:分|mins?|minutes)\s*[)）])?\s*$", re.I)


def _slot_lines(blocks: list[Block]) -> tuple[dict[int, tuple[str, Block | None]], set[int]]:
    """A programme written a slot to three lines ("10:10 - 10:50 (40分)", then the title,
    then "Name / Org"): the title line is the talk, the time its slot, the names its speakers.
    Returns the title lines (time, names line) and the lines they take up."""
    times = [i for i, b in enumerate(blocks[:MAX_SLOT_SCAN]) if b.kind == "line"
             and _TIME_ONLY.match(b.text)]
    slots: dict[int, tuple[str, Block | None]] = {}
    parts: set[int] = set()
    if len(times) < 2:
        return slots, parts
    for i in times:
        title = blocks[i + 1] if i + 1 < len(blocks) else None
        if title is None or title.kind != "line" or _TIME_ONLY.match(title.text):
            continue
        who = blocks[i + 2] if i + 2 < len(blocks) else None
        if who is not None and (who.kind != "line" or _people_line(who.text) is None):
            who = None
        slots[title.index] = (_DURATION.sub("", blocks[i].text).strip(" -–"), who)
        parts.add(i)
        if who is not None:
            parts.add(who.index)
    return slots, parts


def _people_line(text: str) -> tuple[list[str], list[str], list[str]] | None:
    """A short line naming a speaker and what follows them ("Ann Lee / Acme", "山田 太郎
    （@taro） / 株式会社X"); the later parts that are no person are their organisation."""
    text = text.strip()
    if not text or len(text) > 100 or _SENTENCE_END.search(text) or re.search(r"[。！？]", text):
        return None
    p = parse_people(text)
    if not (p.speakers or p.handles):
        return None
    speakers, orgs = p.speakers[:1], list(p.orgs)
    for s in p.speakers[1:]:
        (speakers if looks_like_person(s) else orgs).append(s)
    if not (p.handles or orgs or looks_like_person(speakers[0])):
        return None  # "6分×3本", a committee: no one named
    return speakers, list(p.handles), orgs


def _fill_slot(c: Candidate, time: str, who: Block | None) -> None:
    line = c.line
    if time and not line.prefix:
        line.prefix = time
    if who is not None and not (line.speakers or line.handles):
        people = _people_line(who.text)
        if people is not None:
            line.speakers, line.handles, line.orgs = people
            line.evidence = max(line.evidence, 0.6)


# A date written before the people of a listing: "March 2012 - ", "2012-03-14: ", "2012年3月 ".
_LEAD_WHEN = re.compile(
    r"^(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?"
    r"\d{4}|\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)"
    r"\s*(?:[-–—:|：]\s*)?", re.I)
_TITLE_PAIRS = re.compile(r"\s+[/／]\s+")
_LIST_LABEL = re.compile(r"^(?P<label>[^\s:：]{2,20})\s*[:：]\s+(?P<rest>\S.*)$")


def _people_only(b: Block) -> tuple[list[str], list[str], list[str]] | None:
    """The people a line or item names when it names nothing else ("Ann Lee / Bob Stone",
    "May 2012 - Ann Lee"), else None."""
    if b.kind not in ("line", "item") or len(b.text) > 160 or len(b.links) > 4:
        return None
    text = _LEAD_WHEN.sub("", b.text.strip()).strip()
    if not text or _LABEL.match(text):
        return None
    p = parse_people(text)
    if not (p.speakers or p.handles) or not all(looks_like_person(s) for s in p.speakers):
        return None
    return list(p.speakers), list(p.handles), list(p.orgs)


def _names_above(cands: list[Candidate], blocks: list[Block]) -> list[Candidate]:
    """Headings of one level each with a line of names just above it ("Ann Lee" then
    "#### Title"): the names are the speakers of the title under them, not of the one before.
    The writer's order shows in the first heading, which has its names above it, and the
    last, which has none below. "A / B" names over "T1 / T2" titles are two talks, in order."""
    levels: dict[int, list[Candidate]] = {}
    for c in cands:
        if c.block.kind == "heading" and c.key[0] == "heading":
            levels.setdefault(c.block.level, []).append(c)
    split: dict[int, list[Candidate]] = {}
    for members in levels.values():
        above: dict[int, tuple[Block, tuple[list[str], list[str], list[str]]]] = {}
        for c in members:
            i = c.block.index
            people = _people_only(blocks[i - 1]) if i > 0 else None
            if people is not None:
                above[id(c)] = (blocks[i - 1], people)
        if len(above) < 2 or len(above) < 0.5 * len(members):
            continue
        # The names' place: a list item or line of one shape ("- May 2012 - Ann Lee"); the
        # first title has one above it (names or a group), the last none below it.
        shapes = [(b.kind, b.depth) for b, _ in above.values()]
        shape = max(set(shapes), key=shapes.count)
        first, last = members[0], members[-1]
        lead = blocks[first.block.index - 1] if first.block.index > 0 else None
        if lead is None or (lead.kind, lead.depth) != shape or lead.continued:
            continue
        if last.body and (last.body[0].kind, last.body[0].depth) == shape:
            continue  # names under the last title too: each names the talk above it
        name_lines = {b.index for b, _ in above.values()}
        for c in members:
            if c.labelled:
                continue
            if c.used & name_lines:
                # the next title's names were read as this one's: they are not
                own = talk_line(c.block.raw)
                c.line.speakers, c.line.handles, c.line.orgs = own.speakers, own.handles, own.orgs
                c.used -= name_lines
            if id(c) not in above or c.has_people:
                continue
            b, (speakers, handles, orgs) = above[id(c)]
            c.line.speakers, c.line.handles, c.line.orgs = speakers, handles, orgs
            c.used.add(b.index)
            c.evidence = _evidence(c)
            parts = _TITLE_PAIRS.split(c.title or "")
            if len(parts) >= 2 and len(parts) == len(speakers) and not handles:
                m = _LIST_LABEL.match(parts[0])
                if m and not any(_LIST_LABEL.match(x) for x in parts[1:]):
                    parts[0] = m.group("rest")  # "Multitalk: A / B / C": a label over all three
                split[id(c)] = [replace(c, line=replace(c.line, title=t, speakers=[s], handles=[],
                                                        orgs=list(orgs)), used=set(c.used))
                                for t, s in zip(parts, speakers, strict=True)]
    if not split:
        return cands
    return [x for c in cands for x in split.get(id(c), [c])]


def _people_over_talks(cands: list[Candidate]) -> list[Candidate]:
    """"- Name" with "- Title" nested under it (an archive listing speakers, each with their
    talk): the name is the speaker of the items under it, not a talk of its own. When the
    name above says who speaks, a "by X" inside the title names someone else (a book's
    author), so the title keeps it."""
    at = {c.block.index: c for c in cands}
    drop: set[int] = set()
    for c in cands:
        b = c.block
        if b.kind != "item" or len(b.text) > 60:
            continue
        name = re.sub(r"\s*(?:さん|氏|様)$", "", c.title or "")
        if c.title and not c.line.speakers and looks_like_person(name):
            # "Jane Roe" linked to a profile, "佐藤 花子さん (@hanako)"
            who, handles = [name], c.line.handles
        elif c.title is None and c.has_people:
            who, handles = c.line.speakers, c.line.handles  # "山田 太郎さん", "@jane"
        else:
            continue
        kids = [k for k in c.body if k.kind == "item" and k.depth == b.depth + 1]
        if not 1 <= len(kids) <= 3 or any(k.index not in at for k in kids):
            continue
        talks = [at[k.index] for k in kids]
        if any(t.title is None or looks_like_person(t.block.text) for t in talks):
            continue
        for t in talks:
            if t.line.speakers:
                text = t.block.text.strip()
                prefix = t.line.prefix or ""
                t.line.title = text[len(prefix):].strip() if text.startswith(prefix) else text
                t.line.orgs = []
            t.line.speakers, t.line.handles = list(who), list(handles)
            t.evidence = _evidence(t)
        drop.add(id(c))
    return [c for c in cands if id(c) not in drop]


def extend_notes(chosen: list[Candidate], blocks: list[Block]) -> None:
    """A talk found on a line (a "Title by Name" line between paragraphs, a slide embed)
    has no section of its own: its notes run to the next talk or heading."""
    starts = sorted(c.block.index for c in chosen)
    for c in chosen:
        if c.block.kind != "line":
            continue
        k = bisect_right(starts, c.block.index)
        end = min(starts[k] if k < len(starts) else len(blocks), c.block.index + 200)
        body = []
        for b in blocks[c.block.index + 1:end]:
            if b.kind == "heading":
                break
            body.append(b)
        if len(body) > len(c.body):
            c.body = body


def choose(cands: list[Candidate]) -> list[Candidate]:
    """The candidates that carry the talks: groups whose members mostly show evidence, then
    one talk per place: a talk's attributes, notes and links are not talks, and a section
    that only holds talks is not one either."""
    groups: dict[tuple[object, ...], list[Candidate]] = {}
    used: set[int] = set()
    for c in cands:
        groups.setdefault(c.key, []).append(c)
        used |= c.used
    chosen: list[Candidate] = []
    for members in groups.values():
        members = [c for c in members if c.block.index not in used or c.key[0] == "grid"]
        if not members:
            continue
        n = len(members)
        strong = [c for c in members if c.evidence >= 0.5]
        mean = sum(c.evidence for c in members) / n
        with_people = sum(1 for c in members if c.has_people or c.labelled) / n
        if c_kind(members) == "line" and len(strong) / n < 0.3 and mean < 0.3:
            # Prose lines stand alone: a talk line among them shows it by itself.
            sure = [c for c in members if (c.title or c.has_people) and (
                (c.evidence >= 0.6 and c.has_people) or c.headed_link
                or (c.line.prefix and _KIND_PREFIX.search(c.line.prefix)))]
            if len(sure) >= 2:
                chosen.extend(sure)
            continue
        if len(strong) >= 2 and (len(strong) / n >= 0.3 or mean >= 0.3):
            if members[0].key[0] == "heading" and with_people >= 0.5:
                # Headings of one level, most naming a speaker: the ones between them are
                # talks too unless they name a section.
                named = [k for k, c in enumerate(members) if c.has_people or c.labelled]
                chosen.extend(c for k, c in enumerate(members) if c.has_people or c.labelled
                              or (named[0] < k < named[-1] and c.title
                              and not _SECTION.match(c.title)))
            elif with_people >= 0.5:
                chosen.extend(c for c in members if c.evidence > 0 and (
                    c.has_people or c.labelled or c.evidence >= 0.7))
            else:
                chosen.extend(c for c in members if c.evidence >= 0.35 or (c.title and mean >= 0.6))
        elif n == 1 and strong and strong[0].labelled:
            chosen.extend(strong)
    if chosen:
        # A lone slot line among other talks: "**Keynote** - Name, Org", "- Spotlight: Name".
        picked = {id(c) for c in chosen}
        chosen += [c for c in cands if id(c) not in picked and c.key[0] in ("line", "item")
                   and c.block.index not in used and c.has_people and c.line.prefix
                   and _KIND_PREFIX.search(c.line.prefix)]
    if not chosen:
        # Notes written a talk per heading, with no speakers named: the heading level whose
        # sections hold the most notes.
        best_level: list[Candidate] = []
        for key, members in groups.items():
            if key[0] != "heading":
                continue
            noted = [c for c in members if c.title and not _SECTION.match(c.title)
                     and sum(1 for b in c.body if b.kind in ("item", "line", "code")) >= 1]
            # one heading among sections that name the report's parts ("Summary", "今後について")
            sections = sum(1 for c in members if c.title and _SECTION.match(c.title))
            if (len(noted) >= 2 or (noted and sections >= 2)) and len(noted) > len(best_level):
                best_level = noted
        chosen = best_level
    if not chosen:
        # A report of one talk: its one sure talk line (a slot, a title and a speaker).
        # (not a link to someone's write-up: "… に行ってきた - name", "… recap")
        best = max((c for c in cands if c.has_people and c.title
                    and not _REPORT_SUFFIX.search(c.title)), key=lambda c: c.evidence, default=None)
        if best is not None and best.evidence >= 0.6 and len(best.title or "") <= 150:
            chosen = [best]
    chosen = _split_slots(_nest(chosen), cands)
    chosen.sort(key=lambda c: (c.block.index, c.key[0] == "grid"))
    _adopt_sections(chosen, cands)
    return _dedupe(chosen)


def _split_slots(chosen: list[Candidate], cands: list[Candidate]) -> list[Candidate]:
    """A slot heading that names its speaker but no title ("## 5コマ目" + 登壇者) and holds
    titled sub-headings: each sub-heading is a talk by that speaker."""
    headings = {c.block.index: c for c in cands if c.block.kind == "heading"}
    out: list[Candidate] = []
    for c in chosen:
        if (c.block.kind == "heading" and c.has_people and c.title
                and _SLOT_ONLY.match(c.title.strip())):
            subs = [headings[b.index] for b in c.body if b.kind == "heading"
                    and b.level > c.block.level and b.index in headings]
            subs = [x for x in subs if x.title and not _SECTION.match(x.title)]
            if subs:
                for x in subs:
                    if not x.has_people:
                        x.line.speakers, x.line.handles = list(c.line.speakers), list(
                            c.line.handles)
                        x.line.orgs = x.line.orgs or list(c.line.orgs)
                out.extend(subs)
                continue
        out.append(c)
    return out


def _adopt_sections(chosen: list[Candidate], cands: list[Candidate]) -> None:
    """A talk read from a programme table or list takes the notes of the section that a
    later heading with its title opens ("| 13:30 | Title | Name |", then "## Title")."""
    picked = {id(c) for c in chosen}
    sections: dict[str, Candidate] = {}
    for c in cands:
        if c.block.kind == "heading" and c.body and id(c) not in picked and c.title:
            sections.setdefault(title_key(c.title), c)
    if not sections:
        return
    for c in chosen:
        if c.body or not c.title:
            continue
        section = sections.pop(title_key(c.title), None)
        if section is not None:
            c.body, c.used = section.body, c.used | section.used
            c.line.url = c.line.url or section.line.url


def c_kind(members: list[Candidate]) -> object:
    return members[0].key[0]


def _nest(chosen: list[Candidate]) -> list[Candidate]:
    """Within a chosen talk only talks that name their own speakers stay (not its notes or
    links); a chosen section without a speaker whose body holds such talks is a container."""
    by_index = {c.block.index: c for c in chosen if c.key[0] != "grid"}
    drop: set[int] = set()
    for c in chosen:
        if c.key[0] == "grid" or not c.body:
            continue
        inner = [by_index[b.index] for b in c.body
                 if b.index in by_index and by_index[b.index] is not c]
        if not inner:
            continue
        if c.has_people or c.labelled:
            # Its notes and links are not talks, nor is its own slide deck named again.
            drop.update(id(x) for x in inner if not (x.has_people or x.labelled)
                        or _same_talk(c, x))
        elif len(inner) == 1 and inner[0].has_people and _same_talk(c, inner[0]):
            # "## Title" over "Title from Name" (a slide embed): the heading is the talk.
            x = inner[0]
            c.line.speakers, c.line.handles = x.line.speakers, x.line.handles
            c.line.orgs = c.line.orgs or x.line.orgs
            c.line.url = c.line.url or x.line.url
            drop.add(id(x))
        elif any(x.has_people for x in inner):
            drop.add(id(c))
        else:
            drop.update(id(x) for x in inner)
    return [c for c in chosen if id(c) not in drop]


def _same_talk(a: Candidate, b: Candidate) -> bool:
    return _similar(a.title or "", b.title or "")


def _similar(a: str, b: str) -> bool:
    """Two titles of one talk: a heading and its slide deck's name ("進化するART" and
    "進化するArt from …", "Title" and "【Event】Title (and more)")."""
    ta, tb = title_key(a), title_key(b)
    return min(len(ta), len(tb)) >= 4 and fuzz.partial_ratio(ta, tb) >= 80


def title_key(s: str) -> str:
    """A title for comparing: case, spacing and punctuation left out."""
    return re.sub(r"[\W_]+", "", s.casefold())


_BR = re.compile(r"<br\s*/?>", re.I)


def _cell_lines(row: Block) -> list[str]:
    """The lines of a row's cells that hold several (`<br>`), as title keys."""
    out = []
    for raw in row.raw_cells:
        if "<br" in raw.lower():
            parts = _BR.split(raw[:MAX_TITLE * 4])
            if len(parts) >= 2:
                out += [k for k in (title_key(clean_inline(p)[0]) for p in parts[:8]) if len(k) >= 6]
    return out


def _dedupe(chosen: list[Candidate]) -> list[Candidate]:
    """One talk per title: a table of contents or a list repeating talks adds nothing.
    Exact repeats are found by key; near repeats among the last DEDUPE_WINDOW talks, which
    keeps the cost linear on a report of thousands of talks."""
    kept: list[Candidate] = []
    seen: list[str] = []
    exact: dict[str, int] = {}
    cell_lines: dict[str, int] = {}  # one line of a programme cell holding several
    for c in chosen:
        key = title_key(c.title or " ".join(c.line.speakers + c.line.handles))
        dup = exact.get(key) if key else None
        if dup is None and c.block.kind == "heading" and key in cell_lines:
            # "| 19:30 | Name | Opening<br>Intro: Title |", then "# 19:40 Intro: Title": the
            # section is that item of the programme's talk, and names it.
            dup = cell_lines.pop(key)
            kept[dup].line.title = c.title
        if dup is None and len(key) >= 8:
            start = max(0, len(seen) - DEDUPE_WINDOW)
            dup = next((k for k in range(start, len(seen))
                        if seen[k] and fuzz.ratio(key, seen[k], score_cutoff=92)), None)
        if dup is None:
            exact.setdefault(key, len(kept))
            if c.block.kind == "row":
                for line in _cell_lines(c.block):
                    cell_lines.setdefault(line, len(kept))
            kept.append(c)
            seen.append(key)
        else:
            other = kept[dup]
            if not other.body and c.body:
                # A programme table first, a section per talk later: the section's notes.
                other.body, other.used = c.body, other.used | c.used
                other.line.url = other.line.url or c.line.url
            if not other.line.orgs and c.line.orgs:
                other.line.orgs = c.line.orgs
            if not other.has_people and c.has_people:
                other.line.speakers, other.line.handles = c.line.speakers, c.line.handles
                other.line.orgs = other.line.orgs or c.line.orgs
            elif other.line.speakers and len(c.line.speakers) == len(other.line.speakers) and all(
                    a != b and a in b for a, b in zip(other.line.speakers, c.line.speakers,
                                                      strict=True)):
                other.line.speakers = c.line.speakers  # "Nora" in the programme, "Nora Quill" below
    return kept
