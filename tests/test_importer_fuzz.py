"""Hostile input through the importer: odd names, front matter and bytes cost one line each."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.errors import ReportError
from store.frontmatter import MAX_TAG_CHARS, MAX_TAGS, read_front_matter
from store.importer import import_paths
from store.models import Talk
from store.queries import talk_dict

_FM_PIECES = st.sampled_from([
    "date: 2018-02-30\n", "date: 2018-13-01\n", "date: 0000-01-01\n", "date: 2019-06-18\n",
    "date: 2018-01-01T25:00:00\n", "date: 2018-01-01T10:00:00+25:00\n",
    "date: !!timestamp x\n", "event_date: 2019-06-18T19:00:00+09:00\n",
    'event: "Infra Study"\n', "event: &e Meetup\n", "name: *e\n", "title: *undefined\n",
    "tags: [a, b, c]\n", "tags: &t [x, y]\n", "categories: [*t, *t, *t]\n",
    "a: &a [l, l, l, l, l, l, l, l, l]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\ntags: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
    "tags: " + "[" * 50 + "]" * 50 + "\n", "deep: " + "{a: " * 30 + "1" + "}" * 30 + "\n",
    'venue: "a\\0b"\n', 'venue: "\\ud800"\n', "url: https://example.com/" + "u" * 3000 + "\n",
    "n: " + "9" * 5000 + "\n", "b: !!binary aGVsbG8=\n", "m: {<<: {x: 1}}\n", "? [k]\n: v\n",
    "tags: [" + ", ".join(f"t{i}" for i in range(300)) + "]\n", "tags: " + "z" * 500 + "\n",
    "- list\n", "key: [unclosed\n", "\t: tab\n", "x: !!python/object:os.system ls\n",
])
_BODY_PIECES = st.sampled_from([
    "## Talk\n", "## " + "T" * 3000 + "\n", "by 誰か\n", "- point\n", "\n", "# Title\n",
    "---\n", "+++\n", "日時: 2019年6月18日\n", "Date: 2018-02-30\n", "<h2>x</h2>", "\x1b[31m",
])


@st.composite
def _front_matter(draw: st.DrawFn) -> str:
    fence = draw(st.sampled_from(["---", "---", "+++", ""]))
    pieces = draw(st.lists(st.one_of(_FM_PIECES, st.text(max_size=15)), max_size=8))
    if not fence:
        return ""
    return f"{fence}\n{''.join(pieces)}{fence}\n" if draw(st.booleans()) else f"{fence}\n" + \
        "".join(pieces)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_front_matter(), st.lists(_BODY_PIECES, max_size=6))
def test_read_front_matter_bounded_or_one_line_error(fm: str, body: list[str]) -> None:
    try:
        result = read_front_matter(fm + "".join(body))
    except ReportError as exc:
        assert str(exc) and "\n" not in str(exc) and len(str(exc)) < 200
        return
    text = json.dumps(result.data, default=str, ensure_ascii=False)
    text.encode("utf-8")  # storable: no lone surrogates
    assert "\x00" not in text and len(text) < 200_000
    for key in ("tags", "categories"):
        tags = result.data.get(key)
        if isinstance(tags, list):
            assert len(tags) <= MAX_TAGS and all(
                isinstance(t, str) and len(t) <= MAX_TAG_CHARS for t in tags)


_NAMES = st.one_of(
    st.sampled_from([b"caf\xe9", "テスト".encode("shift_jis"), b"a\nb", b"tab\there", b"\xff\xfe",
                     "日本語".encode(), b"x" * 200, b"\x1b[2J", b"back\\slash"]),
    st.binary(min_size=1, max_size=40).filter(
        lambda b: b"/" not in b and b"\x00" not in b and not b.startswith(b".")),
)
_counter = itertools.count()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_NAMES, _front_matter(), st.lists(_BODY_PIECES, max_size=6),
                          st.sampled_from(["utf-8", "shift_jis", "raw"])),
                min_size=1, max_size=5, unique_by=lambda f: f[0]))
def test_import_paths_hostile_files_one_line_each(any_sessions: sessionmaker[Session],
                                                   tmp_path: Path,
                                                   files: list[tuple[bytes, str, list[str],
                                                                     str]]) -> None:
    folder = os.fsencode(tmp_path / f"batch{next(_counter)}")
    os.mkdir(folder)
    for name, fm, body, encoding in files:
        text = fm + "".join(body)
        data = (text.encode("utf-8", "surrogatepass") if encoding != "shift_jis"
                else text.encode("shift_jis", "replace"))
        if encoding == "raw":
            data = bytes(b % 251 for b in data)
        with open(os.path.join(folder, name + b".md"), "wb") as f:
            f.write(data)
    result = import_paths(any_sessions, [os.fsdecode(folder)])
    assert result.files == len(files)
    assert result.imported + result.unchanged + len(result.rejected) == len(files)
    out = json.dumps(result.as_dict(), ensure_ascii=False)
    out.encode("utf-8")  # printable: every name escaped
    for r in result.rejected:
        assert "\n" not in r.path + r.error and r.error
    with any_sessions() as s:
        talks = [talk_dict(t) for t in s.scalars(select(Talk))]
    json.dumps(talks, ensure_ascii=False).encode("utf-8")
