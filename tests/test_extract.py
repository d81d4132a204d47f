"""The block reader and the evidence-chosen extractor, on small shapes written for these tests."""

from __future__ import annotations

import pytest

from store.reports import parse_report
from store.reports.blocks import read_markdown
from store.reports.talkline import parse_talk_line


def _talks(text: str, source: str = "r.md") -> list[tuple[str, list[str], list[str]]]:
    report = parse_report(text, source=source)
    return [(t.title, t.speakers, t.affiliations) for t in report.talks]


def test_read_markdown_blocks_kinds_levels_and_tables() -> None:
    blocks = read_markdown("# Day\n\n- one\n  - two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nx\ny\n")
    kinds = [(b.kind, b.level, b.depth) for b in blocks]
    assert kinds == [("heading", 1, 0), ("item", 0, 1), ("item", 0, 2), ("row", 0, 0),
                     ("line", 0, 0), ("line", 0, 0)]
    assert blocks[3].cells == ("1", "2") and blocks[3].header == ("a", "b")
    assert blocks[5].continued  # a wrapped Markdown paragraph; in plain text a new unit
    assert not read_markdown("x\ny\n", plain=True)[1].continued


def test_parse_report_table_with_speaker_column() -> None:
    text = ("# Cloud Night #3\n\n| Time | Title | Speaker |\n|---|---|---|\n"
            "| 19:00 | Kubernetes at scale | Jane Doe (Acme) |\n"
            "| 19:30 | Serverless pitfalls | John Smith (Initech) |\n| 20:00 | 懇親会 | |\n")
    assert _talks(text) == [("Kubernetes at scale", ["Jane Doe"], ["Acme"]),
                            ("Serverless pitfalls", ["John Smith"], ["Initech"])]


def test_parse_report_multi_track_grid_each_cell_a_talk() -> None:
    text = ("| 時刻 | Track A | Track B |\n|---|---|---|\n"
            "| 10:00 | 型で守るフロントエンド | Rust で書く CLI |\n| 11:00 | 休憩 | |\n"
            "| 11:30 | テストの書き方 | 監視の基本 |\n")
    assert [t[0] for t in _talks(text)] == ["型で守るフロントエンド", "Rust で書く CLI",
                                            "テストの書き方", "監視の基本"]


def test_parse_report_label_lines_are_attributes_not_talks() -> None:
    text = ("## [March 3, 2021](x)\n\nSpeaker: Alice Example\nTopic: Threat modelling for\n"
            "small teams\n\n## [April 7, 2021](y)\n\nSpeaker: Bob Example\n"
            "Topic: Fuzzing in practice\n")
    assert _talks(text) == [("Threat modelling for small teams", ["Alice Example"], []),
                            ("Fuzzing in practice", ["Bob Example"], [])]


def test_parse_report_agenda_items_with_people_sub_bullets() -> None:
    text = ("### Spring Meetup\n\n#### Agenda\n\n - 18:00 - 18:15: Welcome and pizza\n"
            " - 18:15 - 18:45: Scaling Postgres\n   - Jane Doe, Staff Engineer, Acme\n"
            "   - Slides: https://speakerdeck.com/x/y\n"
            " - 18:45 - 19:15: Tracing everything\n   - John Smith, Initech\n"
            " - 19:15 - 20:00: Networking\n")
    assert [(t, s) for t, s, _ in _talks(text)] == [("Scaling Postgres", ["Jane Doe"]),
                                                    ("Tracing everything", ["John Smith"])]


def test_parse_report_heading_takes_speaker_from_slide_embed() -> None:
    text = ("本日の発表をまとめました。\n\n## 非同期処理の設計\n\n"
            "**[非同期処理の設計](https://www.slideshare.net/a/b)** from **[Taro Yamada](https://www.slideshare.net/a)**\n\n"
            "## テスト戦略の話\n\n"
            "**[テスト戦略の話 v2](https://www.slideshare.net/c/d)** from **[Hanako Sato](https://www.slideshare.net/c)**\n\n"
            "- メモ\n")
    assert [(t, s) for t, s, _ in _talks(text)] == [("非同期処理の設計", ["Taro Yamada"]),
                                                    ("テスト戦略の話", ["Hanako Sato"])]


def test_parse_report_section_holding_talks_is_a_container() -> None:
    text = ("# ライトニングトーク\n\n## 「型パズル入門」 ― 山田 太郎\n\n- メモ\n\n"
            "## 「CI を速くする」 ― 佐藤 花子\n\n- メモ\n\n# 次回は\n\n- 未定\n")
    assert [(t, s) for t, s, _ in _talks(text)] == [("型パズル入門", ["山田 太郎"]),
                                                    ("CI を速くする", ["佐藤 花子"])]


def test_parse_report_plain_text_title_slash_speaker_lines() -> None:
    text = ("Some favourite talks from the conference\n"
            "Property testing in anger / Jane Doe\nA paragraph about the talk.\n"
            "Talk: https://example.org/v/1\nShipping on Fridays / John Smith\n"
            "Another paragraph.\nTalk: https://example.org/v/2\n")
    assert [(t, s) for t, s, _ in _talks(text, "r.txt")] == [
        ("Property testing in anger", ["Jane Doe"]), ("Shipping on Fridays", ["John Smith"])]


