"""Block Kit messages rendered as terminal text, for `meetup-bot ask`."""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence
from typing import Any

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")
_BARE_LINK = re.compile(r"<(https?://[^|>]+)>")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_HIGHLIGHT = re.compile("\u200b\\*([^*\n]+)\\*\u200b")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")

BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"


def mrkdwn_to_text(text: str, *, color: bool = False) -> str:
    """Slack mrkdwn as plain text: links as 'label (url)', bold as ANSI bold or plain."""
    # Our highlights are *bold* between zero-width spaces (bot.blocks.highlighted).
    text = _HIGHLIGHT.sub(lambda m: f"{BOLD}{m.group(1)}{RESET}" if color else m.group(1), text)
    text = text.replace("\u200b", "")
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _MENTION.sub(lambda m: f"@{m.group(1)}", text)
    text = _BOLD.sub(lambda m: f"{BOLD}{m.group(1)}{RESET}" if color else m.group(1), text)
    text = _ITALIC.sub(lambda m: f"{DIM}{m.group(1)}{RESET}" if color else m.group(1), text)
    return html.unescape(text)


def render_blocks(blocks: Sequence[dict[str, Any]], *, color: bool = False, width: int = 100
                  ) -> str:
    """The message as a person would read it in Slack, buttons shown as [label]."""
    lines: list[str] = []

    def add(text: str, indent: str = "") -> None:
        for raw in text.splitlines() or [""]:
            wrapped = textwrap.wrap(raw, width=width, initial_indent=indent,
                                    subsequent_indent=indent + ("  " if raw.startswith(">") else ""),
                                    break_long_words=False, replace_whitespace=False)
            lines.extend(wrapped or [indent.rstrip()])

    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = block["text"]["text"]
            lines.append(f"{BOLD}{title}{RESET}" if color else title)
            lines.append("=" * min(width, max(len(title) * 2, 10)))
        elif kind == "section":
            add(mrkdwn_to_text(block.get("text", {}).get("text", ""), color=color))
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                lines.append(f"  [{accessory['text']['text']}]")
        elif kind == "context":
            texts = [mrkdwn_to_text(e.get("text", ""), color=False)
                     for e in block.get("elements", [])]
            add(" · ".join(texts), indent="  ")
            lines.append("")
        elif kind == "actions":
            labels = " ".join(f"[{e['text']['text']}]" for e in block.get("elements", [])
                              if e.get("type") == "button")
            lines.append(labels)
        elif kind == "divider":
            lines.append("-" * min(width, 40))
    return "\n".join(lines).rstrip() + "\n"
