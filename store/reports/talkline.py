"""One talk line into its title and people; people strings into names, handles and organisations.

Pure and bounded: every function reads at most `MAX_LINE` characters of its input, and every
pattern is linear (no nested quantifiers over overlapping classes), so a hostile line of any
length costs a few milliseconds.

The rules are general shapes, not report-specific strings:
  * a prefix is a time slot, a date, a room/slot code or a type label ("Keynote:", "基調講演",
    "⚡ Lightning Talk:", "Session1:", "3コマ目") and is returned apart from the title;
  * the speaker part is found on whichever side of a separator looks like people (a handle,
    an honorific, a linked or bold name, a capitalised full name, a spaced Japanese name);
  * people strings are split into persons, handles, organisations and roles; roles and
    honorifics are dropped, account names used alone are handles.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

from store.translit import japanese_name

MAX_LINE = 1000

__all__ = [
    "MAX_LINE",
    "People",
    "TalkLine",
    "clean_inline",
    "looks_like_person",
    "parse_people",
    "parse_talk_line",
]


@dataclass
class People:
    """Persons (without honorifics or roles), handles ("@" kept where written; account names
    used alone), organisations (the first speaker's first)."""

    speakers: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.speakers or self.handles or self.orgs)

    def add(self, other: People) -> None:
        for mine, theirs in ((self.speakers, other.speakers), (self.handles, other.handles),
                             (self.orgs, other.orgs)):
            for x in theirs:
                if x and x not in mine:
                    mine.append(x)


@dataclass
class TalkLine:
    """One talk line read: `title` is None when the line names people but no title (or only a
    slot such as "Keynote"); `url` is the talk's own slides/video/detail link; `prefix` is what
    was taken off the front (time slot, date, room/slot code, type label). `evidence` (0..1)
    says how much the line looks like a talk: a person or handle +0.45, a quoted title +0.15,
    a slides/video link +0.2 (another link +0.05), a time slot or slot/type prefix +0.2, a
    title of talk-like length +0.15; halved for a sentence; 0.1 for "Name - Slides"."""

    title: str | None
    speakers: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    url: str | None = None
    prefix: str | None = None
    evidence: float = 0.0


# --------------------------------------------------------------------------- character classes
_CJK = "\u3005\u3006\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_KANJI = "\u3005\u4e00-\u9fff\u3400-\u4dbf"
_KANA = "\u3040-\u309f\u30a0-\u30ff\uff66-\uff9f"
_HIRA = "\u3040-\u309f"
_HAS_CJK = re.compile(f"[{_CJK}]")
_WS = re.compile(r"[\s\u3000\u00a0]+")
_URL = re.compile(r"(?:https?:)?//[^\s<>\"'()（）「」]+|www\.[^\s<>\"'()（）「」]+")
_HANDLE = re.compile(r"(?<![\w@.])[@＠]([A-Za-z0-9_](?:[A-Za-z0-9_\-.]{0,38}[A-Za-z0-9_])?)")
_ACCOUNT = re.compile(r"_{0,2}[a-z][a-z0-9_\-]{1,30}")

# --------------------------------------------------------------------------- inline markup
_ESC = re.compile(r"\\([\\`*_{}\[\]()#+\-.!&|<>\"'~=])")
_PUA = 0xE000  # escaped characters live here while markup is read, then come back
_IMG = re.compile(r"!\[[^\[\]]{0,300}\]\([^()]{0,500}(?:\([^()]{0,200}\)[^()]{0,300})?\)")
# The text may hold a bracketed note of its own: "[Title[通訳あり]](url)".
_MD_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]{0,100}\](?!\())*)\]"
                      r"\(([^()]{0,500}(?:\([^()]{0,200}\)[^()]{0,300})?)\)")
_AUTOLINK = re.compile(r"<((?:https?:)?//[^<>\s]{1,500})>")
_A_TAG = re.compile(r"<a\b([^<>]{0,1000})>(.{0,500}?)</a\s*>", re.I | re.S)
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_DROP_BLOCK = re.compile(r"<(script|style|iframe)\b[^<>]{0,2000}>.{0,2000}?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9\-]{0,20}(?:\s[^<>]{0,1000})?/?>")
_CODE = re.compile(r"`([^`]{1,300})`")
_STRONG = re.compile(r"(\*\*|__)(?=\S)([^*_]{0,300}?\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*]{0,300}?[^\s*])\*(?![\w*])")
# Underscores inside a word do not end the emphasis: "_snake_case_name_" is "snake_case_name".
_EM_UND = re.compile(r"(?<![\w_])_(?=[^\s_])((?:[^_]|(?<=[^\W_])_(?=[^\W_])){0,300}?[^\s_])_(?![\w_])")
# Pronouns beside a name or handle ("@ann (she/her)"): about the person, never a title or org.
_PRONOUNS = re.compile(r"\s*[(（]\s*(?:he|she|they|xe|ze|ey)\s*/\s*(?:him|her|them|they|she|he|his|hers|"
                       r"theirs|xem|zir|em)(?:\s*/\s*[a-z]{2,6})?\s*[)）]", re.I)
_LINK_MARK = "\ue100"  # stands for one link's text while trailing links are judged


def _protect(s: str) -> str:
    return _ESC.sub(lambda m: chr(_PUA + ord(m.group(1))), s)


_UNPROTECT = {_PUA + i: i for i in range(128)}
_REESCAPE = {_PUA + i: "\\" + chr(i) for i in range(128)}


def _restore(s: str) -> str:
    return s.translate(_UNPROTECT)


def _url_of(target: str) -> str:
    target = target.strip()
    target = re.sub(r"""\s+(?:"[^"]*"|'[^']*')\s*$""", "", target)  # a link title
    return _restore(target.strip("<>").replace(" ", ""))


