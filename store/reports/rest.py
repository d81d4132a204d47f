"""reStructuredText in a plain-text report, rewritten as the Markdown the block reader knows.

Sphinx and docutils pages are written as .txt/.rst: section titles underlined (and maybe
overlined) with a punctuation line, hyperlinks as `` `text <url>`_ ``, field lists
(`:Name: value`) and directives (`.. image::`, `.. raw:: html`) whose indented bodies are
markup, not words. Each line is looked at once (linear in the text).
"""

from __future__ import annotations

import re

# A text file is read as reST when it shows reST's own markup: a directive or a hyperlink.
_REST_SIGN = re.compile(r"^\.\. [\w:-]+::|^\.\. _[^:\n]{1,80}:|`[^`\n]{1,300}<[^<>\n]{1,500}>`__?",
                        re.M)
_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+:.<>_])\1{2,}\s*$")
_DIRECTIVE = re.compile(r"^(\s*)\.\.(?:\s|$)")
_FIELD = re.compile(r"^(\s*):([^:`\n]{1,30}):(?:\s+(.*))?$")
_ROLE = re.compile(r":[\w:+-]{1,30}:`([^`<\n]{0,300}?)\s*(?:<[^<>`\n]{0,500}>)?`")
_LINK = re.compile(r"`([^`<\n]{1,300}?)\s*<([^<>`\n]{1,500})>`__?")
_REF = re.compile(r"`([^`\n]{1,300})`__?")
_LITERAL = re.compile(r"``([^`\n]{1,300})``")
MAX_LEVELS = 6


def looks_like_rest(text: str) -> bool:
    return bool(_REST_SIGN.search(text[:200_000]))


def _inline(line: str) -> str:
    line = _LITERAL.sub(r"`\1`", line)
    line = _ROLE.sub(r"\1", line)

    def link(m: re.Match[str]) -> str:
        text, target = m.group(1).strip(), m.group(2).strip()
        if re.match(r"(?:https?:)?//", target):
            return f"[{text}]({target})" if text else target
        return text or target

    line = _LINK.sub(link, line)
    return _REF.sub(r"\1", line)


def rest_to_markdown(text: str) -> str:
    """The reST text as Markdown: titles as `#` headings (levels in the order their
    adornments first appear), links as `[text](url)`, field lists as `Label: value` lines,
    directives and link targets left out."""
    lines = text.split("\n")
    styles: list[tuple[str, bool]] = []
    out: list[str] = []
    skip_indent: int | None = None  # inside a directive's body: lines indented deeper
    n = 0
    while n < len(lines):
        ln = lines[n]
        if skip_indent is not None:
            if not ln.strip() or len(ln) - len(ln.lstrip()) > skip_indent:
                n += 1
                continue
            skip_indent = None
        d = _DIRECTIVE.match(ln)
        if d:
            skip_indent = len(d.group(1))
            out.append("")
            n += 1
            continue
        nxt = lines[n + 1] if n + 1 < len(lines) else ""
        over = _ADORNMENT.match(ln)
        if over and nxt.strip() and n + 2 < len(lines) and lines[n + 2].strip() == ln.strip():
            title, style = nxt.strip(), (ln.strip()[0], True)
            n += 3
        elif (ln.strip() and not over and _ADORNMENT.match(nxt) and not ln.startswith((" ", "\t"))
              and len(nxt.strip()) >= min(len(ln.strip()), 3)):
            title, style = ln.strip(), (nxt.strip()[0], False)
            n += 2
        else:
            f = _FIELD.match(ln)
            if f:
                ln = f"{f.group(1)}{f.group(2).strip()}: {f.group(3) or ''}".rstrip()
            out.append(_inline(ln))
            n += 1
            continue
        if style not in styles:
            styles.append(style)
        level = min(MAX_LEVELS, styles.index(style) + 1)
        out += ["", "#" * level + " " + _inline(title), ""]
    return "\n".join(out)
