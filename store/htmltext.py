"""HTML pages reduced to Markdown-like text, keeping headings and list items as structure."""

from __future__ import annotations

import html
import re

# Deeper lists keep this indentation: more says nothing and costs memory per line.
MAX_INDENT = 8
MAX_TOKENS = 60_000
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
    r"|<(/?)([A-Za-z][A-Za-z0-9:-]{0,30})\b[^>]*>|<![^>]*>|<\?[^>]*>|<|[^<]+",
    re.S | re.I)


class _Reducer:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.list_depth = 0

    def _newline(self, n: int = 1) -> None:
        tail = "".join(self.out[-2:])
        want = "\n" * n
        if not tail.endswith(want):
            self.out.append(want[len(tail) - len(tail.rstrip("\n")):] if tail else "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
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
        elif tag == "pre":
            self.pre += 1
            self._newline(2)
            self.out.append("```\n")
        elif tag in _BLOCK:
            self._newline(2)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self._newline(2)
        elif tag in ("ul", "ol"):
            self.list_depth = max(0, self.list_depth - 1)
            self._newline(2)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self._newline(1)
            self.out.append("```\n")
        elif tag in _BLOCK or tag == "li":
            self._newline(1)

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
            if m.group(1):  # script, style …: nothing a reader sees
                continue
            name = m.group(3)
            if name:
                if m.group(2):
                    self.handle_endtag(name.lower())
                else:
                    self.handle_starttag(name.lower(), [])
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