def _inline(raw: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Markup to text; also the links and the emphasised (bold/linked) pieces in order."""
    s = _protect(raw[:MAX_LINE])
    links: list[tuple[str, str]] = []
    marked: list[str] = []

    s = _DROP_BLOCK.sub(" ", s)

    def a_tag(m: re.Match[str]) -> str:
        h = _HREF.search(m.group(1))
        url = next((g for g in h.groups() if g is not None), "") if h else ""
        text = _TAG.sub("", m.group(2))
        links.append((text, url))
        marked.append(text)
        return text

    s = _A_TAG.sub(a_tag, s)
    for m in re.finditer(r"<(?:strong|b)\b[^<>]{0,200}>(.{0,500}?)</(?:strong|b)\s*>", s, re.I | re.S):
        marked.append(_TAG.sub("", m.group(1)))
    s = _TAG.sub(" ", s)
    s = _IMG.sub(" ", s)

    def md_link(m: re.Match[str]) -> str:
        links.append((m.group(1), _url_of(m.group(2))))
        marked.append(m.group(1))
        return m.group(1)

    for _ in range(4):  # nested brackets: the innermost link first
        s, n = _MD_LINK.subn(md_link, s)
        if not n:
            break

    def autolink(m: re.Match[str]) -> str:
        links.append((m.group(1), m.group(1)))
        return " "

    s = _AUTOLINK.sub(autolink, s)
    s = _CODE.sub(r"\1", s)
    for m in _STRONG.finditer(s):
        marked.append(m.group(2))
    for _ in range(3):
        s = _STRONG.sub(r"\2", s)
    s = _EM_STAR.sub(r"\1", s)
    s = _EM_UND.sub(r"\1", s)
    s = s.replace("**", "").replace("__", "")
    s = html.unescape(s)
    s = _PRONOUNS.sub("", s)
    s = _restore(s)
    links = [(html.unescape(_restore(_clean_piece(t))), u) for t, u in links]
    marked = [html.unescape(_restore(_clean_piece(t))) for t in marked]
    return _WS.sub(" ", s).strip(), links, [m for m in marked if m]


def _clean_piece(s: str) -> str:
    s = _STRONG.sub(r"\2", s)
    s = _EM_STAR.sub(r"\1", s)
    s = _EM_UND.sub(r"\1", s)
    return _WS.sub(" ", s.replace("**", "")).strip()


def clean_inline(raw: str) -> tuple[str, list[tuple[str, str]]]:
    """Inline Markdown/HTML to plain text, and the (text, url) of each link in it."""
    text, links, _ = _inline(raw)
    return text, links


# --------------------------------------------------------------------------- word lists
# Words that make a capitalised phrase a title or a thing rather than a person's name.
def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


_STOP = _words("""
a an the of in on at to for with from by and or not no is are be was were it its this that these
those how what why when where who which your our my their his her we you i vs via into over under
about after before beyond between through without within than as if so but all any every more most
new next old open free intro introduction introducing introductory part day days week night talk talks
session sessions keynote panel discussion workshop tutorial lightning opening closing welcome break
lunch dinner party networking break sponsor sponsors sponsored special event events meetup meetups
conference summit track room hall slides slide video videos demo code github docker files pdf deck
source data web cloud api apis app apps mobile server serverless system systems service services
platform network security test tests testing design development developer developers engineering
engineer engineers team teams project projects product products business community communities
future world story stories guide tips tricks lessons lesson case study studies way ways things thing
go rust python java ruby swift kotlin javascript typescript scala php perl haskell elixir erlang
clojure linux windows android ios mac macos unix kubernetes docker react vue angular node deno
machine learning deep model models analysis language languages programming program programs
performance scale scaling scalable fast faster better best good great real real-time time modern
introduction history overview basics basic advanced practical simple hard easy part parts edition
live building build writing write using use make making getting get how-to q&a ama recap report
notes note summary update updates news release releases version beyond behind inside outside
state level levels power art science lab labs group user users tool tools library libraries framework
frameworks engine engines database databases storage graph graphs query queries search
monitoring observability logging metrics alert alerts incident incidents response on-call
continuous delivery integration deployment infrastructure operations ops devops sre agile scrum
behavior behaviour pattern patterns anti-patterns architecture microservices container containers
cluster clusters edge native hybrid multi open-source opensource standard standards secure safe
only just now era list going doing being coming bucket info contact place map meeting meetings technical block blocks hierarchy
symptom based persistence operator operators landscape deep dive machinery control loop loops portal
customer customers recap wrap lounge booth drinks pizza beer coffee venue reception registration
doors thanks thank acknowledgements organizers organisers agenda schedule timetable programme
abstract bio profile contents table index home blog posts archive tags categories menu share
related previous older newer read view download edition challenge challenges journey adventures
learnings experience experiences practice practices pitfalls mistakes secrets myths reality past
present life death rise fall age road path war wars game games fun profit love hate field tale tales
retrospective postmortem post-mortem outage failure success growth hack hacks magic zen craft
principles smells debt quality reliability resilience chaos speed slow small big large tiny micro
macro mini legacy classic generation hello world first second third final last one two three four
five ten hundred kit sdk cli gui ui ux ai ml llm gpu cpu iot vr ar sql nosql json yaml http https
rest grpc graphql ci cd git apache ultimate complete definitive practical effective efficient
awesome amazing great journey toward towards across around beyond unleashing unlocking demystifying
pipeline pipelines resource resources task tasks plot plots partial dependence feature features
done right wrong well bad ugly easy hard smart quick cheap living dead alive human true false
meet meets goes get gets make makes take takes builds ship ships shipping run runs scales break breaks
fix fixes save saves win wins learn learned learnt lost found made gone says said step steps rules laws
truths lies notes thoughts ideas keys fundamentals essentials primer crash course tour handbook
cookbook recipes recipe playbook checklist toolkit toolbox roadmap blueprint manifesto mile miles
flags flag hood buzzword trust zero hero heroes villain friends friend enemy enemies wild way
module modules explained safety memory roads paved starts cold hot warm explained revisited
""")
_TITLE_SUFFIX = re.compile(
    r"(?:tions?|sions?|ments?|ness|ity|ety|ics|isms?|ogy|able|ible|ous|ful|less|ware|iz(?:e|es|ed)|ships?)$",
    re.I)
# Endings of title words that surnames share ("Manning", "Rogers", "Davies"): not on a name's last word.
_TITLE_SUFFIX_INNER = re.compile(r"(?:ing|ive|ives|ures?|ies|ers|ors|is(?:ed|es))$", re.I)
_PARTICLES = _words("van von der den de da di du del della la le ten ter bin al el dos das do y")
_ROLE_WORDS = (
    r"ceo|cto|cfo|coo|cio|ciso|cpo|vp|svp|evp|founder|co-?founder|president|director|manager|"
    r"lead|head|chief|chair|chairman|chairperson|engineer|developer|architect|scientist|researcher|"
    r"consultant|evangelist|advocate|ambassador|maintainer|committer|contributor|member|organi[sz]er|"
    r"host|mc|moderator|student|professor|lecturer|intern|designer|analyst|officer|owner|partner|"
    r"specialist|administrator|admin|programmer|hacker|writer|author|editor|fellow|principal|senior|"
    r"junior|staff|former|ex|cissp|cisa|cism|ceh|oscp|phd|ph\.d|mvp|gde|coach|trainer|speaker|"
    r"creator|inventor|sre|devrel|volunteer|teacher|instructor|mentor|emeritus")
_ROLE = re.compile(rf"\b(?:{_ROLE_WORDS})\b", re.I)
_ROLE_JA = re.compile(
    r"(?:ゲスト|代表|取締役|社長|会長|部長|課長|係長|室長|主任|担当|執行役員|役員|CTO|CEO|エンジニア|"
    r"デザイナー|マネージャー|マネジャー|リーダー|ディレクター|プロデューサー|研究員|教授|准教授|講師|"
    r"学生|院生|フェロー|エバンジェリスト|アドボケイト|アーキテクト|コンサルタント|トレーナー|"
    r"スピーカー|オーガナイザー?|主催|運営|チェア|リサーチディレクター)")
_DEPT_JA = re.compile(r"(?:部|課|室|グループ|チーム|本部|事業部|センター|ユニット|局|部門|研究科|専攻)$")
_ORG_WORD = re.compile(
    r"(?:株式会社|有限会社|合同会社|一般社団法人|社団法人|財団法人|独立行政法人|国立研究開発法人|\(株\)|（株）|"
    r"大学|研究所|研究室|財団|協会|ユーザ会|ユーザー会|コミュニティ|"
    r"\b(?:Inc|Ltd|LLC|LLP|Corp|Corporation|Co|Company|Foundation|University|Univ|Labs?|Group|"
    r"Technologies|Technology|Systems|Software|Institute|GmbH|AG|SA|S\.A|K\.K|KK|Ltda|BV|B\.V|Pty|"
    r"PLC|Studio|Studios|Solutions|Consulting|Ventures|Networks|Holdings|Bank|Team|Society|"
    r"Association|College|School|Academy|Agency|Council|Center|Centre|UG|JUG|User Group)\b\.?)", re.I)
_HONORIFIC = re.compile(r"\s*(?:さん|サン|氏|様|さま|先生|せんせい|トレーナー|くん|君|ちゃん|殿|教授|博士)\s*$")
_NOT_NAME_KANJI = re.compile(
    r"[講演者課社的性化用論術題話編版回週式型器機量率系界表発説書録報告感想休憩懇親閉幕挨拶紹"
    r"例礎応践技術境設計運営際問解決導作動催概予程容策針構仕様]")
# a particle after a kanji/katakana word: a phrase, not a name ("システムの仕様", "会場の皆さん")
_PARTICLE_INSIDE = re.compile(f"[{_KANJI}\u30a0-\u30ff][のをにがはでへや]|[ぁ-ん]{{2}}[をにがはで]")
# words that call someone else "さん": not names
_NOT_NAMES = _words("皆 みな みんな 皆様 お客 客 お子 娘 息子 奥 お姉 お兄 おじ おば お父 お母 じい ばあ 神 仏 隣")
_PLACEHOLDER_TITLES = _words("tbd tba tbc todo 未定 タイトル未定 未発表 ? ?? ??? - -- ― … ... n/a 調整中")
_RESOURCE_WORD = re.compile(
    r"^(?:\W{0,3}📄\W{0,3}(?:\(未\)|（未）)?|slides?|スライド|資料|発表資料|video|videos|動画|録画|recording|"
    r"youtube|vimeo|pdf|pptx?|keynote file|code|source|sample|samples|サンプルコード|スピーカーノート|"
    r"speaker ?notes?|notes?|demo|github|repo|repository|docker|files?|blog|ブログ|transcript|"
    r"android app|ios app|app|link|リンク|here|こちら|photos?|写真|abstract|概要|詳細|details?|"
    r"speakerdeck|slideshare|docswell|\[?video\]?|\(未\)|未|website|web ?site|homepage|home|site|map|地図|"
    r"twitter|x|facebook|linkedin|mastodon|event page|meetup page|connpass|doorkeeper|register|申し込み)$", re.I)
# The page-title tail a slide or video site adds to a link text: "Title - Speaker Deck".
_SITE_TAIL = re.compile(
    r"\s+(?:[-–—|｜]|//)\s+(?:speaker ?deck|slideshare|rabbit slide show|youtube|vimeo|connpass|doorkeeper|"
    r"qiita|zenn|note|docswell|google (?:slides|drive|ドライブ)|github|gitlab|medium|dev\.to|"
    r"はてなブログ|hatena blog|scrapbox|notion|figma|ppt|pdf)\s*$", re.I)
_PROFILE_URL = re.compile(
    r"^(?:https?:)?//(?:www\.)?(?:twitter\.com|x\.com|github\.com|gitlab\.com|linkedin\.com/in|"
    r"facebook\.com|instagram\.com|speakerdeck\.com|slideshare\.net|qiita\.com|zenn\.dev)/[^/?#\s]+/?$|"
    r"youtube\.com|youtu\.be|vimeo\.com", re.I)
_SLIDE_URL = re.compile(
    r"speakerdeck\.com|slideshare\.net|docs\.google\.com/presentation|docswell\.com|slides\.com|"
    r"youtube\.com|youtu\.be|vimeo\.com|\.pdf\b|\.pptx?\b|\.key\b|\.slide\b|rabbit-shocker|"
    r"/slides?/|/talks?/|/presentations?/", re.I)


# --------------------------------------------------------------------------- people
def _strip_honorific(s: str) -> tuple[str, bool]:
    out = _HONORIFIC.sub("", s)
    return out.strip(), out != s


def _western_name_strength(s: str) -> float:
    """1.5 for a full name (2–4 capitalised words), 0.5 for one plausible given name, else 0."""
    words = s.split()
    if not 1 <= len(words) <= 5 or len(s) > 45:
        return 0.0
    caps = 0
    for i, w in enumerate(words):
        core = w.strip(",")
        if not core:
            return 0.0
        low = core.lower().strip(".")
        if low in _PARTICLES and 0 < i < len(words) - 1:
            continue
        if re.fullmatch(r"[A-Z]\.", core):  # an initial: "Mary J. Blige"
            caps += 1
            continue
        if not core[0].isupper() or not re.fullmatch(r"[^\W\d_][^\W\d_'’\-.]*(?:['’\-][^\W\d_]+)*\.?", core):
            return 0.0
        if low in _STOP or low in ("and", "&"):
            return 0.0
        if len(core) >= 6 and not core.isupper() and (
                _TITLE_SUFFIX.search(core) or (i < len(words) - 1 and _TITLE_SUFFIX_INNER.search(core))):
            return 0.0
        for part in re.split(r"[-'’]", core):
            if any(c.isupper() for c in part[1:]) and not part.isupper() and \
                    not re.match(r"(?:Mc|Mac|De|Le|La|Di|Van)[A-Z]", part):
                return 0.0  # CamelCase is a product name: JavaScript, PostgreSQL, DevOps
        if core.isupper() and len(core) <= 3 and not (i > 0 and re.fullmatch(r"I{1,3}|IV", core)):
            return 0.0  # an acronym: TS, API
        caps += 1
    if caps >= 4 and not any(w.lower() in _PARTICLES or re.fullmatch(r"[A-Z]\.|I{1,3}|Jr\.?|Sr\.?", w)
                             for w in words):
        return 0.0  # "Acme Cloud Admin Console": four capitalised words are a thing, not a person
    if caps >= 2:
        return 1.5
    return 0.5 if caps == 1 and len(words) == 1 else 0.0


def _japanese_name_strength(s: str) -> float:
    s = s.strip()
    if re.fullmatch(f"[{_KANJI}]{{1,4}}[ \u3000][{_KANJI}{_KANA}]{{1,5}}", s):
        return 0.0 if _NOT_NAME_KANJI.search(s) else 1.5
    if re.fullmatch(f"[{_KANA}]{{2,6}}[ \u3000][{_KANA}]{{2,6}}", s):
        return 1.0
    if re.fullmatch("[\u30a0-\u30ff]{2,10}[・=＝][\u30a0-\u30ff]{2,10}", s):
        return 1.0
    if re.fullmatch(f"[{_KANJI}]{{2,4}}", s):  # 2 kanji are a surname or a word: 東京, 実装
        return 0.0 if _NOT_NAME_KANJI.search(s) else 1.0 if len(s) >= 3 else 0.5
    return 0.0


def _name_strength(s: str) -> float:
    s = s.strip()
    if not s or len(s) > 45 or _URL.search(s):
        return 0.0
    if _HAS_CJK.search(s):
        return _japanese_name_strength(s)
    return _western_name_strength(s)


def looks_like_person(s: str) -> bool:
    """Whether `s` reads as one person: a handle, a name with an honorific, a full Western name
    (capitalised words that are not title words), or a Japanese name (spaced kanji, kana, ・)."""
    s = _WS.sub(" ", (s or "")[:200]).strip().strip(",、:：")
    if not s:
        return False
    if _HANDLE.fullmatch(s):
        return True
    bare, honorific = _strip_honorific(s)
    if honorific and bare and len(bare) <= 20 and not re.search(r"[。、,!?！？「」『』【】]", bare) and \
            not _PARTICLE_INSIDE.search(bare) and bare not in _NOT_NAMES and not (
            re.search(r"(?:様|さま|殿|君|くん|ちゃん)\s*$", s) and _name_strength(bare) < 1.0):
        return True
    return _name_strength(bare) >= 1.0


_OPENERS = frozenset("(（[「『“")
_CLOSERS = frozenset(")）]」』”")


def _split_top(s: str, sep: re.Pattern[str]) -> list[str]:
    """Split on `sep` outside parentheses and quotes (one linear pass)."""
    parts: list[str] = []
    depth = 0
    pos = start = 0
    for m in sep.finditer(s):
        if m.end() == m.start():
            continue
        for ch in s[pos:m.start()]:
            if ch in _OPENERS:
                depth += 1
            elif ch in _CLOSERS:
                depth = max(0, depth - 1)
        pos = m.start()
        if depth == 0 and m.start() >= start:
            parts.append(s[start:m.start()])
            start = m.end()
    parts.append(s[start:])
    return [p.strip() for p in parts]


_PEOPLE_SEP = re.compile(
    r"\s*(?:,|、|，|;|；|&|＆|\band\b|/|／|\s・\s|(?<=\S\S)と(?=[^\s]{2,12}(?:さん|氏)))\s*")
_PAREN = re.compile(r"[(（]\s*([^()（）]{0,80}?)\s*[)）]")
_ROLE_AT = re.compile(r"^(?P<role>.{1,60}?)\s+(?:@|＠|at)\s+(?P<org>\S.{0,60})$")
_FROM_ORG = re.compile(r"^(?P<name>.{0,60}?)\s*\bfrom\s+(?P<org>\S.{0,60})$")
_PEOPLE_LABELS = (r"登壇者|発表者|講演者|講師|スピーカー|パネリスト|モデレーター|speakers?|presenters?|panelists?|"
                  r"moderators?")
_LABEL_PEOPLE = re.compile(
    rf"^[【\[]\s*(?:{_PEOPLE_LABELS})\s*[】\]]\s*[:：]?\s*|"
    rf"^(?:{_PEOPLE_LABELS}|hosts?|by|presented by|written and presented by)\s*[:：]?\s+|"
    rf"^(?:{_PEOPLE_LABELS})\s*[:：]\s*", re.I)
_LABEL_ORG = re.compile(r"^(?:speaker\s+affiliations?|affiliations?|company|organi[sz]ation|employer|所属|会社)"
                        r"\s*[:：]\s*", re.I)


@dataclass
class _Chunk:
    kind: str  # person | handle | org | role | unknown
    text: str
    strength: float = 0.0
    handles: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)


def _org_like(s: str) -> bool:
    s = s.strip()
    if not s or len(s) > 60 or _URL.search(s) or s.startswith("@"):
        return False
    if _ORG_WORD.search(s):
        return True
    if _HAS_CJK.search(s):
        return False
    words = s.split()
    if len(words) > 5 or re.search(r"[!?:;。]", s):
        return False
    return words[0][0].isupper() and all(
        w[0].isupper() or w[0].isdigit() or w.lower() in {"of", "and", "&", "the", "for", "de", "at", "in"}
        for w in words)


def _org_from_role_phrase(s: str) -> str | None:
    """"Role at Org", "Role @ Org", "CISO Globex Savings Bank": the organisation, if any."""
    m = _ROLE_AT.match(s)
    if m and _ROLE.search(m.group("role")):
        return m.group("org").strip()
    m = re.match(rf"^(?P<role>(?:[A-Za-z.\-]+\s+){{0,3}}?(?:{_ROLE_WORDS}))\s+(?:of\s+|at\s+)?(?P<org>[A-Z].{{1,60}})$", s, re.I)
    if m and _org_like(m.group("org")) and not _ROLE.search(m.group("org")) and (
            not re.search(r"\sof\s", m.group(0)[: m.start("org")] + " ") or _ORG_WORD.search(m.group("org"))):
        return m.group("org").strip()
    return None


def _classify(chunk: str, *, first: bool) -> _Chunk:
    handles: list[str] = []
    orgs: list[str] = []
    text = chunk.strip().strip(",、:：-–—―").strip()
    text = re.sub(r"^(?:the|The)\s+", "", text) if not first else text
    # parenthesised parts: a handle, an organisation, a romaji repeat of the name, a role
    def paren(m: re.Match[str]) -> str:
        inner = m.group(1).strip()
        if not inner:
            return " "
        hs = [h.group(0).replace("＠", "@") for h in _HANDLE.finditer(inner)]
        if hs and not _HANDLE.sub("", inner).strip(" ,、/"):
            handles.extend(hs)
            return " "
        if _HAS_CJK.search(text) and re.fullmatch(r"[A-Za-z][A-Za-z .'\-]{1,40}", inner) and \
                not _ORG_WORD.search(inner):
            return " "  # 山田花子(Hanako Yamada): the same name in romaji
        bare_inner = _ROLE.sub("", inner).strip(" ,")
        if _ROLE_JA.fullmatch(inner) or (inner[:1].islower() and not _org_like(inner)):
            return " "  # (ゲスト), (the author of the book)
        if bare_inner and bare_inner != inner and _org_like(bare_inner):
            orgs.append(bare_inner)  # (Acme Labs Host)
            return " "
        if _ROLE.fullmatch(inner):
            return " "
        orgs.append(inner)
        return " "

    text = _PAREN.sub(paren, text)
    for h in _HANDLE.finditer(text):
        handles.append(h.group(0).replace("＠", "@"))
    text = _HANDLE.sub(" ", text)
    text = _WS.sub(" ", text).strip(" -–—―:：,、")
    if handles and _HONORIFIC.fullmatch(text):
        text = ""
    # "Name ( @handle ) さん Org": an organisation after the honorific
    m = re.match(r"^(?P<name>.*?)(?:\s*(?:さん|氏|様)\s+)(?P<org>\S.*)$", text)
    if m and m.group("org") and not re.search(f"[。、{_HIRA}]", m.group("org")) and len(m.group("org")) <= 40:
        orgs.append(m.group("org").strip())
        text = m.group("name").strip() + "さん"
    if not text:
        return _Chunk("handle" if handles else "unknown", "", 3.0 if handles else 0.0, handles, orgs)
    m = re.match(r"^(?P<name>.{3,45}?)\s+of\s+(?P<org>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,3})$", text)
    if m and _name_strength(m.group("name")) >= 1.5 and (
            _ORG_WORD.search(m.group("org")) or " " not in m.group("org")):  # "Jane Doe of Acme"
        orgs.append(m.group("org"))
        text = m.group("name")
    m = _FROM_ORG.match(text)
    if m and m.group("name") and _name_strength(m.group("name")) >= 1.0:
        orgs.append(re.sub(r"^the\s+", "", m.group("org").strip(), flags=re.I))
        text = m.group("name").strip()
    elif m and not m.group("name").strip():
        return _Chunk("org", text, 0.0, handles, [re.sub(r"^the\s+", "", m.group("org").strip(), flags=re.I)])
    m = re.match(r"^(?P<name>.+?)\s+['‘’\"“](?P<nick>[\w\-.]{2,30})['’\"”]$", text)
    if m:  # Name 'nick': a nickname is an account name
        handles.append(m.group("nick"))
        text = m.group("name")
    bare, honorific = _strip_honorific(text)
    if honorific and re.search(r"(?:様|さま|殿|君|くん|ちゃん)\s*$", text) and _name_strength(bare) < 1.0 and \
            not re.fullmatch(r"[A-Za-z][\w\-.]*|[\u30a0-\u30ff]{2,12}", bare):
        honorific = False  # 仕様, 同様: a word that ends like an honorific
    if honorific and (bare in _NOT_NAMES or _PARTICLE_INSIDE.search(bare)):
        honorific = False
    if honorific and bare and not re.search(r"[「」『』【】“”\"。!?！？]", bare) and len(bare) <= 40:
        # "Org Dept Nameさん": the words before the name are an organisation and a department
        words = bare.split()
        if len(words) > 1 and not _japanese_name_strength(bare) and \
                _western_name_strength(bare) < 1.0:  # "Ann Leeさん" is one person
            two = len(words) > 2 and _japanese_name_strength(" ".join(words[-2:])) >= 1.5
            name = " ".join(words[-2:]) if two else words[-1]
            for w in words[: -2 if two else -1]:
                if _ORG_WORD.search(w) or (_org_like(w) and not _DEPT_JA.search(w)):
                    orgs.append(w)
            bare = name
        m = re.fullmatch(f"(?P<org>[A-Za-z][A-Za-z0-9&.\\-]{{1,30}})(?P<name>[{_KANJI}]{{1,4}})", bare)
        if m:  # "FooBar田村さん": the company glued to the name
            return _Chunk("person", m.group("name"), 3.0, handles, [*orgs, m.group("org")])
        return _Chunk("person", bare, 3.0, handles, orgs)
    org = _org_from_role_phrase(text)
    if org:
        return _Chunk("org", text, 0.0, handles, [*orgs, org])
    m = re.fullmatch(rf"(?P<org>.{{2,60}}?)\s+\S{{0,6}}(?:{_ROLE_JA.pattern})\S{{0,4}}", text)
    if not first and m and _ORG_WORD.search(m.group("org")):
        # "株式会社X 代表取締役": the organisation, then the person's role in it
        return _Chunk("org", text, 0.0, handles, [*orgs, m.group("org").strip()])
    if handles and _role_before_handle(text):
        # "Foo JPオーガナイザ @name", "Rust Osaka organiser @name": the role the person has
        # in a group, written where a name would be; the handle names the person.
        return _Chunk("handle", "", 3.0, handles, orgs)
    role_only = all(_ROLE.fullmatch(w) or w.lower() in ("of", "and", "the", "&") for w in text.split()) or (
        len(text.split()) <= 4 and bool(_ROLE.fullmatch(text.split()[-1])))  # "Cloud Ambassador"
    if not first and (_ROLE_JA.fullmatch(text) or role_only or (
            _ROLE.search(text) and not _ORG_WORD.search(text) and _name_strength(text) < 1.0)):
        return _Chunk("role", text, 0.0, handles, orgs)
    words = text.split()
    for k in (2, 1, 3):  # "山田 花子 岡山Fooユーザ会": the name, then an organisation
        if len(words) > k and _ORG_WORD.search(" ".join(words[k:])) and \
                _name_strength(" ".join(words[:k])) >= 1.0 and not _ORG_WORD.search(" ".join(words[:k])):
            return _Chunk("person", " ".join(words[:k]), 1.5, handles, [*orgs, " ".join(words[k:])])
    for k in (2, 3, 1):  # "株式会社X 山田 太郎", "Acme Corp Jane Doe": an organisation, then the name
        if len(words) > k and _ORG_WORD.search(" ".join(words[:-k])) and \
                _name_strength(" ".join(words[-k:])) >= 1.0 and not _ORG_WORD.search(" ".join(words[-k:])):
            return _Chunk("person", " ".join(words[-k:]), 1.5, handles, [*orgs, " ".join(words[:-k])])
    strength = _name_strength(text)
    if strength >= 1.0 and not _ORG_WORD.search(text):
        return _Chunk("person", text, max(3.0, strength + 1.5) if handles else strength, handles, orgs)
    if handles and len(text) <= 12 and len(text.split()) <= 2 and not _ORG_WORD.search(text) and \
            not _PARTICLE_INSIDE.search(text) and text.lower() not in _STOP and not re.search(r"[!?。！？:：]", text):
        return _Chunk("person", text, 3.0, handles, orgs)  # "たなか (@tanaka)": a name beside its handle
    if _ACCOUNT.fullmatch(text) and not _HAS_CJK.search(text) and text.lower() not in _STOP:
        return _Chunk("handle", text, 1.0, [*handles, text], orgs)
    if _org_like(text) and (not first or _ORG_WORD.search(text)):
        return _Chunk("org", text, 0.0, handles, [*orgs, text])
    if strength:
        return _Chunk("person", text, strength + (1.5 if handles else 0.0), handles, orgs)
    return _Chunk("unknown", text, 0.0, handles, orgs)


def _role_before_handle(text: str) -> bool:
    """A group's name and a role, no person: "Foo JPオーガナイザ", "Rust Osaka organiser"."""
    words = text.split()
    if not words or len(words) > 5 or _ORG_WORD.search(text):
        return False
    if re.search(f"(?:{_ROLE_JA.pattern})$", text):
        return _japanese_name_strength(text) < 1.0
    return (len(words) >= 2 and bool(_ROLE.fullmatch(words[-1])) and words[-1][:1].islower()
            and _name_strength(" ".join(words[:-1])) < 1.0)


def _people(raw_text: str, *, strict: bool) -> tuple[People, float]:
    """People in plain text and how sure: the weakest person's strength (0 when, strictly
    read, some part is neither a person, a handle, an organisation nor a role)."""
    speakers, handles, orgs, strength = _people_cached(raw_text[:MAX_LINE], strict)
    return People(list(speakers), list(handles), list(orgs)), strength


@lru_cache(maxsize=4096)
def _people_cached(raw_text: str, strict: bool) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], float]:
    p, s = _read_people(raw_text, strict=strict)
    return tuple(p.speakers), tuple(p.handles), tuple(p.orgs), s


