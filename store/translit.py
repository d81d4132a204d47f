"""Katakana loanwords and their English words: オートスケール ↔ autoscale, ポッド ↔ pod.

Katakana is romanised by the Hepburn system (a transliteration of the script, not a list of
words), and both the romanisation and an English spelling are reduced to a sound key:
the consonants as Japanese hears them (l as r, v as b, c as k or s, th as s, ph as f, doubled
letters once) with the vowels dropped. Two words whose keys are equal and whose reduced
spellings are close enough (rapidfuzz) are taken as the same word. The search offers an
English word of the store's vocabulary for a katakana query word, and a katakana word of the
store's titles for an English one, each worth a little less than the word typed.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

_DIGRAPHS = {
    "キャ": "kya", "キュ": "kyu", "キョ": "kyo", "シャ": "sha", "シュ": "shu", "ショ": "sho",
    "シェ": "she", "チャ": "cha", "チュ": "chu", "チョ": "cho", "チェ": "che", "ニャ": "nya",
    "ニュ": "nyu", "ニョ": "nyo", "ヒャ": "hya", "ヒュ": "hyu", "ヒョ": "hyo", "ミャ": "mya",
    "ミュ": "myu", "ミョ": "myo", "リャ": "rya", "リュ": "ryu", "リョ": "ryo", "ギャ": "gya",
    "ギュ": "gyu", "ギョ": "gyo", "ジャ": "ja", "ジュ": "ju", "ジョ": "jo", "ジェ": "je",
    "ビャ": "bya", "ビュ": "byu", "ビョ": "byo", "ピャ": "pya", "ピュ": "pyu", "ピョ": "pyo",
    "ティ": "ti", "ディ": "di", "トゥ": "tu", "ドゥ": "du", "デュ": "dyu", "テュ": "tyu",
    "ファ": "fa", "フィ": "fi", "フェ": "fe", "フォ": "fo", "フュ": "fyu", "ウィ": "wi",
    "ウェ": "we", "ウォ": "wo", "ヴァ": "va", "ヴィ": "vi", "ヴェ": "ve", "ヴォ": "vo",
    "ツァ": "tsa", "ツィ": "tsi", "ツェ": "tse", "ツォ": "tso", "クァ": "kwa", "クィ": "kwi",
    "クェ": "kwe", "クォ": "kwo", "グァ": "gwa", "イェ": "ye", "スィ": "si", "ズィ": "zi",
}
_SINGLE = dict(zip(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロ"
    "ワヲンガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォャュョヮ",
    ["a", "i", "u", "e", "o", "ka", "ki", "ku", "ke", "ko", "sa", "shi", "su", "se", "so",
     "ta", "chi", "tsu", "te", "to", "na", "ni", "nu", "ne", "no", "ha", "hi", "fu", "he",
     "ho", "ma", "mi", "mu", "me", "mo", "ya", "yu", "yo", "ra", "ri", "ru", "re", "ro", "wa",
     "o", "n", "ga", "gi", "gu", "ge", "go", "za", "ji", "zu", "ze", "zo", "da", "ji", "zu",
     "de", "do", "ba", "bi", "bu", "be", "bo", "pa", "pi", "pu", "pe", "po", "vu", "a", "i",
     "u", "e", "o", "ya", "yu", "yo", "wa"], strict=True))
_KATA_RUN = re.compile(r"[\u30a1-\u30fa\u30fc\u30fb]+")


def to_katakana(text: str) -> str:
    """Hiragana as katakana (the romanisation reads both alike)."""
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def romaji(kana: str) -> str:
    """Hepburn romanisation of katakana (and hiragana); ・ becomes a space, ー is dropped
    (a long vowel is one vowel to the sound key), ッ doubles the next consonant."""
    text = to_katakana(unicodedata.normalize("NFKC", kana))
    out: list[str] = []
    double = False
    i = 0
    while i < len(text):
        pair = text[i:i + 2]
        if pair in _DIGRAPHS:
            syl, i = _DIGRAPHS[pair], i + 2
        else:
            c = text[i]
            i += 1
            if c == "ッ":
                double = True
                continue
            if c == "・":
                out.append(" ")
                continue
            if c == "ー":
                continue
            syl = _SINGLE.get(c, "")
        if double and syl:
            syl = syl[0] + syl
        double = False
        out.append(syl)
    return "".join(out)


_EN_RULES = [
    (re.compile(r"tion"), "shon"), (re.compile(r"sion"), "shon"), (re.compile(r"ph"), "f"),
    (re.compile(r"ck"), "k"), (re.compile(r"qu"), "kw"), (re.compile(r"x"), "ks"),
    (re.compile(r"c(?=[eiy])"), "s"), (re.compile(r"c"), "k"), (re.compile(r"th"), "s"),
    (re.compile(r"wh"), "w"), (re.compile(r"gh"), ""), (re.compile(r"y$"), "i"),
    (re.compile(r"ng"), "n"), (re.compile(r"(?<=[aeiou])r(?![aeiou])"), ""),
    (re.compile(r"(?<=i)gn"), "n"), (re.compile(r"g(?=[ei])"), "j"),
    (re.compile(r"m(?=[bp])"), "n"),  # compiler: ン before p and b, romanised n (コンパイラ)
]
_JA_RULES = [
    (re.compile(r"shi"), "si"), (re.compile(r"chi"), "ti"), (re.compile(r"tsu"), "tu"),
    (re.compile(r"fu"), "hu"), (re.compile(r"ji"), "si"), (re.compile(r"(?<=[kgsztdnhbpmr])y"), ""),
    (re.compile(r"ng"), "n"),
]
_SOUND = str.maketrans({"l": "r", "v": "b", "w": "u", "f": "h", "j": "s", "z": "s", "q": "k",
                        "c": "k", "y": "i"})
_DOUBLE = re.compile(r"(.)\1+")
_VOWELS = re.compile(r"[aeiou]+")


def _reduce(word: str, rules: list[tuple[re.Pattern[str], str]]) -> str:
    w = word.lower()
    for pat, rep in rules:
        w = pat.sub(rep, w)
    return _DOUBLE.sub(r"\1", w.translate(_SOUND))


_TH_AS_T = [(re.compile(r"th"), "t")]


def english_spellings(word: str) -> set[str]:
    """An English word reduced the way its katakana spelling would sound: th as s or t
    (スレッド, プロメテウス), and a plural as its singular (pods → ポッド)."""
    w = word.lower()
    forms = {w}
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        forms.add(w[:-2] if w.endswith(("ses", "xes", "ches", "shes")) else w[:-1])
    return {_reduce(f, rules) for f in forms for rules in (_EN_RULES, _TH_AS_T + _EN_RULES)}


def kana_spelling(kana: str) -> str:
    """A katakana word's romanisation, reduced (final epenthetic vowels dropped)."""
    r = _reduce(romaji(kana).replace(" ", ""), _JA_RULES)
    return re.sub(r"(?<=[^aeiou])[uo]$", "", r)


