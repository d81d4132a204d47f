"""store.translit: katakana loanwords matched to English words by their sound."""

from __future__ import annotations

import pytest

from store import translit
from store.translit import (
    SAME,
    hiragana_names,
    kana_spelling,
    katakana_words,
    likeness,
    romaji,
    sound_key,
)


@pytest.mark.parametrize(("kana", "expected"), [
    ("ポッド", "poddo"), ("オートスケーリング", "otosukeringu"), ("ティム", "timu"),
    ("イアン・ルイス", "ian ruisu"), ("ジャバ", "jaba"), ("ふぁいる", "fairu"),
])
def test_romaji(kana: str, expected: str) -> None:
    assert romaji(kana) == expected


@pytest.mark.parametrize(("kana", "english"), [
    ("ポッド", "pod"), ("ポッド", "pods"), ("オートスケーリング", "autoscaling"),
    ("コトリン", "kotlin"), ("セキュリティ", "security"), ("プロメテウス", "prometheus"),
    ("オブザーバビリティ", "observability"), ("スレッド", "thread"), ("ホッキン", "hockin"),
    ("マイクロサービス", "microservices"), ("パフォーマンス", "performance"),
    ("エージェント", "agent"), ("コンテナ", "container"), ("テスト", "test"),
    ("コンパイラ", "compiler"), ("テンプレート", "template"), ("アンバサダー", "ambassador"),
])
def test_loanwords_sound_like_their_english(kana: str, english: str) -> None:
    assert likeness(kana, english) >= SAME


@pytest.mark.parametrize(("kana", "english"), [
    ("ポッド", "python"), ("テスト", "list"), ("コンテナ", "kotlin"), ("セキュリティ", "scrum"),
])
def test_different_words_do_not(kana: str, english: str) -> None:
    assert likeness(kana, english) < SAME


def test_sound_key_is_the_consonants() -> None:
    assert sound_key(kana_spelling("ポッド")) == "pd"


def test_katakana_words_and_hiragana_names() -> None:
    assert katakana_words("自作Autoscalerとオートスケーラー・ポッド") == ["オートスケーラー", "ポッド"]
    assert hiragana_names("株式会社はてな") == ["はてな"]
    assert hiragana_names("してみたのは") == []


@pytest.mark.parametrize(("kanji", "reading"), [
    ("市原", "ichihara"), ("五十嵐", "igarashi"), ("長谷川", "hasegawa"), ("北山", "kitayama"),
])
def test_kanji_readings_of_surnames(kanji: str, reading: str) -> None:
    assert translit.reading_key(reading) in {translit.reading_key(r)
                                             for r in translit.kanji_readings(kanji)}


def test_kanji_readings_unknown_or_not_kanji_give_none() -> None:
    assert translit.kanji_readings("\U0002a6b2\U0002a6b2") == ()  # kanji outside the dictionary


@pytest.mark.parametrize(("a", "b"), [("Ohno", "Oono"), ("Ono", "Ōno"), ("Namba", "Nanba"),
                                      ("Satou", "Sato"), ("Yuuki", "Yuki")])
def test_reading_key_makes_usual_spellings_agree(a: str, b: str) -> None:
    assert translit.reading_key(a) == translit.reading_key(b)


def test_reading_key_keeps_different_names_apart() -> None:
    assert translit.reading_key("Ichihara") != translit.reading_key("Ishihara")