def _read_people(raw_text: str, *, strict: bool) -> tuple[People, float]:
    text = _WS.sub(" ", raw_text).strip().rstrip("。.").strip()
    out = People()
    m = _LABEL_ORG.match(text)
    if m:
        first = _split_top(text[m.end():], re.compile(r"\s*[,、]\s*"))[0]
        if first:
            out.orgs.append(first)
        return out, 0.0
    text = _LABEL_PEOPLE.sub("", text, count=1)
    chunks = [c for c in _split_top(text, _PEOPLE_SEP) if c]
    if not chunks:
        return out, 0.0
    # "@a, @b（Org）": the organisation is listed once, for all of them
    classified = [_classify(c, first=(i == 0)) for i, c in enumerate(chunks)]
    for i, c in enumerate(classified):
        # "Jane Doe and Max MusterMann": after "and"/"&" a capitalised pair is a person
        if i and c.kind == "org" and c.orgs == [c.text] and not _ORG_WORD.search(c.text) and \
                re.fullmatch(r"[A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+){1,2}", c.text) and \
                re.search(r"(?:\band|&|＆)\s*" + re.escape(c.text), text) and \
                classified[i - 1].kind == "person":
            classified[i] = _Chunk("person", c.text, 1.0, c.handles, [])
    weakest = 9.0
    persons = 0
    for c in classified:
        if c.kind == "person":
            persons += 1
            weakest = min(weakest, c.strength)
            out.speakers.append(c.text)
        elif c.kind == "handle":
            persons += 1
            weakest = min(weakest, c.strength)
        elif c.kind == "unknown":
            if strict:
                return People(), 0.0
            if len(c.text) > 40 or re.search(r"[?？。!！]", c.text):
                continue  # "発表者: 質問が多かった?" names nobody
            out.speakers.append(c.text)
            persons += 1
            weakest = min(weakest, 0.2)
        for h in c.handles:
            if h not in out.handles:
                out.handles.append(h)
        for o in c.orgs:
            if o not in out.orgs:
                out.orgs.append(o)
    if not persons:
        return out, 0.0
    # a person's only identifier being an account name: it is a handle, not a speaker
    return out, weakest


