"""Tests of store.reports on report shapes written for these tests (not the seeds)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from store.errors import ReportError
from store.reports import find_date, parse_report, parse_speakers, split_heading, summarise

FIXTURES = Path(__file__).parent / "fixtures" / "reports"


def _parse(name: str):  # type: ignore[no-untyped-def]
    path = FIXTURES / name
    return parse_report(path.read_text(encoding="utf-8"), source=str(path))


def test_parse_report_markdown_with_h1_subheadings_and_lt() -> None:
    report = _parse("observability-night.md")
    assert report.event.name == "Observability Night Osaka vol.3"
    assert report.event.date == dt.date(2021, 11, 5)
    assert report.event.url == "https://example.connpass.com/event/99999/"
    assert [t.title for t in report.talks] == [
        "OpenTelemetry 入門", "eBPF で見るカーネルの中", "Grafana ダッシュボードの作り方"]
    otel = report.talks[0]
    assert (otel.speakers, otel.handles, otel.affiliations) == (
        ["佐藤 花子"], ["@hanako_s"], ["Example Cloud"])
    assert otel.url == "https://speakerdeck.com/hanako/otel-intro"
    assert "背景" in otel.notes and "Collector" in otel.notes  # ### sections stay in the notes
    assert report.talks[2].session_code == "LT"


def test_parse_report_html_page_without_its_chrome() -> None:
    report = _parse("sre-meetup.html")
    assert report.event.name == "SRE Meetup #7"
    assert report.event.date == dt.date(2022, 3, 10)
    assert [t.title for t in report.talks] == ["Incident Response at Scale", "SLO を決めるまで"]
    first = report.talks[0]
    assert first.speakers == ["Alice Doe"] and first.affiliations == ["Example Inc."]
    assert "  - テンプレートを用意する" in first.notes
    assert "Login" not in first.notes and "Powered" not in report.talks[1].notes


def test_parse_report_plain_bullets_with_speaker_in_heading() -> None:
    report = _parse("fukuoka-bullets.txt")
    assert report.event.name == "CloudNative Meetup Fukuoka #4"
    assert report.event.date == dt.date(2020, 2, 14)
    assert report.event.venue == "福岡市内のコワーキングスペース"
    assert [t.title for t in report.talks] == [
        "Service Mesh 実践", "Kubernetes の監視基盤", "Helm chart のテスト"]
    assert report.talks[0].handles == ["@jiro_t"]
    assert report.talks[0].notes.splitlines()[-1] == "  - sidecar のリソース制限を必ず設定"


def test_parse_report_day_sections_and_keynote_prefix() -> None:
    report = _parse("devopsdays-days.md")
    assert report.event.name == "DevOpsDays Tokyo 2023"
    assert report.event.date == dt.date(2023, 4, 11)  # the event's first day, not the post date
    assert [t.title for t in report.talks] == [
        "The Future of DevOps", "CI/CD パイプラインの高速化", "チームトポロジーの実践"]
    assert report.talks[0].session_code == "Keynote"
    assert report.talks[2].has_notes is False and report.talks[2].speakers == ["伊藤 四郎"]


def test_parse_report_canonical_front_matter_wins() -> None:
    text = (
        "---\nevent: \"Infra Study #3\"\ndate: 2024-05-01\nvenue: 本社セミナールーム\n"
        "url: https://example.org/e/3\ntags: [storage]\n---\n\n"
        "## Ceph の運用\nby 中村 五郎 (@goro) (Example Storage)\ntags: storage, ceph\n"
        "slides: https://example.org/s/1\n\n- OSD の交換手順\n"
    )
    report = parse_report(text)
    assert (report.event.name, report.event.date, report.event.venue, report.event.url) == (
        "Infra Study #3", dt.date(2024, 5, 1), "本社セミナールーム", "https://example.org/e/3")
    talk = report.talks[0]
    assert talk.tags == ["storage", "ceph"] and talk.url == "https://example.org/s/1"
    assert talk.notes == "- OSD の交換手順"


@pytest.mark.parametrize("placeholder", ["aa", "TBD", "-", "なし", "N/A"])
def test_parse_report_placeholder_notes_mean_no_notes(placeholder: str) -> None:
    report = parse_report(f"# Ev #1\n\n## Talk A\nby X\n\n- {placeholder}\n\n## Talk B\n\n- real\n")
    assert report.talks[0].has_notes is False and report.talks[0].notes == ""
    assert report.talks[1].has_notes is True


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("---\ntitle: [unclosed\n---\n## T\n- x\n", "broken front matter"),
        ("---\ntitle: ok\n## T\n- x\n", "broken front matter"),
        ("---\n- a\n- b\n---\n## T\n- x\n", "broken front matter"),
        ("ただの感想文です。とても楽しかったです。\n", "no talk found"),
        ("", "empty file"),
        ("bin\x00ary", "binary"),
    ],
)
def test_parse_report_rejects_with_one_line_reason(text: str, reason: str) -> None:
    with pytest.raises(ReportError) as err:
        parse_report(text)
    assert reason in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("clause", "speakers", "handles", "affiliations"),
    [
        ("Toshiaki Maki (@making) (Pivotal)", ["Toshiaki Maki"], ["@making"], ["Pivotal"]),
        ("@dblmkt", ["@dblmkt"], ["@dblmkt"], []),
        ("A Person (Org A), B Person (Org B)", ["A Person", "B Person"], [], ["Org A", "Org B"]),
        ("Ricard Aravena, James Bottomley", ["Ricard Aravena", "James Bottomley"], [], []),
        ("Noriaki Fukuyasu, The Linux Foundation", ["Noriaki Fukuyasu"], [],
         ["The Linux Foundation"]),
        ("山田 太郎 (@taro) (サンプル株式会社)", ["山田 太郎"], ["@taro"], ["サンプル株式会社"]),
    ],
)
def test_parse_speakers_forms(clause: str, speakers: list[str], handles: list[str],
                              affiliations: list[str]) -> None:
    people = parse_speakers(clause)
    assert (people.speakers, people.handles, people.affiliations) == (
        speakers, handles, affiliations)


@pytest.mark.parametrize(
    ("heading", "title", "speakers", "affiliations"),
    [
        ("監視の話 Jane Roe (Example Inc.)", "監視の話", ["Jane Roe"], ["Example Inc."]),
        ("Scaling Things (CyberThing)", "Scaling Things", [], ["CyberThing"]),
        ("Isolation at Scale (Introducing gVisor)", "Isolation at Scale (Introducing gVisor)",
         [], []),
        ("Deep Dive by Someone @some (Some Lab)", "Deep Dive", ["Someone"], ["Some Lab"]),
    ],
)
def test_split_heading_forms(heading: str, title: str, speakers: list[str],
                             affiliations: list[str]) -> None:
    got_title, people = split_heading(heading)
    assert (got_title, people.speakers, people.affiliations) == (title, speakers, affiliations)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2019年6月18日に開催", dt.date(2019, 6, 18)),
        ("2018年1210日から13日にかけて", dt.date(2018, 12, 10)),
        ("日時: 2018/3/8 19:00", dt.date(2018, 3, 8)),
        ("held on June 18, 2019", dt.date(2019, 6, 18)),
        ("10-13 December 2018", dt.date(2018, 12, 10)),
        ("no date here", None),
        ("2019年13月40日", None),
    ],
)
def test_find_date_forms(text: str, date: dt.date | None) -> None:
    assert find_date(text) == date


def test_summarise_is_short_and_keeps_first_points() -> None:
    notes = "\n".join(f"- ポイント{i} " + "あ" * 40 for i in range(20))
    summary = summarise(notes)
    assert summary.startswith("ポイント0") and len(summary) <= 300
    assert summary.endswith("…")


@pytest.mark.parametrize(("notes", "starts"), [
    # a program table copied above the notes
    ("| 時間 | 内容 |\n|---|---|\n| 19:00 | 受付 |\n- 分離カーネルで守る話\n- 速度の比較", "分離カーネル"),
    ("Time | Talk | Speaker\n19:00 | Opening | -\nThe scheduler now packs pods by cost.",
     "The scheduler"),
    # a breadcrumb and share buttons from a blog's frame
    ("ホーム > ブログ > イベント\nTweet Share\nはてなブックマーク 3\n監視を作り直した。", "監視を"),
    ("Home › Posts › 2020\nShare | Tweet | Pocket\nWe moved every cron job to one queue.",
     "We moved"),
    # a table of contents and its entries
    ("目次\n1. はじめに\n2. 構成\n3. まとめ\n\n構成管理を一つにした話。", "構成管理"),
    ("Table of contents:\n- Background\n- Design\n\nThe design keeps one writer.", "The design"),
])

def test_summarise_skips_page_chrome_to_the_first_real_point(notes: str, starts: str) -> None:
    summary = summarise(notes)
    assert summary.startswith(starts), summary
    assert "|" not in summary and "Tweet" not in summary and ">" not in summary


def test_summarise_drops_a_table_of_contents_inside_the_notes() -> None:
    notes = "対象: 初めての人\n\nもくじ\n\n- 仕組みとは\n- 作り方\n\n仕組みとは\n状態を見て差を埋める。"
    assert summarise(notes) == "対象: 初めての人 / 仕組みとは / 状態を見て差を埋める。"


@pytest.mark.parametrize("notes", [
    "A > B のときは C を選ぶ、という判断基準の話。",  # an arrow inside a sentence is not a crumb
    "Share this: configs shared across clusters.",
    "- 内容\n- gVisor の仕組み",
    "2019",
])
def test_summarise_keeps_real_text_that_looks_like_chrome(notes: str) -> None:
    assert summarise(notes) == " / ".join(
        ln.lstrip("- ") for ln in notes.splitlines())


def test_parse_report_numbered_bracketed_and_grouped_headings() -> None:
    report = _parse("infra-study-numbered.md")
    assert report.event.name == "第5回 Infra勉強会"
    assert [t.title for t in report.talks] == [
        "Terraform のモジュール設計", "Ansible から脱却した話", "Vim で YAML を書く"]
    assert report.talks[0].speakers == ["山本 六郎"]
    assert (report.talks[1].speakers, report.talks[1].handles) == (["木村 七子"], ["@nanako"])


def test_parse_report_heading_links_honorifics_and_year_from_post() -> None:
    report = _parse("runtime-meetup-links.md")
    assert report.event.name == "Container Runtime Meetup #3"  # "に参加しました" dropped
    assert report.event.date == dt.date(2020, 1, 15)  # month/day from prose, year from post
    first, second = report.talks
    assert (first.title, first.speakers) == ("runc の内部構造", ["佐々木 一郎"])
    assert first.url == "https://speakerdeck.com/example/runc"
    assert second.title == "gVisor 入門（前編）"  # a part of the title, not a person
    assert (second.speakers, second.handles) == (["@gvisor_fan"], ["@gvisor_fan"])


def test_parse_report_outline_of_numbered_talks_with_slash_speakers() -> None:
    report = _parse("sre-outline.txt")
    assert (report.event.name, report.event.date) == ("SRE 勉強会 #12", dt.date(2023, 9, 5))
    assert [(t.title, t.speakers) for t in report.talks] == [
        ("Toil を減らす自動化", ["佐藤"]), ("ポストモーテム文化", ["Jane Doe"]),
        ("Terraform の state 分割", [])]
    assert report.talks[0].notes == "- 手作業の棚卸しから始める\n- Runbook をコード化"
    assert report.talks[2].session_code == "LT"


@pytest.mark.parametrize("heading", ["CI / CD の話", "監視 / 運用", "A / B"])
def test_split_heading_slash_inside_a_title_is_not_a_speaker(heading: str) -> None:
    assert split_heading(heading) == (heading, split_heading("x")[1])


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("KubeCon + CloudNativeCon Europe 2023 参加レポート (Day 1)",
         "KubeCon + CloudNativeCon Europe 2023"),
        ("【参加レポート】Kubernetes Meetup Tokyo #50", "Kubernetes Meetup Tokyo #50"),
        ("Kubernetes Meetup Tokyo #50 に参加してきました！", "Kubernetes Meetup Tokyo #50"),
        ("CloudNative Days Tokyo 2021 1日目 参加メモ", "CloudNative Days Tokyo 2021"),
        ("Recap: KubeCon NA 2022", "KubeCon NA 2022"),
        ("Kubernetes Novice Tokyo #1 を開催しました", "Kubernetes Novice Tokyo #1"),
        ("JAWS DAYS 2024 参加レポ #jawsdays", "JAWS DAYS 2024"),
    ],
)
def test_parse_report_event_name_from_post_titles(title: str, name: str) -> None:
    report = parse_report(f"---\ntitle: \"{title}\"\n---\n\n## 話\n\n- メモ\n")
    assert report.event.name == name


def test_parse_report_english_recap() -> None:
    report = _parse("kubecon-english.md")
    assert report.event.name == "KubeCon + CloudNativeCon Europe 2023"
    assert report.event.date == dt.date(2023, 4, 18)  # the event's first day, not the post's
    assert [(t.title, t.speakers) for t in report.talks] == [
        ("Cloud Native at Scale", ["Priyanka Sharma"]),
        ("eBPF for Everyone", ["Liz Rice", "Thomas Graf"])]
    assert report.talks[0].affiliations == ["CNCF"]


def test_parse_report_scraped_blog_without_its_header_and_footer() -> None:
    """Navigation above the article and related posts below it are not talks."""
    report = _parse("blog-with-sidebar.txt")
    assert (report.event.name, report.event.date) == (
        "Observability Conference 2019", dt.date(2019, 6, 20))
    assert [t.title for t in report.talks] == ["分散トレーシング入門", "ログ基盤の作り方"]


# A plain-text report whose talks carry session codes, with a keynote block that holds
# several keynotes under one code: bare title lines, some followed by who speaks.
_KEYNOTE_BLOCK = """\
Example Cloud Summit 2024 参加メモ

