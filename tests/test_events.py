"""The event name and stated event date of a report (store.reports.events).

Corpus and seed texts are read at test time from ../shared; none of their text is here.
Expected seed names and dates are facts read from `parse_report` on main (commit 0888688).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import tomllib
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from store.decoding import decode_report
from store.htmltext import html_to_text
from store.reports.events import EventGuess, date_in, guess_event

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
SEEDS = SHARED / "seeds"

# --------------------------------------------------------------------------- scorer's rule
_CODE = re.compile(r"^\s*(\[[^\]]{1,12}\](-\d+)?|LT|【[^】]{1,12}】)\s*[:：]?\s*", re.I)


def norm(s: str | None) -> str:
    """As in ../shared/corpus/score.py."""
    s = unicodedata.normalize("NFKC", s or "").casefold()
    s = _CODE.sub("", s)
    return re.sub(r"[\s\u3000「」『』\"'`*_#]+", "", s)


def name_ok(gold: str, name: str) -> bool:
    return fuzz.partial_ratio(norm(gold), norm(name)) >= 85


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """YAML (---) or TOML (+++) front matter, keys lower-cased, as the parser hands it over."""
    m = re.match(r"^(---|\+\+\+)[ \t]*\n(.*?)\n(?:---|\+\+\+)[ \t]*(?:\n|$)", text, re.S)
    if not m:
        return {}, text
    data = yaml.safe_load(m.group(2)) if m.group(1) == "---" else tomllib.loads(m.group(2))
    return {str(k).lower(): v for k, v in (data or {}).items()}, text[m.end():]


def guess_file(path: Path) -> EventGuess:
    text = decode_report(path.read_bytes()).replace("\r\n", "\n")
    if path.suffix.lower() in (".html", ".htm"):
        text = html_to_text(text)
    fm, body = split_front_matter(text)
    return guess_event(fm, body, str(path))


# --------------------------------------------------------------------------- corpus
def _gold(folder: str) -> list[dict[str, object]]:
    if not (CORPUS / folder).is_dir():
        pytest.skip(f"corpus folder {CORPUS / folder} is missing (it lives beside the repository)")
    return [yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted((CORPUS / folder).glob("*.yaml"))]


def _corpus_misses(folder: str) -> tuple[float, float, list[str]]:
    """(event-name rate, date rate, what was missed) on one corpus folder."""
    golds = _gold(folder)
    names = dates = dated = 0
    misses: list[str] = []
    for gold in golds:
        guess = guess_file(CORPUS / folder / str(gold["source"]))
        if name_ok(str(gold["event"]), guess.name):
            names += 1
        else:
            misses.append(f"{gold['source']}: name {guess.name!r} (gold {gold['event']!r})")
        if gold.get("date"):
            dated += 1
            if guess.date == gold["date"]:
                dates += 1
            else:
                misses.append(f"{gold['source']}: date {guess.date} (gold {gold['date']})")
    return names / len(golds), dates / dated if dated else 1.0, misses


@pytest.mark.parametrize("folder", ["ja", "en"])
def test_guess_event_corpus_rates(folder: str) -> None:
    """The issue's floor: event names >= 0.90 and dates >= 0.80 per folder."""
    events, dates, misses = _corpus_misses(folder)
    assert events >= 0.90, misses
    assert dates >= 0.80, misses


@pytest.mark.parametrize("folder", ["ja", "en"])
def test_guess_event_corpus_all_right(folder: str) -> None:
    """Today every report is right (1.00 / 1.00); a miss here is a regression to look at."""
    assert _corpus_misses(folder)[2] == []


@pytest.mark.parametrize("folder", ["ja", "en"])
def test_guess_event_corpus_is_fast(folder: str) -> None:
    _gold(folder)
    for path in sorted((CORPUS / folder).iterdir()):
        if path.suffix in (".yaml",) or path.name == "SOURCES.md":
            continue
        t = time.perf_counter()
        guess_file(path)
        assert time.perf_counter() - t < 0.5, path.name