def parse_people(raw: str) -> People:
    """Names, handles and organisations in a people string, in any of the usual forms:
    "Name, Role, Org", "Name (Org)", "Name（株式会社X）", "Role @ Org", "Role at Org",
    "from Org", "Name ( [@handle](url) ) さん Org", "A & B", "A and B", "A、B", a label in front
    ("登壇者 :", "Speaker:"). Honorifics and roles are dropped."""
    text, _, _ = _inline(raw)
    pairs = _PAIR_SEP.split(text[:MAX_LINE])
    if len(pairs) >= 2 and all(p.count(",") == 1 for p in pairs):
        # "Name, Org & Name, Org" (Sched-style): each side is one person and their org
        people = People()
        for pair in pairs[:8]:
            who, org = (x.strip() for x in pair.split(",", 1))
            one, _ = _people(who, strict=False)
            if not (one.speakers or one.handles) or "@" in org or not org:
                break
            people.speakers += [x for x in one.speakers if x not in people.speakers]
            people.handles += [x for x in one.handles if x not in people.handles]
            people.orgs += [x for x in [*one.orgs, org] if x not in people.orgs]
        else:
            return people
    people, _ = _people(text, strict=False)
    _name_then_org(text, people.speakers, people.orgs)
    if not people.orgs:
        # "Name (@handle) (Org)", the canonical `by` line: the group after the handle's is
        # the organisation (a group right after a Japanese name may be its romaji reading).
        m = _HANDLE_THEN_ORG.search(text[:MAX_LINE])
        if m and (people.speakers or people.handles):
            people.orgs = [m.group("org").strip()]
    return people


_PAIR_SEP = re.compile(r"\s+(?:&|＆|and)\s+")
_HANDLE_THEN_ORG = re.compile(r"[(（]\s*[@＠][\w.\-]{1,39}\s*[)）]\s*[(（](?P<org>[^()（）@＠]{2,60})[)）]")


# --------------------------------------------------------------------------- prefixes
# Glyphs that decorate a line as a heading would: "■Title", "◆ Title", "▶ Title".
DECORATION = re.compile(
    "^(?:[\U0001f000-\U0001faff\u2460-\u24ff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d■□◆◇▼▽▶►★☆◎※・•]+\\s*)+")
# "LT 大会", "LT会", "LT枠": LT as part of a word (a container of talks), not a slot prefix.
_LT_WORD = r"(?!大会|会|枠|祭|タイム|大賞|資料|ネタ|登壇|発表|日目|[のもはがをにで])"
# "3 Title": a number in front of a line, but not after a time ("10:15 5 Things …")
# "3 Title" numbers a line, but "5 Ways that …", "10 Things I …" count in the title
_BARE_NUMBER = re.compile(r"^\d{1,2}\s+(?=\S)(?!\d)(?![A-Z][a-z]+s\s+(?:that|to|for|of|you|I|we|"
                          r"every|in|on|from|with|about|your|and|which)\b)")
