"""Reading report text into an event and its talks; pure: no database, no files.

`parse_report` is the only entry point. The pipeline: a reader turns Markdown, HTML or plain
text into blocks (`blocks.py`); small rules read each block as a candidate talk and the
candidates that carry the report's talks are chosen by evidence (`extract.py`). The heading
reader (`headings.py`), exact on notes written a talk per heading, reads the same text; the
reading with more evidence wins.
"""

from __future__ import annotations

import re

from store.errors import NoTalkFound, ReportError
from store.frontmatter import read_front_matter
from store.htmltext import html_to_text, looks_like_html
from store.reports.blocks import Block, read_markdown
from store.reports.canonical import is_canonical, parse_canonical
from store.reports.events import date_in, guess_event
from store.reports.extract import (
    _KIND_PREFIX,
    Candidate,
    bio_orgs,
    candidates,
    choose,
    extend_notes,
    is_noise,
    title_key,
)
from store.reports.headings import (
    _CHROME,
    PARSER_VERSION,
    SUMMARY_MAX,
    ParsedEvent,
    ParsedReport,
    ParsedTalk,
    _article,
    _strip_codes,
    parse_sections,
    parse_speakers,
    split_heading,
    summarise,
)
from store.reports.rest import looks_like_rest, rest_to_markdown
from store.reports.talkline import ROOM_CODE

# The date one short text states; the name the first version exported.
find_date = date_in

MAX_LINE = 2_000
MAX_LINES = 2_000
MAX_CHARS = 200_000

__all__ = [
    "PARSER_VERSION",
    "SUMMARY_MAX",
    "ParsedEvent",
    "ParsedReport",
    "ParsedTalk",
    "find_date",
    "parse_report",
    "parse_speakers",
    "split_heading",
    "summarise",
]


def _bounded(body: str) -> tuple[str, bool]:
    """The part of a report the readers read, and whether it was cut: lines cut to MAX_LINE
    characters (no title or speaker line is longer, and nested brackets or emphasis runs then
    cost little), at most MAX_LINES lines (the longest real report seen has 1,183) and
    MAX_CHARS characters (five times the largest seen), so any file parses in bounded time
    and memory: 1,000 talk headings, the most the line limit lets in, parse in 1.4 s."""
    lines = body.split("\n", MAX_LINES)
    cut = len(lines) > MAX_LINES
    lines = lines[:MAX_LINES]
    if any(len(ln) > MAX_LINE for ln in lines):
        lines = [ln[:MAX_LINE] for ln in lines]
        cut = True
    text = "\n".join(lines)
    if len(text) > MAX_CHARS:
        text = text[:text.rfind("\n", 0, MAX_CHARS) + 1 or MAX_CHARS]
        cut = True
    return text, cut


def _drop_comments(body: str) -> str:
    """Markdown without its HTML comments (a licence header, an editor's note): readers never
    see them. One pass; an unclosed comment runs to the end, as in HTML."""
    if "<!--" not in body:
        return body
    out, at = [], 0
    while (start := body.find("<!--", at)) != -1:
        out.append(body[at:start])
        end = body.find("-->", start + 4)
        if end == -1:
            at = len(body)
            break
        # keep the comment's line breaks, so line-based readers keep their places
        out.append("\n" * body.count("\n", start, end))
        at = end + 3
    out.append(body[at:])
    return "".join(out)


# A kramdown attribute list after a link or a paragraph ("{:rel="nofollow"}", "{: .note}"):
# markup for the page, never words of a title or a name.
_IAL = re.compile(r"\{:[^{}\n]{0,200}\}")
_VOID_TAG_LINE = re.compile(r"^ {0,3}<(?:br|hr|img|wbr)\b[^<>\n]{0,300}/?>\s*$", re.I)


def _loosen_void_tags(body: str) -> str:
    """A line of only `<br/>` (or `<hr>`, `<img …>`) opens a raw-HTML block in CommonMark that
    swallows the Markdown below it up to the next blank line ("## Day 1" read as text); such
    a tag ends its block at once, as its writer meant."""
    if "<" not in body:
        return body
    lines = body.split("\n")
    out: list[str] = []
    for n, ln in enumerate(lines):
        out.append(ln)
        if n + 1 < len(lines) and lines[n + 1].strip() and _VOID_TAG_LINE.match(ln):
            out.append("")
    return "\n".join(out)


# Bullets plain text writes that Markdown does not know: "・", "•", "●" …
_PLAIN_HEADING = re.compile(r"^(={1,6})\s+(?=\S)")
_PLAIN_BULLET = re.compile(r"^([ \t\u3000]*)[・•●○◦▪‣∙]\s*(?=\S)")