# --------------------------------------------------------------------------- seeds
# What parse_report on main (0888688) gives for the event: name, date.
SEED_EVENTS = {
    "000": ("Kubernetes Meetup Tokyo #11", None),
    "001": ("CloudNative Days Tokyo 2019 / OpenStack Days Tokyo 2019", dt.date(2019, 7, 23)),
    "002": ("Kubernetes Meetup Tokyo #10", dt.date(2018, 3, 8)),
    "003": ("Kubernetes Meetup Tokyo #20", dt.date(2019, 6, 18)),
    "004": ("Kubernetes Contributors Summit KubeCon + CloudNativeCon North America 2018",
            dt.date(2018, 12, 10)),
}


@pytest.mark.parametrize("prefix", sorted(SEED_EVENTS))
def test_guess_event_seeds_keep_name_and_date(prefix: str) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed folder {SEEDS} is missing (it lives beside the repository)")
    path = next(SEEDS.glob(f"{prefix}_*"))
    guess = guess_file(path)
    name, date = SEED_EVENTS[prefix]
    assert guess.name == name
    if prefix == "001":
        # main used the Qiita "Posted at" date; the text states no event day, so it is now
        # the post date, and the parser decides whether to fall back on it
        assert guess.date is None
        assert guess.post_date == date
        assert any("post date 2019-07-23" in w for w in guess.warnings)
    else:
        assert guess.date == date


# --------------------------------------------------------------------------- date_in
@pytest.mark.parametrize(("text", "hint", "expected"), [
    ("December 11 2019 - Somewhere Ltd", None, dt.date(2019, 12, 11)),
    ("Jan 21st, 2015, 7pm @ Some Office", None, dt.date(2015, 1, 21)),
    ("2019/01/09(水)", None, dt.date(2019, 1, 9)),
    ("第3回 2018年3月8日", None, dt.date(2018, 3, 8)),
    ("2023-10-08開催", None, dt.date(2023, 10, 8)),
    ("開催日: 2016/12/17(土)", None, dt.date(2016, 12, 17)),
    ("October 30th 2018", None, dt.date(2018, 10, 30)),
    ("2022 Jul 19", None, dt.date(2022, 7, 19)),
    ("4th of April, 2019 at 5pm - 8pm", None, dt.date(2019, 4, 4)),
    ("December 9, 2013 at 6:30pm", None, dt.date(2013, 12, 9)),
    ("Sept. 5, 2019", None, dt.date(2019, 9, 5)),
    ("Tuesday, 14 May 2019", None, dt.date(2019, 5, 14)),
    ("June 26th-28th 2019", None, dt.date(2019, 6, 26)),
    ("10–13 December 2018", None, dt.date(2018, 12, 10)),
    ("２０１９年１月９日（水）", None, dt.date(2019, 1, 9)),
    ("2019.04.20 (Sat)", None, dt.date(2019, 4, 20)),
    ("17.01.2019", None, dt.date(2019, 1, 17)),
    ("9月17日～18日", 2018, dt.date(2018, 9, 17)),
    ("9月17日～18日", None, None),
    ("8/3(土)", 2024, dt.date(2024, 8, 3)),
    ("### June 17th, 2015, 7pm", None, dt.date(2015, 6, 17)),
    ("[December 16, 2009](Chapter/2009_Meetings/December_16 \"wikilink\")", None,
     dt.date(2009, 12, 16)),
    ("Day 2", 2019, None),
    ("January 2025", None, None),
    ("slides: https://example.com/2019/01/09/talk", None, None),
    ("IMG_20190723_182525.jpg", None, None),
    ("We may 3 times", 2019, None),
    ("version 1.2.3", None, None),
    ("2019/02/30", None, None),
])
def test_date_in(text: str, hint: int | None, expected: dt.date | None) -> None:
    assert date_in(text, hint) == expected


# --------------------------------------------------------------------------- small shapes
def _g(text: str, fm: dict[str, object] | None = None, source: str = "") -> EventGuess:
    return guess_event(fm or {}, text, source)


def test_guess_event_front_matter_event_and_date() -> None:
    g = _g("## A talk\nby Someone\n", {"event": "Tokyo Widgets Meetup #7", "date": dt.date(2021, 5, 1)})
    assert (g.name, g.date, g.warnings) == ("Tokyo Widgets Meetup #7", dt.date(2021, 5, 1), [])


