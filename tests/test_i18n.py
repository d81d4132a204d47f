"""Labels: both languages have every key, and no label mixes the two languages."""

from __future__ import annotations

import re

import pytest

from bot.i18n import LABELS

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
# Names, crontab syntax and the formats' names are the same in both languages (Japanese
# writes HTML, Markdown and URL so too); anything else English is a slip.
NAMES = {"meetup-bot", "crontab", "jan", "dec", "sun", "sat", "HTML", "Markdown", "URL"}


def test_both_languages_have_the_same_keys() -> None:
    assert set(LABELS["ja"]) == set(LABELS["en"])


@pytest.mark.parametrize("key", sorted(LABELS["ja"]))
def test_japanese_label_has_no_english_words(key: str) -> None:
    # commands in backticks, placeholders, Slack markup and bold marks are not prose
    prose = re.sub(r"`[^`]*`|\{[a-z_]+\}|<[^>]*>|\*", " ", LABELS["ja"][key])
    words = set(re.findall(r"[A-Za-z][A-Za-z-]{2,}", prose)) - NAMES
    assert not words, (key, words)


@pytest.mark.parametrize("key", sorted(LABELS["en"]))
def test_english_label_has_no_japanese(key: str) -> None:
    assert not JAPANESE.search(LABELS["en"][key]), key
