"""Normalising and tokenising text for search: one definition shared by the index and queries."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

# Terms are what both databases index. Every term is either a run of word characters
# without ASCII punctuation (an English or other alphabetic word, at most MAX_WORD long)
# or one or two CJK characters. Neither FTS5's `ascii` tokenizer nor PostgreSQL's
# tsvector/tsquery input will split or reinterpret such a term.
MAX_WORD = 40
MAX_BODY_TERMS = 50_000

_KANJI = "\u3005-\u3007\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_KATA = "\u30a1-\u30fa\u30fd-\u30ff\u31f0-\u31ff"
_HIRA = "\u3041-\u3096\u309d-\u309f"
_HANGUL = "\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3"
_LONG = "\u30fc"  # ー, the long-vowel mark (half-width ｰ becomes this under NFKC)
_DOT = "\u30fb"  # ・, the middle dot between katakana words (half-width ･ too)
_SEGMENT = re.compile(
    rf"(?P<kanji>[{_KANJI}]+)"
    rf"|(?P<kata>[{_KATA}][{_KATA}{_LONG}]*(?:{_DOT}[{_KATA}][{_KATA}{_LONG}]*)*)"
    rf"|(?P<hira>[{_HIRA}][{_HIRA}{_LONG}]*)"
    rf"|(?P<hangul>[{_HANGUL}]+)"
    rf"|(?P<word>[^\W_{_KANJI}{_KATA}{_HIRA}{_HANGUL}{_LONG}{_DOT}\u3000-\u303f]+)"
)
# C++ and C# would otherwise both become "c".
_SPECIAL = re.compile(r"(?<![0-9a-z])(c\+\+|c#|f#)(?![0-9a-z+#])", re.IGNORECASE)
_SPECIAL_TERMS = {"c++": " cpp ", "c#": " csharp ", "f#": " fsharp "}
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z0-9]+|[A-Z0-9]+")
_KANA_FOLD = {cp: cp - 0x60 for cp in range(0x30A1, 0x30F7)}  # katakana → hiragana
_KANA_FOLD.update({0x30FD: 0x309D, 0x30FE: 0x309E})
_JOINERS = re.compile(f"[{_LONG}{_DOT}]")

Script = Literal["word", "kanji", "kata", "hira", "hangul"]


def _latin_fold_table() -> dict[int, str]:
    """é → e, ñ → n … for Latin letters; kana keep their voicing marks."""
    table: dict[int, str] = {}
    for cp in range(0xC0, 0x250):
        base = "".join(c for c in unicodedata.normalize("NFD", chr(cp))
                       if not unicodedata.combining(c))
        if base and base != chr(cp):
            table[cp] = base
    return table


_LATIN_FOLD = _latin_fold_table()


def fold(text: str) -> str:
    """NFKC, case folding, Latin accents off, katakana as hiragana, ー and ・ dropped.

    The canonical form that phrase checks and fuzzy comparisons work on.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LATIN_FOLD)
    return _JOINERS.sub("", text.translate(_KANA_FOLD))


@dataclass(frozen=True)
class Unit:
    """One word of a query: an alphabetic word or a run of one CJK script, folded."""

    text: str
    script: Script

    @property
    def is_cjk(self) -> bool:
        return self.script != "word"


def _fold_word(word: str) -> str:
    return word.casefold().translate(_LATIN_FOLD)


def _segments(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of each alphabetic word (unfolded) and each CJK run (kana folded), in order;
    the one pass that both the query side and the index side read text with."""
    text = _SPECIAL.sub(lambda m: _SPECIAL_TERMS[m.group(0).casefold()],
                        unicodedata.normalize("NFKC", text))
    for m in _SEGMENT.finditer(text):
        kind, s = m.lastgroup or "", m.group()
        if kind in ("kata", "hira"):
            s = _JOINERS.sub("", s).translate(_KANA_FOLD)
            if not s:
                continue
        yield kind, s


def units(text: str) -> list[Unit]:
    """The text's words in order: alphabetic words, and CJK runs split where the script changes.

    Splitting at script changes separates 運用 from the する that follows it, so a query
    can ignore hiragana particles and inflections.
    """
    out: list[Unit] = []
    for kind, s in _segments(text):
        if kind == "word":
            w = _fold_word(s)
            if len(w) <= MAX_WORD:
                out.append(Unit(w, "word"))
            continue
        out.append(Unit(s, kind))  # type: ignore[arg-type]
    return out


def cjk_terms(run: str) -> list[str]:
    """Index terms of one CJK run: its character bigrams, then its last character alone.

    The trailing unigram makes every character the first character of some term, so a
    one-character query is a prefix query that finds every occurrence.
    """
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]]


def cjk_query_terms(run: str) -> list[str]:
    """What a query run must find: its bigrams (a single character is looked up as a prefix)."""
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


def index_terms(text: str, *, limit: int | None = None) -> list[str]:
    """The text as index terms, in order: words (with camelCase parts) and CJK bigrams."""
    out: list[str] = []
    for kind, s in _segments(text):
        if kind == "word":
            if len(s) > MAX_WORD:
                continue
            w = _fold_word(s)
            out.append(w)
            if len(s) >= 4 and not s.islower() and not s.isupper():
                parts = _CAMEL.findall(s)
                if len(parts) > 1:
                    out.extend(_fold_word(p) for p in parts if len(p) >= 2)
        else:
            out.extend(cjk_terms(s))
        if limit is not None and len(out) >= limit:
            return out[:limit]
    return out


def split_words(text: str) -> list[str]:
    """Plain alphabetic words of already folded text (for names and fuzzy comparisons)."""
    return [u.text for u in units(text) if u.script == "word"]


class _SameLengthFold(dict[int, str]):
    """A str.translate table that folds one character into one character, filled lazily.

    Snippets need offsets that stay valid in the original text, so characters whose
    folding would change the length are only lower-cased.
    """

    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        folded = unicodedata.normalize("NFKC", ch).casefold().translate(_LATIN_FOLD)
        folded = folded.translate(_KANA_FOLD)
        if len(folded) != 1:
            low = ch.lower()
            folded = low if len(low) == 1 else ch
        self[cp] = folded
        return folded


_SAME_LENGTH = _SameLengthFold()


def fold_same_length(text: str) -> str:
    """Like fold() but one character for one, keeping ー and ・, so offsets carry over."""
    return text.translate(_SAME_LENGTH)