def test_guess_event_post_date_is_not_the_event_date() -> None:
    g = _g("Widgetconf 2020 was great.\n\n## Talk\n", {"title": "Widgetconf 2020 recap",
                                                       "date": "2020-11-01"})
    assert g.name == "Widgetconf 2020"
    assert g.date is None and g.post_date == dt.date(2020, 11, 1)
    assert g.warnings == ["no event date stated; the post date 2020-11-01 is not used"]


def test_guess_event_japanese_quoted_name_and_held_date() -> None:
    g = _g("こんにちは。\n2019/01/09(水)に開催された「ガジェット勉強会 #12」に参加しました。\n",
           {"title": "ガジェット勉強会 #12 参加レポート #gadget", "date": "2019-01-12"})
    assert g.name == "ガジェット勉強会 #12"
    assert g.date == dt.date(2019, 1, 9)
    assert g.post_date == dt.date(2019, 1, 12)


def test_guess_event_qiita_like_page() -> None:
    text = ("LoginSignup\n12\n3\n\n【参加レポート】Widget-UG 東京 #45\n\n"
            "Last updated at Posted at 2022-03-01\n\nはじめに\n\n"
            "2022年2月25日(金)に開催された Widget-UG 東京 #45 に参加しました。\n")
    g = _g(text)
    assert g.name == "Widget-UG 東京 #45"
    assert g.date == dt.date(2022, 2, 25)
    assert g.post_date == dt.date(2022, 3, 1)


def test_guess_event_blog_name_and_date_line_are_chrome() -> None:
    text = ("ゆるふわ技術ブログ\n\n2019-01-12 07:20\n\nGadget Release Party に行ってきた\n\n"
            "先日の Gadget Release Party に行ってきました。2019/01/09(水)の開催でした。\n")
    g = _g(text)
    assert g.name == "Gadget Release Party"
    assert g.date == dt.date(2019, 1, 9)
    assert g.post_date == dt.date(2019, 1, 12)


def test_guess_event_label_line_and_connpass_time_slot() -> None:
    g = _g("# Widget Night Vol.3\n\n- 開催日: 2016/12/17(土)\n- 会場: どこか\n")
    assert (g.name, g.date) == ("Widget Night Vol.3", dt.date(2016, 12, 17))
    g = _g("Widget Meetup Osaka #5\n\n開催日時\n2022/04/21(木) 19:00 〜 21:00\n")
    assert g.date == dt.date(2022, 4, 21)
    g = _g("Widget Meetup Osaka #5\n\nイベント概要\n\n2022/04/21(木) 19:00 〜 21:00\n")
    assert g.date == dt.date(2022, 4, 21)


def test_guess_event_english_recap() -> None:
    text = ("Posted on July 5, 2019 by Jane\n\n"
            "Widget Days Amsterdam took place on June 26th-28th 2019 in a former church.\n")
    g = _g(text, {"title": "Recap: Widget Days Amsterdam 2019"})
    assert g.name == "Widget Days Amsterdam 2019"
    assert g.date == dt.date(2019, 6, 26)


def test_guess_event_english_prose_names() -> None:
    assert _g("Last week I attended GadgetCon EU in Lyon. It was fun.\n").name == "GadgetCon EU"
    assert _g("I went to Widgetfest 2020 last weekend.\n").name == "Widgetfest 2020"
    g = _g("My first stop this autumn was WidgetConf EU, a two-day conference on everything "
           "widgets!\n")
    assert g.name == "WidgetConf EU"


def test_guess_event_title_date_is_stripped_from_the_name() -> None:
    g = _g("Our spring gathering happened in the new office.\n",
           {"title": "WUG meetup March 3rd 2021", "date": "2021-03-06T10:00:00+01:00"})
    assert (g.name, g.date, g.post_date) == ("WUG meetup", dt.date(2021, 3, 3),
                                            dt.date(2021, 3, 6))


def test_guess_event_year_less_day_takes_the_year_of_the_sentence() -> None:
    text = ("Widget JP 2021では2021年5月1日にスプリント、5月2日にチュートリアル、"
            "5月3日～4日にカンファレンスを行いました。\n")
    g = _g("# Widget JPとは\n\n" + text)
    assert g.name == "Widget JP 2021"
    assert g.date == dt.date(2021, 5, 3)


