"""Turning report file bytes into text: BOMs, Japanese legacy encodings, binary detection."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from store.errors import ReportError

MAX_BYTES = 5 * 1024 * 1024
# Encodings Japanese teams actually produce; charset_normalizer judges between them.
_LEGACY = ("cp932", "euc_jp", "iso2022_jp")


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return True
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(2, len(sample) // 100)


def decode_report(data: bytes) -> str:
    """Decode report bytes to text with `\\n` line ends, or raise ReportError with the reason."""
    if len(data) > MAX_BYTES:
        raise ReportError(f"file is larger than 5 MB ({len(data) // 1024 // 1024} MB)")
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return _tidy(data.decode(codec))
            except UnicodeDecodeError as exc:
                raise ReportError(f"undecodable bytes despite a {codec} BOM") from exc
    if not data.strip():
        raise ReportError("empty file")
    if _looks_binary(data):
        raise ReportError("binary file, not a text report")
    try:
        return _tidy(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    candidates = []
    for codec in _LEGACY:
        try:
            candidates.append((codec, data.decode(codec)))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise ReportError("undecodable bytes: not UTF-8, Shift_JIS/CP932 or EUC-JP")
    if len(candidates) > 1:
        best = from_bytes(data, cp_isolation=[c for c, _ in candidates]).best()
        if best is not None:
            chosen = codecs.lookup(best.encoding).name
            for codec, text in candidates:
                if codecs.lookup(codec).name == chosen:
                    return _tidy(text)
    return _tidy(candidates[0][1])


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise ReportError("empty file")
    return text
