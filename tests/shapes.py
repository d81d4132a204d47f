"""Pathological report shapes, shared by the parser's cost tests and benchmarks/parse_bench.py.

Each builder returns (file name, text) of about `size` bytes: deep nesting, long lines of
brackets, huge numbers of headings, and other shapes that make naive parsers quadratic.
"""

from __future__ import annotations

from collections.abc import Callable


def nested_html_lists(size: int) -> tuple[str, str]:
    depth = size // 9
    return "nested.html", "<html><body>" + "<ul><li>x" * depth + "</li></ul>" * 10 + "</body></html>"


def nested_brackets_line(size: int) -> tuple[str, str]:
    n = size // 2
    return "brackets.md", "## " + "[" * n + "]" * n + "\n"


def link_brackets_line(size: int) -> tuple[str, str]:
    n = size // 4
    return "links.md", "- " + "[a](" * n + "\n"


def empty_headings(size: int) -> tuple[str, str]:
    return "headings.md", "#\n" * (size // 2)


def many_talk_headings(size: int) -> tuple[str, str]:
    line = "## Talk number {n} by Speaker Name{n} (Org)\n- point\n"
    n = size // len(line.format(n=10000))
    return "talks.md", "".join(line.format(n=k) for k in range(n))


def deep_markdown_lists(size: int) -> tuple[str, str]:
    depth = max(1, min(int((size / 2) ** 0.5), 1000))
    lines = ["  " * k + "- item" for k in range(depth)]
    text = "\n".join(lines) + "\n"
    return "deep.md", (text * max(1, size // len(text)))[:size]


def long_single_line(size: int) -> tuple[str, str]:
    return "line.txt", "Talk by " + "Name " * (size // 5) + "\n"


def table_flood(size: int) -> tuple[str, str]:
    row = "| 10:00 | talk a [📄](u) | talk b | talk c |\n"
    head = "| 時刻 | Track1 | Track2 | Track3 |\n|---|---|---|---|\n"
    return "table.md", head + row * (size // len(row))


def quotes_and_dashes(size: int) -> tuple[str, str]:
    return "dashes.txt", ("「" + "a - b / c : " * 20 + "」 ― " + "x" * 20 + "\n") * (size // 300)


def blockquote_nesting(size: int) -> tuple[str, str]:
    return "quotes.md", ">" * (size // 2) + " text\n"


def emphasis_flood(size: int) -> tuple[str, str]:
    return "emphasis.md", "*a **b " * (size // 7) + "\n"


def html_table_flood(size: int) -> tuple[str, str]:
    """Raw HTML tables inside Markdown: many small grids, then layout tables nested deep."""
    grid = ("<table>\n<tr><th>発表者</th><th>タイトル</th></tr>\n"
            "<tr><td>Ann Lee</td><td>Talk <a href=\"u\">x</a></td></tr>\n"
            "<tr><td>Bo Chan</td><td>Other talk</td></tr>\n</table>\n\n")
    nested = "<table><tr><td>x" * (size // 2 // 20) + "</td></tr></table>" * 5
    return "tables.md", grid * (size // 2 // len(grid)) + nested + "\n"


def keynote_block_flood(size: int) -> tuple[str, str]:
    """One session code over a keynote block of bare title lines and who-lines."""
    unit = "導入事例の紹介 {n}\n\nExample Org {n}\n\nnote\nmore\n\n"
    head = "[A1] first talk\n\n- point\n\n[K1] Keynote\n\n"
    n = size // len(unit.format(n=10000).encode())
    return "keynotes.txt", head + "".join(unit.format(n=k) for k in range(n))


def unclosed_comments(size: int) -> tuple[str, str]:
    return "comments.md", "## Talk by Name\n" + "<!-- a " * (size // 7) + "\n"


SHAPES: dict[str, Callable[[int], tuple[str, str]]] = {
    "nested html lists": nested_html_lists,
    "nested brackets line": nested_brackets_line,
    "unclosed links line": link_brackets_line,
    "empty headings": empty_headings,
    "many talk headings": many_talk_headings,
    "deep markdown lists": deep_markdown_lists,
    "one long line": long_single_line,
    "table flood": table_flood,
    "html table flood": html_table_flood,
    "quotes and dashes": quotes_and_dashes,
    "blockquote nesting": blockquote_nesting,
    "emphasis flood": emphasis_flood,
    "keynote block flood": keynote_block_flood,
    "unclosed comments": unclosed_comments,
}
