"""A report's front matter (YAML `---` or TOML `+++`), read with limits on size, depth and aliases.

Front matter comes from anyone who can drop a file into a folder, so reading it must cost
little whatever it says: the block is at most `MAX_CHARS` long, nested at most `MAX_DEPTH`
deep, and YAML aliases may expand to at most `MAX_NODES` nodes in all (a "billion laughs"
bomb of a few hundred bytes is refused at once instead of growing to gigabytes). Values that
cannot be what they claim (a date such as 2018-02-30) become absent with a warning rather
than failing the report, and lists are capped so one report cannot carry a million tags.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml

from store.errors import ReportError

MAX_CHARS = 64 * 1024
MAX_DEPTH = 20
MAX_NODES = 2_000  # YAML values after alias expansion, the whole block; real ones have dozens
MAX_ITEMS = 200  # any list
MAX_TAGS = 50  # `tags` and `categories`
MAX_TAG_CHARS = 100
TAG_KEYS = ("tags", "categories")

_YAML_OPEN = re.compile(r"---[ \t]*\n")
_YAML_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)
_TOML_OPEN = re.compile(r"\+\+\+[ \t]*\n")
_TOML_CLOSE = re.compile(r"^\+\+\+[ \t]*$", re.M)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ]|$)")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class FrontMatter:
    """The front matter's values (top-level keys lower-cased), the text after it, and what
    was dropped or cut on the way (for `import --dry-run`)."""

    data: dict[str, object]
    body: str
    warnings: list[str] = field(default_factory=list)


class _Limit(Exception):
    """A limit was exceeded while composing YAML; becomes a ReportError."""


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """The front matter's values and the rest of `text`; ReportError with a short reason when
    the block is broken or exceeds a limit. Text without front matter gives `({}, text)`."""
    fm = read_front_matter(text)
    return fm.data, fm.body


def read_front_matter(text: str) -> FrontMatter:
    """Like `split_front_matter`, with the warnings about values that were dropped or cut."""
    if _YAML_OPEN.match(text):
        kind, close = "YAML", _YAML_CLOSE
    elif _TOML_OPEN.match(text):
        kind, close = "TOML", _TOML_CLOSE
    else:
        return FrontMatter({}, text)
    start = text.index("\n") + 1
    # Search a little past the limit only, so a 5 MB file without a closing line costs nothing.
    end = close.search(text, start, start + MAX_CHARS + 8)
    if end is not None and end.end() < len(text) and text[end.end()] != "\n":
        end = None  # a fence cut by the search window, not a line of its own
    if end is None:
        if close.search(text, start):
            raise ReportError(f"front matter longer than {MAX_CHARS // 1024} KB")
        fence = "---" if kind == "YAML" else "+++"
        raise ReportError(f"broken front matter: no closing '{fence}' line")
    block = text[start:end.start()]
    body = text[end.end() + 1:] if end.end() < len(text) else ""
    warnings: list[str] = []
    data = _load_yaml(block, warnings) if kind == "YAML" else _load_toml(block, warnings)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ReportError("broken front matter: expected 'key: value' lines")
    clean: dict[str, object] = {}
    for key, value in data.items():
        name = _clean_str(str(key)).lower()
        clean[name] = _clean_tags(name, value, warnings) if name in TAG_KEYS else _clean(
            value, name, warnings, depth=1, seen=set())
    return FrontMatter(clean, body, warnings)


def as_date(value: object) -> dt.date | None:
    """`value` as a calendar date: a date, a datetime, or an ISO `YYYY-MM-DD…` string.
    Anything else, and dates that do not exist, give None; this never raises."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = _ISO_DATE.match(value.strip())
        if m is None:
            return None
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


