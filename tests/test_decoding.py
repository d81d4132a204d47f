"""Tests of store.decoding: encodings, BOMs, line ends and the files that must be refused."""

from __future__ import annotations

import codecs

import pytest

from store.decoding import MAX_BYTES, decode_report
from store.errors import ReportError

TEXT = "## 認証と監視の話\nby 山田 太郎 (サンプル株式会社)\n\n- コンテナの運用を改善する\n"


@pytest.mark.parametrize("encoding", ["utf-8", "cp932", "shift_jis", "euc_jp"])
def test_decode_report_japanese_encodings(encoding: str) -> None:
    assert decode_report(TEXT.encode(encoding)) == TEXT


def test_decode_report_utf8_bom_and_crlf() -> None:
    data = codecs.BOM_UTF8 + TEXT.replace("\n", "\r\n").encode("utf-8")
    assert decode_report(data) == TEXT


def test_decode_report_utf16_with_bom() -> None:
    assert decode_report(TEXT.encode("utf-16")) == TEXT


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n\t ", "empty file"),
        (codecs.BOM_UTF8 + b"\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        (bytes([0x80, 0x81, 0xFF, 0xFE, 0x20]) * 40, "undecodable"),
    ],
)
def test_decode_report_refuses_bad_input(data: bytes, reason: str) -> None:
    with pytest.raises(ReportError) as err:
        decode_report(data)
    assert reason in str(err.value)
    assert "\n" not in str(err.value)


def test_decode_report_refuses_oversized() -> None:
    with pytest.raises(ReportError, match="larger than 5 MB"):
        decode_report(b"a" * (MAX_BYTES + 1))