# A programme's room/slot code: "H-1", "AB-3", "R5-2", "keynote-1" (not "GPT-4": three letters).
ROOM_CODE = re.compile(r"^(?:[A-Z]{1,2}\d?|[Kk]eynote)-\d{1,2}(?=[\s「『“\"]|$)")
_PREFIXES = [
    DECORATION,
    re.compile(ROOM_CODE.pattern + r"\s*"),
    # a slot's length: "(40m)", "[30 min]", "（45分）"
    re.compile(r"^[(（\[]\s*\d{1,3}\s*(?:m|mins?|minutes?|分|h|hrs?|hours?)\.?\s*[)）\]]\s*(?=\S)", re.I),
    re.compile(r"^(?:\d{4}[/.\-年])?\d{1,2}[/.\-月]\d{1,2}日?\s*(?:[(（][^()（）]{1,4}[)）])?\s*(?=\d|\s|$)"),
    re.compile(r"^\d{1,2}(?:[:：.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)(?:\s*[-–~〜]\s*\d{1,2}(?:[:：.]\d{2})?\s*"
               r"(?:am|pm|a\.m\.|p\.m\.)?)?\s*(?:[:：|]\s*|[-–—]\s+)?(?=\S)", re.I),
    re.compile(r"^\d{1,2}[:：]\d{2}\s*(?:[-–~〜～ー—]\s*\d{1,2}[:：]\d{2})?\s*(?:[:：|｜〜～~]\s*|[-–—]\s+)?"),
    re.compile(
        r"^[\[【]\s*(?:[A-Za-z0-9#][A-Za-z0-9()#\-_ .]{0,15}|(?:基調|招待|特別)?講演\d*|キーノート|LT\d*|"
        r"ライトニングトーク|セッション\s*\d*|スポンサー\S{0,6}|パネル\S{0,8}|ハンズオン|ワークショップ|"
        r"\d{1,2}日目\S{0,6}|Day\s*\d{1,2}\S{0,6}|Track\s*\S{1,3}|トラック\S{1,3}|[A-Z]?会場|Room\s*\S{1,3})"
        r"\s*[\]】]\s*(?:-\d{1,2})?\s*[:：]?\s*", re.I),
    re.compile(r"^(?:\d{1,2}\s*コマ目|第\s*\d{1,2}\s*(?:部|セッション|枠|講演)|\d{1,2}\s*日目|[Dd]ay\s*\d{1,2})"
               r"\s*[:：\-–—]?\s*"),
    re.compile(
        r"^(?:(?:招待|基調|特別|記念)講演|注目セッション|キーノート|ライトニングトーク|スポンサー(?:セッション|LT|トーク)|"
        r"(?:opening |closing |day \d )?keynote(?: talk| speech)?|lightning talks?|invited talk|"
        r"(?:community |user |project )?spotlight|"
        r"sponsor(?:ed)? (?:session|talk|lt)|LT|セッション|session|talk|presentation|発表|講演|枠|パネル(?:ディスカッション)?|"
        r"panel(?: discussion)?|workshop|ワークショップ|ハンズオン)"
        r"\s*(?:#?\d{1,2}|[A-Z](?=\s*[:：]))?\s*(?:[:：]\s*|(?=[「『“\"])|\s+[-–—―]\s+)", re.I),
    re.compile(r"^(?:LT|lightning talk)(?:\s*\d{1,2})?\s+(?=\S)(?!\d)" + _LT_WORD, re.I),
    re.compile(r"^\d{1,3}[.)．]\s+(?=\S)"),
    re.compile(r"^[^\s:：「」]{1,8}(?:セッション|講演|枠|トーク|LT)\s*\d{0,2}\s*[:：]\s*"),
    _BARE_NUMBER,
    re.compile(
        r"^(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
        r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
        r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+\d{1,2}(?:st|nd|rd|th)?,?(?:\s+\d{4})?"
        r"\s*(?:[-–—:|]\s+|,\s*|\s+(?=\S))", re.I),
    re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s*\([^()]{1,4}\))?\s*(?:[-–—:|]\s+|\s+)"),
]


def _strip_prefix(s: str) -> tuple[str, str | None]:
    taken: list[str] = []
    for _ in range(6):
        for p in _PREFIXES:
            if p is _BARE_NUMBER and taken:
                continue
            m = p.match(s)
            if m and m.end() > 0 and s[m.end():].strip():
                taken.append(s[: m.end()].strip())
                s = s[m.end():].lstrip()
                break
        else:
            break
    prefix = " ".join(t for t in taken if t) or None
    return s, prefix


# --------------------------------------------------------------------------- separators
_DASH = re.compile(r"\s+(?:--?|–|—|―|－|‐|ー{1,2}|[|｜])\s+|\s+[―—]\s*|\s*[―]\s+")
_COLON_R = re.compile(r"\s+[:：]\s+|\s*：\s*")
_SLASH = re.compile(r"\s+[/／]\s+")
_ORG_COLON_PEOPLE = re.compile(r"^(?P<org>[A-Z][\w&.\- ]{1,40}?)\s*:\s+(?P<who>[^:：]{3,200})$")
_PLAIN_COLON = re.compile(r"(?<=\S)[:：]\s+")
_FW_SLASH = re.compile(r"\s*／\s*")
_QUOTES = {"「": "」", "『": "』", "“": "”", '"': '"', "‘": "’", "《": "》", "【": "】"}


def _matching_close(s: str, start: int) -> int:
    """Index of the quote closing the one at `start` (nesting kept), or -1."""
    open_ch = s[start]
    close_ch = _QUOTES[open_ch]
    depth = 0
    for i in range(start, len(s)):
        ch = s[i]
        if ch == close_ch and (open_ch != close_ch or i > start):
            depth -= 1
            if depth == 0:
                return i
        elif ch == open_ch:
            depth += 1
    return -1


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] in _QUOTES and _matching_close(s, 0) == len(s) - 1:
        return s[1:-1].strip()
    return s


# A programme note on the talk's language, after its title: "[通訳あり]", "(English)".
_LANGUAGE_NOTE = re.compile(
    r"\s*[\[(（【]\s*(?:(?:同時|逐次)?通訳(?:あり|付き)?|英語|日本語|(?:in |with )?(?:english|japanese)|"
    r"(?:with )?interpretation|interpreted|"
    # the slot's kind after the title: "(招待講演)", "(Keynote)", "【LT】"
    r"招待講演|基調講演|キーノート|特別講演|スポンサー(?:セッション|講演)|keynote|invited talk|"
    r"sponsor(?:ed)? (?:talk|session)|lightning talk|LT)\s*[\])）】]$", re.I)


def _tidy_title(s: str) -> str | None:
    s = _WS.sub(" ", s).strip()
    s = _LANGUAGE_NOTE.sub("", s)
    m = re.search(r"\s+([-–—―|｜/]+)\s*$", s)
    if m and not (m.group(1) in "–—―" and f" {m.group(1)} " in s[:m.start()]):
        # a dangling separator goes; "Title – subtitle –" closes its subtitle and stays
        s = s[:m.start()]
    s = re.sub(r"^[\s\-–—―:：,、|｜]+", "", s)
    s = s.rstrip(" :：,、|｜").strip()
    s = re.sub(r"^\*+(?=\S)", "", s)
    s = re.sub(r"(?<=\S)\*+$", "", s)
    s = _unquote(s)
    if not s or s.lower() in _PLACEHOLDER_TITLES or _RESOURCE_WORD.fullmatch(s):
        return None
    return s


_LINKED_FULL_NAME = re.compile(r"[A-Z][a-z'’\-]+(?: [A-Z][a-z'’\-]+){1,2}")


@dataclass
class _Cand:
    title: str | None
    people: People
    strength: float
    rule: str


def _people_strict(s: str, linked: set[str], *, bonus: float = 0.0) -> tuple[People, float]:
    s = s.strip()
    if not s or len(s) > 200:
        return People(), 0.0
    people, strength = _people(s, strict=True)
    if strength <= 0:
        return people, 0.0
    bare = _WS.sub(" ", _PAREN.sub(" ", _HANDLE.sub(" ", s))).strip(" -–,")
    if (bare in linked or s in linked) and strength < 1.5:
        strength += 0.75  # a linked or bold single name
    return people, strength + bonus


def _split_dash(text: str, marked: set[str], order: str | None = None) -> _Cand | None:
    segs = _split_top(text, _DASH)
    segs = [g for g in segs if g]
    if not 2 <= len(segs) <= 8:
        return None  # more parts than a talk line has
    n = len(segs)
    is_linked = [g in marked for g in segs]

    def absorb(seq: list[int]) -> tuple[People, float, set[int]]:
        order_desc = seq[0] == n - 1
        people = People()
        used: set[int] = set()
        strength = 0.0  # the edge segment's strength, a little more for each further person
        for k, i in enumerate(seq):
            if len(used) >= n - 1:
                break
            g = segs[i]
            if re.fullmatch(r"[(（]?\s*@[\w\-.]+\s*[)）]?", g):
                people.add(_people(g, strict=False)[0])
                used.add(i)
                strength = strength + 0.1 if strength else 3.0
                continue
            bonus = 0.5 if any(is_linked[j] for j in range(n) if j not in used and j != i) else 0.0
            p, s = _people_strict(g, marked, bonus=bonus)
            if s >= 0.9 or (k == 0 and s >= 0.5 and order == ("title_first" if order_desc else "speaker_first")):
                people.add(p)
                used.add(i)
                strength = strength + 0.1 if strength else s
                continue
            ahead = seq[k + 1] if k + 1 < len(seq) else None
            edge_org = k == 0 and n >= 3 and ahead is not None and order_desc and \
                _people_strict(segs[ahead], marked)[1] >= 1.5  # "Title | Jane Doe | Acme"
            if ((k > 0 and people) or edge_org) and _org_like(g) and len(g.split()) <= 3 and n - len(used) >= 2 \
                    and not re.search(r"[!?:]", g) and _name_strength(g) < 1.0 \
                    and not any(w.lower() in _STOP or _TITLE_SUFFIX.search(w) or _TITLE_SUFFIX_INNER.search(w)
                                for w in g.split()):
                people.orgs.append(g)
                used.add(i)
                continue
            break
        return people, strength, used

    p_end, s_end, used_end = absorb(list(range(n - 1, -1, -1)))
    p_start, s_start, used_start = absorb(list(range(n)))
    if order == "title_first":
        s_start = 0.0
    elif order == "speaker_first":
        s_end = 0.0
    if s_end >= 0.5 and (s_end >= 1.0 or order) and s_end >= s_start and used_end:
        rest = [segs[i] for i in range(n) if i not in used_end]
        return _Cand(" - ".join(rest) if rest else None, p_end, s_end, "dash-end")
    if s_start >= 0.5 and (s_start >= 1.0 or order) and used_start:
        title = _rejoin(text, segs, min(set(range(n)) - used_start)) if len(used_start) < n else None
        return _Cand(title, p_start, s_start, "dash-start")
    return None


def _rejoin(text: str, segs: list[str], first_title: int) -> str:
    """The text from segment `first_title` on, with its own separators."""
    pos = 0
    for g in segs[:first_title]:
        pos = text.find(g, pos) + len(g)
    start = text.find(segs[first_title], pos)
    return text[start:] if start >= 0 else " - ".join(segs[first_title:])


