"""Block Kit builders: content, escaping and Slack's limits, also for hostile report text."""

from __future__ import annotations

import datetime as dt
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks import (
    MAX_BUTTON_VALUE,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    MAX_TOTAL_TEXT,
    MORE_RESULTS,
    SHARE_TALK,
    ChannelPick,
    EventView,
    HitView,
    Page,
    TalkView,
    channel_picks_blocks,
    check_blocks,
    cut,
    cut_escaped,
    decode_share,
    encode_share,
    escape_mrkdwn,
    events_blocks,
    help_blocks,
    highlighted,
    home_view,
    no_results_blocks,
    results_blocks,
    shared_talk_blocks,
    talk_blocks,
    text_size,
    week_blocks,
)


def _talk(i: int = 1, **kw: object) -> TalkView:
    base: dict[str, object] = dict(
        id=i, title=f"Secure Pods {i}", speakers=("Ian Lewis",), affiliations=("Google",),
        event_name="Kubernetes Meetup Tokyo #11", event_date=dt.date(2018, 6, 1),
        summary="gVisor を使ってコンテナを守る", notes="- gVisor\n- Sentry", has_notes=True,
        url="https://example.com/k8s11", source="content/k8s-11.md")
    base.update(kw)
    return TalkView(**base)  # type: ignore[arg-type]