def _plain_body(body: str) -> str:
    """A scraped page without its chrome lines and footer, for the block reader; its
    bullets written as Markdown list items, so they nest as they are indented."""
    if looks_like_rest(body):
        body = rest_to_markdown(body)
    lines = _article(body.split("\n"))
    out = []
    for ln in lines:
        if any(p.match(ln.strip()) for p in _CHROME):
            out.append("")
            continue
        h = _PLAIN_HEADING.match(ln)
        if h:  # AsciiDoc "== Title" in a text file
            ln = "#" * len(h.group(1)) + " " + ln[h.end():]
        m = _PLAIN_BULLET.match(ln)
        if m:
            indent = m.group(1).replace("\t", "    ").replace("\u3000", "  ")
            ln = indent + "- " + ln[m.end():]
        out.append(ln)
    return "\n".join(out)


def _notes(body: list[Block]) -> str:
    out = []
    for b in body:
        if b.kind == "heading":
            out.append(b.text)
        elif b.kind == "item":
            out.append("  " * max(0, b.depth - 1) + "- " + b.text)
        elif b.kind == "row":
            out.append(" | ".join(c for c in b.cells if c))
        elif b.text:
            out.append(b.text)
    return "\n".join(out).strip()


def _session_code(prefix: str | None) -> str | None:
    """The room code or LT/Keynote slot a talk line's prefix names, read as the heading
    reader reads a heading's; a bare room code ("H-1", "keynote-2") first."""
    if not prefix or not prefix.strip():
        return None
    m = ROOM_CODE.match(prefix.strip())
    return m.group(0) if m else _strip_codes(f"{prefix.strip()} x")[1]


# "Title (Main Hall)": the room, not part of the title
_ROOM = re.compile(r"\s*[(（](?:main hall|(?:hall|room|track|stage)\s*[\w-]{0,4}|[A-Z]\s*会場|"
                   r"(?:ルーム|ホール|トラック)\s*\w{0,4})[)）]$", re.I)


def _talk(c: Candidate) -> ParsedTalk:
    line = c.line
    title = _ROOM.sub("", (line.title or "").strip())
    if not title:
        # An untitled slot ("**Keynote** - Name"): the slot's kind and who gave it.
        names = " / ".join(line.speakers + line.handles)
        kind = line.prefix or ""
        m = _KIND_PREFIX.search(kind)
        if m:
            kind = kind[m.start():]  # "9:15 (50m) Keynote": the kind, not its time
        kind = re.sub(r"[\W_]+$", "", kind).strip(" *-–—:：")
        title = f"{kind} ({names})" if kind else names
    notes = _notes([b for b in c.body if b.index not in c.used])
    speakers = list(line.speakers)
    handles = list(line.handles)
    if not speakers and handles:
        speakers = [handles[0]]
    return ParsedTalk(title=title[:1000], speakers=speakers, handles=handles,
                      affiliations=list(line.orgs[:3]), notes=notes,
                      summary=summarise(notes) if notes else "", has_notes=bool(notes),
                      url=line.url, session_code=_session_code(line.prefix))


_STATED_JA = re.compile(
    r"[「『](?P<title>[^「」『』]{4,150})[」』]\s*(?:という(?:タイトル|テーマ|題)で|で|の)?\s*"
    r"(?:登壇|発表|講演|LT)(?:し|させて(?:いただき|もらい)|してき|を?し)")
_STATED_EN = re.compile(
    r"\b(?:my|our) (?:talk|session|presentation|lightning talk)(?:,? (?:titled|called))?,?\s*"
    r"[“\"](?P<title>[^”\"]{4,150})[”\"]|\b(?:gave|presented|delivered|spoke about) "
    r"(?:a |my |our )?(?:talk|session|presentation)?\s*(?:titled|called|on)?\s*"
    r"[“\"](?P<title2>[^”\"]{4,150})[”\"]", re.I)


def _stated_talks(blocks: list[Block], fm: dict[str, object]) -> list[ParsedTalk]:
    """The talk a speaker's own post states in a sentence, by the post's author."""
    author = fm.get("author")
    speakers = [author.strip()] if isinstance(author, str) and 0 < len(author.strip()) <= 60 else []
    out: list[ParsedTalk] = []
    for b in blocks[:300]:
        if b.kind not in ("line", "item"):
            continue
        m = _STATED_JA.search(b.text[:500]) or _STATED_EN.search(b.text[:500])
        if m:
            title = (m.group("title") if "title" in m.groupdict() and m.group("title")
                     else m.groupdict().get("title2") or "").strip()
            if title and all(title != t.title for t in out):
                out.append(ParsedTalk(title=title, speakers=list(speakers)))
    return out


_BY_LINE = re.compile(r"^#{2,3} .+\n(?:by|tags?|slides?)\s*:?\s", re.M | re.I)


def _canonical(fm: dict[str, object], body: str) -> bool:
    """Written in the README's format (front matter naming the event, `by` lines under
    `##` headings): the heading reader, made for it, reads it exactly."""
    return "event" in fm or bool(_BY_LINE.search(body[:20_000]))


def _quality(talks: list[ParsedTalk]) -> float:
    """How much a reading's talks look like talks: named people, notes written under them
    and links to slides are evidence."""
    score = 0.0
    for t in talks:
        score += max(0.2, (1.0 if t.speakers or t.handles else 0.0)
                     + (0.5 if len(t.notes) >= 80 else 0.0) + (0.3 if t.url else 0.0))
    return score


