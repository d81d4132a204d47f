"""Tests of store.frontmatter: YAML and TOML front matter read with limits, dates that never raise."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc

import pytest

from store.errors import ReportError
from store.frontmatter import (
    MAX_TAG_CHARS,
    MAX_TAGS,
    as_date,
    read_front_matter,
    split_front_matter,
)

# The 372-byte "billion laughs": nine levels of nine aliases, 9**9 strings expanded.
BOMB = "".join(
    [
        '---\nevent: "X"\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
        *(f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True)),
    ]
)


@pytest.mark.parametrize("value", ["2018-02-30", "2018-13-01", "0000-01-01",
                                   "2018-01-01T25:00:00", "2018-01-01 10:00:00 +25:00",
                                   "2018-01-01T10:00:00+25:00", "!!timestamp yesterday",
                                   "!!timestamp 2018-02-30"])
def test_read_front_matter_invalid_date_is_absent_with_warning(value: str) -> None:
    fm = read_front_matter(f'---\nevent: "X"\ndate: {value}\n---\n\n## Talk\n- point\n')
    assert fm.data == {"event": "X", "date": None}
    assert fm.body == "\n## Talk\n- point\n"
    assert len(fm.warnings) == 1 and "not a valid date" in fm.warnings[0]


def test_read_front_matter_valid_dates_stay_dates() -> None:
    fm = read_front_matter("---\ndate: 2019-06-18\nat: 2019-06-18T19:00:00+09:00\n---\n")
    assert fm.data["date"] == dt.date(2019, 6, 18)
    assert as_date(fm.data["at"]) == dt.date(2019, 6, 18) and fm.warnings == []


@pytest.mark.parametrize("key", ["tags", "categories"])
def test_split_front_matter_alias_bomb_refused_fast_and_small(key: str) -> None:
    text = f"{BOMB}{key}: [{','.join(['*h'] * 9)}]\n---\n\n## Talk\n- point\n"
    assert len(text.encode()) <= 400
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ReportError, match="YAML aliases"):
            split_front_matter(text)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0 and peak < 100 * 1024 * 1024


def test_split_front_matter_small_aliases_still_work() -> None:
    data, _ = split_front_matter("---\nbase: &b {venue: Hall}\nevent: &e Meetup\nname: *e\n"
                                 "more:\n  <<: *b\n  floor: 3\n---\n")
    assert data["name"] == "Meetup" and data["more"] == {"venue": "Hall", "floor": 3}


@pytest.mark.parametrize("text", [
    "---\ntags: " + "[" * 10_000 + "]" * 10_000 + "\n---\n",
    "---\ntags: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n---\n",
    "---\n" + "".join(" " * i + "a:\n" for i in range(60)) + "---\n",
    "+++\ntags = " + "[" * 10_000 + "]" * 10_000 + "\n+++\n",
    "+++\na = " + "{b = " * 500 + "1" + "}" * 500 + "\n+++\n",
])
def test_split_front_matter_deep_nesting_is_one_line_error(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ReportError) as info:
        split_front_matter(text)
    assert "deeper than" in str(info.value) and "\n" not in str(info.value)
    # PyYAML alone scans ~1,000 brackets ahead, quadratically (0.3-0.5 s), before any depth
    assert time.perf_counter() - started < 0.15


def test_split_front_matter_size_bounded() -> None:
    huge = "---\n" + "key: value\n" * 10_000 + "---\n## Talk\n"
    with pytest.raises(ReportError, match="longer than 64 KB"):
        split_front_matter(huge)
    # a file without a closing line is still "broken", however long
    with pytest.raises(ReportError, match="no closing"):
        split_front_matter("---\nevent: X\n" + "text\n" * 100_000)


def test_read_front_matter_caps_tags_and_lists() -> None:
    tags = ", ".join(f"t{i}" for i in range(500))
    fm = read_front_matter(f"---\ntags: [{tags}, {'x' * 5000}]\ncategories: [[nested], {{a: 1}}, "
                           f"ok]\nitems: [{', '.join(['1'] * 1000)}]\n---\n")
    assert fm.data["tags"] == [f"t{i}" for i in range(MAX_TAGS)]
    assert fm.data["categories"] == ["ok"]
    assert isinstance(fm.data["items"], list) and len(fm.data["items"]) == 200
    assert len(fm.warnings) == 3
    long_tag = read_front_matter(f"---\ntags: {'y' * 5000}\n---\n").data["tags"]
    assert long_tag == "y" * MAX_TAG_CHARS


def test_read_front_matter_values_storable_on_both_databases() -> None:
    fm = read_front_matter('---\nvenue: "a\\0b\\ud800c"\nr: &r [1, *r]\nn: ' + "9" * 5000
                           + "\nb: !!binary aGVsbG8=\n---\n")
    assert fm.data["venue"] == "ab\ufffdc"
    assert fm.data["r"] == [1, None]  # the cycle is cut
    assert fm.data["n"] == "9" * 5000 and fm.data["b"] is None


def test_read_front_matter_toml() -> None:
    fm = read_front_matter('+++\nEvent = "Infra Study #3"\ndate = 2018-02-30\n'
                           'tags = ["k8s", "sre"]\nvenue = "\\u0000Hall"\n+++\n## Talk\n')
    assert fm.data == {"event": "Infra Study #3", "date": None, "tags": ["k8s", "sre"],
                       "venue": "Hall"}
    assert fm.body == "## Talk\n" and "not a valid date" in fm.warnings[0]
    assert read_front_matter("+++\ndate = 2019-06-18\n+++\n").data["date"] == dt.date(2019, 6, 18)
    with pytest.raises(ReportError, match="broken front matter"):
        split_front_matter("+++\nevent = \n+++\n")
    with pytest.raises(ReportError, match="closing '\\+\\+\\+'"):
        split_front_matter("+++\nevent = 1\n")


@pytest.mark.parametrize("text", ["---\n- a\n- b\n---\n", "---\n'just text'\n---\n"])
def test_split_front_matter_not_a_mapping(text: str) -> None:
    with pytest.raises(ReportError, match="key: value"):
        split_front_matter(text)


def test_split_front_matter_empty_and_absent() -> None:
    assert split_front_matter("---\n---\nbody") == ({}, "body")
    assert split_front_matter("# Title\n---\n") == ({}, "# Title\n---\n")


@pytest.mark.parametrize("value", [None, 3, 3.5, [2019, 6, 18], {"y": 2019}, "", "2018-02-30",
                                   "0000-01-01", "someday", "9" * 5000, object()])
def test_as_date_never_raises(value: object) -> None:
    assert as_date(value) is None


def test_as_date_accepts_dates_datetimes_and_iso_text() -> None:
    assert as_date(dt.datetime(2019, 6, 18, 19, 0)) == dt.date(2019, 6, 18)
    assert as_date(dt.date(2019, 6, 18)) == dt.date(2019, 6, 18)
    assert as_date("2019-06-18") == as_date(" 2019-06-18T19:00 ") == dt.date(2019, 6, 18)