def test_guess_event_year_less_day_takes_the_post_year() -> None:
    g = _g("先週の6月5日に行われた「Widget Conference 2021 Summer」の資料を集めました。\n",
           {"title": "Widget Conference 2021 Summer資料まとめ", "date": dt.date(2021, 6, 12)})
    assert g.name == "Widget Conference 2021 Summer"
    assert g.date == dt.date(2021, 6, 5)
    # a January post about a December event
    g = _g("12月20日に開催された Widget Night に参加しました。\n", {"date": dt.date(2020, 1, 5)})
    assert g.date == dt.date(2019, 12, 20)


def test_guess_event_archive_has_no_single_date() -> None:
    text = ("## Our evenings\n\n### May 12 2021 - Somewhere\n\n- A - Talk\n\n"
            "### April 14 2021 - Elsewhere\n\n- B - Talk\n\n### March 10 2021\n\n- C\n")
    g = _g(text, source="reports/07_widget-makers-2019.md")
    assert g.date is None
    assert any("archive" in w for w in g.warnings)
    assert g.name == "widget makers"
    assert any("file name" in w for w in g.warnings)


def test_guess_event_table_of_dated_rows_is_an_archive() -> None:
    text = ("Past evenings\n-------------\n\n| Date | Info |\n|---|---|\n"
            "| 2021-05-12 | Parsing by Ann Lee |\n|  | Zig by Bo Chan |\n"
            "| 2021-03-10 | Allocators by Cy Doe |\n")
    g = _g(text)
    assert g.date is None
    assert any("archive" in w for w in g.warnings)


def test_guess_event_multi_day_headings_are_not_an_archive() -> None:
    text = "# Widget Summit 2019\n\n## Day 1 (2019/07/22)\n\n## Day 2 (2019/07/23)\n"
    g = _g(text)
    assert (g.name, g.date) == ("Widget Summit 2019", dt.date(2019, 7, 22))


def test_guess_event_meetup_group_names_an_archive() -> None:
    text = ("* [3rd Meetup](https://www.meetup.com/Widget-Makers-Berlin/events/1/)\n"
            "* [2nd Meetup](https://www.meetup.com/Widget-Makers-Berlin/events/2/) - July 1 2014\n"
            "* [1st Meetup](https://www.meetup.com/Widget-Makers-Berlin/events/3/) - June 3 2014\n")
    g = _g(text, {"title": "Meetups"})
    assert g.name == "Widget Makers Berlin"
    assert g.date is None


def test_guess_event_decorations_are_stripped() -> None:
    for title, name in [
        ("Widget Meetup Tokyo #20 参加レポート", "Widget Meetup Tokyo #20"),
        ("【イベントレポート】Widget Conference 2019 Spring", "Widget Conference 2019 Spring"),
        ("Widget-JAWS 第31回レポート #widgetjaws #jawsug", "Widget-JAWS 第31回"),
        ("Widget Meetup #4 まとめ", "Widget Meetup #4"),
        ("ウィジェット勉強会 #3 を開催しました", "ウィジェット勉強会 #3"),
        ("Notes from WidgetCon 2018", "WidgetCon 2018"),
        ("Transcripts of Widgetfest Global 2020", "Widgetfest Global 2020"),
        ("WidgetCon + GadgetCon Europe 2025 recap", "WidgetCon + GadgetCon Europe 2025"),
        ("イベント行ってみた「ウィジェット合同勉強会in港町-2021 Spring-」#widget",
         "ウィジェット合同勉強会in港町-2021 Spring-"),
    ]:
        assert _g("本文。\n", {"title": title}).name == name, title


def test_guess_event_greeting_and_section_headings_are_not_names() -> None:
    g = _g("Contents\n- Intro\n- Overview\n1. Intro\n"
           "Hello from the new team! WidgetKaigi 2021 was held in Sendai for two days.\n")
    assert g.name == "WidgetKaigi 2021"
    g = _g("## はじめに\n\nこんにちは。\n\n## 概要\n\nWidgetDC に参加しました。\n")
    assert g.name == "WidgetDC"


def test_guess_event_update_lines_are_not_event_dates() -> None:
    g = _g("Widget Kaigi に参加した。\n\n資料の更新: 2021/06/01 22:10\n",
           {"title": "Widget Kaigi参加レポ"})
    assert (g.name, g.date) == ("Widget Kaigi", None)


