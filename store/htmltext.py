"""HTML pages reduced to Markdown-like text, keeping headings and list items as structure."""

from __future__ import annotations

import html
import re

# Deeper lists keep this indentation: more says nothing and costs memory per line.
MAX_INDENT = 8
MAX_TOKENS = 60_000
# A table is written as a Markdown pipe table (its rows then read as rows, with their header)
# when it is a plain grid: a header row of <th> cells, no table, heading or list inside, short
# cells. A layout table holding a page keeps being read as its text.
MAX_TABLE_CELL = 600
MAX_TABLE_ROWS = 2_000
_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button",
         "svg", "iframe", "template"}
_BLOCK = {"p", "div", "section", "article", "main", "table", "tr", "ul", "ol", "dl", "dt", "dd",
          "blockquote", "figure", "figcaption", "hr", "body"}


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body"))


# One pass over the markup with a C-speed regex: comments, raw-text elements whole, tags, text.
# html.parser costs about 30 µs a tag, which a page of 200,000 nested tags turns into minutes.
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style|textarea)\b[^>]*>.*?(?:</\1\s*>|\Z)"
    # An embedded post (a tweet, an Instagram card): someone else's words, never a talk.
    r"|<(blockquote)\b[^>]*class=[\"'][^\"']*(?:twitter-tweet|instagram-media|"
    r"bluesky-embed|mastodon-embed)[^>]*>.*?(?:</blockquote\s*>|\Z)"
    r"|<(/?)([A-Za-z][A-Za-z0-9:-]{0,30})\b[^>]*>|<![^>]*>|<\?[^>]*>|<|[^<]+",
    re.S | re.I)


_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]{0,2000})"|'([^']{0,2000})')""", re.I)


_TABLE_TAGS = {"table", "tr", "td", "th"}
_BOLD_CELL = re.compile(r"\*\*([^*]{1,100})\*\*")
_NOT_GRID = {"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre", "blockquote"}


class _Table:
    def __init__(self, start: int) -> None:
        self.start = start
        self.rows: list[list[str]] = []
        self.row: list[str] = []
        self.head_cells = 0
        self.cell_at: int | None = None
        self.cell_is_head = False
        self.plain = True