def parse_report(text: str, source: str = "") -> ParsedReport:
    """Find the event and talks in one report; ReportError when there is nothing to import."""
    if "\x00" in text:
        raise ReportError("binary content, not a text report")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise ReportError("empty file")
    fm: dict[str, object] = {}
    fm_warnings: list[str] = []
    if source.lower().endswith((".html", ".htm")) or looks_like_html(text):
        body, cut = _bounded(html_to_text(text))
        blocks = read_markdown(body, plain=True)
    else:
        front = read_front_matter(text)  # YAML/TOML within limits; ReportError when broken
        fm, body, fm_warnings = front.data, front.body, front.warnings
        if is_canonical(fm):  # written by `meetup-bot export`: read exactly, no guessing
            report = parse_canonical(fm, body)
            report.warnings = fm_warnings
            return report
        body, cut = _bounded(body)  # first: the passes below then read at most 200 kB
        body = _IAL.sub("", _loosen_void_tags(_drop_comments(body)))
        plain = source.lower().endswith(".txt")
        blocks = read_markdown(_plain_body(body) if plain else body, plain=plain)
    sections = parse_sections(fm, body, source)
    event = sections.event
    heading_talks = [t for t in sections.talks if not is_noise(t.title)]
    by_headings = ParsedReport(event=event, talks=heading_talks) if heading_talks else None
    chosen = choose(candidates(blocks))
    extend_notes(chosen, blocks)
    bio_orgs(chosen, blocks)
    by_blocks = [_talk(c) for c in chosen]
    by_blocks = [t for t in by_blocks if t.title]
    stated = _stated_talks(blocks, fm)
    if stated and len(by_blocks) <= 1 and (by_headings is None or len(by_headings.talks) <= 1):
        # "「Title」というタイトルで登壇しました", "My talk, "Title", …": the post says it
        by_blocks, by_headings = stated, None
    heading_q = _quality(by_headings.talks) if by_headings is not None else 0.0
    block_q = _quality(by_blocks)
    if by_headings is not None and (
            heading_q > block_q
            # the README's format is the heading reader's own: it wins unless the block
            # reading finds far more
            or (_canonical(fm, body) and block_q < 1.5 * heading_q)):
        report = by_headings
        reading = "headings"
    elif not by_blocks:
        raise NoTalkFound("no talk found: give each talk a heading (see the README's format)")
    else:
        report = ParsedReport(event=event, talks=by_blocks)
        reading = "blocks"
    guess = guess_event(fm, body, source)
    if guess.name:
        report.event.name = guess.name[:500]
    # A stated event day; else the post's date stands in (marked as such), except for an
    # archive of several meetups, which has no single day.
    report.event.date = guess.date or (None if guess.archive else guess.post_date)
    report.warnings = fm_warnings + [_date_warning(w, guess.date, guess.post_date)
                                     for w in guess.warnings]
    report.warnings += _warnings(report, blocks, reading)
    if cut:
        report.warnings.append(f"only the first {MAX_LINES:,} lines and {MAX_CHARS // 1000:,} kB "
                               f"were read (lines cut at {MAX_LINE:,} characters)")
    return report


def _warnings(report: ParsedReport, blocks: list[Block], reading: str) -> list[str]:
    """Short notes a person can act on before importing (shown by `import --dry-run`)."""
    out: list[str] = []
    silent = [t.title for t in report.talks if not (t.speakers or t.handles)]
    if silent:
        shown = ", ".join(f"'{_short(t)}'" for t in silent[:3])
        more = f" and {len(silent) - 3} more" if len(silent) > 3 else ""
        out.append(f"{len(silent)} of {len(report.talks)} talks name no speaker: {shown}{more}")
    titles = {title_key(t.title) for t in report.talks}
    unmatched = [b.text for b in blocks if b.kind == "heading" and b.text
                 and title_key(b.text) not in titles][:50]
    keys = [k for k in titles if k]
    skipped = [h for h, hk in ((h, title_key(h)) for h in unmatched)
               if not any(hk in k or k in hk for k in keys)]
    if skipped:
        why = ("a section, day or programme item" if reading == "headings"
               else "no speaker, link or talk-like shape")
        shown = ", ".join(f"'{_short(h)}'" for h in skipped[:5])
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        out.append(f"headings not read as talks ({why}): {shown}{more}")
    quality = _quality(report.talks) / max(1, len(report.talks))
    if quality < 0.45:
        out.append("low confidence: few talks show a speaker, notes or a link; check the "
                   "titles or write the file in the canonical format (README)")
    return out


def _date_warning(warning: str, stated: object, posted: object) -> str:
    if stated is None and posted is not None and warning.startswith("no event date stated"):
        return (f"no event date stated: the post date {posted} stands in; write the event's "
                "day in the front matter (date: YYYY-MM-DD)")
    if warning == "no event date stated":
        return "no event date stated: write it in the front matter (date: YYYY-MM-DD)"
    return warning


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