def test_guess_event_toml_front_matter_left_in_the_body() -> None:
    body = ('+++\ndate = "2021-07-03T00:00:00Z"\ntitle = "Mobile: WidgetKaigiまとめ"\n+++\n\n'
            "WidgetKaigiのスライドまとめです.\n")
    g = guess_event({}, body)
    assert g.name == "WidgetKaigi"
    assert g.date is None and g.post_date == dt.date(2021, 7, 3)


def test_guess_event_nothing_to_go_on() -> None:
    g = _g("")
    assert g.name == "" and g.date is None
    assert g.warnings


@pytest.mark.parametrize("shape", [
    "[" * 2_500_000 + "]" * 2_500_000,
    "#\n" * 2_500_000,
    "## Meetup 2019/01/01\n" * 250_000,
    "May 12 2021 - Somewhere\n" * 200_000,
    ("ウィジェット会議" * 30 + "に参加しました。\n") * 20_000,
    "X" * 5_000_000 + "に参加",
    "A " * 2_500_000 + "was held",
    "「" * 5_000_000,
    "2019/" * 1_000_000,
    ("## " + "#a" * 1000 + " x\n") * 2500,
    ("- 2019/01/01 " * 150 + "\n") * 3000,
    "".join("  " * (i % 300) + "- 12 May 2019 Widget Meetup\n" for i in range(20_000)),
    ("[a" * 1000 + "\n") * 2500,
    ("\\[" * 1000 + "\n") * 2500,
    ("**a" * 660 + "\n") * 2500,
])
def test_guess_event_bounded_on_5mb(shape: str) -> None:
    t = time.perf_counter()
    guess_event({"title": shape[:1_000_000]}, shape, "x.md")
    date_in(shape[:200_000])
    assert time.perf_counter() - t < 1.0


def test_guess_event_platform_suffix_and_word_traps() -> None:
    assert _g("本文。\n", {"title": "Widget Meetup #3 参加レポート - Qiita"}).name == "Widget Meetup #3"
    assert _g("本文。\n", {"title": "Linuxメモリ管理勉強会 #3"}).name == "Linuxメモリ管理勉強会 #3"
    assert _g("本文。\n", {"title": "RubyKaigi 2019 Day 1 recap"}).name == "RubyKaigi 2019"
    g = _g("We hosted the 5th Widget Python Meetup on 12 March 2020. Thanks!\n")
    assert (g.name, g.date) == ("5th Widget Python Meetup", dt.date(2020, 3, 12))


def test_guess_event_bare_title_against_prose() -> None:
    # an eventish bare title outweighs another event the prose mentions
    g = _g("Last year I attended GadgetConf EU and loved it.\n", {"title": "Widget Meetup Lyon #4"})
    assert g.name == "Widget Meetup Lyon #4"
    # the prose's wording wins when it names the same event
    g = _g("Regional Widget Gathering Tokyo に行ってきました。\n",
           {"title": "Widget Gathering Tokyo 2016"})
    assert g.name == "Regional Widget Gathering Tokyo"
    assert _g("This year I attended iWidgetDC for the first time.\n").name == "iWidgetDC"
    assert _g("", {"title": "Widget Meetup #9 に参加しました | ゆるふわ日記"}).name == "Widget Meetup #9"


def test_guess_event_event_page_shapes() -> None:
    g = _g("Widget Night Tokyo #20 - connpass\n\n| 日時 | 2019/06/18(火) |\n| 会場 | どこか |\n")
    assert (g.name, g.date) == ("Widget Night Tokyo #20", dt.date(2019, 6, 18))
    g = _g("Widget Makers Lyon\n\nTuesday, June 18, 2019\n7:00 PM to 10:00 PM CEST\n\nDetails\n")
    assert g.date == dt.date(2019, 6, 18)
    g = _g("Widget Makers Lyon\n\n**Date & Time:** Tuesday, June 18, 2019\n")
    assert g.date == dt.date(2019, 6, 18)


def test_guess_event_readme_repository_heading_is_not_the_event() -> None:
    g = _g("# widget-meetup-notes\n\nMy notes.\n\n## Widget Meetup Tokyo #20 (2019/06/18)\n\n"
           "- a point\n")
    assert g.name == "Widget Meetup Tokyo #20"
    assert g.date == dt.date(2019, 6, 18)