class _Reducer:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.list_depth = 0
        # Open inline elements kept as Markdown: (tag, position in out, href).
        self.inline: list[tuple[str, int, str]] = []
        # Open tables, innermost last.
        self.tables: list[_Table] = []

    def _newline(self, n: int = 1) -> None:
        tail = "".join(self.out[-2:])
        want = "\n" * n
        if not tail.endswith(want):
            self.out.append(want[len(tail) - len(tail.rstrip("\n")):] if tail else "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if self.tables and tag in _TABLE_TAGS | _NOT_GRID:
            self._table_start(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self._newline(2)
            self.out.append("#" * int(tag[1]) + " ")
        elif tag == "li":
            self._newline(1)
            self.out.append("  " * min(MAX_INDENT, max(0, self.list_depth - 1)) + "- ")
        elif tag in ("ul", "ol"):
            self.list_depth += 1
            self._newline(1)
        elif tag == "br":
            self.out.append("\n")
        elif tag in ("a", "strong", "b") and not self.pre and len(self.inline) < 8:
            href = dict(attrs).get("href") or ""
            self.inline.append((tag, len(self.out), href))
        elif tag == "pre":
            self.pre += 1
            self._newline(2)
            self.out.append("```\n")
        elif tag in _BLOCK:
            self._newline(2)
        if tag == "table":
            if self.tables:
                self.tables[-1].plain = False
            self.tables.append(_Table(len(self.out)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if self.tables and tag in _TABLE_TAGS:
            self._table_end(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self._newline(2)
        elif tag in ("ul", "ol"):
            self.list_depth = max(0, self.list_depth - 1)
            self._newline(2)
        elif tag in ("a", "strong", "b"):
            self._close_inline(tag)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self._newline(1)
            self.out.append("```\n")
        elif tag in _BLOCK or tag == "li":
            self._newline(1)

    def _close_cell(self, table: _Table) -> None:
        if table.cell_at is None:
            return
        if table.plain and table.cell_at <= len(self.out):
            cell = re.sub(r"\s+", " ", "".join(self.out[table.cell_at:])).strip()
            if len(cell) > MAX_TABLE_CELL:
                table.plain = False
            bold = None if table.rows or table.cell_is_head else _BOLD_CELL.fullmatch(cell)
            if bold:  # a first row of bold cells is a header written without <th>
                cell = bold.group(1).strip()
            table.row.append(cell.replace("|", "\\|"))
            table.head_cells += table.cell_is_head or bool(bold)
        table.cell_at = None

    def _close_row(self, table: _Table) -> None:
        self._close_cell(table)
        if table.row:
            if not table.rows and table.head_cells < len(table.row):
                table.plain = False  # no header row: its rows are read as lines
            table.rows.append(table.row)
            if len(table.rows) > MAX_TABLE_ROWS:
                table.plain = False
        table.row, table.head_cells = [], 0

    def _table_start(self, tag: str) -> None:
        table = self.tables[-1]
        if tag in _NOT_GRID:
            table.plain = False
        elif tag in ("td", "th"):
            self._close_cell(table)
            if self.out and self.out[-1] and not self.out[-1][-1].isspace():
                self.out.append(" ")  # cells read as text stay apart: "Ann Lee Title"
            table.cell_at = len(self.out)
            table.cell_is_head = tag == "th"
        elif tag == "tr":
            self._close_row(table)

    def _table_end(self, tag: str) -> None:
        table = self.tables[-1]
        if tag in ("td", "th"):
            self._close_cell(table)
        elif tag == "tr":
            self._close_row(table)
        elif tag == "table":
            self._close_row(table)
            self.tables.pop()
            if table.plain and len(table.rows) >= 2 and table.start <= len(self.out):
                width = max(len(r) for r in table.rows)
                lines = ["| " + " | ".join(r + [""] * (width - len(r))) + " |"
                         for r in table.rows]
                lines.insert(1, "|" + " --- |" * width)
                self.out[table.start:] = ["\n\n" + "\n".join(lines) + "\n\n"]
            if self.tables:
                self.tables[-1].plain = False

    def _close_inline(self, tag: str) -> None:
        """`<a href>` becomes `[text](href)` and `<strong>` `**text**`, when the element
        stayed on one line: the talk-line rules read links and bold as Markdown."""
        at = next((k for k in range(len(self.inline) - 1, -1, -1)
                   if self.inline[k][0] == tag or (tag == "b" and self.inline[k][0] == "strong")),
                  None)
        if at is None:
            return
        _, pos, href = self.inline[at]
        del self.inline[at:]
        label = "".join(self.out[pos:])
        if not label.strip() or "\n" in label or len(label) > 500:
            return
        lead = label[: len(label) - len(label.lstrip())]
        trail = label[len(label.rstrip()):]
        core = label.strip()
        if tag == "a":
            if not href or href.lower().startswith(("javascript:", "#")) or any(
                    ch in href for ch in " ()<>"):
                return
            wrapped = f"[{core}]({href})"
        else:
            wrapped = f"**{core}**"
        self.out[pos:] = [lead + wrapped + trail]

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self.out.append(data)
        else:
            self.out.append(re.sub(r"\s+", " ", data))


    def feed(self, markup: str) -> None:
        for n, m in enumerate(_TOKEN.finditer(markup)):
            if n >= MAX_TOKENS:  # a real page has a few thousand; the rest is not read
                break
            if m.group(1) or m.group(2):  # script, style, embedded posts: nothing to read
                continue
            name = m.group(4)
            if name:
                if m.group(3):
                    self.handle_endtag(name.lower())
                else:
                    attrs = []
                    if name.lower() == "a":
                        h = _HREF.search(m.group(0))
                        if h:
                            attrs.append(("href", html.unescape(h.group(1) or h.group(2) or "")))
                    self.handle_starttag(name.lower(), attrs)
                    if m.group(0).endswith("/>") and name.lower() in _SKIP:
                        self.handle_endtag(name.lower())
            elif not m.group(0).startswith("<") or m.group(0) == "<":
                self.handle_data(html.unescape(m.group(0)))


def html_to_text(markup: str) -> str:
    """Text of an HTML page: headings as `#`, list items as `- `, paragraphs apart."""
    parser = _Reducer()
    parser.feed(markup)
    text = "".join(parser.out)
    lines = [ln.rstrip() for ln in text.split("\n")]
    text = "\n".join(ln if ln.strip() else "" for ln in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