def _candidates(text: str, marked: set[str], raw: str, linked: set[str],
                order: str | None = None) -> list[_Cand]:
    cands: list[_Cand] = []
    # possessive: Name’s “Title”
    m = re.match(r"^(?P<who>[^“\"「]{2,60}?)['’]s\s+(?P<title>[“\"「].+[”\"」])[.。]?$", text)
    if m:
        p, s = _people_strict(m.group("who"), linked)
        if s >= 1.0:
            cands.append(_Cand(m.group("title"), p, s + 0.5, "possessive"))
    # a quoted title first: “Title” - by A and B / 「Title」 ― Name / Nameさん「Title」 description
    q = next((i for i, ch in enumerate(text) if ch in "「『“\"【"), -1)
    if q >= 0:
        end = _matching_close(text, q)
        if end > q:
            before, inner, after = text[:q].strip(), text[q + 1:end], text[end + 1:]
            who = People()
            strength = 1.0
            ok = True
            if before:
                p, s = _people_strict(before.rstrip(" :：、,-–—―"), linked)
                cjk_glued = s >= 0.9 and text[q] in "「『【" and bool(re.search(f"[{_CJK}]$", before))
                if s >= 1.5 or cjk_glued:
                    who.add(p)
                    strength = s + 0.5
                else:
                    ok = False
            if ok and after.strip():
                glued = _people_strict(after.strip(), linked)
                if not after[0].isspace() and after[0] not in "-–—―/／:：,、(（" and glued[1] >= 1.5:
                    who.add(glued[0])  # 「Title」山田さん
                    strength = max(strength, glued[1])
                elif not after[0].isspace() and after[0] not in "-–—―/／:：,、(（":
                    ok = False  # 「Hello World」って何?: the quote is part of the title
                else:
                    tail = re.sub(r"^\s*(?:[-–—―/／:：,、]\s*)?(?:-?\s*by\s+)?", "", after)
                    tail = tail.rstrip(" .。")
                    p, s = _people_strict(tail, linked)
                    if s >= 0.9:
                        who.add(p)
                        strength = max(strength, s + 0.5)
                    elif re.match(r"^\s*[-–—―/／:：]", after) and len(tail) < 40:
                        ok = False  # a separator followed by something else: not our shape
            if ok:
                cands.append(_Cand(inner, who, strength, "quoted"))
            else:
                # in a sentence: "… was Name’s “Title”." / "… was “Title” by A and B."
                pm = re.search(r"((?:[A-Z][\w'\-]+\s+){0,2}[A-Z][\w'\-]+)[’']s\s*$", before)
                bm = re.match(r"^\s*(?:-\s*)?by\s+((?:(?:[A-Z]\.|[A-Z][\w'’\-]+)\s*){1,4}"
                              r"(?:(?:,|and|&)\s*(?:(?:[A-Z]\.|[A-Z][\w'’\-]+)\s*){1,4}){0,4})", after)
                who_text = pm.group(1) if pm else bm.group(1) if bm else ""
                p, s = _people_strict(who_text.strip(" ,"), linked) if who_text else (People(), 0.0)
                if s >= 1.0:
                    cands.append(_Cand(inner, p, 1.2, "quoted-prose"))
    # a slide embed: **[Deck](…)** from **[Name](…)**
    if re.search(r"(?:\*\*|</strong>|</a>)\s*from\s*(?:\*\*|<strong|<a\b)", raw, re.I):
        m = re.match(r"^(?P<title>.+)\s+from\s+(?P<who>.+)$", text)
        if m:
            p, _ = _people(m.group("who"), strict=False)
            if p.speakers and not p.handles and _ACCOUNT.fullmatch(p.speakers[0]):
                p = People([], [p.speakers[0]], p.orgs)
            cands.append(_Cand(m.group("title"), p, 2.5, "embed"))
    # bold lead-in: **Name**: Title / **Title**: description
    d = _split_dash(text, linked, order)
    if d:
        cands.append(d)
    # Title by Speaker / “Title” - by Speaker (the first " by " whose right side is all people)
    for k, m in enumerate(re.finditer(r"\s+(?:-\s+)?by\s+", text)):
        if k >= 4:
            break
        left, right = text[: m.start()], text[m.end():]
        if re.search(_BY_NOT_SPEAKER, left):
            continue
        left = re.sub(r"(?:,\s*|\s+)(?:presented|given|delivered|led|moderated|a talk|talk)\s*$", "", left, flags=re.I)
        p, s = _people_strict(right.rstrip(" .。"), linked)
        if s < 1.5 and right.strip() in linked and _LINKED_FULL_NAME.fullmatch(right.strip()):
            # "by [Adam Keys](profile)": a linked full name, though its last word is a noun
            p, s = People([right.strip()], [], []), 1.5
        sentence = text.rstrip().endswith((".", "。"))  # "… for those who come by bus."
        # a single name ("… by Ann") only where the sibling lines are known to read this way
        hinted = order == "title_first" and s >= 0.5 and not sentence and not p.orgs
        if (s >= 1.5 or (s >= 1.0 and not sentence) or hinted) and left.strip():
            cands.append(_Cand(left, p, max(s, 1.0) + 0.25, "by"))
            break
    # Keynote by Jane Doe: Title
    m = re.match(r"^(?P<lead>[^:：]{0,30}?)\bby\s+(?P<who>[^:：]{2,80}?)\s*[:：]\s+(?P<title>\S.*)$", text)
    if m and (not m.group("lead").strip() or _TYPE_ONLY.fullmatch(m.group("lead").strip())):
        p, s = _people_strict(m.group("who"), linked)
        if s >= 1.0:
            cands.append(_Cand(m.group("title"), p, s + 0.3, "by-colon"))
    # Community spotlight by Jane Doe on Title
    m = re.match(r"^(?P<lead>[^:：]{2,30}?)\s+by\s+(?P<who>[^:：]{2,80}?)\s+(?:on|about)\s+(?P<title>\S.*)$",
                 text)
    if m and _TYPE_ONLY.fullmatch(m.group("lead").strip()):
        p, s = _people_strict(m.group("who"), linked)
        if s >= 1.5:
            cands.append(_Cand(m.group("title"), p, s + 0.3, "by-on"))
    # Speaker on Title
    m = re.match(r"^(?P<who>.{2,80}?)\s+on\s+(?P<title>\S.*)$", text)
    if m:
        p, s = _people_strict(m.group("who"), linked)
        if s >= 1.5:
            cands.append(_Cand(m.group("title"), p, s, "on"))
    # Speaker: Title  /  Title : Speaker
    parts = _split_top(text, re.compile(r"\s*[:：]\s+|\s*：\s*"))
    if len(parts) >= 2 and parts[0]:
        p, s = _people_strict(parts[0], linked)
        full_width = text[len(parts[0]):].lstrip().startswith("：")  # "山田太郎：Title"
        if s >= 1.5 or (s >= 1.0 and (parts[0] in marked or full_width)):
            cands.append(_Cand(text.split(parts[0], 1)[1].lstrip(" :："), p, s, "colon-start"))
        elif parts[0] in marked and not _HAS_CJK.search(parts[0]) and len(parts[0]) <= 80 and \
                raw.lstrip(" *-+").startswith(("**", "<strong", "<b>")):
            cands.append(_Cand(parts[0], People(), 0.6, "bold-lead"))
    parts = _split_top(text, _COLON_R)
    if len(parts) >= 2:
        p, s = _people_strict(parts[-1], linked)
        spaced = bool(re.search(r"\s[:：]\s+" + re.escape(parts[-1]) + "$", text))
        if s >= 1.5 or (s >= 1.0 and spaced and len(text) - len(parts[-1]) > 10):
            cands.append(_Cand(text[: text.rfind(parts[-1])].rstrip(" :："), p, s, "colon-end"))
    else:
        # "Topic: Ann Lee, Bo Chan" / "Topic: [Ann Lee](profile)": a plain colon before people,
        # when they are several or linked (one unlinked pair of words may be a subtitle)
        parts = _split_top(text, _PLAIN_COLON)
        if len(parts) >= 2 and len(parts[-1]) <= 200:
            p, s = _people_strict(parts[-1], linked)
            if s >= 1.5 and (len(p.speakers) >= 2 or parts[-1].strip() in linked):
                cands.append(_Cand(text[: text.rfind(parts[-1])].rstrip(" :："), p, s, "colon-end"))
    # Title / Speaker
    parts = _split_top(text, _SLASH)
    if len(parts) >= 2:
        p, s = _people_strict(parts[-1], linked)
        if s >= 1.0:
            cands.append(_Cand(text[: text.rfind(parts[-1])].rstrip(" /／"), p, s, "slash"))
        p, s = _people_strict(parts[0], linked)
        if s >= 1.5:
            cands.append(_Cand(text[len(parts[0]):].lstrip(" /／"), p, s - 0.1, "slash-start"))
    # Title／Speaker: Japanese writes the full-width slash without spaces
    if not _SLASH.search(text):
        parts = _split_top(text, _FW_SLASH)
        if len(parts) >= 2:
            p, s = _people_strict(parts[-1], linked)
            if s >= 1.0:
                cands.append(_Cand(text[: text.rfind(parts[-1])].rstrip(" ／"), p, s, "slash"))
    # Title, Speaker
    parts = _split_top(text, re.compile(r"\s*,\s+"))
    if len(parts) >= 2:
        p, s = _people_strict(parts[-1], linked)
        if s >= 1.5 and len(p.speakers) <= 1:
            cands.append(_Cand(text[: text.rfind(parts[-1])].rstrip(" ,"), p, s - 0.25, "comma"))
    # Title (People) / Title（山田さん） / Title (@handle)
    m = re.match(r"^(?P<title>.+?)\s*[(（](?P<who>[^()（）]{1,80})[)）]\s*$", text)
    if m and m.group("title").strip() and not (  # 山田花子(Hanako Yamada): the name again in romaji
            re.search(f"[{_KANJI}{_KANA}]$", m.group("title")) and re.fullmatch(r"[A-Za-z .'\-]+", m.group("who"))):
        p, s = _people_strict(m.group("who"), linked)
        if s >= 1.5 or (s >= 1.0 and ("@" in m.group("who") or p.orgs)):
            cands.append(_Cand(m.group("title"), p, s, "paren-end"))
    # Title @handle / Title @a @b
    m = re.match(r"^(?P<title>.*?\S)\s+(?P<who>(?:[(（]?[@＠][A-Za-z0-9_][A-Za-z0-9_\-.]{0,38}[)）]?"
                 r"\s*(?:さん|氏)?[\s,、&]*){1,4})$", text)
    if m:
        p, _ = _people(m.group("who"), strict=False)
        if p.handles:
            cands.append(_Cand(m.group("title"), p, 2.5, "handle-end"))
    # Japanese title, then the speaker without a separator: "セキュリティの話 Jane Doe (Acme)"
    words = text.split(" ")
    for k in range(2, min(6, len(words))):
        left, right = " ".join(words[:-k]), " ".join(words[-k:])
        if left and re.search(f"[{_KANJI}\u30a0-\u30ff]$", left):
            p, s = _people_strict(right, linked)
            if s >= 1.5 and (p.orgs or p.handles or len(p.speakers) == 1):
                cands.append(_Cand(left, p, min(s, 1.5) - 0.2, "cjk-title-name"))
                break
    # Title (Org) / Title(Org): an organisation alone in a closing parenthesis
    m = re.match(r"^(?P<title>.+?\S)\s*[(（](?P<org>[A-Z][A-Za-z0-9&.\-]{1,30})[)）]$", text)
    if m and (re.search(r"[a-z]", m.group("org")) or (len(m.group("org")) <= 4 and not _HAS_CJK.search(text))) \
            and not re.search(r"\d", m.group("org")) and not _ACRONYM_OF(text) and m.group("org").lower() not in _STOP \
            and not _TITLE_SUFFIX.search(m.group("org")) and not _TITLE_SUFFIX_INNER.search(m.group("org")):
        cands.append(_Cand(m.group("title"), People([], [], [m.group("org")]), 0.8, "org-end"))
    # Name (Org) Title — no separator between the organisation and the title
    m = re.match(r"^(?P<who>[^()（）]{3,40}?)\s*[(（](?P<org>[^()（）]{1,40})[)）]\s+(?P<title>[^-–—\s].*)$", text)
    if m and _name_strength(m.group("who")) >= 1.5 and _org_like(m.group("org")):
        cands.append(_Cand(m.group("title"), People([m.group("who").strip()], [], [m.group("org").strip()]),
                           1.5, "name-org-title"))
    # a bold title inside a sentence: "Name さんの **Title** 。", "Name 氏による、 **Title** 。"
    for b in list(marked)[:12]:
        k = text.find(b)
        if len(b) >= 4 and k > 0 and not text[k + len(b):].strip(" 。.、,!！"):
            m = re.search(r"(?P<who>(?:[A-Z][\w'’\-]+\s+){0,2}[A-Z][\w'’\-]+|[^\s、。]{1,12}?)\s*"
                          r"(?:さん|氏)\s*(?:の|による|が|から)[、,]?\s*$", text[:k])
            if m:
                cands.append(_Cand(b, People([m.group("who")], [], []), 2.0, "bold-in-sentence"))
                break
    # Japanese: @handleさん Title / Nameさん Title / Nameさん「Title」 / NameさんのLT
    m = re.match(r"^(?P<who>[@＠][A-Za-z0-9_][A-Za-z0-9_\-.]{0,38})\s*(?:さん|氏|様)?\s*(?P<rest>.*)$", text)
    if m and not re.match(r"^[,、，(（]|^[をにがはでともへやの](?!\s*(?:LT|発表|講演|トーク|セッション)$)", m.group("rest")):
        rest = m.group("rest")
        rest = re.sub(r"^の\s*(?:LT|発表|講演|トーク|セッション)$", "", rest)
        cands.append(_Cand(rest or None, People([], [m.group("who").replace("＠", "@")], []), 3.0, "handle-start"))
    m = re.match(r"^(?P<who>[^\s「『【\[(（@＠:：」』】]{1,20}?)(?:さん|氏|様|先生|トレーナー)(?P<no>の)?"
                 r"(?P<gap>[\s:：]*)(?P<rest>.*)$", text)
    if m and not re.search(r"[、。,]", m.group("who")) and (
            m.group("gap") or not m.group("rest") or m.group("rest")[0] in "「『【“\"" or m.group("no")) and \
            looks_like_person(m.group("who") + "さん"):
        rest = m.group("rest")
        if m.group("no") and re.fullmatch(r"(?:LT|発表|講演|トーク|セッション|スポンサーセッション)", rest):
            rest = ""
        if not m.group("no") or not rest:
            p, _ = _people(m.group("who"), strict=False)
            cands.append(_Cand(rest or None, p, 2.5, "name-start"))
    # Japanese: Title Org Dept Nameさん
    words = text.split(" ")
    if len(words) >= 2 and re.search(r"(?:さん|氏|様)$", words[-1]) and looks_like_person(words[-1]):
        k = len(words) - 1  # walk back over the organisation and department words before the name
        while k > 1 and len(words) - k < 4 and (_ORG_WORD.search(words[k - 1]) or _DEPT_JA.search(words[k - 1])):
            k -= 1
        p, s = _people(" ".join(words[k:]), strict=False)
        if p.speakers and s > 0:
            cands.append(_Cand(" ".join(words[:k]), p, 2.5, "name-end"))
    # Japanese title then an account name: "Go と WebAssembly someuser42"
    m = re.match(r"^(?P<title>.+)\s+(?P<acct>[a-z][a-z0-9_\-]{2,30})$", text)  # greedy: one split
    if m and _HAS_CJK.search(m.group("title")) and not re.search(r"\b(?:with|at|in|on|for|of|and|by|to|the|a)$|[\u3040-\u309f]$|(?:^|\s)[a-z][\w\-]*$|[^\w\s]$",
                           m.group("title")) and m.group("acct") not in _STOP and not _ROLE.fullmatch(m.group("acct")) \
            and (len(m.group("acct")) >= 6 or re.search(r"[\d_]", m.group("acct"))):
        cands.append(_Cand(m.group("title"), People([], [m.group("acct")], []), 0.9, "account-end"))
    return cands