def test_parse_report_thank_you_list_is_not_talks() -> None:
    text = ("# Rust Night\n\n- [Ann Lee](https://x) -- for her help as co-organizer.\n"
            "- [Bo Chan](https://y) -- for his role as speaker.\n\n"
            "# Talks\n\n- Ann Lee - Borrowing without tears\n- Bo Chan - Async in practice\n")
    assert [t for t, _, _ in _talks(text)] == ["Borrowing without tears", "Async in practice"]


def test_parse_report_warnings_say_what_to_fix() -> None:
    report = parse_report("## Kubernetes upgrade story\n\n- a point\n- another point\n\n"
                          "## Observability basics\n\n- a point\n", "r.md")
    joined = " | ".join(report.warnings)
    assert "no event date stated" in joined and "name no speaker" in joined


def test_parse_report_html_links_and_bold_reach_the_talk_rules() -> None:
    html = ("<html><body><h1>Py Night</h1><ul>"
            "<li>Notebooks by <a href='https://t/a'>Ann Lee</a>.</li>"
            "<li>Config done right by <a href='https://t/b'>Bo Chan</a>.</li></ul></body></html>")
    assert [(t, s) for t, s, _ in _talks(html, "p.html")] == [("Notebooks", ["Ann Lee"]),
                                                              ("Config done right", ["Bo Chan"])]


def test_parse_report_programme_table_talks_take_their_sections_notes() -> None:
    text = ("Cloud Night #3 のメモ。\n\n| 時間 | タイトル | 登壇者 |\n|---|---|---|\n"
            "| 13:30 | eBPF で見る通信 | 山田 太郎（株式会社サンプル） |\n"
            "| 14:10 | GitOps を 100 クラスタで | @hanako_dev |\n| 15:00 | 懇親会 | |\n\n"
            "## eBPF で見る通信\n\n- Hubble で可視化\n- カーネルを触らずに計測\n\n"
            "## GitOps を 100 クラスタで\n\n- ApplicationSet で差分を吸収\n")
    report = parse_report(text, "r.md")
    assert [(t.title, t.speakers, t.affiliations, t.has_notes) for t in report.talks] == [
        ("eBPF で見る通信", ["山田 太郎"], ["株式会社サンプル"], True),
        ("GitOps を 100 クラスタで", ["@hanako_dev"], [], True)]
    assert "Hubble" in report.talks[0].notes and "ApplicationSet" in report.talks[1].notes


def test_parse_report_slot_heading_with_two_titled_parts() -> None:
    text = ("## 1コマ目「型の話」\n+ 登壇者 : 山田 太郎 ( [@taro](https://twitter.com/taro) ) さん\n\n"
            "## 2コマ目\n+ 登壇者 : 佐藤 花子 ( [@hanako](https://twitter.com/hanako) ) さん\n\n"
            "### 「前半: クラウド入門」\n- メモ\n\n### 「後半: Go 入門」\n- メモ\n")
    assert [(t, s) for t, s, _ in _talks(text)] == [("型の話", ["山田 太郎"]),
                                                    ("前半: クラウド入門", ["佐藤 花子"]),
                                                    ("後半: Go 入門", ["佐藤 花子"])]


def test_html_to_text_drops_embedded_posts() -> None:
    from store.htmltext import html_to_text

    page = ('<p>before</p><blockquote class="twitter-tweet"><p>great talk!</p>&mdash; '
            '<a href="https://twitter.com/x">@x</a></blockquote><p>after</p>')
    text = html_to_text(page)
    assert "before" in text and "after" in text and "great talk" not in text


def test_parse_report_plain_label_paragraphs_and_title_lines_with_speaker_labels() -> None:
    notes = ("Data Night – meeting notes\n\nSpeaker: Ann Lee (Acme)\nTitle: Tables for everyone\n"
             "Notes:\n- migrated a lot\n\nSpeaker: Bo Chan\nTitle: Contracts with schemas\n")
    assert _talks(notes, "n.txt") == [("Tables for everyone", ["Ann Lee"], ["Acme"]),
                                      ("Contracts with schemas", ["Bo Chan"], [])]
    blog = ("以下、聞いたセッションのメモです。\n\nリアルタイムなダッシュボードを作る\n"
            "登壇者：森 健（株式会社サンプル）\n驚いた。\n\n自宅 IoT の話\n登壇者：@pi_maker\n"
            "温度計を作っていた。\n\nまとめ\n")
    assert _talks(blog, "b.txt") == [("リアルタイムなダッシュボードを作る", ["森 健"], ["株式会社サンプル"]),
                                     ("自宅 IoT の話", ["@pi_maker"], [])]


