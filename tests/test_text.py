"""Tests of store.text: normalisation and the terms both databases index."""

from __future__ import annotations

import pytest

from store.text import (
    cjk_query_terms,
    cjk_terms,
    fold,
    fold_same_length,
    index_terms,
    units,
)


@pytest.mark.parametrize(("a", "b"), [
    ("ＫＵＢＥＲＮＥＴＥＳ　１２３", "kubernetes 123"),  # full-width letters, digits, space
    ("ｻｰﾊﾞｰ", fold("サーバー")),  # half-width katakana
    ("サーバー", "さば"),  # long-vowel marks dropped, katakana as hiragana
    ("サーバ", fold("サーバー")),
    ("サービス・メッシュ", fold("サービスメッシュ")),  # middle dot
    ("Café", "cafe"),
    ("Straße", "strasse"),
])
def test_fold_equates_spellings(a: str, b: str) -> None:
    assert fold(a) == b


def test_fold_keeps_voicing_marks_of_kana() -> None:
    assert fold("ガ") == "が" and fold("ｶﾞ") == "が"
    assert fold("パ") != fold("ハ")


def test_units_split_scripts_and_fold() -> None:
    got = [(u.text, u.script) for u in units("DBをk8sで運用するには")]
    assert got == [("db", "word"), ("を", "hira"), ("k8s", "word"), ("で", "hira"),
                   ("運用", "kanji"), ("するには", "hira")]
    assert [u.text for u in units("サーバー・レス")] == ["さばれす"]
    assert [u.text for u in units("C++ と C#")] == ["cpp", "と", "csharp"]


def test_units_drop_overlong_words_and_symbols() -> None:
    assert units("a" * 41) == []
    assert units("😀 \x00 ★ ー ・ \u200b") == []
    assert [u.text for u in units("y_taka_23 CI/CD v1.12")] == ["y", "taka", "23", "ci", "cd",
                                                               "v1", "12"]


def test_cjk_terms_every_character_starts_a_term() -> None:
    assert cjk_terms("認証") == ["認証", "証"]
    assert cjk_terms("監") == ["監"]
    assert cjk_terms("でたべす") == ["でた", "たべ", "べす", "す"]
    assert cjk_query_terms("でたべす") == ["でた", "たべ", "べす"]
    run = "段階移行計画"
    assert {t[0] for t in cjk_terms(run)} == set(run)


def test_index_terms_camel_case_parts_and_scripts() -> None:
    assert index_terms("@IanMLewis") == ["ianmlewis", "ian", "lewis"]
    assert index_terms("CustomResourceDefinition")[1:] == ["custom", "resource", "definition"]
    assert index_terms("k8s K8S kubernetes") == ["k8s", "k8s", "kubernetes"]
    assert index_terms("Kubernetesの認証フロー") == ["kubernetes", "の", "認証", "証", "ふろ", "ろ"]
    assert index_terms("ＤＢ と ｻｰﾊﾞｰ") == ["db", "と", "さば", "ば"]


def test_index_terms_limit() -> None:
    assert len(index_terms("word " * 100, limit=10)) == 10


@pytest.mark.parametrize("text", ["", "ｶﾞｰﾄﾞ ＡＢＣ Straße ǅ ﬁ ㍻", "ー・\n\t", "😀" * 5])
def test_index_terms_never_hold_separators_or_quotes(text: str) -> None:
    for term in index_terms(text):
        assert term and not any(c.isspace() or c in "\"'\\:*()&|!<>" for c in term)


def test_fold_same_length_keeps_offsets() -> None:
    for text in ["ＫＵＢＥ ｻｰﾊﾞｰ Straße ﬁ ㍻ İ", "ライブコーディング"]:
        assert len(fold_same_length(text)) == len(text)
    assert fold_same_length("データベース") == "でーたべーす"
