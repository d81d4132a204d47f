"""Searching talks: the index kept in step with imports, query plans, ranking, snippets."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, DamerauLevenshtein
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session, joinedload, load_only

from store import translit
from store.errors import GlossaryError
from store.identity import bundled_content_dir
from store.intent import EventInfo, Intent, abbreviation_index, read_intent
from store.models import Event, Talk
from store.queries import talk_options
from store.text import (
    MAX_BODY_TERMS,
    Unit,
    cjk_query_terms,
    fold,
    fold_same_length,
    index_terms,
    split_words,
    units,
)

# Why this design (measured with benchmarks/search_bench.py; figures in its docstring):
#
# * store.text turns every field into terms in Python: words (NFKC, case-folded, camelCase
#   parts), and CJK runs as character bigrams plus a trailing single character. A 2-character
#   query such as 認証 or 監視 is one bigram, a 1-character query a prefix. FTS5's trigram
#   tokenizer finds nothing under 3 characters and pg_trgm drops non-ASCII characters
#   under the C locale; with our own terms neither database has to understand Japanese.
# * search_docs keeps one row of terms per talk. SQLite indexes it with an external-content
#   FTS5 table (tokenizer `ascii`, detail=column), PostgreSQL with tsvector columns built by
#   array_to_tsvector (no parser, no dictionary) under GIN. Both answer the same boolean
#   question (which talks hold these terms), so they find the same talks.
# * Ranking a common term's every match is what made bm25 slow (p99 ~260 ms at 100k talks),
#   and bm25 and ts_rank disagree. So the database only returns a bounded window of
#   matches in doc_key order (event date, then talk id: newest first), once restricted to
#   titles/speakers/tags and once over all fields, and Python scores that window the same
#   way for both databases: field weights, exact phrase over fuzzy, glossary synonyms and
#   typo corrections worth a little less, then rapidfuzz against title and speakers.
#   Ties fall to the newer event because doc_key breaks them.

log = logging.getLogger(__name__)

FIELDS = ("title", "people", "org", "event", "tags", "body")
HEAD = ("title", "people", "tags")
_WEIGHTS = {"title": 3.0, "people": 3.0, "tags": 2.0, "org": 3.0, "event": 1.0, "body": 1.0}
_MAX_QUERY = 256  # characters of a query that are looked at; the rest is ignored
_MAX_GROUPS = 8
_MAX_ALTS = 10
_WINDOW = 50  # candidates per tier; grows with the page asked for
_MAX_BODY_CHARS = 200_000  # keeps PostgreSQL's tsvector far below its 1 MB limit
# Words of a question that say nothing of its topic: scored when present, never required.
_FILLERS = frozenset({
    "who", "whom", "whose", "when", "where", "which", "did", "does", "do", "was", "were",
    "said", "say", "says", "talked", "talk", "talks", "told", "tell", "me", "show", "find",
    "there", "any", "anything", "someone", "anyone", "presented", "presentation",
    "presentations", "session", "sessions", "new", "about", "can", "could", "i", "we", "you",
    "話", "誰", "発表", "事例", "方法", "講演", "内容", "資料", "トーク", "セッション",
})
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "de", "for", "from", "how", "in", "is",
    "it", "of", "on", "or", "the", "to", "vs", "w", "o", "what", "why", "with", "without",
})

_meta = MetaData()
search_docs = Table(
    "search_docs", _meta,
    Column("doc_key", BigInteger, primary_key=True, autoincrement=False),
    Column("talk_id", Integer, nullable=False),
    Column("event_id", Integer, nullable=False),
    *(Column(name, Text, nullable=False) for name in FIELDS),
    Column("title_norm", Text, nullable=False),
    Column("people_norm", Text, nullable=False),
)
search_meta = Table(
    "search_meta", _meta,
    Column("key", String(50), primary_key=True),
    Column("value", String(200), nullable=False),
)


@dataclass(frozen=True)
class TalkHit:
    """One talk that matched, with its score and a highlighted snippet."""

    talk: Talk  # with .event and .event.report loaded
    score: float  # higher is better
    snippet: str  # plain text around the best match in notes, summary or title
    highlights: tuple[tuple[int, int], ...]  # (start, end) of matched text in snippet


@dataclass(frozen=True)
class SearchResult:
    hits: list[TalkHit]
    total: int  # talks that matched in all
    suggestions: list[str]  # did-you-mean, when hits is empty


# --------------------------------------------------------------------------- glossary


@dataclass(frozen=True)
class Glossary:
    """Synonym sets from glossary.yaml, each spelling as the query units it folds to."""

    sets: tuple[tuple[tuple[str, ...], ...], ...]  # set → spellings → unit texts
    phrases: dict[tuple[str, ...], int]  # spelling → set index
    cjk: tuple[str, ...]  # one-unit CJK spellings, longest first (to split 認証基盤)
    words: frozenset[str]  # alphabetic words in spellings (typo targets)

    @property
    def longest(self) -> int:
        return max((len(p) for p in self.phrases), default=1)

    @classmethod
    def from_sets(cls, sets: Iterable[Iterable[str]]) -> Glossary:
        out: list[tuple[tuple[str, ...], ...]] = []
        phrases: dict[tuple[str, ...], int] = {}
        for spellings in sets:
            folded: list[tuple[str, ...]] = []
            for s in spellings:
                key = tuple(u.text for u in units(str(s)))
                if key and key not in folded:
                    folded.append(key)
            if len(folded) < 2:
                continue
            index = len(out)
            out.append(tuple(folded))
            for key in folded:
                phrases.setdefault(key, index)
        cjk = sorted({k[0] for k in phrases if len(k) == 1 and not _is_word(k[0])},
                     key=lambda s: (-len(s), s))
        words = frozenset(w for k in phrases for w in k if _is_word(w))
        return cls(tuple(out), phrases, tuple(cjk), words)

    @classmethod
    def load(cls, path: str | Path) -> Glossary:
        """Read `synonyms:` (a list of lists of spellings) from a YAML file; GlossaryError
        when the file cannot be read or holds something else."""
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise GlossaryError(f"cannot read the glossary {path}: "
                                f"{exc.strerror or type(exc).__name__}") from None
        except UnicodeDecodeError:
            raise GlossaryError(f"the glossary {path} is not UTF-8 text") from None
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            line = f" (line {where.line + 1})" if where is not None else ""
            raise GlossaryError(f"the glossary {path} is not valid YAML{line}") from None
        sets = data.get("synonyms") if isinstance(data, dict) else None
        if not isinstance(sets, list) or not all(isinstance(s, list) for s in sets):
            raise GlossaryError(f"the glossary {path} must hold 'synonyms:', a list of lists "
                                "of spellings")
        return cls.from_sets(sets)


# path → (modification time or None when gone, glossary): a file is read again when it changes
_glossaries: dict[str, tuple[int | None, Glossary]] = {}
_glossaries_lock = threading.Lock()
DEFAULT_GLOSSARY = bundled_content_dir() / "glossary.yaml"


def default_glossary_path() -> Path:
    """`content/glossary.yaml` of the working directory (a team's own copy, as `meetup-bot
    import` reads that `content/` too), else the one installed with the bot."""
    local = Path("content") / "glossary.yaml"
    return local if local.is_file() else DEFAULT_GLOSSARY


def load_glossary(path: str | Path | None = None) -> Glossary:
    """The glossary at `path` (default: `default_glossary_path()`), re-read when it changes.

    A glossary named by `path` that cannot be read raises GlossaryError, so a path from the
    settings is never silently ignored; the default one, when broken or missing (an install
    without its package data), is logged once and searched without. Once a file was read, a
    later broken edit keeps the last good copy (with a warning) rather than failing searches.
    """
    p = Path(path) if path is not None else default_glossary_path()
    key = str(p)
    try:
        mtime: int | None = p.stat().st_mtime_ns
    except OSError as exc:
        mtime, gone = None, exc.strerror or type(exc).__name__
    with _glossaries_lock:
        cached = _glossaries.get(key)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    try:
        if mtime is None:
            raise GlossaryError(f"cannot read the glossary {p}: {gone}")
        found = Glossary.load(p)
    except GlossaryError as error:
        if cached is None and path is not None:
            raise
        if cached is None:
            log.error("%s; searching without synonyms", error)
            found = Glossary.from_sets([])
        else:
            log.warning("%s; searching with the copy read before", error)
            found = cached[1]
    with _glossaries_lock:
        if len(_glossaries) > 8:
            _glossaries.clear()
        _glossaries[key] = (mtime, found)
    return found


def _is_word(s: str) -> bool:
    return s[:1].isascii() or not _is_cjk_char(s[0])


def _is_cjk_char(ch: str) -> bool:
    cp = ord(ch)
    return (0x3040 <= cp <= 0x30FF or 0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF
            or 0xAC00 <= cp <= 0xD7A3 or 0x1100 <= cp <= 0x11FF or 0x3131 <= cp <= 0x318E
            or 0x3005 <= cp <= 0x3007 or cp >= 0x20000)


# --------------------------------------------------------------------------- indexing


def doc_key(date_ordinal: int | None, talk_id: int) -> int:
    """Sort key of a talk in the index: newer events first, then later talk ids."""
    return ((date_ordinal or 0) << 32) | talk_id


# An import re-indexes every talk of an event each time another report of it is stored, and
# most of those talks' texts are unchanged: their terms are remembered (benchmarks/
# import_bench.py measured a third of the index's time in index_terms). Texts up to a few KB
# only, so the memo stays a few MB.
_MEMO_CHARS = 8_000


@lru_cache(maxsize=512)
def _terms_memo(text: str, limit: int | None) -> str:
    return " ".join(index_terms(text, limit=limit))


def _terms(text: str, limit: int | None = None) -> str:
    if len(text) <= _MEMO_CHARS:
        return _terms_memo(text, limit)
    return " ".join(index_terms(text, limit=limit))


def _body_terms(text: str) -> str:
    joined = _terms(text, MAX_BODY_TERMS)
    if len(joined) > _MAX_BODY_CHARS:
        joined = joined[:joined.rfind(" ", 0, _MAX_BODY_CHARS)].rstrip()
    return joined


def doc_row(talk: Talk, event: Event) -> dict[str, Any]:
    """The index row of one talk: its terms per field, and folded title and speakers."""
    people = [*(talk.speakers or []), *(talk.handles or [])]
    # The event's tags describe the event: they sit with its name (weight 1), not with the
    # talk's own tags, or every talk of a "security" event would rank as a security talk.
    event_text = [event.name, event.venue, *(event.tags or [])]
    return {
        "doc_key": doc_key(event.date.toordinal() if event.date else None, talk.id),
        "talk_id": talk.id,
        "event_id": event.id,
        "title": _terms(talk.title),
        "people": _terms(" ".join(people)),
        "org": _terms(" ".join(talk.affiliations or [])),
        "event": _terms(" ".join(filter(None, event_text))),
        "tags": _terms(" ".join(talk.tags or [])),
        "body": _body_terms(talk.notes or talk.summary or ""),
        "title_norm": fold(talk.title),
        "people_norm": fold(" / ".join(people)),
    }


def index_event(session: Session, event: Event) -> None:
    """(Re)index one event's talks; runs inside the caller's transaction."""
    session.flush()
    session.execute(delete(search_docs).where(search_docs.c.event_id == event.id))
    rows = [doc_row(t, event) for t in event.talks]
    if rows:
        session.execute(insert(search_docs), rows)


def rebuild_index(session: Session, *, batch: int = 500) -> int:
    """Index every talk from scratch (after a migration, or if the index was damaged).

    Returns the number of talks indexed.
    """
    session.flush()
    session.execute(delete(search_docs))
    count = 0
    last = 0
    while True:
        events = list(session.scalars(
            # only the columns the index reads: a migration runs this on an older schema
            select(Event).options(load_only(Event.id, Event.name, Event.date, Event.venue,
                                            Event.tags), joinedload(Event.talks))
            .where(Event.id > last)
            .order_by(Event.id).limit(batch)
        ).unique())
        if not events:
            break
        rows = [doc_row(t, ev) for ev in events for t in ev.talks]
        if rows:
            session.execute(insert(search_docs), rows)
        count += len(rows)
        last = events[-1].id
        for ev in events:
            session.expunge(ev)
    optimize_index(session)
    return count


def optimize_index(session: Session) -> None:
    """Compact the index after a large import: FTS5 merges its segments, PostgreSQL analyzes."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
    else:
        for index in ("ix_search_docs_tsv_head", "ix_search_docs_tsv_all"):
            session.execute(text("SELECT gin_clean_pending_list(CAST(:ix AS regclass))"),
                            {"ix": index})
        session.execute(text("ANALYZE search_docs"))


# --------------------------------------------------------------------------- query plans


@dataclass(frozen=True)
class _Alt:
    """One way a query word may appear: index terms that must all be present."""

    terms: tuple[str, ...]
    prefix: bool  # the last term is a prefix
    quality: float  # 1 for what the user typed, less for synonyms and corrections
    surface: tuple[str, ...]  # folded words or CJK runs, for highlighting

    @property
    def needles(self) -> tuple[str, ...]:
        last = f" {self.terms[-1]}" if self.prefix else f" {self.terms[-1]} "
        return (*(f" {t} " for t in self.terms[:-1]), last)

    @property
    def phrase(self) -> str:
        return " " + " ".join(self.terms) + ("" if self.prefix else " ")


@dataclass
class _Group:
    """One word or phrase of the query; a talk matches it through any alternative."""

    source: str
    alts: list[_Alt]
    weight: float = 1.0
    particle: bool = False  # hiragana only: dropped when the query has other words
    optional: bool = False  # scored when present, not required (stopwords, 1-char kanji)


@dataclass
class _Plan:
    query: str  # folded, spaces collapsed, for rapidfuzz
    groups: list[_Group]
    phrase: str | None  # the whole query's terms in a row, when it has several
    _highlight: re.Pattern[str] | None = field(default=None, repr=False)

    @property
    def required(self) -> list[list[_Alt]]:
        return [g.alts for g in self.groups if not g.optional]

    def highlight_re(self) -> re.Pattern[str] | None:
        if self._highlight is None:
            self._highlight = _highlight_pattern(self.groups)
        return self._highlight


def _alt_for(unit_texts: Sequence[str], quality: float, *, allow_prefix: bool = False) -> _Alt:
    terms: list[str] = []
    prefix = False
    for i, u in enumerate(unit_texts):
        if _is_word(u):
            terms.append(u)
        else:
            ts = cjk_query_terms(u)
            terms.extend(ts)
            if len(u) == 1 and i == len(unit_texts) - 1:
                prefix = True
    if allow_prefix and len(unit_texts) == 1 and _is_word(unit_texts[0]):
        prefix = True
    return _Alt(tuple(terms), prefix, quality, tuple(unit_texts))


def _split_by_glossary(us: list[Unit], glossary: Glossary) -> list[Unit]:
    """Split CJK runs at glossary spellings: 認証基盤 → 認証, 基盤."""
    if not glossary.cjk:
        return us
    out: list[Unit] = []
    for u in us:
        if not u.is_cjk or len(u.text) < 3 or u.text in glossary.cjk:
            out.append(u)  # a run that is a glossary spelling itself stays whole
            continue
        rest = u.text
        while rest:
            best = None
            for sp in glossary.cjk:
                if len(sp) < len(rest):
                    at = rest.find(sp)
                    if at >= 0 and (best is None or at < best[0]):
                        best = (at, sp)
            if best is None:
                out.append(Unit(rest, u.script))
                break
            at, sp = best
            if at:
                out.append(Unit(rest[:at], u.script))
            out.append(Unit(sp, u.script))
            rest = rest[at + len(sp):]
    return out


class _Vocabulary:
    """Alphabetic terms of the index with their document counts, for typo correction."""

    def __init__(self, df: dict[str, int], extra: Iterable[str]) -> None:
        self.df = df
        words = set(df) | {w for w in extra if len(w) >= 3 and w.isascii() and w.isalnum()}
        self.by_len: dict[int, list[str]] = {}
        for w in sorted(words):
            self.by_len.setdefault(len(w), []).append(w)

    def near(self, word: str, max_dist: int, limit: int = 3) -> list[tuple[str, int]]:
        """Terms within `max_dist` edits (transpositions count one), nearest and commonest first."""
        found: list[tuple[int, int, str]] = []
        n = len(word)
        for length in range(n - max_dist, n + max_dist + 1):
            choices = self.by_len.get(length)
            if not choices:
                continue
            for cand, dist, _ in process.extract(word, choices,
                                                 scorer=DamerauLevenshtein.distance,
                                                 score_cutoff=max_dist, limit=None):
                if cand != word:
                    found.append((int(dist), -self.df.get(cand, 0), cand))
        found.sort()
        return [(w, d) for d, _, w in found[:limit]]


    def similar(self, word: str, limit: int = 3, cutoff: float = 70.0) -> list[tuple[str, float]]:
        """Terms that look like `word` even when several letters are off (for did-you-mean)."""
        found: list[tuple[float, int, str]] = []
        n = len(word)
        for length in range(max(1, n - 4), n + 5):
            for cand, s, _ in process.extract(word, self.by_len.get(length, ()),
                                              scorer=fuzz.ratio, score_cutoff=cutoff,
                                              limit=limit):
                found.append((-s, -self.df.get(cand, 0), cand))
        found.sort()
        return [(w, -s) for s, _, w in found[:limit]]


def _number_variant(word: str, vocab: _Vocabulary) -> str | None:
    """The plural of a singular word or the singular of a plural one, if the store has it."""
    if len(word) < 3 or not word.isascii() or not word.isalpha():
        return None
    variant = word[:-1] if word.endswith("s") and not word.endswith("ss") else word + "s"
    return variant if vocab.df.get(variant) else None


def _word_alts(word: str, glossary: Glossary, vocab: _Vocabulary) -> list[_Alt]:
    alts = [_alt_for([word], 1.0, allow_prefix=len(word) <= 2 and word.isalnum()
                     and not word.isdigit())]
    df = vocab.df.get(word, 0)
    variant = _number_variant(word, vocab)
    if variant:
        alts.append(_alt_for([variant], 0.9))
    if len(word) >= 4 and word.isascii() and df <= 2:
        near = vocab.near(word, 1)
        if not near or len(word) >= 7:
            near = vocab.near(word, 2)
        for cand, dist in near:
            if df and vocab.df.get(cand, 0) < 10 * df:
                continue
            q = 0.8 if dist == 1 else 0.7
            alts.append(_alt_for([cand], q))
            index = glossary.phrases.get((cand,))
            if index is not None:
                alts.extend(_alt_for(sp, q * 0.9) for sp in glossary.sets[index]
                            if sp != (cand,))
    return alts


_FOLDED_FILLERS = frozenset(fold(w) for w in _FILLERS)


class _Bridge:
    """Katakana loanwords and the store's English words, both ways (store.translit): the
    English words of the index for a katakana query word, the katakana words of the talks'
    titles for an English one. Built on first use, once per store generation."""

    def __init__(self, vocab: _Vocabulary,
                 titles: Callable[[], tuple[list[str], list[str]]],
                 names: Callable[[], list[str]] = list) -> None:
        self._vocab, self._titles, self._names = vocab, titles, names
        self._english: dict[str, list[str]] | None = None
        self._kana: dict[str, list[str]] | None = None
        self._romaji: dict[str, list[str]] | None = None
        self._lock = threading.Lock()

    def _romaji_names(self) -> dict[str, list[str]]:
        with self._lock:
            if self._romaji is None:
                keys: dict[str, list[str]] = {}
                for name in self._names():
                    for word in split_words(fold(name)):
                        if len(word) >= 3 and word.isalpha() and word.isascii():
                            key = translit.reading_key(word)
                            if word not in keys.setdefault(key, []):
                                keys[key].append(word)
                self._romaji = keys
            return self._romaji

    def romaji(self, kanji: str) -> list[str]:
        """Speakers' names written in romaji that a kanji name reads as (市原 → ichihara):
        the readings a reading dictionary gives, compared as sounds, so Ohno, Ono and Oono
        are one name."""
        if not 2 <= len(kanji) <= 4:
            return []
        names = self._romaji_names()
        if not names:
            return []
        found: list[str] = []
        for reading in translit.kanji_readings(kanji):
            for word in names.get(translit.reading_key(reading), ()):
                if word not in found:
                    found.append(word)
        return found[:2]

    def _english_keys(self) -> dict[str, list[str]]:
        with self._lock:
            if self._english is None:
                keys: dict[str, list[str]] = {}
                for word in self._vocab.df:
                    if word.isalpha():
                        for form in translit.english_spellings(word):
                            keys.setdefault(translit.sound_key(form), []).append(word)
                self._english = keys
            return self._english

    def _kana_keys(self) -> dict[str, list[str]]:
        with self._lock:
            if self._kana is None:
                keys: dict[str, list[str]] = {}
                titles, orgs = self._titles()
                words = [w for t in titles for w in translit.katakana_words(t)]
                # a company's name in hiragana (株式会社はてな) only where organisations are
                words += [w for o in orgs
                          for w in translit.katakana_words(o) + translit.hiragana_names(o)]
                for kana in words:
                    key = translit.sound_key(translit.kana_spelling(kana))
                    folded = fold(kana)
                    if folded not in keys.setdefault(key, []):
                        keys[key].append(folded)
                self._kana = keys
            return self._kana

    def english(self, kana: str, limit: int = 2, *, name: bool = False
                ) -> list[tuple[str, float]]:
        """English words of the store that sound like the katakana word, likest first. A part
        of a name written with ・ (イアン・ルイス) may be short (ian): then it must sound
        nearly alike."""
        key = translit.sound_key(translit.kana_spelling(kana))
        if not key or (len(key) < 2 and not name):
            return []
        scored = sorted(((translit.likeness(kana, w), self._vocab.df.get(w, 0), w)
                         for w in set(self._english_keys().get(key, ()))), reverse=True)
        return _best(scored, limit, _least_likeness(key, name))

    def english_pair(self, kana: str) -> tuple[tuple[str, ...], float] | None:
        """English for a katakana compound (サイバーエージェント → cyberagent, レッドハット →
        red hat): split where both halves sound like words of the store; a split whose two
        words the store writes as one word (CyberAgent) wins, else both halves must sound
        much alike."""
        best: tuple[tuple[str, ...], float] | None = None
        for cut in range(2, len(kana) - 1):
            lefts, rights = self.english(kana[:cut], 3), self.english(kana[cut:], 3)
            for left, ls in lefts:
                for right, rs in rights:
                    score = min(ls, rs)
                    if self._vocab.df.get(left + right):
                        words: tuple[str, ...] = (left + right,)
                        score += 20
                    elif score >= 70:
                        words = (left, right)
                    else:
                        continue
                    if best is None or score > best[1]:
                        best = (words, min(score, 100.0))
        return best

    def kana(self, word: str, limit: int = 2) -> list[tuple[str, float]]:
        """Katakana words of the store's titles (folded) that sound like the English word
        (or two English words written together: code review → コードレビュー)."""
        if len(word) < 4 or not word.isascii() or not word.isalpha():
            return []
        found = []
        kana_keys = self._kana_keys()
        for form in translit.english_spellings(word):
            key = translit.sound_key(form)
            if len(key) < 3:
                continue  # SLO, GCP: too few sounds to tell one katakana word from another
            for kana in kana_keys.get(key, ()):
                found.append((translit.likeness(kana, word), 0, kana))
        return _best(sorted(set(found), reverse=True), limit, translit.SAME)


def _least_likeness(key: str, name: bool) -> float:
    """The likeness a match needs: more when the sound key is short (few consonants tell
    little), less when it is long and already agrees."""
    if len(key) < 2:
        return 80.0 if name else 101.0
    return translit.SAME if len(key) == 2 else 40.0


def _best(scored: list[tuple[float, int, str]], limit: int, least: float
          ) -> list[tuple[str, float]]:
    if not scored or scored[0][0] < least:
        return []
    top = scored[0][0]
    return [(w, s) for s, _, w in scored[:limit] if s >= max(least, top - 15)]


_KANA_NAME = re.compile(r"[\u30a1-\u30fa\u30fc]+(?:・[\u30a1-\u30fa\u30fc]+)+")


def _loan_quality(likeness: float) -> float:
    """A loanword's English word (or back) is worth a little less than the word typed."""
    return 0.5 + 0.3 * min(likeness, 100.0) / 100.0


def _plan(query: str, glossary: Glossary, vocab: _Vocabulary,
          bridge: _Bridge | None = None) -> _Plan:
    query = query[:_MAX_QUERY]
    # the parts of a katakana name written with ・ (イアン・ルイス) are words of their own
    name_parts = {fold(p) for m in _KANA_NAME.finditer(query) for p in m.group().split("・")}
    if name_parts:
        query = _KANA_NAME.sub(lambda m: m.group().replace("・", " "), query)
    us = _split_by_glossary(units(query), glossary)
    carried: list[_Alt] = []
    groups: list[_Group] = []
    exact_terms: list[str] = []
    i = 0
    longest = glossary.longest
    while i < len(us):
        matched = None
        for k in range(min(longest, len(us) - i), 0, -1):
            key = tuple(u.text for u in us[i:i + k])
            index = glossary.phrases.get(key)
            if index is None and k == 1 and not us[i].is_cjk and len(key[0]) >= 4:
                w = key[0]
                if w.endswith("s") and not w.endswith("ss"):
                    index = glossary.phrases.get((w[:-1],))
            if index is not None:
                matched = (k, key, index)
                break
        if matched is not None:
            k, key, index = matched
            alts = [_alt_for(key, 1.0)]
            alts += [_alt_for(sp, 0.9) for sp in glossary.sets[index] if sp != key]
            variants = [_number_variant(sp[0], vocab) for sp in glossary.sets[index]
                        if len(sp) == 1]
            alts += [_alt_for([v], 0.85) for v in variants if v]
            groups.append(_Group(" ".join(key), alts))
            exact_terms.extend(alts[0].terms)
            i += k
            continue
        u = us[i]
        i += 1
        if u.is_cjk:
            alt = _alt_for([u.text], 1.0)
            weight = 0.5 if len(u.text) == 1 else 1.0
            if u.text in _FILLERS or fold(u.text) in _FOLDED_FILLERS:
                weight = 0.3
            g = _Group(u.text, [alt], weight, particle=u.script == "hira")
            if (bridge is not None and u.script == "hira" and len(u.text) >= 3
                    and u.text not in _FOLDED_FILLERS):
                # a name written in hiragana (はてな ↔ Hatena): only a near-exact reading
                g.alts += [_alt_for([w], _loan_quality(s))
                           for w, s in bridge.english(u.text, name=True) if s >= 80]
            if bridge is not None and u.script == "kanji" and weight == 1.0:
                # a speaker whose name the store writes in romaji (市原 ↔ Ichihara)
                g.alts += [_alt_for([w], 0.7) for w in bridge.romaji(u.text)]
            if bridge is not None and u.script == "kata" and weight == 1.0:
                name = u.text in name_parts
                if name:
                    # a part of a name (イアン of イアン・ルイス) inside another katakana word
                    # (クライアント) is no evidence: its Latin spelling is
                    g.alts[0] = _alt_for([u.text], 0.5)
                g.alts += [_alt_for([w], _loan_quality(s))
                           for w, s in bridge.english(u.text, name=name)]
                pair = bridge.english_pair(u.text) if len(u.text) >= 4 and not name else None
                if pair is not None:
                    g.alts.append(_alt_for(pair[0], _loan_quality(pair[1])))
            groups.append(g)
        else:
            g = _Group(u.text, _word_alts(u.text, glossary, vocab))
            g.alts += carried  # a katakana compound that this word and the one before make
            carried = []
            if u.text in _STOPWORDS or u.text in _FILLERS:
                g.weight = 0.3
            elif bridge is not None:
                g.alts += [_alt_for([k], _loan_quality(s)) for k, s in bridge.kana(u.text)]
                after = us[i] if i < len(us) else None
                if after is not None and not after.is_cjk and after.text not in _STOPWORDS:
                    # two English words that one katakana compound writes together
                    # (code review → コードレビュー): either word's group accepts it
                    carried = [_alt_for([k], _loan_quality(s))
                               for k, s in bridge.kana(u.text + after.text)]
                    g.alts += carried
            groups.append(g)
        exact_terms.extend(groups[-1].alts[0].terms)
    content = [g for g in groups if not g.particle]
    if content:
        groups = content
    for g in groups:
        del g.alts[_MAX_ALTS:]
    if len(groups) > _MAX_GROUPS:
        groups = sorted(groups, key=lambda g: -g.weight)[:_MAX_GROUPS]
    # "how to debug pods" must not require "how" and "to"; 知りたい leaves a lone 知.
    if any(g.weight == 1.0 for g in groups):
        for g in groups:
            g.optional = g.weight < 1.0
    phrase = " " + " ".join(exact_terms) + " " if len(exact_terms) > 1 else None
    folded = " ".join(fold(query).split())[:128]
    return _Plan(folded, groups, phrase)


def _highlight_pattern(groups: list[_Group]) -> re.Pattern[str] | None:
    pieces: set[str] = set()
    for g in groups:
        for alt in g.alts:
            parts = []
            for s in alt.surface:
                if _is_word(s):
                    parts.append(re.escape(s))
                else:
                    parts.append("[ー・]*".join(re.escape(c) for c in s))
            body = "[^0-9a-z]{0,3}".join(parts)
            first_word = _is_word(alt.surface[0])
            last_word = _is_word(alt.surface[-1])
            lead = "(?<![0-9a-z])" if first_word else ""
            tail = "(?![0-9a-z])" if last_word and not alt.prefix else ""
            pieces.add(lead + body + tail)
    if not pieces:
        return None
    return re.compile("|".join(sorted(pieces, key=lambda p: (-len(p), p))))


# --------------------------------------------------------------------------- backends


def _fts5(groups: list[list[_Alt]], head: bool) -> str:
    def term(t: str, prefix: bool) -> str:
        return '"' + t.replace('"', '""') + '"' + ("*" if prefix else "")

    def alt(a: _Alt) -> str:
        ts = [term(t, a.prefix and i == len(a.terms) - 1) for i, t in enumerate(a.terms)]
        return ts[0] if len(ts) == 1 else "(" + " AND ".join(ts) + ")"

    expr = " AND ".join("(" + " OR ".join(alt(a) for a in g) + ")" for g in groups)
    return "{" + " ".join(HEAD) + "} : (" + expr + ")" if head else expr


def _tsquery(groups: list[list[_Alt]]) -> str:
    def term(t: str, prefix: bool) -> str:
        return "'" + t.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if prefix else "")

    def alt(a: _Alt) -> str:
        ts = [term(t, a.prefix and i == len(a.terms) - 1) for i, t in enumerate(a.terms)]
        return ts[0] if len(ts) == 1 else "(" + " & ".join(ts) + ")"

    return " & ".join("(" + " | ".join(alt(a) for a in g) + ")" for g in groups)


_SQLITE_KEYS = text(
    "SELECT rowid FROM search_fts WHERE search_fts MATCH :q ORDER BY rowid DESC LIMIT :n")
_SQLITE_COUNT = text("SELECT count(*) FROM search_fts WHERE search_fts MATCH :q")
_SQLITE_VOCAB = text("SELECT term, doc FROM search_vocab WHERE term < '{'")
_PG_KEYS = {
    col: text(f"SELECT doc_key FROM search_docs WHERE {col} @@ CAST(:q AS tsquery) "
              "ORDER BY doc_key DESC LIMIT :n")
    for col in ("tsv_head", "tsv_all")
}
_PG_ESTIMATE = text("EXPLAIN (FORMAT JSON) SELECT 1 FROM search_docs "
                    "WHERE tsv_all @@ CAST(:q AS tsquery)")
# Counting every talk that holds a common word costs PostgreSQL a visit to each (70 ms for
# 70,000 of 100,000 talks, most of a query's time); past this many, the count is the
# planner's estimate from the index statistics, as the total shown is an estimate anyway.
_PG_COUNT_CAP = 2000
_PG_VOCAB = text(
    "SELECT word, ndoc FROM ts_stat('SELECT tsv_all FROM search_docs') "
    "WHERE word COLLATE \"C\" < '{'")
_ASCII_TERM = re.compile(r"[0-9a-z]*[a-z][0-9a-z]*")


def _doc_keys(session: Session, groups: list[list[_Alt]], *, head: bool, limit: int) -> list[int]:
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(_SQLITE_KEYS, {"q": _fts5(groups, head), "n": limit}).all()
    else:
        stmt = _PG_KEYS["tsv_head" if head else "tsv_all"]
        rows = session.execute(stmt, {"q": _tsquery(groups), "n": limit}).all()
    return [r[0] for r in rows]


def _count(session: Session, groups: list[list[_Alt]]) -> int:
    if session.get_bind().dialect.name == "sqlite":
        return int(session.scalar(_SQLITE_COUNT, {"q": _fts5(groups, False)}) or 0)
    return _pg_counts(session, [_tsquery(groups)])[0]


def _pg_counts(session: Session, queries: list[str]) -> list[int]:
    """How many talks match each tsquery, in one round trip: exactly up to _PG_COUNT_CAP,
    past it the planner's estimate."""
    parts = [f"(SELECT count(*) FROM (SELECT 1 FROM search_docs WHERE tsv_all @@ "
             f"CAST(:q{i} AS tsquery) LIMIT :cap) AS held{i})" for i in range(len(queries))]
    params: dict[str, object] = {f"q{i}": q for i, q in enumerate(queries)}
    params["cap"] = _PG_COUNT_CAP
    with _gin_counts(session):
        row = session.execute(text("SELECT " + ", ".join(parts)), params).one()
    counts = []
    for q, held in zip(queries, row, strict=True):
        n = int(held or 0)
        if n >= _PG_COUNT_CAP:
            plan = session.scalar(_PG_ESTIMATE, {"q": q})
            with suppress(TypeError, LookupError, ValueError):
                n = max(n, int(plan[0]["Plan"]["Plan Rows"]))
        counts.append(n)
    return counts


@contextmanager
def _gin_counts(session: Session) -> Iterator[None]:
    """For a term most talks hold, the planner prefers a sequential scan, which unpacks every
    talk's tsvector (160 ms at 100k talks); counting the GIN bitmap takes a few ms."""
    before = session.scalar(text("SELECT current_setting('enable_seqscan'), "
                                 "set_config('enable_seqscan', 'off', true)"))
    try:
        yield
    finally:
        session.execute(text("SELECT set_config('enable_seqscan', :v, true)"), {"v": before})


def _read_vocab(session: Session) -> dict[str, int]:
    stmt = _SQLITE_VOCAB if session.get_bind().dialect.name == "sqlite" else _PG_VOCAB
    return {t: int(n) for t, n in session.execute(stmt)
            if 3 <= len(t) <= 30 and _ASCII_TERM.fullmatch(t)}


# --------------------------------------------------------------------------- caches


@dataclass
class _StoreCache:
    vocab: _Vocabulary | None = None
    vocab_words: frozenset[str] = frozenset()  # the glossary words `vocab` was built with
    people: _People | None = None
    titles: list[tuple[str, str]] | None = None
    n_docs: int | None = None
    events: dict[int, EventInfo] | None = None
    event_names: dict[int, str] | None = None
    event_list: list[EventInfo] | None = None
    abbreviated: dict[str, frozenset[int]] | None = None
    bridge: _Bridge | None = None
    df: dict[str, int] = field(default_factory=dict)  # query group -> talks holding it
    lock: threading.Lock = field(default_factory=threading.Lock)


_caches: dict[tuple[str, str], _StoreCache] = {}
_caches_lock = threading.Lock()


def _cache(session: Session) -> _StoreCache:
    """The caches of this store at its current generation (any index write starts afresh)."""
    meta = dict(session.execute(select(search_meta.c.key, search_meta.c.value)).all())
    key = (meta.get("store_id", ""), meta.get("generation", ""))
    with _caches_lock:
        found = _caches.get(key)
        if found is None:
            for old in [k for k in _caches if k[0] == key[0]]:
                del _caches[old]
            if len(_caches) > 16:
                _caches.clear()
            found = _caches[key] = _StoreCache()
    return found


def _vocab(session: Session, cache: _StoreCache, glossary: Glossary) -> _Vocabulary:
    with cache.lock:
        # A glossary edited while serving brings new typo targets: build again for it.
        if cache.vocab is None or cache.vocab_words != glossary.words:
            cache.vocab = _Vocabulary(_read_vocab(session), glossary.words)
            cache.vocab_words = glossary.words
        vocab = cache.vocab
    _n_docs(session, cache)  # counted with the vocabulary, on the first query, not a later one
    return vocab


def _n_docs(session: Session, cache: _StoreCache) -> int:
    """The talks in the index (for idf), counted once a store generation."""
    with cache.lock:
        if cache.n_docs is None:
            cache.n_docs = int(session.scalar(select(func.count()).select_from(search_docs))
                               or 0)
        return cache.n_docs


# --------------------------------------------------------------------------- ranking


@dataclass
class _Doc:
    key: int
    talk_id: int
    event_id: int
    fields: dict[str, str]
    title_norm: str
    people_norm: str
    body_len: int = 0  # terms in the notes


_DOC_COLUMNS = (search_docs.c.doc_key, search_docs.c.talk_id, search_docs.c.event_id,
                *(search_docs.c[f] for f in FIELDS),
                search_docs.c.title_norm, search_docs.c.people_norm)
_DOCS_BY_KEY = select(*_DOC_COLUMNS).where(
    search_docs.c.doc_key.in_(bindparam("keys", expanding=True)))


def _load_docs(session: Session, keys: Iterable[int]) -> list[_Doc]:
    docs = []
    for row in session.execute(_DOCS_BY_KEY, {"keys": list(keys)}).all():
        fields = {f: f" {row[3 + i]} " for i, f in enumerate(FIELDS)}
        docs.append(_Doc(row[0], row[1], row[2], fields, row[9], row[10],
                         fields["body"].count(" ") - 1))
    return docs


_BODY_K1 = 1.2  # BM25's saturation of repeated terms in the notes
_BODY_B = 0.75  # and how much long notes are discounted
_OTHER_FIELDS = 0.25  # share of the other fields' evidence added to the best field's
_CUT = 0.3  # a talk scoring under this share of the best one does not answer the query


def _alt_score(alt: _Alt, needles: tuple[str, ...], doc: _Doc, avg_body: float) -> float:
    """How well one spelling of a query word matches a talk: the best field's weight, plus a
    share of the other fields that hold it too; in the notes, BM25's term-frequency
    saturation with length normalisation (a talk about the thing repeats it in few words)."""
    best = 0.0
    total = 0.0
    fields = doc.fields
    for name in FIELDS:
        s = fields[name]
        if len(needles) == 1:
            if needles[0] not in s:
                continue
        elif not all(n in s for n in needles):
            continue
        q = 1.0
        if len(alt.terms) > 1 and alt.phrase not in s:
            q = 0.4  # every bigram or word is there, but not in a row
        if name == "body":
            tf = s.count(needles[0])
            norm = 1.0 - _BODY_B + _BODY_B * doc.body_len / max(avg_body, 1.0)
            q *= 2.0 * tf * (_BODY_K1 + 1.0) / (tf + _BODY_K1 * norm) / (_BODY_K1 + 1.0)
        got = _WEIGHTS[name] * alt.quality * q
        total += got
        best = max(best, got)
    return best + _OTHER_FIELDS * (total - best)


def idf(df: int, n_docs: int) -> float:
    """BM25's inverse document frequency: rare terms weigh more."""
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


def _score(plan: _Plan, docs: list[_Doc], need_all: bool,
           rarity: Sequence[float] | None = None) -> list[tuple[float, _Doc]]:
    """Score candidates the same way on both databases. `rarity` is each group's weight
    from its document frequency (1.0 each when not given)."""
    prepared = [(g, [(a, a.needles) for a in g.alts]) for g in plan.groups]
    rar = list(rarity) if rarity is not None else [1.0] * len(plan.groups)
    n_required = sum(not g.optional for g in plan.groups)
    avg_body = sum(d.body_len for d in docs) / len(docs) if docs else 1.0
    q = plan.query
    out: list[tuple[float, _Doc]] = []
    for doc in docs:
        score = 0.0
        matched = 0
        for (g, alts), r in zip(prepared, rar, strict=True):
            best = 0.0
            for alt, needles in alts:
                best = max(best, _alt_score(alt, needles, doc, avg_body))
            if best:
                matched += not g.optional
                score += g.weight * r * best
        if need_all and matched < n_required:
            continue  # cannot happen while the index and this check split terms alike
        if plan.phrase:
            if plan.phrase in doc.fields["title"] or plan.phrase in doc.fields["people"]:
                score += 1.5
            elif plan.phrase in doc.fields["body"]:
                score += 0.5
        if len(q) >= 3:
            score += 2.0 * max(0.0, (fuzz.partial_ratio(q, doc.title_norm) - 60.0) / 40.0) ** 2
            if doc.people_norm:
                r = fuzz.token_set_ratio(q, doc.people_norm)
                score += 2.0 * max(0.0, (r - 60.0) / 40.0) ** 2
        if not need_all:
            if matched * 2 < n_required:
                continue  # "lorem ipsum dolor sit amet" is not answered by one "sit"
            score *= (matched / n_required) ** 2
        out.append((round(score, 6), doc))
    out.sort(key=lambda sd: (-sd[0], -sd[1].key))
    return out


def _answers(plan: _Plan, ranked: list[tuple[float, _Doc]],
             event_names: dict[int, str] | None = None) -> list[tuple[float, _Doc]]:
    """The talks that answer the query: those within reach of the best one, and every talk
    of an event the query names. A talk that only mentions a word in passing, next to talks
    about it, is not an answer."""
    if not ranked:
        return ranked
    floor = ranked[0][0] * _CUT
    required = [g for g in plan.groups if not g.optional]

    def names_event(doc: _Doc) -> bool:
        ev = (event_names or {}).get(doc.event_id)
        return ev is not None and bool(required) and all(
            any(all(n in ev for n in a.needles) for a in g.alts if a.quality >= 0.9)
            for g in required)

    return [sd for sd in ranked if sd[0] >= floor or names_event(sd[1])]


def _rarity(session: Session, cache: _StoreCache, plan: _Plan) -> list[float]:
    """Each query group's weight from how many talks hold it (BM25's idf, scaled so the
    rarest possible word weighs 1.5 and one that every talk holds 0.5): the rarer word of a
    query decides between talks that hold only one of them.

    A query of one group needs none (the same weight on every talk changes no order). A
    group of single words takes their counts from the vocabulary the store already keeps;
    the others are counted in one statement for all of them, and remembered."""
    if len(plan.groups) < 2:
        return [1.0] * len(plan.groups)
    n = _n_docs(session, cache)
    vocab_df = cache.vocab.df if cache.vocab is not None else {}
    dfs: list[int | None] = []
    missing: dict[str, list[_Alt]] = {}
    for g in plan.groups:
        if all(len(a.terms) == 1 and not a.prefix and a.terms[0] in vocab_df for a in g.alts):
            dfs.append(max(vocab_df[a.terms[0]] for a in g.alts))
            continue
        key = repr([(a.terms, a.prefix) for a in g.alts])
        df = cache.df.get(key)
        if df is None:
            missing[key] = g.alts
        dfs.append(df)
    if missing:
        counted = dict(zip(missing, _counts(session, list(missing.values())), strict=True))
        with cache.lock:
            if len(cache.df) > 10_000:
                cache.df.clear()
            cache.df.update(counted)
        dfs = [df if df is not None else counted[repr([(a.terms, a.prefix) for a in g.alts])]
               for df, g in zip(dfs, plan.groups, strict=True)]
    top = idf(1, n) or 1.0
    return [0.5 + idf(min(df or 0, n), n) / top for df in dfs]


def _counts(session: Session, groups: list[list[_Alt]]) -> list[int]:
    """How many talks hold each group, in one round trip."""
    if session.get_bind().dialect.name == "sqlite":
        parts = [f"(SELECT count(*) FROM search_fts WHERE search_fts MATCH :q{i})"
                 for i in range(len(groups))]
        params = {f"q{i}": _fts5([g], False) for i, g in enumerate(groups)}
        row = session.execute(text("SELECT " + ", ".join(parts)), params).one()
        return [int(x or 0) for x in row]
    return _pg_counts(session, [_tsquery([g]) for g in groups])


# --------------------------------------------------------------------------- snippets

_SNIPPET = 200
_SPACES = re.compile(r"\s*\n[\s\-*•・]*|\s+")
_LEADING = frozenset(" \t\r\n-*•・/")


def snippet_for(text_: str, pattern: re.Pattern[str] | None, size: int = _SNIPPET, *,
                folded: str | None = None) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About `size` characters of `text_` around its densest run of matches, and their spans.

    Line breaks and bullets become " / ", other runs of white space one space. `folded` is
    fold_same_length(text_) when the caller has it already.
    """
    spans: list[tuple[int, int]] = []
    if pattern is not None and text_:
        folded = folded if folded is not None else fold_same_length(text_)
        for m in pattern.finditer(folded):
            if m.end() > m.start():
                spans.append(m.span())
            if len(spans) >= 200:
                break
    start = 0
    if spans:
        best_i, best_n, j = 0, 0, 0
        for i, (s, _) in enumerate(spans):
            j = max(j, i)
            while j + 1 < len(spans) and spans[j + 1][1] <= s + size - 60:
                j += 1
            if j - i + 1 > best_n:
                best_i, best_n = i, j - i + 1
        first = spans[best_i][0]
        start = max(0, first - 40)
        space = text_.find(" ", start, first)
        if 0 <= space < start + 15:
            start = space + 1
        start = min(start, max(0, len(text_) - size))  # a short text is shown whole
        while 0 < start < first and text_[start] in _LEADING:
            start += 1
    pieces: list[str] = ["…"] if start else []
    length = len(pieces)
    pos_map: dict[int, int] = {}
    i = start
    while i < len(text_) and length < size:
        ws = _SPACES.match(text_, i)
        if ws is None:
            pos_map[i] = length
            pieces.append(text_[i])
            length += 1
            i += 1
            continue
        sep = "" if not pieces else " / " if "\n" in ws.group() else " "
        for k in range(i, ws.end()):
            pos_map[k] = length
        pieces.append(sep)
        length += len(sep)
        i = ws.end()
    snippet = "".join(pieces).rstrip(" /")
    if i < len(text_):
        snippet += "…"
    highlights = []
    for s, e in spans:
        if s in pos_map and (e - 1) in pos_map:
            hs, he = pos_map[s], pos_map[e - 1] + 1
            if hs < he <= len(snippet):
                highlights.append((hs, he))
    return snippet, tuple(highlights)


# The `[report]` line merged notes carry above each report's part (store.merge).
_SOURCE_MARK = re.compile(r"^\[[^\[\]\n]+\]$")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _quotable(notes: str, title: str) -> str:
    """The notes a snippet may quote: without the `[report]` lines of merged notes and the
    lines that only repeat the title (the answer shows the title already)."""
    if not notes:
        return notes
    same = " ".join(title.split()).casefold()
    return "\n".join(
        ln for ln in notes.splitlines()
        if not _SOURCE_MARK.match(ln.strip())
        and " ".join(_LIST_MARK.sub("", ln).split()).casefold() != same)


def _snippet(talk: Talk, pattern: re.Pattern[str] | None) -> tuple[str, tuple[tuple[int, int], ...]]:
    for source in (_quotable(talk.notes or "", talk.title or ""), talk.summary, talk.title):
        if source and pattern is not None:
            folded = fold_same_length(source)
            if pattern.search(folded):
                return snippet_for(source, pattern, folded=folded)
    return snippet_for(talk.summary or talk.title or "", None)


# --------------------------------------------------------------------------- searching


def _load_talks(session: Session, ids: Sequence[int]) -> dict[int, Talk]:
    if not ids:
        return {}
    stmt = (select(Talk).options(*talk_options())
            .where(Talk.id.in_(ids)))
    return {t.id: t for t in session.scalars(stmt).unique()}


def _hits(session: Session, ranked: Sequence[tuple[float, int]],
          pattern: re.Pattern[str] | None) -> list[TalkHit]:
    talks = _load_talks(session, [tid for _, tid in ranked])
    hits = []
    for score, tid in ranked:
        talk = talks.get(tid)
        if talk is not None:
            snippet, spans = _snippet(talk, pattern)
            hits.append(TalkHit(talk, score, snippet, spans))
    return hits


def search_talks(session: Session, query: str, *, limit: int = 5, offset: int = 0,
                 glossary: Glossary | None = None, today: dt.date | None = None
                 ) -> SearchResult:
    """The talks that best match `query`, best first; any text is a plain query, never syntax.

    Dates, periods and recency in the query filter or order by the event's date, an event's
    abbreviation (KMT20) picks its event (store.intent); markup, SQL and single letters are
    not queries and find nothing."""
    limit = max(0, min(int(limit), 100))
    offset = max(0, int(offset))
    glossary = glossary if glossary is not None else load_glossary()
    cache = _cache(session)
    vocab = _vocab(session, cache, glossary)
    events = _events(session, cache)
    intent = read_intent(query, _event_list(session, cache), today=today,
                         known_words=_CommonWords(vocab), abbreviated=_abbreviated(session, cache))
    if intent.noise:
        return SearchResult([], 0, [])
    plan = _plan(intent.words, glossary, vocab, _bridge(session, cache, vocab))
    if plan.groups and all(g.weight <= 0.3 for g in plan.groups) and not intent.filters:
        return SearchResult([], 0, [])  # "the", "who", 話: no topic at all
    if intent.filters:
        return _search_within(session, plan, intent, events, limit, offset)
    if not plan.groups:
        return SearchResult([], 0, [])
    ranked, total = _ranked(session, cache, plan, offset + limit)
    page = [(s, d.talk_id) for s, d in ranked[offset:offset + limit]]
    hits = _hits(session, page, plan.highlight_re())
    suggestions = suggest(session, query, cache=cache, glossary=glossary) if not ranked else []
    return SearchResult(hits, total, suggestions)


def _ranked(session: Session, cache: _StoreCache, plan: _Plan, upto: int
            ) -> tuple[list[tuple[float, _Doc]], int]:
    """The answers to the plan's words, best first, and how many there are in all."""
    groups = plan.required
    if not groups:
        return [], 0
    window = max(_WINDOW, 2 * upto)
    keys = dict.fromkeys(_doc_keys(session, groups, head=True, limit=window))
    found = _doc_keys(session, groups, head=False, limit=window)
    keys.update(dict.fromkeys(found))
    need_all = True
    if not keys and len(groups) > 1:
        # Nothing holds every word: rank talks by how many words they hold.
        need_all = False
        for g in groups:
            keys.update(dict.fromkeys(_doc_keys(session, [g], head=False, limit=window)))
    scored = _score(plan, _load_docs(session, keys), need_all, _rarity(session, cache, plan))
    ranked = _answers(plan, scored, _event_names(session, cache))
    if need_all and len(found) >= window:
        # more talks hold the words than were ranked: estimate the answers among them
        share = len(ranked) / max(len(scored), 1)
        return ranked, max(len(ranked), round(_count(session, groups) * share))
    return ranked, len(ranked)


_NEWEST_EVENTS = 5  # "latest talks" without a period: the talks of this many newest events
_MAX_FILTERED = 5000  # talks scored when a period or an event restricts the search


def _search_within(session: Session, plan: _Plan, intent: Intent,
                   events: dict[int, EventInfo], limit: int, offset: int) -> SearchResult:
    """A query with a period, recency or an event: the talks of the events it admits (the
    newest first), or, when words remain, those of them that match the words."""
    admitted = [e for e in events.values() if intent.admits(e)]
    admitted.sort(key=lambda e: (e.when, e.id), reverse=True)
    if intent.recent and intent.start is None and intent.events is None and not plan.groups:
        admitted = [e for e in admitted if e.when > dt.date.min][:_NEWEST_EVENTS]
    order = {e.id: n for n, e in enumerate(admitted)}
    if not admitted:
        return SearchResult([], 0, [])
    if intent.recent and intent.start is None and intent.events is None and plan.groups:
        # words and "latest": the answers to the words, newest event first
        ranked, _ = _ranked(session, _cache(session), plan, _MAX_FILTERED)
        ranked = [sd for sd in ranked if sd[1].event_id in order]
        ranked.sort(key=lambda sd: (order[sd[1].event_id], -sd[0]))
        page = [(s, d.talk_id) for s, d in ranked[offset:offset + limit]]
        return SearchResult(_hits(session, page, plan.highlight_re()), len(ranked), [])
    keys = list(session.scalars(
        select(search_docs.c.doc_key).where(search_docs.c.event_id.in_(list(order)))
        .order_by(search_docs.c.doc_key.desc()).limit(_MAX_FILTERED)))
    docs = _load_docs(session, keys)
    if plan.groups:
        scored = _score(plan, docs, False, _rarity(session, _cache(session), plan))
        ranked = _answers(plan, [sd for sd in scored if sd[0] > 0],
                          _event_names(session, _cache(session)))
        if intent.recent:
            ranked.sort(key=lambda sd: (order[sd[1].event_id], -sd[0]))
    else:
        # the events' talks as their reports list them, newest event first
        docs.sort(key=lambda d: (order[d.event_id], d.talk_id))
        ranked = [(1.0, d) for d in docs]
    page = [(s, d.talk_id) for s, d in ranked[offset:offset + limit]]
    return SearchResult(_hits(session, page, plan.highlight_re()), len(ranked), [])


def _bridge(session: Session, cache: _StoreCache, vocab: _Vocabulary) -> _Bridge:
    with cache.lock:
        if cache.bridge is None or cache.bridge._vocab is not vocab:
            bind = session.get_bind()

            def titles() -> tuple[list[str], list[str]]:
                """The talks' titles and organisations: where katakana names of things
                and companies are written."""
                with Session(bind) as own:
                    orgs = {o for (a,) in own.execute(select(Talk.affiliations))
                            for o in (a or []) if isinstance(o, str)}
                    return [t for _, t in _titles(own, cache)], sorted(orgs)

            def names() -> list[str]:
                """The speakers' names, where a kanji name may be written in romaji."""
                with Session(bind) as own:
                    return sorted({n for (a,) in own.execute(select(Talk.speakers))
                                   for n in (a or []) if isinstance(n, str)})

            cache.bridge = _Bridge(vocab, titles, names)
        return cache.bridge


class _CommonWords:
    """Words that at least three talks use (a container over the vocabulary, not a copy)."""

    def __init__(self, vocab: _Vocabulary) -> None:
        self.df = vocab.df

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.df.get(word, 0) >= 3


def _event_list(session: Session, cache: _StoreCache) -> list[EventInfo]:
    events = _events(session, cache)
    with cache.lock:
        if cache.event_list is None:
            cache.event_list = list(events.values())
        return cache.event_list


def _abbreviated(session: Session, cache: _StoreCache) -> dict[str, frozenset[int]]:
    events = _event_list(session, cache)
    with cache.lock:
        if cache.abbreviated is None:
            cache.abbreviated = abbreviation_index(events)
        return cache.abbreviated


def _event_names(session: Session, cache: _StoreCache) -> dict[int, str]:
    """Each event's name as index terms (" kubecon europe 2019 "), for `_answers`."""
    events = _events(session, cache)
    with cache.lock:
        if cache.event_names is None:
            cache.event_names = {i: f" {_terms(e.name)} " for i, e in events.items()}
        return cache.event_names


def _events(session: Session, cache: _StoreCache) -> dict[int, EventInfo]:
    with cache.lock:
        if cache.events is None:
            rows = session.execute(select(Event.id, Event.name, Event.date)).all()
            cache.events = {i: EventInfo(i, n, d) for i, n, d in rows}
        return cache.events


# --------------------------------------------------------------------------- names


@dataclass
class _People:
    names: list[str]  # folded
    squashed: list[str]  # folded, without spaces
    display: list[str]
    weight: list[float]
    keys: list[list[tuple[int, int]]]  # (doc_key, talk_id) of each name's talks
    words: list[str] = field(default_factory=list)  # words of the names
    word_names: list[list[int]] = field(default_factory=list)  # names holding each word


# The JSON lists come back as text so that each distinct list is decoded and folded once.
_PEOPLE = text(
    "SELECT d.doc_key, t.id, CAST(t.speakers AS TEXT), CAST(t.handles AS TEXT), "
    "CAST(t.affiliations AS TEXT) FROM talks t JOIN search_docs d ON d.talk_id = t.id")


def _name_lists(raw: str | None, memo: dict[str | None, list[tuple[str, str]]]
                ) -> list[tuple[str, str]]:
    """(folded, as written) of each name in a JSON list of names."""
    found = memo.get(raw)
    if found is None:
        try:
            names = json.loads(raw) if raw else []
        except ValueError:
            names = []
        found = []
        for name in names if isinstance(names, list) else []:
            folded = " ".join(fold(str(name)).lstrip("@").split())
            if folded:
                found.append((folded, str(name)))
        memo[raw] = found
    return found


def _people(session: Session, cache: _StoreCache) -> _People:
    with cache.lock:
        if cache.people is None:
            index: dict[str, int] = {}
            p = _People([], [], [], [], [])
            memo: dict[str | None, list[tuple[str, str]]] = {}
            for key, tid, speakers, handles, orgs in session.execute(_PEOPLE).all():
                for raw, weight in ((speakers, 1.0), (handles, 1.0), (orgs, 0.85)):
                    for folded, name in _name_lists(raw, memo):
                        at = index.get(folded)
                        if at is None:
                            at = index[folded] = len(p.names)
                            p.names.append(folded)
                            p.squashed.append(folded.replace(" ", ""))
                            p.display.append(name)
                            p.weight.append(weight)
                            p.keys.append([])
                        p.weight[at] = max(p.weight[at], weight)
                        p.keys[at].append((key, tid))
            word_at: dict[str, int] = {}
            for i, name in enumerate(p.display):
                for w in dict.fromkeys(index_terms(name)):
                    if len(w) >= 3 and _is_word(w):
                        if w not in word_at:
                            word_at[w] = len(p.words)
                            p.words.append(w)
                            p.word_names.append([])
                        p.word_names[word_at[w]].append(i)
            cache.people = p
        return cache.people


def _close_names(people: _People, name: str, cutoff: float, *, whole: Any, part: float,
                 limit: int) -> dict[int, float]:
    """Names near `name` (0–100, before any weight): the whole spelling by `whole`, the
    spelling without spaces, and, for one word of four letters or more, a misspelt part of
    a name (hockn for Tim Hockin) worth `part` of a whole one."""
    q = " ".join(fold(name).lstrip("@").split())[:100]
    if not q:
        return {}
    scores: dict[int, float] = {}
    for _, s, i in process.extract(q, people.names, scorer=whole, score_cutoff=cutoff,
                                   limit=limit):
        scores[i] = max(scores.get(i, 0.0), s)
    for _, s, i in process.extract(q.replace(" ", ""), people.squashed, scorer=fuzz.ratio,
                                   score_cutoff=cutoff, limit=limit):
        scores[i] = max(scores.get(i, 0.0), s)
    if len(q) >= 4 and " " not in q:
        for _, s, w in process.extract(q, people.words, scorer=OSA.normalized_similarity,
                                       score_cutoff=cutoff / part, limit=limit):
            for i in people.word_names[w]:
                scores[i] = max(scores.get(i, 0.0), s * part)
    return scores


def _name_scores(people: _People, name: str, cutoff: float) -> dict[int, float]:
    scores = _close_names(people, name, cutoff, whole=fuzz.token_set_ratio, part=95.0,
                          limit=200)
    return {i: s * people.weight[i] for i, s in scores.items()}


def search_speaker(session: Session, name: str, *, limit: int = 5,
                   offset: int = 0) -> SearchResult:
    """Talks whose speakers, handles or affiliations are close to `name` (typos allowed)."""
    limit = max(0, min(int(limit), 100))
    offset = max(0, int(offset))
    cache = _cache(session)
    people = _people(session, cache)
    scores = _name_scores(people, name[:_MAX_QUERY], 75.0)
    by_talk: dict[tuple[int, int], float] = {}
    for i, s in scores.items():
        for key in people.keys[i]:
            by_talk[key] = max(by_talk.get(key, 0.0), s)
    ranked = sorted(by_talk.items(), key=lambda kv: (-round(kv[1], 6), -kv[0][0]))
    page = [(round(s / 100.0, 6), key[1]) for key, s in ranked[offset:offset + limit]]
    names = [people.names[i] for i in scores]
    pattern = None
    if names:
        alts = "|".join(sorted((re.escape(n) for n in names), key=lambda p: (-len(p), p)))
        pattern = re.compile(alts)
    talks = _load_talks(session, [tid for _, tid in page])
    hits = []
    for score, tid in page:
        talk = talks.get(tid)
        if talk is None:
            continue
        line = " / ".join(_distinct_people([*(talk.speakers or []), *(talk.handles or []),
                                            *(talk.affiliations or [])]))
        snippet, spans = snippet_for(line, pattern)
        hits.append(TalkHit(talk, score, snippet, spans))
    suggestions = _suggest_people(people, name[:_MAX_QUERY]) if not ranked else []
    return SearchResult(hits, len(ranked), suggestions)


# A suggested name must be this similar to what was typed (rapidfuzz, 0–100) as a whole
# spelling, not merely share a word with it ("Lewis Carroll" is no "Ian Lewis"), and within
# SUGGEST_SPREAD of the best suggestion.
SUGGEST_MIN = 68.0
SUGGEST_SPREAD = 8.0


def _suggest_people(people: _People, name: str) -> list[str]:
    """Names close in spelling to `name` (a typo of a whole name, or of one part of it when
    one word was typed), best first; none when nobody is really close."""
    close = _close_names(people, name, SUGGEST_MIN, whole=fuzz.ratio, part=100.0, limit=50)
    if not close:
        return []
    best = max(close.values())
    order = sorted((kv for kv in close.items() if kv[1] >= best - SUGGEST_SPREAD),
                   key=lambda kv: (-kv[1], people.display[kv[0]]))
    return list(dict.fromkeys(people.display[i] for i, _ in order))[:5]


def _distinct_people(names: Sequence[str]) -> list[str]:
    """Each person once: a handle equal to a name (`@x` and `x`, any case) is not repeated."""
    seen: set[str] = set()
    out = []
    for name in names:
        key = name.strip().lstrip("@").casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(name)
    return out


# --------------------------------------------------------------------------- suggestions


def _titles(session: Session, cache: _StoreCache) -> list[tuple[str, str]]:
    with cache.lock:
        if cache.titles is None:
            rows = session.execute(select(search_docs.c.title_norm, Talk.title)
                                   .join(Talk, Talk.id == search_docs.c.talk_id))
            cache.titles = list(dict.fromkeys((n, t) for n, t in rows))
        return cache.titles


def suggest(session: Session, query: str, *, cache: _StoreCache | None = None,
            glossary: Glossary | None = None, limit: int = 5) -> list[str]:
    """Close spellings for a query that found nothing: terms, titles and speakers."""
    cache = cache or _cache(session)
    glossary = glossary if glossary is not None else load_glossary()
    q = " ".join(fold(query[:_MAX_QUERY]).split())[:64]
    if not q:
        return []
    vocab = _vocab(session, cache, glossary)
    scored: dict[str, float] = {}
    for u in units(q):
        if u.is_cjk or len(u.text) < 3:
            continue
        for cand, s in vocab.similar(u.text, limit=3):
            scored[cand] = max(scored.get(cand, 0.0), s)
    titles = _titles(session, cache)
    # fuzz.ratio, not WRatio: a whole-title comparison stays fast over 100,000 titles.
    for _, s, i in process.extract(q, [n for n, _ in titles], scorer=fuzz.ratio,
                                   score_cutoff=70, limit=limit):
        scored.setdefault(titles[i][1], s - 15)
    people = _people(session, cache)
    for i, s in _name_scores(people, q, 70.0).items():
        scored.setdefault(people.display[i], s - 10)
    order = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))
    return [s for s, _ in order[:limit]]


# --------------------------------------------------------------------------- related talks


def _topic_words(talk: Talk, event: Event | None) -> dict[tuple[str, ...], float]:
    """The words a talk is about, weighted: title and tags count most, repeated notes words next."""
    weights: dict[tuple[str, ...], float] = {}

    def add(us: list[Unit], weight: float, min_count: int = 1) -> None:
        counts: dict[str, int] = {}
        for u in us:
            if u.script == "hira" or len(u.text) < 2 or u.text in _STOPWORDS:
                continue
            if not u.is_cjk and (len(u.text) < 3 or u.text.isdigit()):
                continue
            counts[u.text] = counts.get(u.text, 0) + 1
        for word, n in counts.items():
            if n >= min_count:
                key = (word,)
                weights[key] = weights.get(key, 0.0) + weight * (1.0 + math.log(n))

    add(units(talk.title), 3.0)
    add(units(" ".join([*(talk.tags or []), *((event.tags or []) if event else [])])), 2.0)
    add(units(talk.notes or talk.summary or "")[:20_000], 1.0, min_count=2)
    return weights


def related_talks(session: Session, talk: Talk, *, limit: int = 3,
                  other_events: bool = True, glossary: Glossary | None = None) -> list[TalkHit]:
    """Talks on the same topic as `talk` (shared tags, title and notes words), best first."""
    row = session.execute(select(search_docs.c.doc_key, search_docs.c.event_id)
                          .where(search_docs.c.talk_id == talk.id)).first()
    if row is None:
        return []
    own_event = row[1]
    glossary = glossary if glossary is not None else load_glossary()
    cache = _cache(session)
    vocab = _vocab(session, cache, glossary)
    n_docs = _n_docs(session, cache) or 1
    candidates = sorted(_topic_words(talk, talk.event).items(), key=lambda kv: (-kv[1], kv[0]))
    chosen: list[tuple[float, _Group]] = []
    for (word,), weight in candidates[:30]:
        plan = _plan(word, glossary, vocab)
        if len(plan.groups) != 1:
            continue
        group = plan.groups[0]
        group.alts = [a for a in group.alts if a.quality >= 0.9]  # no typo guesses here
        df = _count(session, [group.alts])
        if 2 <= df <= max(2, 0.25 * n_docs):
            chosen.append((weight * math.log(1 + n_docs / df), group))
    chosen.sort(key=lambda x: -x[0])
    chosen = chosen[:8]
    keys: dict[int, None] = {}
    for _, group in chosen:
        for head in (True, False):
            keys.update(dict.fromkeys(_doc_keys(session, [group.alts], head=head, limit=40)))
    scored = []
    docs = _load_docs(session, keys)
    avg_body = sum(d.body_len for d in docs) / len(docs) if docs else 1.0
    for doc in docs:
        if doc.talk_id == talk.id or (other_events and doc.event_id == own_event):
            continue
        s = 0.0
        shared = 0
        for weight, group in chosen:
            best = max(_alt_score(a, a.needles, doc, avg_body) for a in group.alts)
            if best:
                shared += 1
                s += weight * min(best, 3.0)
        if shared:
            scored.append((round(s * (1.0 + 0.25 * (shared - 1)), 6), doc))
    scored.sort(key=lambda sd: (-sd[0], -sd[1].key))
    top = scored[:limit]
    if not top:
        return []
    pattern = _highlight_pattern([g for _, g in chosen])
    return _hits(session, [(round(s / top[0][0], 6), d.talk_id) for s, d in top], pattern)