def test_parse_report_full_width_slash_title_speaker_lines() -> None:
    text = ("【発表】\n・型ヒントを入れて一年／小林 恵（株式会社サンプル）\n"
            "・fixture を使いこなす／@fixture_fan\n\n【懇親会】\n近くの店で\n")
    assert [(t, s) for t, s, _ in _talks(text, "p.txt")] == [
        ("型ヒントを入れて一年", ["小林 恵"]), ("fixture を使いこなす", ["@fixture_fan"])]


def test_parse_report_bold_slot_lines_with_session_labels_and_an_untitled_keynote() -> None:
    text = ("# Widget Summit 2021\n\nSaturday, April 17, 2021 (virtual)\n\n"
            "**Keynote** - Dr. Ann Lee, Widgetco\n\n"
            "**Session: Scaling Design Systems** - Bo Chan, Gadget Works\n\n"
            "**Session: Accessible Forms from Scratch** - Cy Dunn\n")
    assert _talks(text) == [("Keynote (Dr. Ann Lee)", ["Dr. Ann Lee"], ["Widgetco"]),
                            ("Scaling Design Systems", ["Bo Chan"], ["Gadget Works"]),
                            ("Accessible Forms from Scratch", ["Cy Dunn"], [])]


def test_parse_report_speaker_bios_give_organisations() -> None:
    text = ("Agenda:\n\n6:45 - \"Exactly-once streams\" by Ann Lee\n\n"
            "7:30 - \"Flink lessons\" by Bo Chan\n\nAbout the speakers:\n\n"
            "Ann Lee is a senior engineer at Widgetco working on streams.\n\n"
            "Bo Chan leads the platform team at Gadget Works.\n")
    assert _talks(text, "m.txt") == [("Exactly-once streams", ["Ann Lee"], ["Widgetco"]),
                                     ("Flink lessons", ["Bo Chan"], ["Gadget Works"])]
    ja = ("## 非同期処理の設計（山田 太郎さん）\n\n株式会社サンプルの山田さんによる発表。\n\n"
          "## 組み込みの話（Ann Leeさん）\n\nAnnさんは Widget Motors のエンジニア。\n")
    assert [o for _, _, o in _talks(ja)] == [["株式会社サンプル"], ["Widget Motors"]]


def test_parse_report_a_speakers_own_post_states_the_talk() -> None:
    ja = ("---\ntitle: \"Widgetカンファレンス2024で登壇しました\"\nauthor: 松本 悠\n---\n\n"
          "2024年6月22日(土)に開催された Widgetカンファレンス2024 で「キューを止めずにデプロイする」"
          "というタイトルで登壇しました。\n\nスライドはこちらです。\n")
    assert _talks(ja) == [("キューを止めずにデプロイする", ["松本 悠"], [])]
    en = ("---\ntitle: \"Speaking at Widget Days\"\nauthor: Olivia Grant\n---\n\n"
          "On August 19th, 2023 I spoke at Widget Days 2023.\n\n"
          "My talk, \"Your Feature Flags Are Debt\", covered how we cleaned up flags.\n\n"
          "Slides are on Speaker Deck. Thanks to everyone who came along!\n")
    assert _talks(en) == [("Your Feature Flags Are Debt", ["Olivia Grant"], [])]


def test_parse_report_heading_with_a_bare_name_line_below() -> None:
    text = ("## Rails Engines at Scale\n\nChloe Doe, Widgetco\n\nNotes.\n\n"
            "## Teaching Ruby to Kids\n\nNgozi Adeyemi\n")
    assert [(t, s) for t, s, _ in _talks(text)] == [("Rails Engines at Scale", ["Chloe Doe"]),
                                                    ("Teaching Ruby to Kids", ["Ngozi Adeyemi"])]


def test_parse_report_panels_bylines_and_speaker_lines_above_headings() -> None:
    panel = ("## Panel: On-Call Without Burnout\n\nModerator: Ann Lee (Widgetco)\n"
             "Panelists: Bo Chan (Gadget Works), Cy Dunn (Acme)\n\nNotes.\n\n"
             "## Shipping Design Tokens\n\n*by Dee Fox, Senior Engineer at Widgetco*\n\n- notes\n")
    talks = _talks(panel)
    assert talks[0][1] == ["Ann Lee", "Bo Chan", "Cy Dunn"]
    assert talks[1][:2] == ("Shipping Design Tokens", ["Dee Fox"])
    above = ("# Ember Night\n\nSpeaker: Ann Lee, Widgetco\n\n## Migrating components\n\n- a\n- b\n\n"
             "Speaker: Bo Chan, Gadget Works\n\n## Testing helpers\n\n- c\n")
    assert [(t, s) for t, s, _ in _talks(above)] == [("Migrating components", ["Ann Lee"]),
                                                     ("Testing helpers", ["Bo Chan"])]


def test_parse_report_next_meeting_section_and_closing_words_are_not_talks() -> None:
    text = ("# Widget Meetup #12\n\n## 型パズル入門\n登壇者：山田 太郎（株式会社サンプル）\n\n- メモ\n\n"
            "## Wrapping up\n\nThanks!\n\n## 次回予告\n\n### E2E テスト入門\n発表者：佐藤 花子\n")
    assert [(t, s) for t, s, _ in _talks(text)] == [("型パズル入門", ["山田 太郎"])]


