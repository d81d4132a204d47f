"""store.intent: dates, periods, recency, event abbreviations and noise taken out of a query."""

from __future__ import annotations

import datetime as dt

import pytest

from store.intent import EventInfo, abbreviations, is_noise, matching_events, read_intent

EVENTS = [
    EventInfo(1, "Kubernetes Meetup Tokyo #20", dt.date(2019, 6, 18)),
    EventInfo(2, "CloudNative Days Tokyo 2019 / OpenStack Days Tokyo 2019", dt.date(2019, 7, 22)),
    EventInfo(3, "KubeCon + CloudNativeCon Europe 2025", None),
    EventInfo(4, "Regional Scrum Gathering Tokyo", dt.date(2016, 1, 18)),
    EventInfo(5, "PyCon JP 2018", dt.date(2018, 9, 17)),
]
TODAY = dt.date(2026, 12, 3)  # a Thursday


def test_abbreviations_come_from_the_names() -> None:
    assert {"kmt", "kmt20"} <= abbreviations("Kubernetes Meetup Tokyo #20")
    assert {"cndt", "cndt2019", "cndt19", "osdt2019"} <= abbreviations(EVENTS[1].name)
    assert "rsgt" in abbreviations("Regional Scrum Gathering Tokyo")
    assert abbreviations("勉強会") == set() and abbreviations("Monitorama") == set()


@pytest.mark.parametrize(("query", "start", "end"), [
    ("2018-03-08", dt.date(2018, 3, 8), dt.date(2018, 3, 8)),
    ("2018/3/8 の発表", dt.date(2018, 3, 8), dt.date(2018, 3, 8)),
    ("2019年7月22日", dt.date(2019, 7, 22), dt.date(2019, 7, 22)),
    ("March 8, 2018", dt.date(2018, 3, 8), dt.date(2018, 3, 8)),
    ("8 March 2018", dt.date(2018, 3, 8), dt.date(2018, 3, 8)),
    ("2019年6月", dt.date(2019, 6, 1), dt.date(2019, 6, 30)),
    ("June 2019", dt.date(2019, 6, 1), dt.date(2019, 6, 30)),
    ("2019-06", dt.date(2019, 6, 1), dt.date(2019, 6, 30)),
    ("2019", dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
    ("talks from 2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    ("先週", dt.date(2026, 11, 23), dt.date(2026, 11, 29)),
    ("last month", dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
    ("今年のイベント", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
])
def test_dates_and_periods(query: str, start: dt.date, end: dt.date) -> None:
    intent = read_intent(query, EVENTS, today=TODAY)
    assert (intent.start, intent.end) == (start, end)
    assert intent.words == ""  # nothing but the period (and words that say "talks")


def test_a_date_leaves_the_topic() -> None:
    intent = read_intent("2019年 Prometheus の話", EVENTS, today=TODAY)
    assert intent.start == dt.date(2019, 1, 1) and "Prometheus" in intent.words


def test_a_year_in_an_event_name_stays_a_word() -> None:
    intent = read_intent("PyCon JP 2018", EVENTS, today=TODAY)
    assert intent.start is None and intent.words == "PyCon JP 2018"


def test_an_invalid_date_is_read_as_its_month_at_most() -> None:
    intent = read_intent("2018-02-30", EVENTS, today=TODAY)
    assert (intent.start, intent.end) == (dt.date(2018, 2, 1), dt.date(2018, 2, 28))


@pytest.mark.parametrize("query", ["latest talks", "最新のトーク", "最近のイベント", "recent"])
def test_recency(query: str) -> None:
    intent = read_intent(query, EVENTS, today=TODAY)
    assert intent.recent and intent.words == ""


def test_recency_with_a_topic_keeps_the_topic() -> None:
    intent = read_intent("latest prometheus", EVENTS, today=TODAY)
    assert intent.recent and intent.words == "prometheus"


def test_event_abbreviations_pick_events() -> None:
    assert read_intent("KMT20", EVENTS, today=TODAY).events == {1}
    cndt = read_intent("CNDTでPrometheusの話", EVENTS, today=TODAY)
    assert cndt.events == {2} and "Prometheus" in cndt.words
    assert read_intent("RSGT", EVENTS, today=TODAY).events == {4}
    # a lowercase word that happens to be initials is a word; so is a word the talks use
    assert read_intent("rsgt", EVENTS, today=TODAY).events is None
    assert read_intent("KMT", EVENTS, today=TODAY, known_words=frozenset({"kmt"})).events is None


def test_undated_event_counts_for_the_year_its_name_states() -> None:
    intent = read_intent("2025", EVENTS, today=TODAY)
    assert [e.id for e in EVENTS if intent.admits(e)] == [3]
    june = read_intent("2025年6月", EVENTS, today=TODAY)
    assert [e.id for e in EVENTS if june.admits(e)] == []


@pytest.mark.parametrize("query", ["a", "あ", "???", "%%%", "🍣🍺", "<script>alert(1)</script>",
                                   "'; DROP TABLE talks; --", "OR 1=1", "1 OR 1=1 --", "<b>"])
def test_noise(query: str) -> None:
    assert is_noise(query) and read_intent(query, EVENTS, today=TODAY).noise


@pytest.mark.parametrize("query", ["k8s", "猫", "C#", "Go", "5G", "Ian Lewis", "認証",
                                   "<b>Prometheus</b>", "don't panic", "what's new in Go"])
def test_not_noise(query: str) -> None:
    assert not is_noise(query)


@pytest.mark.parametrize(("text", "ids"), [
    ("2019", [1, 2]), ("KubeCon", [3]), ("kubernetes meetup", [1]), ("KMT", [1]),
    ("2018年9月", [5]), ("Tokyo 2019", [2]), ("nothing", []),
])
def test_matching_events(text: str, ids: list[int]) -> None:
    assert sorted(matching_events(text, EVENTS, today=TODAY)) == ids
