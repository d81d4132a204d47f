"""Which report a path names: one identity for every spelling of one file.

A report's identity is its file's resolved absolute path (symbolic links, `.`/`..`, trailing
slashes and, where the file system ignores case, the case as it is on disk), so `content`,
`./content/` and `/abs/path/to/content` name the same reports. Files of the bundled notes get
`meetup-bot:content/<path inside>`, the same in a checkout, an installed package and the
Docker image, wherever those put them.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

BUNDLED = "meetup-bot:content"
# pyproject.toml installs the repository's content/ as this package (notes and glossary.yaml).
CONTENT_PACKAGE = "meetup_bot_content"
_CHECKOUT_CONTENT = Path(__file__).resolve().parent.parent / "content"


@lru_cache(maxsize=1)
def bundled_content_dir() -> Path:
    """The notes that ship with the bot: the installed package data, else the checkout's."""
    return _installed_content() or _CHECKOUT_CONTENT


def _installed_content() -> Path | None:
    # find_spec rather than importlib.resources: the folder has no __init__.py, and
    # resources.files() refuses the namespace path of an editable install.
    try:
        spec = importlib.util.find_spec(CONTENT_PACKAGE)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if os.path.isdir(location):
            return Path(location).resolve()
    return None


@lru_cache(maxsize=1)
def _bundled_real() -> str:
    return os.path.realpath(bundled_content_dir())


def _true_case(path: str) -> str:
    """`path` (absolute, resolved) with each part spelled as the folder lists it, where the
    spelling given is not listed as such (a case-insensitive file system); on a case-sensitive
    one every part is listed as given and nothing is read but the folders on the way."""
    parts = Path(path).parts
    if len(parts) <= 1:
        return path
    out = parts[0]
    for part in parts[1:]:
        try:
            names = os.listdir(out)
        except OSError:
            return os.path.join(out, *parts[parts.index(part):])
        if part not in names:
            folded = part.casefold()
            same = [n for n in names if n.casefold() == folded]
            if len(same) == 1:
                part = same[0]
        out = os.path.join(out, part)
    return out


def resolve(path: str | os.PathLike[str]) -> str:
    """The resolved absolute path of `path` (which need not exist any more)."""
    real = os.path.realpath(os.fspath(path))
    if os.path.exists(real) and os.path.normcase("A") == "A":
        # POSIX: a case-insensitive file system is found out by the spelling on disk
        probe = real.swapcase()
        if probe != real and os.path.exists(probe):
            real = _true_case(real)
    return real


# Reports that are no file here: a page (`http(s)://…`, store.fetch.normalise_url) or a file
# shared in Slack (`slack-file:<team>/<file id>`). Their identity is the name itself.
REMOTE_PREFIXES = ("http://", "https://", "slack-file:")


def is_remote(ident: str) -> bool:
    """A report fetched from a page or Slack, not read from a file system."""
    return ident.startswith(REMOTE_PREFIXES)


def identity(path: str | os.PathLike[str]) -> str:
    """The report identity of the file (or folder) `path`; a remote name stays as it is."""
    if isinstance(path, str) and is_remote(path):
        return path
    real = resolve(path)
    bundled = _bundled_real()
    if real == bundled:
        return BUNDLED
    if real.startswith(bundled.rstrip(os.sep) + os.sep):
        return BUNDLED + "/" + Path(os.path.relpath(real, bundled)).as_posix()
    return real


def file_of(ident: str) -> str:
    """The file system path an identity stands for here (the bundled notes where they are)."""
    if ident == BUNDLED:
        return str(bundled_content_dir())
    if ident.startswith(BUNDLED + "/"):
        return str(bundled_content_dir() / ident[len(BUNDLED) + 1:])
    return ident


def is_legacy(ident: str) -> bool:
    """A report stored by an older version under the path as it was given (relative)."""
    return not (ident.startswith(BUNDLED) or os.path.isabs(ident) or is_remote(ident))


def under(ident: str, folder: str) -> bool:
    """Whether the report `ident` lies in (or is) the folder identity `folder`."""
    if ident == folder:
        return True
    sep = "/" if folder.startswith(BUNDLED) else os.sep
    return ident.startswith(folder.rstrip(sep) + sep)