def test_parse_report_asciidoc_headings_rooms_and_box_dashes() -> None:
    adoc = ("= Clojure Night\n\n== Datomic in Production\nSpeaker: Ann Lee (Widgetco)\n\n"
            "Some notes.\n\n== REPL-driven design\nSpeaker: Bo Chan\n")
    assert _talks(adoc, "c.txt") == [("Datomic in Production", ["Ann Lee"], ["Widgetco"]),
                                     ("REPL-driven design", ["Bo Chan"], [])]
    room = ("**09:30 – Platform Teams Are Products** (Main Hall) — Ann Lee, Widgetco\n\n"
            "**10:30 – Paved Roads** (Room B) — Bo Chan, Gadget Works\n")
    assert [t for t, _, _ in _talks(room)] == ["Platform Teams Are Products", "Paved Roads"]
    box = "【発表】\n・Go で書く Wasm 入門 ── 大塚 誠（株式会社サンプル）\n・Linter を作る ── 森 健\n"
    assert [(t, s) for t, s, _ in _talks(box, "b.txt")] == [("Go で書く Wasm 入門", ["大塚 誠"]),
                                                             ("Linter を作る", ["森 健"])]


@pytest.mark.parametrize(("line", "noise"), [
    ("Pub/Sub at Scale", False), ("Publishing Helm Charts", False),
    ("Lunchbox internals", False), ("Breaking changes in 2.0", False), ("ランチLT", False),
    ("Lunch", True), ("Coffee break", True), ("Pub", True), ("Beer & pizza", True),
    ("Lunch / networking", True), ("懇親会", True), ("休憩(15分)", True),
    ("本会終了", True), ("終了", True), ("終了条件の設計", False),
])
def test_programme_items_are_whole_words(line: str, noise: bool) -> None:
    from store.reports.extract import NOISE

    assert bool(NOISE.search(line)) is noise


def test_a_speaker_item_over_its_talk_item_names_the_speaker() -> None:
    """An archive listing speakers, each with their talk nested under them."""
    en = ("# Widget Meetup archive\n\nPast talks:\n\n- March 2024\n"
          "    - [Jane Roe](https://example.org/jane)\n"
          "        - Lightning talk: Reading The Widget Book by Ann Author\n"
          "    - [John Doe](https://example.org/john)\n"
          "        - Caching widgets at the edge\n"
          "- February 2024\n    - [Mary Major](https://example.org/mary)\n"
          "        - Widgets without servers\n")
    talks = parse_report(en).talks
    assert [(t.title, t.speakers) for t in talks] == [
        # the name above says who speaks: "by Ann Author" is the book's, part of the title
        ("Reading The Widget Book by Ann Author", ["Jane Roe"]),
        ("Caching widgets at the edge", ["John Doe"]),
        ("Widgets without servers", ["Mary Major"]),
    ]
    ja = ("# ウィジェット勉強会 アーカイブ\n\n- 2024年3月\n    - 山田 太郎さん\n"
          "        - ウィジェットのキャッシュ戦略\n    - 佐藤 花子さん (@hanako)\n"
          "        - サーバーレスなウィジェット\n")
    talks = parse_report(ja).talks
    assert [(t.title, t.speakers, t.handles) for t in talks] == [
        ("ウィジェットのキャッシュ戦略", ["山田 太郎"], []),
        ("サーバーレスなウィジェット", ["佐藤 花子"], ["@hanako"]),
    ]


def test_an_item_over_several_points_is_not_a_speaker() -> None:
    """A talk title that happens to read like a name keeps its notes as notes."""
    text = ("# Widget Night\n\n- Widget Caching Deep Dive / Jane Roe\n    - edge caches\n"
            "    - cache keys\n- Serverless Widgets / John Doe\n    - cold starts\n")
    talks = parse_report(text).talks
    assert [(t.title, t.speakers) for t in talks] == [
        ("Widget Caching Deep Dive", ["Jane Roe"]), ("Serverless Widgets", ["John Doe"])]


def test_parse_report_raw_html_table_in_markdown_is_read_as_rows() -> None:
    text = ("# ビルド勉強会 #2\n\n2020年5月1日に開催しました。\n\n"
            "<table>\n<tr>\n<th>講演者</th>\n<th>時間</th>\n<th>タイトル</th>\n</tr>\n"
            "<tr>\n<td>Hanako Yamada</td>\n<td>00:00:00</td>\n<td>キャッシュの効くビルド</td>\n</tr>\n"
            "<tr>\n<td>Taro Suzuki</td>\n<td>00:12:30</td>\n"
            "<td><a href=\"https://example.com/s\">依存の整理術</a></td>\n</tr>\n</table>\n")
    assert _talks(text) == [("キャッシュの効くビルド", ["Hanako Yamada"], []),
                            ("依存の整理術", ["Taro Suzuki"], [])]