def test_guess_event_addendum_dates_are_not_event_dates() -> None:
    text = ("この間 Widget Casual Talks #3 を開催しました。\n\n## スライド\n\n"
            "## 次回の予定 [2021/06/02 09:15追記]\n\n## 追記 2021/06/30\n")
    g = _g(text, {"date": "2021-06-01 20:00:00+09:00"})
    assert (g.name, g.date, g.post_date) == ("Widget Casual Talks #3", None, dt.date(2021, 6, 1))
    assert not any("archive" in w for w in g.warnings)


def test_guess_event_file_name_last_resort() -> None:
    for source, name in [("_posts/2018-11-01-widget-meetup-october-30th-2018.md", "widget meetup"),
                         ("x/07_widget-makers-2018-2019.md", "widget makers"),
                         ("20240511-widgetkaigi-report.md", "widgetkaigi"),
                         ("notes/archive.md", "")]:
        assert _g("", source=source).name == name, source


def test_guess_event_more_japanese_report_forms() -> None:
    cases = [
        ("", {"title": "Widget Conference 2019 で登壇しました"}, "Widget Conference 2019"),
        ("「ウィジェット祭り2019」で発表してきました。\n", {}, "ウィジェット祭り2019"),
        ("", {"title": "WidgetKaigi 2019 参戦記"}, "WidgetKaigi 2019"),
        ("", {"title": "Widget Night #5 の振り返り"}, "Widget Night #5"),
        ("", {"title": "What I learned at WidgetConf 2019"}, "WidgetConf 2019"),
    ]
    for body, fm, name in cases:
        assert _g(body, fm).name == name, (body, fm)
    g = _g("Zenn\n\nWidget Meetup 参加レポート\n\n2023/10/10に公開\n\n"
           "2023/10/08 に Widget Meetup に行ってきました。\n")
    assert (g.name, g.date, g.post_date) == ("Widget Meetup", dt.date(2023, 10, 8),
                                            dt.date(2023, 10, 10))
    g = _g("Widget Meetup Tokyo\n\nWidget Meetup Tokyo #20 (2019/06/18 19:00〜)\n\n内容\n")
    assert (g.name, g.date) == ("Widget Meetup Tokyo #20", dt.date(2019, 6, 18))
    g = _g("We met on 5 March 2020 at the usual place for Widget Night Lyon.\n",
           {"title": "Widget Night Lyon"})
    assert g.date == dt.date(2020, 3, 5)


_PIECES = ["#", "## ", "\n", "\n\n", "- ", "「", "」", "[", "](", ")", "<h2>", "|", "に参加", "を開催しました",
           "レポート", "#tag", "#12", "第3回", "2019年1月9日", "2019/01/09", "(水)", "〜", "May 4th, 2019",
           "attended ", "was held", "Meetup ", "Date:", "日時:", "19:00", "-", "21:00", "Posted at ",
           "https://x.y/2019/01/01", "　", "Recap: ", "Welcome to the ", " by ", "あ", "漢字", "Widget"]


@given(st.lists(st.sampled_from(_PIECES), max_size=200), st.text(max_size=40))
@settings(max_examples=150, deadline=None)
def test_guess_event_never_raises(pieces: list[str], noise: str) -> None:
    body = "".join(pieces) + noise
    g = guess_event({"title": noise + "".join(pieces[:5])}, body, body[:20])
    assert isinstance(g.name, str) and len(g.name) <= 300
    assert g.date is None or 1990 <= g.date.year <= 2100
    date_in(body, 2019)


def test_guess_event_dated_list_of_past_meetups_keeps_the_stated_day() -> None:
    text = ("2019年6月18日に開催された Widget Meetup Tokyo #20 に参加しました。\n\n## 内容\n\n本文\n\n"
            "## 過去のレポート\n\n- 2019/05/20 Widget Meetup Tokyo #19\n- 2019/04/10 Widget Meetup Tokyo #18\n")
    g = _g(text)
    assert (g.name, g.date) == ("Widget Meetup Tokyo #20", dt.date(2019, 6, 18))


def test_guess_event_a_line_naming_another_edition_is_not_the_date() -> None:
    text = "Widget Meetup Tokyo #20 に参加しました。\n\n前回 Widget Meetup Tokyo #19 (2019/05/20) の資料\n"
    assert _g(text).date is None