開催日: 2024/06/12

[A1] 分散トレーシングの始め方

- span と trace の関係
- サンプリングの設定

[K2] キーノート

day2 keynote
写真撮影は自由

製造業のデータ基盤をゼロから作る

工場のセンサーデータを集める
毎秒数万件

設計の方針

- 小さく始める
- 後から足す

物流ネットワークにおけるコンテナ基盤の運用事例

Example Logistics

配送ルート計算をコンテナで動かしている
夜間バッチが中心

うまくいかなかったこと

ノードの台数が読めなかった

The road to zero downtime

Example Tech中村さん

ブルーグリーンデプロイ
ロールバックの自動化

オンプレミスとパブリッククラウドを用いた移行の課題

回線の帯域が足りない

[B3] セキュリティスキャンの自動化

- イメージスキャン
"""


def test_parse_report_keynote_block_splits_into_its_keynotes() -> None:
    talks = parse_report(_KEYNOTE_BLOCK).talks
    assert [(t.title, t.speakers, t.affiliations) for t in talks] == [
        ("分散トレーシングの始め方", [], []),
        ("製造業のデータ基盤をゼロから作る", [], []),  # the block's first section
        ("物流ネットワークにおけるコンテナ基盤の運用事例", [], ["Example Logistics"]),
        ("The road to zero downtime", ["中村"], ["Example Tech"]),
        ("オンプレミスとパブリッククラウドを用いた移行の課題", [], []),  # a title's words
        ("セキュリティスキャンの自動化", [], []),
    ]
    first, logistics = talks[1], talks[2]
    # Note headings stay notes of their talk; the speaker line is not a note.
    assert "設計の方針" in first.notes and "物流" not in first.notes
    assert "うまくいかなかったこと" in logistics.notes
    assert "Example Logistics" not in logistics.notes
    assert "写真撮影" not in "".join(t.notes for t in talks)  # the block's preamble


def test_parse_report_keynote_block_without_evidence_stays_one_talk() -> None:
    """A keynote block whose sections name no speaker is one keynote with note headings."""
    text = _KEYNOTE_BLOCK.split("[K2]")[0] + (
        "[K2] キーノート: データ基盤のこれから\n\n設計の方針\n\n- 小さく始める\n\n"
        "運用で困ったこと\n\nノードの台数が読めなかった\n夜間バッチが遅れる\n\n"
        "[B3] セキュリティスキャンの自動化\n\n- イメージスキャン\n")
    talks = parse_report(text).talks
    assert [t.title for t in talks] == [
        "分散トレーシングの始め方", "データ基盤のこれから", "セキュリティスキャンの自動化"]
    assert "運用で困ったこと" in talks[1].notes


def test_parse_report_html_comments_are_not_read() -> None:
    text = ("<!--\nLicensed to the Example Software Foundation under one\nor more agreements.\n"
            "-->\n\n# Widget Meetup #4\n\n## Caching widgets\nby Jane Roe\n\n- edge caches\n"
            "<!-- TODO: add the slides -->\n\n## Widgets without servers\nby John Doe\n")
    report = parse_report(text)
    assert report.event.name == "Widget Meetup #4"
    assert [t.title for t in report.talks] == ["Caching widgets", "Widgets without servers"]
    assert "TODO" not in report.talks[0].notes


def test_parse_report_a_br_line_does_not_swallow_the_headings_below() -> None:
    text = ("---\ntitle: \"WidgetConf 2017 - Simple is hard\"\n---\n"
            "Sessions I went to.\n\n<br/>\n## Day 1\n### Caching at the edge - Jane Roe\n"
            "Notes on caching.\n\n### Serverless widgets - John Doe\nMore notes.\n")
    report = parse_report(text)
    assert report.event.name == "WidgetConf 2017"
    assert [(t.title, t.speakers) for t in report.talks] == [
        ("Caching at the edge", ["Jane Roe"]), ("Serverless widgets", ["John Doe"])]


def test_parse_report_kramdown_attribute_lists_are_markup() -> None:
    text = ("# Widget Meetup #1\n\n## Caching at the edge\n\n"
            "by [Jane Roe](https://example.org/jane){:rel=\"nofollow\"} (Example Widgets)\n\n"
            "- [Slides](https://example.org/s){:rel=\"nofollow\"}\n\n"
            "## Serverless widgets\n\nby John Doe{: .speaker}\n")
    talks = parse_report(text).talks
    assert [(t.title, t.speakers) for t in talks] == [
        ("Caching at the edge", ["Jane Roe"]), ("Serverless widgets", ["John Doe"])]
    assert "{:" not in talks[0].notes and talks[0].affiliations == ["Example Widgets"]