def test_html_to_text_writes_a_plain_grid_as_a_pipe_table_and_a_layout_table_as_text() -> None:
    from store.htmltext import html_to_text

    grid = html_to_text("<table><tr><th>Title</th><th>Speaker</th></tr>"
                        "<tr><td>A | B</td><td>Ann</td></tr></table>")
    assert grid.splitlines() == ["| Title | Speaker |", "| --- | --- |", "| A \\| B | Ann |"]
    # No header row, or a heading inside: the table is a page layout, read as before.
    for layout in ("<table><tr><td>Title</td><td>Ann</td></tr><tr><td>x</td><td>y</td></tr>"
                   "</table>",
                   "<table><tr><th>a</th></tr><tr><td><h2>Talks</h2></td></tr></table>"):
        assert "|" not in html_to_text(layout)
    # a first row of bold cells is a header too; cells read as text are kept apart
    bold = html_to_text("<table><tr><td><b>Speaker</b></td><td><strong>Title</strong></td></tr>"
                        "<tr><td>Ann</td><td>Zig</td></tr></table>")
    assert bold.splitlines()[:2] == ["| Speaker | Title |", "| --- | --- |"]
    assert html_to_text("<table><tr><td>Ann</td><td>Zig</td></tr></table>").strip() == "Ann Zig"


def test_parse_report_table_whose_talk_sits_in_a_free_text_cell() -> None:
    text = ("# Gophers archive\n\n| Date | Notes |\n|---|---|\n"
            "| 2021-03-04 | Recording [March meetup](https://example.com/v1) |\n"
            "|  | Profiling in anger by Mary Jones ([Slides](https://example.com/s1)) |\n"
            "|  | Generics, finally by Omar Reyes |\n"
            "| 2021-02-04 | Venue moved to the library |\n")
    assert _talks(text) == [("Profiling in anger", ["Mary Jones"], []),
                            ("Generics, finally", ["Omar Reyes"], [])]


def test_parse_report_time_item_description_rows_drop_their_durations() -> None:
    text = ("# Night 5\n\n| Time | Item | Description |\n|---|---|---|\n"
            "| 6:00 pm | Doors Open | Networking |\n"
            "| 6:30 pm | Talk | Tracing without tears - @kim_dev - 10 mins |\n"
            "| 6:45 pm | Talk | @lee_b - Async closures (15分) |\n"
            "| 7:00 pm | Break | BREAK 20 mins |\n")
    report = parse_report(text, source="r.md")
    assert [(t.title, t.handles) for t in report.talks] == [
        ("Tracing without tears", ["@kim_dev"]), ("Async closures", ["@lee_b"])]


def test_parse_report_heading_repeating_one_line_of_a_programme_cell_joins_its_talk() -> None:
    text = ("# Swift Night #4\n\n## 予定\n\n| 時間 | 発表者 | 内容 |\n|---|---|---|\n"
            "| 19:00 | Kotlin Kansaiオーガナイザ @kk_one | 開会挨拶、記念撮影<br/>入門：型推論を眺める |\n"
            "| 19:20 | @mio_dev | Actor の使いどころ |\n\n"
            "# 19:05 入門：型推論を眺める\n\n推論の順番を追った。\n\n"
            "# 19:20 Actor の使いどころ\n\n分離の話。\n")
    report = parse_report(text, source="r.md")
    assert [(t.title, t.handles) for t in report.talks] == [
        ("入門：型推論を眺める", ["@kk_one"]), ("Actor の使いどころ", ["@mio_dev"])]
    assert "Kotlin" not in " ".join(report.talks[0].speakers)
    assert "推論の順番" in report.talks[0].notes


def test_parse_report_free_text_rows_reading_title_by_name_take_a_one_word_name() -> None:
    text = ("# Zig evenings\n\n| Date | Info |\n|---|---|\n"
            "| 2022-05-02 | Allocators explained by Mary Jones |\n"
            "|  | Comptime tricks by Omar Reyes |\n"
            "|  | Build system tour by Kavi |\n")
    assert [(t, s) for t, s, _ in _talks(text)] == [
        ("Allocators explained", ["Mary Jones"]), ("Comptime tricks", ["Omar Reyes"]),
        ("Build system tour", ["Kavi"])]


def test_parse_report_speaker_column_keeps_a_group_at_the_end_of_the_title_cell() -> None:
    text = ("# Zig evenings\n\n| 講演者 | タイトル |\n|---|---|\n"
            "| Mary Jones | 組込みで Zig を試す(Beta) |\n| Omar Reyes (Initech) | 比較の話 |\n")
    assert _talks(text) == [("組込みで Zig を試す(Beta)", ["Mary Jones"], []),
                            ("比較の話", ["Omar Reyes"], ["Initech"])]


def test_parse_report_decorated_lines_over_their_slide_urls_are_talks() -> None:
    text = ("# 秋のカンファレンス参加記\n\n## 1日目\n\n午後から参加しました。\n\n"
            "◆型で守る設定ファイル\nhttps://speakerdeck.com/example/typed-config\n\n"
            "とても参考になりました。\n\n◆質疑応答メモ\n\n質問がたくさん出ていました。\n\n"
            "◆二次会の様子\nhttps://twitter.com/someone/status/123456\n\n"
            "◆LT大会\n\nどれも勢いがありました。\n\n"
            "◆小さく始めるオブザーバビリティ\nhttps://example.org/proposal/1234\n"
            "資料は見つかりませんでした。\n\n"
            "LT 会を横目に、友人とコードを書いていました。\n")
    assert [t for t, _, _ in _talks(text)] == ["型で守る設定ファイル", "小さく始めるオブザーバビリティ"]


