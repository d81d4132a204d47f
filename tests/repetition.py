"""What a reader would see twice in one Slack message: the checker of the no-repetition tests."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

_LINK = re.compile(r"<(?:https?://[^|>]*)\|([^>]*)>|<https?://[^>]*>")
_MARKS = re.compile(r"[*_`\u200b]|^> ", re.M)
# Where a line is cut into the pieces compared: points of a summary, sentences, the parts of
# the speaker line.
_PIECES = re.compile(r"\n| / |。|(?<=[.!?])\s| — | · ")
_SAME_HANDLE = re.compile(r"(@[\w.-]+)\s*(?:/|,|\s)\s*\1(?![\w.-])", re.I)
# Our separators (the notes' own text may hold anything, so only ours are checked).
_DANGLING = re.compile(r"(?:^|\n)\s*(?:—|·)(?:\s|$)|\s(?:—|·)\s*(?:$|\n)|— —|· ·")


def texts(node: Any) -> Iterable[str]:
    """Every mrkdwn and plain_text string of blocks (or a view), in order."""
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
            yield node["text"]
        for key, value in node.items():
            if key not in ("text", "value", "action_id") or not isinstance(value, str):
                yield from texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from texts(item)


def plain(text: str) -> str:
    return _MARKS.sub("", _LINK.sub(lambda m: m.group(1) or "", text))


def repetitions(blocks: Sequence[dict[str, Any]], fallback: str = "", *,
                min_piece: int = 16) -> list[str]:
    """Problems: a piece of text (≥ `min_piece` characters) shown twice in one message, a
    handle twice in a row (`@x / @x`), a separator left dangling. Event names and dates
    repeat across the hits of one event: the speaker/event line is exempt across blocks,
    but not within one talk's own text."""
    problems: list[str] = []
    seen: Counter[str] = Counter()
    for block_text in texts(list(blocks)):
        text = plain(block_text)
        for m in _SAME_HANDLE.finditer(text):
            problems.append(f"handle twice: {m.group(0)!r}")
        if _DANGLING.search(text):
            problems.append(f"dangling separator: {text!r}")
        own: Counter[str] = Counter()
        for line in text.split("\n"):
            meta = " · " in line  # the who — event · date line, or the #id · source line
            for piece in _PIECES.split(line):
                piece = piece.strip(" …")
                if len(piece) >= min_piece:
                    own[piece] += 1
                    if not meta:
                        seen[piece] += 1
        problems += [f"twice in one block: {p!r}" for p, n in own.items() if n > 1]
    problems += [f"twice in the message: {p!r}" for p, n in seen.items() if n > 1]
    if fallback:
        if _DANGLING.search(fallback) or fallback.rstrip().endswith(("—", "·", "/", ":")):
            problems.append(f"dangling separator in the notification text: {fallback!r}")
        for m in _SAME_HANDLE.finditer(fallback):
            problems.append(f"handle twice in the notification text: {m.group(0)!r}")
    return sorted(set(problems))