_BY_NOT_SPEAKER = re.compile(
    r"\b(?:provided|sponsored|hosted|powered|organi[sz]ed|supported|funded|run|operated|managed|owned|"
    r"created|built|made|inspired|caused|followed|translated|captioned|published|edited|photographed|"
    r"brought|offered|donated|served|catered|driven|backed|acquired|used|written|reviewed)$", re.I)


# --------------------------------------------------------------------------- the line
_BLOCK_MARK = re.compile(r"^\s{0,12}(?:#{1,6}(?=\s|@|\S)|(?:[-*+•●・◦▪‣]|\d{1,3}[.)．])\s+)\s*")
_LABEL_TITLE = re.compile(r"^(?:talk\s*title|title|topic|subject|session\s*title|タイトル|演題|テーマ|発表タイトル|"
                          r"講演タイトル|題目)\s*[:：]\s*", re.I)
_LABEL_RESOURCE = re.compile(r"^(?:slides?|video|presentation|recording|資料|スライド|動画|発表資料|録画)\s*[:：]",
                             re.I)
_TRAILING_NOTE = re.compile(
    r"\s*[(（]\s*(?:no slides?|to follow|slides?|video|pdf|tbd|tba|未|coming soon|準備中|資料なし|"
    r"スライド|資料|動画)\s*[)）](?=\s|$)", re.I)
_TIME_ANY = re.compile(r"\d{1,2}[:：]\d{2}")
_TYPE_ONLY = re.compile(
    r"(?:opening |closing |day \d )?keynote(?: talk| speech)?|lightning talks?|LT\d{0,2}|invited talk|"
    r"(?:community |user |project )?spotlight|"
    r"(?:基調|招待|特別)講演|キーノート|ライトニングトーク|スポンサー(?:セッション|LT)|sponsor(?:ed)? (?:session|talk)",
    re.I)


def _strip_block_marker(s: str) -> str:
    s = s.lstrip("\ufeff")
    m = _BLOCK_MARK.match(s)
    if m and not s.lstrip().startswith(("**", "*[", "*<")) and s[m.end():].strip():
        s = s[m.end():]
    return s.strip()


def _drop_resource_links(raw: str) -> tuple[str, list[str]]:
    """Take resource links ([📄](…), [Slides](…), [[video](…)], (no slides)) out of the raw line;
    their URLs are the talk's own links."""
    urls: list[str] = []
    s = _protect(raw)

    def one(m: re.Match[str]) -> str:
        text = _restore(m.group(1)).strip()
        if _RESOURCE_WORD.fullmatch(text) or _RESOURCE_WORD.fullmatch(text.strip("[]() ")):
            url = _url_of(m.group(2))
            if url:
                urls.append(url)
            return _LINK_MARK
        return m.group(0)

    s = _MD_LINK.sub(one, s)

    def a_one(m: re.Match[str]) -> str:
        text = _TAG.sub("", m.group(2)).strip()
        if _RESOURCE_WORD.fullmatch(text):
            h = _HREF.search(m.group(1))
            if h:
                urls.append(next(g for g in h.groups() if g is not None))
            return _LINK_MARK
        return m.group(0)

    s = _A_TAG.sub(a_one, s)
    if _LINK_MARK in s:
        mark = re.escape(_LINK_MARK)
        # ([Slides](…), [demo](…)) / [[video](…)] / : [slides](…) and [docker](…)
        s = re.sub(rf"[(（\[]\s*{mark}(?:\s*(?:,|、|and|&)?\s*{mark})*\s*[)）\]]", _LINK_MARK, s)
        # a dash glued to the title is the title's own: "ﾊﾟｰｻ -解析器-[📄](…)"
        s = re.sub(rf"(?:(?:\s+[\-–—]|\s*[:：,、]|\s+and|\s*&)?\s*{mark})+\s*[.。]?\s*$", "", s)
        s = s.replace(_LINK_MARK, " ")
        s = re.sub(r"\(\s*\)|（\s*）|\[\s*\]", " ", s)
    return s.translate(_REESCAPE), urls  # the escapes stay for the inline reader


def _talk_url(urls: list[str], links: list[tuple[str, str]], title: str | None,
              people: People) -> str | None:
    for u in urls:
        if u:
            return u
    names = set(people.speakers) | {h.lstrip("@") for h in people.handles} | set(people.orgs)
    for text, u in links:
        if u and title and text and (text in title or title in text):
            return u
    for text, u in links:
        if u and _SLIDE_URL.search(u) and (text not in names or re.search(r"youtube|youtu\.be|vimeo", u)):
            return u  # a slide or video link; a name's link is the talk's only when it is a recording
    return None


_TITLE_FIRST = frozenset(("dash-end", "colon-end", "slash", "comma", "paren-end", "handle-end", "by", "name-end",
                          "account-end", "cjk-title-name", "org-end", "embed"))
_SPEAKER_FIRST = frozenset(("dash-start", "colon-start", "slash-start", "on", "handle-start", "name-start",
                            "possessive", "name-org-title", "by-colon", "by-on"))


def parse_talk_line(raw: str, *, order: str | None = None) -> TalkLine:
    """Split one talk line (inline Markdown, the block marker already off) into its title, the
    people it names, the talk's own link and the prefix in front of it.

    `order` ("speaker_first" or "title_first") is a hint from the caller that knows how the
    sibling lines are written (a list where most lines read "Name - Title"): splits the other
    way round are not tried, and a single-word name on the expected side is enough."""
    line = _parse_line(raw, people_only=True, nested=False, order=order)
    _name_then_org(raw, line.speakers, line.orgs)
    if not line.speakers and not line.handles:
        m = _QUOTED_WITH.search(raw[:MAX_LINE])
        if m:  # '"Title" with Name, Role @ Org' (an agenda line)
            p = parse_people(m.group("who"))
            if p.speakers:
                line.title = m.group("title").strip()
                line.speakers, line.handles = p.speakers, p.handles
                line.orgs = line.orgs or p.orgs
                line.evidence = max(line.evidence, 0.6)
    elif line.title and (m := _TALKED_ABOUT.match(line.title)):
        line.title = m.group("title").strip()  # 'Name (Org) talked about "Title"'

    if not line.speakers and not line.handles and line.title and "\u3000" in raw:
        # "Title　山田 太郎": a Japanese full-width space sets the name off the title
        head, _, tail = raw.rstrip().rpartition("\u3000")
        tail = tail.strip()
        name = re.sub(r"(?:さん|氏|様)$", "", tail)
        if len(head.strip()) >= 4 and name and not re.search(r"[、。,.!?！？]", name) \
                and (looks_like_person(name) or japanese_name(name)):
            line.title = _tidy_title(clean_inline(head)[0]) or line.title
            line.speakers = [name]
            line.evidence = max(line.evidence, 0.55)
    m = _QUOTED_THEN_NAME.match(line.title or "")
    if m and not line.speakers:
        # "「Title」 nicknameさん (@handle)": the handle was read first, the name stays
        line.title = m.group("title").strip()
        line.speakers = [m.group("who")]
    return line