def test_parse_report_setext_headings_with_room_codes_over_note_headings() -> None:
    text = ("# 春の勉強会に行ってきた\n\n午後から参加しました。\n\n"
            "A-1 型システムの歩き方\n---\n\n佐々木さんのセッション。\n\n### まとめ\n\n+ 型は大事\n\n"
            "### 感想メモ\n\n面白かった。\n\n"
            "B2-3 B2-3 小さな言語を作る\n-----\n\n内容が濃かった。\n\n### 実装\n\n+ パーサ\n\n"
            "### 質問\n\n+ 速度は？\n\nC-4 [BOF] 読書会の続け方\n----\n\nみんなで話した。\n")
    report = parse_report(text, source="r.md")
    assert [(t.title, t.session_code) for t in report.talks] == [
        ("型システムの歩き方", "A-1"), ("小さな言語を作る", "B2-3"), ("読書会の続け方", "C-4")]
    assert report.talks[0].speakers == ["佐々木"]


def test_parse_report_list_of_links_with_room_codes() -> None:
    text = ("## 聞いたセッション\n\n"
            "* [keynote-1 基調講演1: 「言語は止まらない」](http://example.org/p#keynote-1)\n"
            "* [CD-2 Caching for everyone[通訳あり]](http://example.org/p#CD-2)\n"
            "* [CD-3「小さく始める監視」(仮)](http://example.org/p#CD-3)\n")
    report = parse_report(text, source="r.md")
    assert [(t.title, t.session_code) for t in report.talks] == [
        ("言語は止まらない", "keynote-1"), ("Caching for everyone", "CD-2"),
        ("小さく始める監視", "CD-3")]


def test_parse_report_untitled_keynote_slot_after_a_time_and_length() -> None:
    text = ("## Day 1\n\n* 9:00 a.m. (50m) _Keynote_ by [Ann Lee](https://twitter.com/ann)\n"
            "* 10:00 a.m. (40m) [Quiet Queues](https://speakerdeck.com/x/q) by [Bo Chan](https://twitter.com/bo)\n")
    assert [(t, s) for t, s, _ in _talks(text)] == [("Keynote (Ann Lee)", ["Ann Lee"]),
                                                     ("Quiet Queues", ["Bo Chan"])]


def test_parse_report_event_page_sections_and_bios_are_not_talks() -> None:
    text = ("# Widget Summit 2030 Workshop\n\n## Testing Widgets Together\n\n### Description\n\n"
            "A long paragraph about why the centres meet and what they hope to do next year.\n\n"
            "### When & Where\n\n- *Date:* some day\n- *Location:* a room\n\n### Agenda\n\n"
            "* Lightning talks\n  * Acme: Ann Lee, Bo Chan\n\n### Speakers & Panelists\n\n"
            "#### Ann Lee (Acme)\nAnn Lee is an engineer at Acme who tests widgets.\n\n"
            "#### Bo Chan (Acme)\nBo Chan builds test harnesses.\n\n### Moderators\n\n"
            "#### Cy Dale (Initech)\nCy Dale runs the working group.\n")
    titles = [t for t, _, _ in _talks(text)]
    assert not {"Description", "When & Where", "Speakers & Panelists", "Moderators",
                "Ann Lee (Acme)", "Cy Dale (Initech)"} & set(titles)


def test_parse_report_closing_sections_are_not_talks() -> None:
    text = ("# 勉強会を開催しました\n\n## 入門セッション\n\n最初のセッションでは基本を説明しました。\n\n"
            "## 豪華な顔ぶれによるLT\n\n五本の発表がありました。\n\n## 今後について\n\n次も開きます。\n\n"
            "## One more thing..\n\n録画もあります。\n\n## 全体的に\n\n楽しかった。\n\n"
            "## リンク集\n\n- [勉強会に行ってきた - someone](https://example.org/blog/1)\n")
    assert [t for t, _, _ in _talks(text)] == ["入門セッション"]


def test_parse_report_presentation_headings_name_their_speakers_after_the_topic() -> None:
    text = ("# Nov 3 2031\n\n### Presentation 1: Tiny-DB: Ann Lee, Bo Chan, Cy Dale\n\n"
            "* **Talk**: Tiny-DB: a week with B-trees\n* **Description**: notes on the build.\n\n"
            "### Presentation 2: Queues: [Dee Park](https://github.com/deepark)\n\n"
            "* **Talk**: Why queues back up\n* **Description**: more notes.\n")
    assert [(t, s) for t, s, _ in _talks(text)] == [
        ("Tiny-DB: a week with B-trees", ["Ann Lee", "Bo Chan", "Cy Dale"]),
        ("Why queues back up", ["Dee Park"])]


