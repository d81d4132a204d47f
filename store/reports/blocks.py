"""The document model every reader yields: headings, list items, lines and table rows."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from store.htmltext import html_to_text

# Bounds that keep any input cheap: markdown-it's own nesting limit, a cap on the blocks a
# report yields and on the characters one inline run is read for.
MAX_NESTING = 20
MAX_BLOCKS = 20_000
MAX_INLINE = 4_000
MAX_HTML_DEPTH = 2


@dataclass
class Block:
    """One unit of a report: a heading (`level` 1–6), a list item (`depth` ≥ 1), a plain line
    or a table row (`cells`, with the table's `header`). `raw` is the inline Markdown source,
    `text` the words a reader sees, `links` the (text, URL) pairs on it."""

    kind: str  # heading | item | line | row | code
    text: str
    raw: str = ""
    level: int = 0
    depth: int = 0
    links: list[tuple[str, str]] = field(default_factory=list)
    cells: tuple[str, ...] = ()
    raw_cells: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    table: int = -1
    continued: bool = False  # a further line of the same paragraph or list item (Markdown)
    in_para: bool = False  # a further line of the same paragraph, in plain text too
    strong: bool = False  # the whole line is bold (a label-like title)
    index: int = 0


def _md(html_on: bool, code_blocks: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": html_on, "maxNesting": MAX_NESTING})
    md.enable("table").enable("strikethrough")
    if not code_blocks:
        md.disable("code")
    return md


_MD_HTML = _md(True, True)
_MD_TEXT = _md(False, False)
_TAG = re.compile(r"<[^<>]{0,500}>")
_HREF = re.compile(r"""href\s*=\s*["']([^"']{1,2000})["']""", re.I)


def _inline_parts(token: Token) -> Iterator[tuple[str, list[tuple[str, str]], bool]]:
    """Lines of an inline token: (plain text, links, whole line bold)."""
    text: list[str] = []
    links: list[tuple[str, str]] = []
    href_stack: list[tuple[str, int]] = []
    strong_chars = 0
    strong_depth = 0

    def flush() -> tuple[str, list[tuple[str, str]], bool]:
        line = re.sub(r"[ \t\u00a0\u3000]+", " ", "".join(text)).strip()
        bold = bool(line) and strong_chars >= len(line) * 0.9
        return line, list(links), bold

    for child in token.children or []:
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            yield flush()
            text.clear()
            links.clear()
            strong_chars = 0
            continue
        if kind == "link_open":
            href_stack.append((str(child.attrs.get("href", "")), len("".join(text))))
        elif kind == "link_close" and href_stack:
            href, start = href_stack.pop()
            label = "".join(text)[start:].strip()
            if href:
                links.append((label, href))
        elif kind == "strong_open":
            strong_depth += 1
        elif kind == "strong_close":
            strong_depth = max(0, strong_depth - 1)
        elif kind == "html_inline":
            tag = child.content
            low = tag.lower()
            if low.startswith("<a "):
                m = _HREF.search(tag)
                href_stack.append((m.group(1) if m else "", len("".join(text))))
            elif low.startswith("</a") and href_stack:
                href, start = href_stack.pop()
                label = "".join(text)[start:].strip()
                if href:
                    links.append((label, html.unescape(href)))
            elif low.startswith("<strong") or low.startswith("<b>"):
                strong_depth += 1
            elif low.startswith("</strong") or low.startswith("</b>"):
                strong_depth = max(0, strong_depth - 1)
            elif low.startswith("<br"):
                yield flush()
                text.clear()
                links.clear()
                strong_chars = 0
        elif kind in ("text", "code_inline"):
            piece = child.content
            text.append(piece)
            if strong_depth:
                strong_chars += len(piece.strip())
        elif kind == "image":
            continue
    yield flush()


def _raw_lines(token: Token) -> list[str]:
    return token.content[:MAX_INLINE * 4].split("\n")


class _Reader:
    def __init__(self, plain: bool = False) -> None:
        self.blocks: list[Block] = []
        self.tables = 0
        # In plain text a line break ends a unit; in Markdown it may only wrap a paragraph.
        self.plain = plain

    def add(self, block: Block) -> None:
        if len(self.blocks) < MAX_BLOCKS:
            block.index = len(self.blocks)
            self.blocks.append(block)

    def read(self, source: str, md: MarkdownIt, html_depth: int = 0) -> None:
        tokens = md.parse(source)
        depth = 0
        item_start = False
        heading = 0
        row_cells: list[str] = []
        row_raw: list[str] = []
        header: tuple[str, ...] = ()
        in_head = False
        in_cell = False
        for tok in tokens:
            if len(self.blocks) >= MAX_BLOCKS:
                return
            kind = tok.type
            if kind in ("bullet_list_open", "ordered_list_open"):
                depth += 1
            elif kind in ("bullet_list_close", "ordered_list_close"):
                depth = max(0, depth - 1)
            elif kind == "list_item_open":
                item_start = True
            elif kind == "heading_open":
                heading = int(tok.tag[1])
            elif kind == "heading_close":
                heading = 0
            elif kind == "table_open":
                self.tables += 1
                header = ()
            elif kind == "thead_open":
                in_head = True
            elif kind == "thead_close":
                in_head = False
            elif kind == "tr_open":
                row_cells, row_raw = [], []
            elif kind in ("th_open", "td_open"):
                in_cell = True
            elif kind in ("th_close", "td_close"):
                in_cell = False
            elif kind == "tr_close":
                if in_head:
                    header = tuple(row_cells)
                elif any(row_cells):
                    self.add(Block("row", " | ".join(c for c in row_cells if c),
                                   raw=" | ".join(r for r in row_raw if r), cells=tuple(row_cells),
                                   raw_cells=tuple(row_raw), header=header,
                                   table=self.tables))
            elif kind in ("fence", "code_block"):
                for line in tok.content.split("\n")[:200]:
                    if line.strip():
                        self.add(Block("code", line.strip(), raw=line, depth=depth))
            elif kind == "html_block":
                self._html(tok.content, html_depth)
            elif kind == "inline":
                if in_cell:
                    parts = list(_inline_parts(tok))
                    row_cells.append(" ".join(p[0] for p in parts).strip())
                    row_raw.append(tok.content.strip())
                    continue
                raws = _raw_lines(tok)
                for n, (text, links, bold) in enumerate(_inline_parts(tok)):
                    raw = raws[n].strip() if n < len(raws) else text
                    if heading:
                        if n == 0:
                            self.add(Block("heading", text, raw=raw, level=heading, links=links,
                                           strong=bold))
                        continue
                    if not text and not links:
                        continue
                    if item_start and n == 0:
                        self.add(Block("item", text, raw=raw, depth=depth, links=links,
                                       strong=bold))
                    else:
                        self.add(Block("line", text, raw=raw, depth=depth, links=links,
                                       continued=n > 0 and not self.plain, in_para=n > 0,
                                       strong=bold))
                item_start = False

    def _html(self, content: str, html_depth: int) -> None:
        if html_depth >= MAX_HTML_DEPTH:
            return
        reduced = html_to_text(content)
        if reduced.strip():
            self.read(reduced, _MD_TEXT, html_depth + 1)


def read_markdown(text: str, *, plain: bool = False) -> list[Block]:
    """Blocks of a Markdown report (raw HTML inside is read too); `plain` for .txt reports,
    where an indented line is not code."""
    reader = _Reader(plain)
    reader.read(text, _MD_TEXT if plain else _MD_HTML)
    return reader.blocks


def read_html(text: str) -> list[Block]:
    """Blocks of an HTML page: its main content reduced to Markdown-like text, then read."""
    reader = _Reader()
    reader.read(html_to_text(text), _MD_TEXT, MAX_HTML_DEPTH)
    return reader.blocks