def _all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def _mrkdwn(blocks: list[dict]) -> list[str]:
    """Every mrkdwn text (plain_text is never parsed for mentions or links by Slack)."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                out.append(node["text"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(blocks)
    return out


_ALLOWED_MARKUP = re.compile(r"<@U1>|<@U123>|<https://example\.com/k8s11\|[^<>]*>")


def _assert_no_markup(blocks: list[dict]) -> None:
    for text in _mrkdwn(blocks):
        rest = re.sub(r"(^|\n)> ", "\n", _ALLOWED_MARKUP.sub("", text))  # our own quote marks
        assert "<" not in rest and ">" not in rest, text


def test_escape_mrkdwn_neutralises_mentions_and_links() -> None:
    assert escape_mrkdwn("<!channel> & <@U123> <http://x|y>") == (
        "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;http://x|y&gt;")


def test_cut_adds_ellipsis_only_when_needed() -> None:
    assert cut("abc", 3) == "abc"
    assert cut("abcdef", 4) == "abc…" and len(cut("abcdef", 4)) == 4


def test_cut_escaped_never_splits_an_entity() -> None:
    out = cut_escaped("a" * 8 + "&&&&", 11)
    assert out.endswith("…") and "&am…" not in out and len(out) <= 11


def test_highlighted_bolds_spans_and_escapes() -> None:
    out = highlighted("use <gVisor> now", [(5, 11)])
    assert "*gVisor*" in out and "&lt;" in out and "<" not in out.replace("\u200b", "")


def test_results_blocks_has_share_per_hit_and_more_when_more_remain() -> None:
    hits = [HitView(_talk(i), "Sentry はユーザスペース", ((0, 6),)) for i in range(1, 6)]
    blocks, text = results_blocks("gVisor", hits, total=12, lang="ja")
    assert check_blocks(blocks) == []
    shares = [b["accessory"] for b in blocks if "accessory" in b]
    assert [decode_share(s["value"]) for s in shares] == [(i, "ja") for i in range(1, 6)]
    assert all(s["action_id"] == SHARE_TALK for s in shares)
    more = blocks[-1]["elements"][0]
    assert more["action_id"] == MORE_RESULTS
    assert Page.decode(more["value"]) == Page("query", "gVisor", 5, "ja")
    assert "Secure Pods 1" in text and "gVisor" in blocks[0]["text"]["text"]
    body = _all_text(blocks)
    assert "Ian Lewis (Google)" in body and "2018-06-01" in body and "k8s-11.md" in body
    assert "<https://example.com/k8s11|" in body


def test_results_blocks_last_page_has_no_more_button() -> None:
    blocks, _ = results_blocks("x", [HitView(_talk())], total=6, offset=5, lang="en")
    assert all(b["type"] != "actions" for b in blocks)
    assert "6–6 of 6" in _all_text(blocks)


def test_results_blocks_without_share_for_public_replies() -> None:
    blocks, _ = results_blocks("x", [HitView(_talk())], total=1, shareable=False)
    assert all("accessory" not in b for b in blocks)


def test_talk_without_notes_says_so() -> None:
    blocks, _ = talk_blocks(_talk(has_notes=False, summary="", notes=""), lang="en")
    assert "notes not written" in _all_text(blocks)
    blocks, _ = talk_blocks(_talk(has_notes=False, summary="", notes=""), lang="ja")
    assert "メモはまだ書かれていません" in _all_text(blocks)


def test_report_text_cannot_ping_or_link() -> None:
    evil = _talk(title="<!channel> hi <@U999>", summary="<!here> <https://evil|click>",
                 speakers=("<!everyone>",), event_name="<#C1>", url="javascript:alert(1)",
                 notes="<!subteam^S1>")
    for blocks in (talk_blocks(evil)[0], shared_talk_blocks(evil, "U123")[0],
                   results_blocks("<!channel>", [HitView(evil, "<!channel>", ((0, 10),))],
                                  total=1)[0], week_blocks(evil)[0]):
        _assert_no_markup(blocks)
    shared = _all_text(shared_talk_blocks(evil, "U123")[0])
    assert "<@U123>" in shared  # who shared it is a real mention
    assert "<@" not in _all_text(shared_talk_blocks(evil, "<!channel>")[0])


def test_fallback_text_is_escaped() -> None:
    _, text = talk_blocks(_talk(title="<!channel>"))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_no_results_offers_suggestions_and_examples() -> None:
    blocks, _ = no_results_blocks("kubernets", ["kubernetes", "<!channel>"], lang="en")
    body = _all_text(blocks)
    assert "kubernetes" in body and "/meetup" in body and "<!channel>" not in body
    assert check_blocks(blocks) == []


def test_long_everything_stays_inside_limits() -> None:
    huge = _talk(title="T" * 5000, summary="S" * 10000, notes="N&" * 20000,
                 speakers=tuple("Speaker" * 50 for _ in range(30)), event_name="E" * 3000,
                 source="s" * 5000)
    hits = [HitView(huge, "x" * 9000, ((0, 4000),)) for _ in range(5)]
    for blocks in (results_blocks("q" * 5000, hits, total=10_000)[0], talk_blocks(huge)[0],
                   shared_talk_blocks(huge, "U1")[0], week_blocks(huge)[0]):
        assert check_blocks(blocks) == [], check_blocks(blocks)
        assert text_size(blocks) <= MAX_TOTAL_TEXT
    title = talk_blocks(huge)[0][0]["text"]["text"]
    assert "T" * 199 + "…" in title and "T" * 200 not in title
    header = results_blocks("q" * 5000, hits, total=1)[0][0]
    assert len(header["text"]["text"]) <= MAX_HEADER_TEXT


def _sections(blocks: list[dict]) -> str:
    return "\n".join(_mrkdwn(blocks))


def test_hit_shows_the_snippet_or_the_summary_never_both() -> None:
    talk = _talk(summary="gVisor を使ってコンテナを守る / Sentry がシステムコールを受ける")
    from_summary = HitView(talk, "…Sentry がシステムコールを受ける", ((1, 7),))
    text = _sections(results_blocks("Sentry", [from_summary], total=1)[0])
    assert text.count("システムコールを受ける") == 1 and "\n> " not in text
    assert "*Sentry*" in text  # the snippet, with the match in bold, stands for the summary
    only_title = HitView(talk, "Secure Pods 1", ((0, 6),))  # says nothing new: the summary
    text = _sections(results_blocks("Secure", [only_title], total=1)[0])
    assert "gVisor を使ってコンテナを守る" in text and text.count("Secure Pods 1") == 1
    only_people = HitView(_talk(handles=("@IanMLewis",)), "Ian Lewis / @IanMLewis / Google",
                          ((0, 9),))
    text = _sections(results_blocks("Ian", [only_people], total=1)[0])
    assert text.count("Ian Lewis") == 1 and "gVisor を使って" in text


def test_talk_blocks_show_the_title_once_and_link_it() -> None:
    blocks, _ = talk_blocks(_talk(notes=""), lang="ja")
    body = _all_text(blocks)
    assert body.count("Secure Pods 1") == 1
    assert "<https://example.com/k8s11|Secure Pods 1>" in body
    assert body.count("https://example.com/k8s11") == 1  # not again as a separate link


def test_a_handle_equal_to_the_speaker_is_shown_once() -> None:
    same = _talk(speakers=("@IanMLewis",), handles=("@IanMLewis",), affiliations=())
    for blocks in (talk_blocks(same)[0], results_blocks("x", [HitView(same)], total=1)[0]):
        body = _all_text(blocks)
        assert body.count("@IanMLewis") == 1 and "@IanMLewis / @IanMLewis" not in body
    other = _talk(speakers=("Ian Lewis",), handles=("@IanMLewis",), affiliations=("Google",))
    assert "Ian Lewis @IanMLewis (Google)" in _all_text(talk_blocks(other)[0])
    bare = _talk(speakers=("ianmlewis",), handles=("@IanMLewis",), affiliations=())
    assert "@IanMLewis" not in _all_text(talk_blocks(bare)[0])


def test_fallback_text_has_no_dangling_dash_without_speakers() -> None:
    nobody = _talk(speakers=(), affiliations=())
    for _, text in (talk_blocks(nobody), shared_talk_blocks(nobody, "U1")):
        assert text == "Secure Pods 1"
    assert talk_blocks(_talk())[1] == "Secure Pods 1 — Ian Lewis (Google)"


def test_talk_view_links_the_talks_own_page_else_the_events() -> None:
    from store.models import Event, Talk

    event = Event(id=1, name="Meetup #1", url="https://example.com/event")
    own = Talk(id=1, title="A", url="https://speakerdeck.com/x/a", event=event)
    plain = Talk(id=2, title="B", url=None, event=event)
    assert TalkView.from_talk(own).url == "https://speakerdeck.com/x/a"
    assert TalkView.from_talk(plain).url == "https://example.com/event"


def test_events_blocks_many_events_fit_and_count_the_rest() -> None:
    events = [EventView(i, f"Event {i} " + "x" * 300, dt.date(2020, 1, 1), 5) for i in range(500)]
    blocks, _ = events_blocks(events[:20], total=500, lang="en")
    assert check_blocks(blocks) == []
    assert "and 480 more" in _all_text(blocks)
    assert events_blocks([], lang="en")[0][0]["text"]["text"].startswith("No events")


def test_home_view_fits_home_limits() -> None:
    events = [EventView(i, "E" * 400, None, 1) for i in range(200)]
    picks = [ChannelPick(f"C{i:04d}", _talk(i), "not_in_channel" if i == 3 else None)
             for i in range(30)]
    view = home_view(events, lang="ja", week_picks=picks, bot_user_id="UBOT")
    assert view["type"] == "home"
    assert check_blocks(view["blocks"], surface="home") == []
    body = _all_text(view["blocks"])
    assert "今週のトーク" in body and "最近のイベント" in body and "<@UBOT>" in body
    assert "<#C0000> の今週のトーク" in body and "<#C0003> への配信が失敗" in body
    note = home_view([], lang="en", week_note="not set up yet")
    assert "not set up yet" in _all_text(note["blocks"])


def test_home_view_each_channel_with_its_own_pick() -> None:
    picks = [ChannelPick("C01", _talk(1)), ChannelPick("C02", _talk(2)),
             ChannelPick("C03", None)]
    text = "\n".join(_mrkdwn(home_view([], lang="en", week_picks=picks)["blocks"]))
    first, second, third = (text.index(f"<#C0{i}>") for i in (1, 2, 3))
    assert first < text.index("Secure Pods 1") < second < text.index("Secure Pods 2") < third
    assert "no talks with notes yet" in text[third:]
    blocks, fallback = channel_picks_blocks(picks, lang="ja")
    assert check_blocks(blocks) == [] and fallback == "今週のトーク: Secure Pods 1; Secure Pods 2"
    assert "/meetup subscribe" in channel_picks_blocks([], lang="en")[1]


def test_channels_with_the_same_pick_share_one_entry() -> None:
    picks = [ChannelPick("C01", _talk(1)), ChannelPick("C02", _talk(2)),
             ChannelPick("C03", _talk(1), failing="not_in_channel")]
    blocks = home_view([], lang="ja", week_picks=picks)["blocks"]
    text = "\n".join(_mrkdwn(blocks))
    assert text.count("Secure Pods 1") == 1 and "<#C01>, <#C03> の今週のトーク" in text
    assert "<#C03> への配信が失敗しています (`not_in_channel`)" in text
    assert channel_picks_blocks(picks, lang="en")[1] == ("Talk of the week: Secure Pods 1; "
                                                         "Secure Pods 2")


def test_help_blocks_in_both_languages() -> None:
    ja, _ = help_blocks(lang="ja")
    en, _ = help_blocks(lang="en", bot_user_id="UBOT")
    assert "使い方" in _all_text(ja) and "<@>" not in _all_text(ja)
    assert "How to use" in _all_text(en) and "<@UBOT>" in _all_text(en)


def test_page_round_trip_and_rejects_garbage() -> None:
    page = Page("speaker", "Ian Lewis", 10, "en")
    assert Page.decode(page.encode()) == page
    for bad in ("", "{", "[]", '{"k":"q","q":"x","o":-1}', '{"k":"q","q":" ","o":0}',
                '{"k":"q","o":"a","q":"x"}'):
        assert Page.decode(bad) is None
    assert decode_share("nope") is None and decode_share(encode_share(3, "en")) == (3, "en")


def test_check_blocks_reports_violations() -> None:
    bad = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
           {"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}},
           {"type": "actions", "elements": [{"type": "button", "action_id": "a" * 256,
                                             "text": {"type": "plain_text", "text": "b" * 76},
                                             "value": "v" * 2001}]}]
    problems = check_blocks(bad + [{"type": "divider"}] * 50)
    assert len(problems) >= 6


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6000)


@settings(max_examples=60, deadline=None)
@given(title=_text, summary=_text, notes=_text, snippet=_text, query=_text,
       spans=st.lists(st.tuples(st.integers(-5, 7000), st.integers(-5, 7000)), max_size=8))
def test_hostile_text_never_breaks_limits_or_escaping(title: str, summary: str, notes: str,
                                                      snippet: str, query: str,
                                                      spans: list[tuple[int, int]]) -> None:
    talk = _talk(title=title, summary=summary, notes=notes, speakers=(title[:300],))
    for blocks in (results_blocks(query, [HitView(talk, snippet, tuple(spans))] * 5,
                                  total=99)[0],
                   talk_blocks(talk)[0], shared_talk_blocks(talk, "U1")[0],
                   no_results_blocks(query, [title])[0]):
        assert check_blocks(blocks) == []
        _assert_no_markup(blocks)
        for b in blocks:
            if b["type"] == "section":
                assert len(b["text"]["text"]) <= MAX_SECTION_TEXT
            for button in ([b["accessory"]] if "accessory" in b else []):
                assert len(button["value"]) <= MAX_BUTTON_VALUE


def test_the_title_is_not_repeated_by_the_summary_or_the_notes() -> None:
    talk = _talk(title="Container Runtime", summary="Container Runtime / 領域は広い",
                 notes="[/srv/notes/a.md]\n- Container Runtime\n- 領域は広い\n\n[/srv/notes/b.md]\n"
                       "ランタイムを分けたい")
    hit = _all_text(results_blocks("x", [HitView(talk)], total=1)[0])
    assert hit.count("Container Runtime") == 1 and "領域は広い" in hit
    full = _all_text(talk_blocks(talk)[0])
    assert full.count("Container Runtime") == 1 and "領域は広い" in full
    assert "[a.md]" in full and "[b.md]" in full and "/srv/notes" not in full