def test_parse_report_people_items_under_a_lightning_talks_item() -> None:
    text = ("# Widget Workshop\n\n### Agenda\n\n* Welcome: 5 mins\n* Lightning talks: 10 minutes each\n"
            "  * ACME: Ann Lee\n  * University of Nowhere: Bo Chan, Cy Dale\n"
            "* Panel: 30 mins\n  * ACME, Initech, Globex.\n* Wrap up\n  * Next steps\n")
    assert _talks(text) == [("Lightning talks (Ann Lee)", ["Ann Lee"], ["ACME"]),
                            ("Lightning talks (Bo Chan / Cy Dale)", ["Bo Chan", "Cy Dale"],
                             ["University of Nowhere"])]


def test_a_bare_speaker_label_item_takes_the_item_under_it() -> None:
    text = ("# ウィジェット会議 01\n\n## ウィジェットの設計 (招待講演)\n* 発表者\n    * @jane\n"
            "* 資料\n    * [https://speakerdeck.com/jane/w](https://speakerdeck.com/jane/w)\n\n"
            "設計の話でした。\n\n## キャッシュの使いかた\n\n* 発表者\n    * @john\n\n"
            "キャッシュの話でした。\n")
    talks = parse_report(text).talks
    assert [(t.title, t.handles) for t in talks] == [
        ("ウィジェットの設計", ["@jane"]),  # the slot's kind is no part of the title
        ("キャッシュの使いかた", ["@john"])]


def test_a_person_sub_heading_names_the_talk_above() -> None:
    text = ("# 一般講演\n## ウィジェットと私\n### 小西 雅也 (@konishi)\n#### エディタ\nVim です。\n"
            "## 並列テストの実践\n### 山本和久(@kazu)\n株式会社ウィジェットの山本さんの講演です。\n"
            "## Caching at the edge\n### Jane Roe (Example Inc.)\nNotes.\n"
            "## Speakers\n### Ann Author (Example Inc.)\nA bio.\n")
    talks = parse_report(text).talks
    assert [(t.title, t.speakers, t.handles, t.affiliations) for t in talks] == [
        ("ウィジェットと私", ["小西 雅也"], ["@konishi"], []),
        ("並列テストの実践", ["山本和久"], ["@kazu"], ["株式会社ウィジェット"]),
        ("Caching at the edge", ["Jane Roe"], [], ["Example Inc."]),
    ]


def test_a_full_width_space_sets_a_japanese_name_off_the_title() -> None:
    text = ("# LT\n\n発表は次の通りでした。\n\n- ウィジェットの関係とか地方で仕事を選ぶということ　山本由佳里\n"
            "- 勉強会に参加してきた！　イワタ\n- ウィジェットで学ぶ設計　小西雅也\n")
    talks = parse_report(text).talks
    assert [(t.title, t.speakers) for t in talks] == [
        ("ウィジェットの関係とか地方で仕事を選ぶということ", ["山本由佳里"]),
        ("勉強会に参加してきた！", ["イワタ"]),
        ("ウィジェットで学ぶ設計", ["小西雅也"]),
    ]
    line = parse_talk_line("コンテナ　入門")  # 入門 is a word, not a name
    assert (line.title, line.speakers) == ("コンテナ 入門", [])


def test_parse_report_names_written_above_each_title_heading() -> None:
    text = ("<h2>Earlier evenings</h2>\n<ul>\n"
            "<li><span>March 2020 - </span><span>Whole room</span><h4>Pairing Circle</h4></li>\n"
            "<li><span>February 2020 - </span><span>Nora Quill</span>"
            "<h4>Caching without tears</h4></li>\n"
            "<li><span>January 2020 - </span><span>Omar Reyes / Lina Park</span>"
            "<h4>Parsers by hand / Fuzzing: a first look</h4></li>\n"
            "<li><span>December 2019 - </span><span>Kavi Rao / Lina Park / Omar Reyes</span>"
            "<h4>Editor Wars Panel</h4></li>\n"
            "<li><span>November 2019 - </span><span>Lina Park</span><h4>Type holes</h4></li>\n"
            "</ul>\n")
    talks = [(t, s) for t, s, _ in _talks(text)]
    assert ("Caching without tears", ["Nora Quill"]) in talks
    assert ("Parsers by hand", ["Omar Reyes"]) in talks
    assert ("Fuzzing: a first look", ["Lina Park"]) in talks
    assert ("Editor Wars Panel", ["Kavi Rao", "Lina Park", "Omar Reyes"]) in talks
    assert ("Type holes", ["Lina Park"]) in talks


def test_parse_report_name_lines_over_titles_keep_their_order_in_markdown() -> None:
    text = ("# Past talks\n\n- Nora Quill\n\n### Caching without tears\n\nNotes on caches.\n\n"
            "- Omar Reyes\n\n### Hand-written parsers\n\nNotes on parsers.\n\n"
            "- Lina Park\n\n### Type holes\n\nNotes on types.\n")
    assert [(t, s) for t, s, _ in _talks(text)] == [
        ("Caching without tears", ["Nora Quill"]), ("Hand-written parsers", ["Omar Reyes"]),
        ("Type holes", ["Lina Park"])]