def test_guess_event_double_quoted_japanese_event() -> None:
    g = _g('先週開かれた "Widget の入門ワークショップ" に参加してきました。\n',
           {"title": "Intro Workshop of Widget", "date": "2021-09-04 10:00"})
    assert g.name == "Widget の入門ワークショップ"
    assert g.date is None and g.post_date == dt.date(2021, 9, 4)


def test_guess_event_page_furniture_in_words_is_not_a_name() -> None:
    text = ("イベントを探す\n\nログイン\n\nWidget Night Tokyo #8\n\n開催日時\n2019/06/18(火) 19:00 〜 22:00\n")
    g = _g(text)
    assert (g.name, g.date) == ("Widget Night Tokyo #8", dt.date(2019, 6, 18))


def test_guess_event_more_date_shapes() -> None:
    assert _g("Widget Night #3\n\n■日時\n2019/1/9(水)\n").date == dt.date(2019, 1, 9)
    assert _g("Widget Night #3\n\n【日時】2019年1月9日(水)\n").date == dt.date(2019, 1, 9)
    assert _g("# Widget Night #3\n\n2019/01/09(水)\n\n## Talks\n").date == dt.date(2019, 1, 9)
    # a blog's bare date line stays the post's
    g = _g("ゆるふわ日記\n\n2019-01-10\n\nWidget Night #3 に行ってきた\n")
    assert (g.date, g.post_date) == (None, dt.date(2019, 1, 10))
    g = _g("本文。\n", {"title": "1/9(水) Widget Night #3 参加メモ", "date": "2019-01-10"})
    assert (g.name, g.date) == ("Widget Night #3", dt.date(2019, 1, 9))


def test_guess_event_english_names_with_small_words() -> None:
    assert _g("Last week I attended the Women in Widgets Meetup in Lyon.\n").name == \
        "Women in Widgets Meetup"
    assert _g("I got to attend WidgetCon 2015 in London this year.\n").name == "WidgetCon 2015"


@pytest.mark.parametrize(("opening", "expected"), [
    ("Widget Summit ran from June 16 to June 19, 2022 in Springfield.", dt.date(2022, 6, 16)),
    ("Widget Meetup #18, January 30, 2020.", dt.date(2020, 1, 30)),
    ("Wed 8 March 2023, 6pm at the Widget office.", dt.date(2023, 3, 8)),
    ("May 10 - 12, 2023", dt.date(2023, 5, 10)),
    ("Last updated: May 10, 2023 10:00", None),
])
def test_guess_event_opening_line_states_the_day(opening: str, expected: dt.date | None) -> None:
    g = guess_event({}, f"# Widget Meetup #18 recap\n\n{opening}\n\n## A talk\n- note\n")
    assert g.date == expected


@pytest.mark.parametrize("page", [
    "【イベント名】\nWidget Hack Night 横浜 #41\n\n【日時】\n2019年3月8日(金)\n",
    "■ イベント\nWidget Hack Night 横浜 #41\n\n■ 日程\n2019年3月8日（金）\n",
    "イベント名：Widget Hack Night 横浜 #41\n開催日：2019/03/08\n",
])
def test_guess_event_name_from_an_event_label(page: str) -> None:
    g = guess_event({}, page)
    assert (g.name, g.date) == ("Widget Hack Night 横浜 #41", dt.date(2019, 3, 8))


def test_guess_event_quoted_theme_after_a_numbered_event_is_not_its_name() -> None:
    g = guess_event({}, "# 【参加レポート】Widget-UG 千葉支部 #22 「サーバーレス再入門」\n\n"
                        "- メモ\n")
    assert g.name == "Widget-UG 千葉支部 #22"


@pytest.mark.parametrize(("title", "name"), [
    ("# Widget愛好会 vol.58\n", "Widget愛好会 vol.58"),
    ("# 開催報告：Widget Bazaar 2018 Winter\n", "Widget Bazaar 2018 Winter"),
])
def test_guess_event_numbered_circle_and_report_prefix(title: str, name: str) -> None:
    assert guess_event({}, title + "\n本文です。\n").name == name


def test_date_in_edition_number_is_not_a_day() -> None:
    assert date_in("Meetup #12 - 14 November 2018") == dt.date(2018, 11, 14)
    g = guess_event({}, "# Widget Group\n\nWidget Meetup #18, January 30, 2020.\n\n- a talk\n")
    assert g.date == dt.date(2020, 1, 30)