def sound_key(reduced: str) -> str:
    """The consonants of a reduced spelling."""
    return _VOWELS.sub("", reduced)


SAME = 55.0  # the least likeness (rapidfuzz ratio of the reduced spellings) that counts


def same_word(kana_reduced: str, english_reduced: str) -> float:
    """How alike a katakana word and an English word sound (0-100), 0 unless their consonant
    keys agree."""
    k1, k2 = sound_key(kana_reduced), sound_key(english_reduced)
    if not k1 or k1 != k2:
        return 0.0
    return fuzz.ratio(kana_reduced, english_reduced)


def likeness(kana: str, english: str) -> float:
    """`same_word` of a katakana word and an English word, over the English word's forms."""
    k = kana_spelling(kana)
    return max(same_word(k, e) for e in english_spellings(english))


def katakana_words(text: str) -> list[str]:
    """The katakana words of a text (runs of three characters or more, split at ・)."""
    out: list[str] = []
    for run in _KATA_RUN.findall(unicodedata.normalize("NFKC", text)):
        out.extend(w for w in run.split("・") if len(w.replace("ー", "")) >= 2)
    return out


_HIRA_RUN = re.compile(r"[\u3041-\u3096\u30fc]{3,}")
_PARTICLE_END = re.compile(r"[のでにはをがともへや]$")


def hiragana_names(text: str) -> list[str]:
    """Hiragana runs of three or more that may be names (株式会社はてな): not runs that end
    with a particle, which are grammar."""
    return [r for r in _HIRA_RUN.findall(unicodedata.normalize("NFKC", text))
            if not _PARTICLE_END.search(r)]


# Kanji have no spelling to transliterate: their readings come from Sudachi's small
# dictionary (SudachiPy, Apache-2.0; loaded on first use, a quarter of a second, the
# dictionary memory-mapped). Only names are read this way (市原 ↔ Ichihara).
_reader = None
_reader_lock = threading.Lock()


def _morphemes(text: str) -> list[Any]:
    """Sudachi's words of `text`; the dictionary is loaded on first use, once a process."""
    global _reader
    with _reader_lock:
        if _reader is None:
            from sudachipy import Dictionary

            _reader = Dictionary(dict="small").tokenizer()
        return list(_reader.tokenize(text))


@lru_cache(maxsize=4096)
def kanji_readings(text: str) -> tuple[str, ...]:
    """Hepburn readings of a kanji word (市原 → ichihara); none for a kanji the dictionary
    does not know."""
    kana = "".join(m.reading_form() for m in _morphemes(text))
    reading = romaji(kana).replace(" ", "") if not _HAS_KANJI.search(kana) else ""
    return (reading,) if reading.isalpha() and reading.isascii() else ()


@lru_cache(maxsize=4096)
def japanese_name(text: str) -> bool:
    """Whether a short Japanese word is a person's name by Sudachi's dictionary: nouns only,
    at least half of its characters in words tagged as names (山本由佳里, イワタ; not 入門)."""
    text = text.strip()
    if not 2 <= len(text) <= 12 or not re.fullmatch(r"[\u3005\u3040-\u30ff\u3400-\u9fff\s・]+", text):
        return False
    words = [(m.surface(), m.part_of_speech()) for m in _morphemes(text)]
    named = sum(len(w) for w, pos in words if pos[2] == "人名")
    nouns = all(pos[0] in ("名詞", "補助記号", "空白") for _w, pos in words)
    return nouns and named * 2 >= len(text.replace(" ", "").replace("\u3000", ""))


_HAS_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def reading_key(romanised: str) -> str:
    """A romanised Japanese name reduced so that its usual spellings agree: long vowels once
    (Ohno, Ono, Oono, Ōno), m before b/p as n (Namba, Nanba)."""
    s = unicodedata.normalize("NFKD", romanised.casefold())
    s = "".join(c for c in s if c.isascii() and c.isalpha())
    s = re.sub(r"oh(?=[^aeiou]|$)", "o", s)
    s = s.replace("ou", "o").replace("uu", "u")
    s = re.sub(r"([aeiou])\1+", r"\1", s)
    return re.sub(r"m(?=[bp])", "n", s)
