"""The repetition checker finds what it is meant to find (so the no-repetition tests can fail)."""

from __future__ import annotations

import datetime as dt

from bot.blocks import HitView, TalkView, results_blocks, talk_blocks
from tests.repetition import repetitions


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_repetitions_finds_a_quoted_summary_a_double_handle_and_dangling_dashes() -> None:
    summary = "gVisor はユーザ空間でシステムコールを受ける"
    assert repetitions([_section(f"*T*\n{summary}\n> {summary}")])
    assert repetitions([_section("*T*"), _section(f"{summary}")], "") == []
    assert repetitions([_section(summary), _section(summary)])
    assert repetitions([_section("@IanMLewis / @IanMLewis — Meetup · 2019-01-01")])
    assert repetitions([], "タイトル —")
    assert repetitions([_section("タイトル\n — Meetup")])
    assert repetitions([], "Secure Pods — Ian Lewis") == []


def test_repetitions_lets_events_repeat_across_hits() -> None:
    talks = [TalkView(i, f"Talk number {i}", ("Someone",), event_name="Kubernetes Meetup Tokyo",
                      event_date=dt.date(2019, 1, 1), summary=f"point {i} of a long talk here")
             for i in range(3)]
    blocks, text = results_blocks("x", [HitView(t) for t in talks], total=3)
    assert repetitions(blocks, text) == []
    assert repetitions(talk_blocks(talks[0])[0]) == []