def test_guess_event_blog_name_after_a_dash_is_not_part_of_the_event() -> None:
    assert guess_event({"title": "Widget Conf 2019 - Dev Blog"}, "本文\n").name == "Widget Conf 2019"


def test_guess_event_a_label_line_is_never_the_name() -> None:
    g = guess_event({}, "Widget Women Berlin: Spring Talks\nDate: Thursday, April 11, 2024, 6:30 PM\n")
    assert g.name == "Widget Women Berlin: Spring Talks" and g.date == dt.date(2024, 4, 11)


# --------------------------------------------------------------------------- shapes seen on
# reports outside the corpus (texts written for these tests)
def test_prose_we_were_at_an_event_beats_a_posts_plain_title() -> None:
    body = ("Last month the whole platform team was out _in force_ at "
            "[Widget Makers Conf](https://example.org) in our home town. Here are the talks.\n\n"
            "- Caching widgets by Jane Roe\n")
    g = guess_event({"title": "Widget Presentation Round-up"}, body)
    assert g.name == "Widget Makers Conf"
    # "at" a place that is no event names nothing
    g = guess_event({"title": "Widgetrama Winter"}, "We were all at home that week, watching talks.\n")
    assert g.name == "Widgetrama Winter"


def test_a_places_info_page_yields_to_the_meetup_group() -> None:
    body = ("# Lisbon Info\n\nMeetups are streamed.\n\n## 2023 Mar 01 - Meetup\n\n"
            "[RSVP](https://www.meetup.com/widget-lisbon/events/1/)\n\n"
            "## 2023 Jan 11 - Meetup\n\n[RSVP](https://www.meetup.com/widget-lisbon/events/2/)\n")
    g = guess_event({}, body)
    assert g.name == "Widget Lisbon" and g.archive


def test_upcoming_meetups_do_not_make_a_report_an_archive() -> None:
    body = ("# はじめに\n\n2022/01/25(火)は\n\nhttps://example.connpass.com/event/1/\n\n"
            "**ウィジェット勉強会 #3**\nが開催されました。\n\n"
            "## 次回: 2022/2/22(火) 19:30-\n\n## 次々回: 2022/3/22(火) 19:30-\n\n"
            "## Next meetup: 2022-04-19\n")
    g = guess_event({}, body)
    assert g.date == dt.date(2022, 1, 25) and not g.archive


def test_front_matter_start_time_is_the_event_day() -> None:
    g = guess_event({"title": "Widget Talks in April", "time": "2017-04-22T09:00:00.000Z"},
                    "Two talks about widgets this month.\n")
    assert g.date == dt.date(2017, 4, 22)
    # a post's own `date:` is still only the post date
    g = guess_event({"title": "Widget Talks", "date": "2017-05-01"}, "Two talks.\n")
    assert g.date is None and g.post_date == dt.date(2017, 5, 1)


def test_a_bare_link_atop_a_post_is_not_the_event() -> None:
    g = guess_event({"title": "Widget Days 2015に参加してきました"},
                    "http://www.example.org/?page_id=2056\n\n## セッション\n\n- 基調講演\n")
    assert g.name == "Widget Days 2015"


def test_the_organising_committee_names_the_event() -> None:
    body = ("# ウィジェット会議 レポート\n\n## 開催概要\n\n### 主催\n\n"
            "北海 Widget 会議 03 実行委員会\n\n### 開催日\n\n2013 年 07 月 06 日 (土)\n")
    g = guess_event({}, body)
    assert g.name == "北海 Widget 会議 03" and g.date == dt.date(2013, 7, 6)


def test_an_archive_page_without_a_name_is_named_by_its_file_not_a_talk() -> None:
    body = ("<h2>Past Meetings</h2>\n<ul>\n<li>\n<span>June 2012 - </span>\n<span>Jane Roe</span>\n"
            "<h4>Widget Night: Bring your own widget</h4>\n</li>\n<li>\n<span>May 2012 - </span>\n"
            "<span>John Doe</span>\n<h4>Caching widgets</h4>\n</li>\n</ul>\n")
    g = guess_event({"layout": "default"}, body, source="widget-makers-archives.md")
    assert g.name == "widget makers"