def test_parse_report_a_split_label_over_several_paired_titles_is_dropped() -> None:
    text = ("<ul>\n<li><span>Nora Quill</span><h4>Caching without tears</h4></li>\n"
            "<li><span>Omar Reyes / Lina Park / Kavi Rao</span>"
            "<h4>Shorts: Make / Tmux / Fish</h4></li>\n</ul>\n")
    talks = [(t, s) for t, s, _ in _talks(text)]
    assert ("Make", ["Omar Reyes"]) in talks and ("Fish", ["Kavi Rao"]) in talks


def test_parse_report_programme_slots_written_time_title_names_on_lines_of_their_own() -> None:
    text = ("<table><tr><th>時間</th><th>内容</th></tr>\n"
            "<tr><th>13:00 (5分)</th><td><p>はじめの挨拶</p></td></tr>\n"
            "<tr><th>13:10 - 13:50 (40分)</th><td><p>型で守るフロントエンド</p>"
            "<p><a href='https://example.org/a'>山田 花子</a> / 株式会社サンプル</p>"
            "<p>型の話をします。</p></td></tr>\n"
            "<tr><th>14:00 - 14:40 (40分)</th><td><p>監視の基本</p>"
            "<p>鈴木 次郎（@jiro_s） / Widgetco</p><ul><li>x</li></ul></td></tr>\n"
            "</table>\n")
    talks = _talks(text)
    assert ("型で守るフロントエンド", ["山田 花子"], ["株式会社サンプル"]) in talks
    assert ("監視の基本", ["鈴木 次郎"], ["Widgetco"]) in talks
    assert not any("分)" in t for t, _, _ in talks)


def test_parse_report_title_bar_name_items_take_a_name_the_rules_do_not_know() -> None:
    text = ("# LT\n\n- 型で守るフロントエンド | 山田 花子\n- 監視の基本 | @jiro_s\n"
            "- 最初の一歩 | ぽん太郎\n- ビルドの話 | KaviRao\n")
    talks = {t.title: t.speakers + t.handles for t in parse_report(text, source="r.md").talks}
    assert talks["最初の一歩"] == ["ぽん太郎"]
    assert "KaviRao" in talks["ビルドの話"]


_REST = """==========================
Docs Night 4 (2031/02/03)
==========================

.. image:: images/logo.png
   :alt: logo

Outline
=======

:Venue: Example Hall
:Access:
   * Ten minutes on foot from the station
   * `[Map]`_

.. _[Map]: https://example.org/map

Timetable
=========

* 19:00- 「Docs as code」 `Nora さん <https://example.org/nora>`_
* 19:30- 「Themes from scratch」 `Omar <https://example.org/omar>`_
* 21:00  完全撤退

Talks
=====

Docs as code
------------

:Time: 19:00-19:20
:Name: Nora Quill
:BIO: Widgetco

.. raw:: html

   <iframe src="https://example.org/embed/by-Someone-Else"></iframe>

Themes from scratch
-------------------

:Time: 19:30-19:50
:Name: Omar Reyes
:BIO: a writer who likes small tools, and tea
"""


def test_rest_to_markdown_titles_links_fields_and_directives() -> None:
    from store.reports.rest import looks_like_rest, rest_to_markdown
    assert looks_like_rest(_REST)
    md = rest_to_markdown(_REST)
    assert "# Docs Night 4 (2031/02/03)" in md and "\n## Outline\n" in md
    assert "\n### Docs as code\n" in md
    assert "[Nora さん](https://example.org/nora)" in md
    assert "Name: Nora Quill" in md
    assert "iframe" not in md and "logo.png" not in md and "_[Map]" not in md


def test_parse_report_rest_text_file_reads_name_and_bio_fields() -> None:
    report = parse_report(_REST, source="r.txt")
    talks = [(t.title, t.speakers, t.affiliations) for t in report.talks]
    assert talks[0] == ("Docs as code", ["Nora Quill"], ["Widgetco"])
    assert talks[1][:2] == ("Themes from scratch", ["Omar Reyes"]) and not talks[1][2]
    assert len(talks) == 2  # directions under "Access:" and the teardown are no talks


def test_parse_report_a_lone_spotlight_item_among_monthly_topics() -> None:
    text = ("# Past meetups\n\n### May 2031\n- **Topic**: \"Typed pipelines\" by Nora Quill\n\n"
            "### April 2031\n- **Topic**: \"Caching graphs\" by Omar Reyes\n\n"
            "### March 2031\n- [Recording](https://example.org/rec)\n"
            "- Community Spotlight: [Lina Park](https://example.org/lina)\n")
    people = [s for _, s, _ in _talks(text)]
    assert ["Lina Park"] in people and ["Nora Quill"] in people


def test_is_noise_a_talk_about_networking_for_an_audience_is_a_talk() -> None:
    from store.reports.extract import is_noise
    assert not is_noise("Networking for Developers")
    assert is_noise("Networking") and is_noise("Lunch for Speakers") and is_noise("Networking & drinks")