# --------------------------------------------------------------------------- YAML
class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting nesting depth and nodes with aliases expanded."""

    def __init__(self, stream: str, warnings: list[str]) -> None:
        super().__init__(stream)
        self.depth = 0
        self.spent = 0
        self.sizes: dict[int, int] = {}  # id(node) -> its size with aliases expanded
        self.warnings = warnings

    def _spend(self, n: int) -> None:
        self.spent += n
        if self.spent > MAX_NODES:
            raise _Limit(f"front matter has more than {MAX_NODES} values "
                         f"(YAML aliases counted as expanded)")

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            # An alias inside its own anchor (`&a [*a]`) has no size yet: count it once.
            self._spend(self.sizes.get(id(node), 1))
            return node
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Limit(f"front matter nested deeper than {MAX_DEPTH} levels")
        before = self.spent
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        self._spend(1)
        self.sizes[id(node)] = self.spent - before
        return node

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, TypeError, AttributeError, OverflowError):
            self.warnings.append(f"not a valid date or time, ignored: {_short(str(node.value))}")
            return None

    def construct_yaml_int(self, node: Any) -> Any:
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # more digits than Python converts: keep the text
            return str(node.value)


_LimitedLoader.add_constructor("tag:yaml.org,2002:timestamp",
                               _LimitedLoader.construct_yaml_timestamp)
_LimitedLoader.add_constructor("tag:yaml.org,2002:int", _LimitedLoader.construct_yaml_int)


_FLOW_MARKS = re.compile(r"[\[\]{}\"'#]")
# TOML's multi-line strings first; YAML's '' escape is TOML's empty string, either way balanced.
_DOUBLE_QUOTED = re.compile(r'"""[\s\S]*?"""|"(?:[^"\\]|\\.)*"', re.S)
_SINGLE_QUOTED = re.compile(r"'''[\s\S]*?'''|'(?:[^']|'')*'")


def _flow_too_deep(block: str) -> bool:
    """True when `[`/`{` nest deeper than MAX_DEPTH outside quotes and comments (YAML or
    TOML). PyYAML's scanner reads ~1,000 tokens ahead, quadratically, before the composer
    sees any depth; tomllib recurses until RecursionError."""
    depth, pos = 0, 0
    while (m := _FLOW_MARKS.search(block, pos)) is not None:
        c, at = m.group(), m.start()
        pos = at + 1
        after_space = at == 0 or block[at - 1] in " \t\n[{,:="
        if c in "\"'" and after_space:
            q = (_DOUBLE_QUOTED if c == '"' else _SINGLE_QUOTED).match(block, at)
            pos = q.end() if q else len(block)
        elif c == "#" and after_space:
            end = block.find("\n", at)
            pos = len(block) if end < 0 else end
        elif c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif c in "]}":
            depth = max(0, depth - 1)
    return False


def _load_yaml(block: str, warnings: list[str]) -> object:
    if _flow_too_deep(block):
        raise ReportError(f"front matter nested deeper than {MAX_DEPTH} levels")
    loader = None
    try:
        loader = _LimitedLoader(block, warnings)  # its reader refuses control characters
        return loader.get_single_data()
    except _Limit as exc:
        raise ReportError(str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ReportError(f"broken front matter{where}: {_short(problem)}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ReportError(f"broken front matter: {type(exc).__name__}") from None
    finally:
        if loader is not None:
            loader.dispose()


# --------------------------------------------------------------------------- TOML
_TOML_BAD_DATE = re.compile(r"Invalid date or datetime \(at line (\d+), column (\d+)\)")
_TOML_DATE_TOKEN = re.compile(r"[0-9][0-9:+\-.TtZz]*(?: [0-9][0-9:+\-.Zz]*)?")
_INVALID = "\ue000invalid date\ue000"


def _load_toml(block: str, warnings: list[str]) -> object:
    if _flow_too_deep(block):
        raise ReportError(f"front matter nested deeper than {MAX_DEPTH} levels")
    # tomllib refuses a whole document for one impossible date; quote such a date and retry,
    # so that, as in YAML, it is only absent. Each round fixes one date.
    for _ in range(20):
        try:
            return _drop_invalid(tomllib.loads(block))
        except tomllib.TOMLDecodeError as exc:
            m = _TOML_BAD_DATE.search(str(exc))
            if m is None:
                raise ReportError(f"broken front matter: {_short(str(exc))}") from None
            lines = block.split("\n")
            row, col = int(m.group(1)) - 1, int(m.group(2)) - 1
            line = lines[row] if row < len(lines) else ""
            tok = _TOML_DATE_TOKEN.match(line, col)
            if tok is None:
                raise ReportError(f"broken front matter: {_short(str(exc))}") from None
            warnings.append(f"not a valid date or time, ignored: {_short(tok.group().strip())}")
            lines[row] = f'{line[:col]}"{_INVALID}"{line[tok.end():]}'
            block = "\n".join(lines)
        except RecursionError:
            raise ReportError(f"front matter nested deeper than {MAX_DEPTH} levels") from None
    raise ReportError("broken front matter: too many invalid dates")


def _drop_invalid(value: object) -> object:
    if value == _INVALID:
        return None
    if isinstance(value, dict):
        return {k: _drop_invalid(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_drop_invalid(v) for v in value]
    return value


# --------------------------------------------------------------------------- values
def _short(text: str, limit: int = 80) -> str:
    one = " ".join(_clean_str(text).split())
    return one if len(one) <= limit else one[:limit - 1] + "…"


def _clean_str(s: str) -> str:
    # Neither database stores NUL in text, and lone surrogates (from YAML "\ud800") cannot
    # be encoded for either; both would fail the report only on storing.
    return _SURROGATE.sub("\ufffd", s.replace("\x00", ""))


def _clean(value: object, where: str, warnings: list[str], *, depth: int,
           seen: set[int]) -> object:
    """`value` with strings made storable, lists capped; cycles (YAML `&a [*a]`) cut."""
    if depth > MAX_DEPTH:
        raise ReportError(f"front matter nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, bool | int | float | dt.date) or value is None:
        return value
    if isinstance(value, dict | list | tuple | set | frozenset):
        if id(value) in seen:
            return None
        seen = seen | {id(value)}
        if isinstance(value, dict):
            return {(_clean_str(k) if isinstance(k, str) else k):
                    _clean(v, where, warnings, depth=depth + 1, seen=seen)
                    for k, v in value.items()}
        items = list(value)
        if len(items) > MAX_ITEMS:
            warnings.append(f"{where}: only the first {MAX_ITEMS} of {len(items)} values kept")
            items = items[:MAX_ITEMS]
        return [_clean(v, where, warnings, depth=depth + 1, seen=seen) for v in items]
    return None  # bytes (!!binary) and the like: nothing a report needs


def _clean_tags(key: str, value: object, warnings: list[str]) -> object:
    """Tags as short strings: scalars only, at most MAX_TAGS of at most MAX_TAG_CHARS."""
    items = value if isinstance(value, list) else [value]
    tags: list[str] = []
    dropped = 0
    for item in items:
        if isinstance(item, str | int | float | dt.date) and not isinstance(item, bool):
            tag = " ".join(_clean_str(str(item)).split())
            if len(tag) > MAX_TAG_CHARS:
                warnings.append(f"{key}: a value longer than {MAX_TAG_CHARS} characters was cut")
                tag = tag[:MAX_TAG_CHARS].rstrip()
            if tag and tag not in tags:
                if len(tags) == MAX_TAGS:
                    warnings.append(f"{key}: only the first {MAX_TAGS} values kept")
                    break
                tags.append(tag)
        elif item is not None:
            dropped += 1
    if dropped:
        warnings.append(f"{key}: {dropped} values that are not plain text were ignored")
    if not isinstance(value, list):
        return tags[0] if tags else None
    return tags