def _name_then_org(text: str, speakers: list[str], orgs: list[str]) -> None:
    """"Name, Gadget Works": two capitalised names joined by a bare comma are a person and
    their organisation; a list of people ends with "and" or "&" ("A, B & C")."""
    if len(speakers) != 2 or orgs:
        return
    pair = f"{speakers[0]}, {speakers[1]}"
    at = text.find(pair)
    if at < 0 or re.search(r"&|＆|\band\b|、", text[at:]):
        return
    orgs.append(speakers.pop())


_QUOTED_WITH = re.compile(r"[“\"](?P<title>[^”\"]{3,200})[”\"]\s+with\s+(?P<who>[^\"“”]{3,200})$")
_TALKED_ABOUT = re.compile(r"^(?:talked|spoke|presented)\s+(?:about|on)\s+[“\"](?P<title>[^”\"]{3,200})[”\"]\.?$",
                           re.I)
_QUOTED_THEN_NAME = re.compile(r"^[「『](?P<title>[^「」『』]{1,200})[」』]\s*(?P<who>[^\s「」『』]{1,12}?)"
                               r"\s*(?:さん|氏|様|先生)$")


def _ACRONYM_OF(text: str) -> bool:
    m = re.fullmatch(r"(?P<words>[^()（）]+?)\s*[(（](?P<abbr>[A-Z][A-Za-z]{1,7})[)）]", text)
    if not m:
        return False
    initials = "".join(w[0] for w in re.split(r"[\s\-]+", m.group("words")) if w).upper()
    return initials.startswith(m.group("abbr").upper()) or m.group("abbr").upper() in initials


def _parse_line(raw: str, *, people_only: bool, nested: bool, order: str | None = None) -> TalkLine:
    raw = (raw or "")[:MAX_LINE]
    # box-drawing rules used as a dash: "Title ── Name"
    raw = _strip_block_marker(raw.replace("\r", "").replace("──", " ― ").replace("━━", " ― "))
    raw, resource_urls = _drop_resource_links(raw)
    text, links, marked_list = _inline(raw)
    marked = set(marked_list)
    had_note = bool(_TRAILING_NOTE.search(text))
    text = _TRAILING_NOTE.sub("", text).strip()
    for _ in range(2):
        text = _SITE_TAIL.sub("", text)
    # a trailing bracketed note after a separator: "- [A Visit by the Foo Group]"
    text = re.sub(r"\s+[-–—]\s+\[[^\[\]]{1,80}\]\s*$", "", text)
    m = _LABEL_PEOPLE.match(text)
    if m and re.search(r"[:：】\]]", m.group(0)):  # "登壇者 : Name", "【登壇者】Name", "Speaker: Name"
        p, _ = _people(text, strict=False)
        return TalkLine(None, p.speakers, p.handles, p.orgs, None, None, 0.5 if p else 0.0)
    text, prefix = _strip_prefix(text)
    evidence = 0.0
    segs = _split_top(text, _DASH)
    if len(segs) >= 2 and _RESOURCE_WORD.fullmatch(segs[-1]) and segs[0] and \
            _people_strict(" - ".join(segs[:-1]), {t for t, _ in links})[1] < 0.9:
        text = text[: text.rfind(segs[-1])].rstrip(" -–—―|｜")  # "[Title - Slides](deck)"

    # label lines
    m = _LABEL_RESOURCE.match(text)
    if m:
        url = _talk_url(resource_urls, links, None, People())
        rest = text[m.end():].strip()
        if rest and not nested and not _URL.fullmatch(rest) and not any(rest == t for t, _ in links):
            # "動画: Title by Name, Org": a caption that names the talk; weaker than a heading
            sub = _parse_line(rest, people_only=False, nested=True)
            sub.url = sub.url or url
            sub.prefix = prefix
            sub.evidence = round(sub.evidence * 0.5, 3)
            return sub
        return TalkLine(None, url=url, prefix=prefix, evidence=0.0)
    m = _LABEL_ORG.match(text)
    if m:
        p, _ = _people(text, strict=False)
        return TalkLine(None, [], [], p.orgs, None, prefix, 0.1)
    m = _LABEL_TITLE.match(text)
    if m and not nested:
        sub = _parse_line(text[m.end():], people_only=False, nested=True)
        sub.prefix = prefix
        sub.evidence = round(min(1.0, sub.evidence + 0.3), 3)
        return sub

    linked = {t for t, _ in links}
    m = _ORG_COLON_PEOPLE.match(text)
    if m and people_only and not nested and (re.fullmatch(r"[A-Z]{2,6}", m.group("org"))
                                             or _ORG_WORD.search(m.group("org"))):
        # "LANL: Ann Lee", "University of X: Ann Lee, Bo Chan": the people of an organisation
        p, s = _people_strict(m.group("who"), linked)
        if s >= 1.5 and p.speakers and not p.orgs:
            return TalkLine(None, p.speakers, p.handles, [m.group("org")], None, prefix, 0.5)
    m = re.match(r"^(?:by|presented by|speakers?|presenters?)\s+(?=\S)", text, re.I)
    if m:
        p, s = _people_strict(text[m.end():], linked)
        if s >= 1.0:
            return TalkLine(None, p.speakers, p.handles, p.orgs, None, prefix, 0.5)
    cands = _candidates(text, marked, raw, linked, order)
    if order in ("speaker_first", "title_first"):
        wrong_way = _TITLE_FIRST if order == "speaker_first" else _SPEAKER_FIRST
        cands = [c for c in cands if c.rule not in wrong_way]
    if people_only:
        # a line that is all people: "Jane Doe, Acme", "Jane Doe, Cloud Ambassador, foo labs"
        p, s = _people_strict(text, linked)
        chunks = len(_split_top(text, _PEOPLE_SEP))
        if p.handles and not p.speakers and "@" not in text and not had_note and not any(
                t == text and _PROFILE_URL.search(u) for t, u in links):
            s = 0.0  # a bare lower-case word is an account only beside a profile link or a "(no slides)"
        if _ACRONYM_OF(text):
            s = 0.0  # "Mean Time To Repair (MTTR)": a term and its abbreviation
        if s >= 1.5 and len(p.orgs) <= max(1, len(p.speakers)) and (
                p.orgs or p.handles or chunks > len(p.speakers) + len(p.handles) or len(p.speakers) > 1
                or _HONORIFIC.search(text)):
            cands.append(_Cand(None, p, s, "people"))
    best: _Cand | None = None
    for c in cands:
        if best is None or c.strength > best.strength:
            best = c
    if best is None and prefix and _TYPE_ONLY.search(prefix) and _people_strict(text, linked)[1] >= 1.5:
        best = _Cand(None, _people_strict(text, linked)[0], 1.5, "slot-speaker")  # "Keynote - Jane Doe"
    if best is None:
        best = _Cand(text, People(), 0.0, "title")
    title = _tidy_title(best.title) if best.title is not None else None
    people = best.people
    resource_only = best.title is not None and title is None and bool(
        _RESOURCE_WORD.fullmatch(_WS.sub(" ", best.title).strip(" -–—:：")))
    if title and len(links) >= 2:
        # "[Talk](deck) and [Bonus slides](deck2)": one talk, its title the first link's
        texts = {_WS.sub(" ", t).strip() for t, _ in links}
        two = re.fullmatch(r"(?P<a>.+?)\s+(?:and|&|＆)\s+(?P<b>.+)", title)
        if two and two.group("a") in texts and two.group("b") in texts:
            title = two.group("a")
    if title and (people.speakers or people.handles) and _TYPE_ONLY.fullmatch(title):
        prefix = " ".join(x for x in (prefix, title) if x)  # "Keynote - Jane Doe": an untitled slot
        title = None
    if title and not people and prefix and re.search(r"sponsor|スポンサー", prefix, re.I) and (
            _ORG_WORD.search(title) or (_org_like(title) and len(title.split()) <= 3)):
        people = People([], [], [title])  # "Sponsor talk: Acme Corp"
    if title and not people and len(title) <= 100 and re.search(r"\bsponsor", title, re.I):
        # "A word from tonight's venue sponsor, Acme": the sponsor's slot names it
        m = re.search(r"(?:,\s*|\s)([A-Z][\w&\-]{1,30}(?:\.[A-Za-z]{2,6})?)\s*[.!]?$", title)
        if m and m.group(1).lower() not in _STOP:
            people = People([], [], [m.group(1)])
    # single lower-case account names are handles, not speakers
    for sp in list(people.speakers):
        if _ACCOUNT.fullmatch(sp) and sp not in people.handles and not _HAS_CJK.search(sp):
            people.speakers.remove(sp)
            people.handles.append(sp)
    if people.speakers or people.handles:
        evidence += 0.45
    if best.rule == "quoted" or (title and text.startswith(("「", "“", '"'))):
        evidence += 0.15
    url = _talk_url(resource_urls, links, title, people)
    if url and _SLIDE_URL.search(url):
        evidence += 0.2
    elif url:
        evidence += 0.05
    if prefix and (_TIME_ANY.search(prefix) or ROOM_CODE.match(prefix)
                   or re.search(r"[\[【]|コマ|keynote|基調|LT|session|presentation|講演|talk", prefix, re.I)):
        evidence += 0.2
    if title:
        if 4 <= len(title) <= 120:
            evidence += 0.15
        if len(title) > 160 or re.search(r"[。！？]$|[。]", title):
            evidence *= 0.5
    if resource_only:
        evidence = 0.1  # "Foo Group - Slides": a deck of the evening, not a talk
    return TalkLine(title, people.speakers, people.handles, people.orgs, url, prefix,
                    round(min(1.0, evidence), 3))
