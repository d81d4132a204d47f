"""The bundled notes and the glossary ship as package data, so every install has them."""

from __future__ import annotations

import fnmatch
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from store import identity
from store.identity import CONTENT_PACKAGE, bundled_content_dir
from tests.conftest import CONTENT, ROOT


def _docker_copies() -> list[str]:
    """What the Dockerfile's build stage copies into the image's source folder."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    build = text.split("FROM ")[1]
    return [name for line in re.findall(r"^COPY (.+) \S+$", build, re.M)
            for name in line.split()]


DOCKER_COPIES = _docker_copies()


def _setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"]


def test_pyproject_ships_every_bundled_file_as_package_data() -> None:
    config = _setuptools_config()
    assert CONTENT_PACKAGE in config["packages"]
    assert config["package-dir"][CONTENT_PACKAGE] == "content"
    globs = config["package-data"][CONTENT_PACKAGE]
    files = [p.name for p in CONTENT.iterdir() if p.is_file()]
    assert "glossary.yaml" in files
    assert [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)] == []


def test_bundled_content_dir_is_the_installed_package(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    (site / CONTENT_PACKAGE).mkdir(parents=True)
    (site / CONTENT_PACKAGE / "glossary.yaml").write_text("synonyms: []\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    assert identity._installed_content() == (site / CONTENT_PACKAGE).resolve()


def test_bundled_content_dir_falls_back_to_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity.importlib.util, "find_spec", lambda name: None)
    assert identity._installed_content() is None
    assert identity._CHECKOUT_CONTENT == CONTENT


def test_bundled_content_dir_here_holds_the_notes_and_glossary() -> None:
    folder = bundled_content_dir()
    assert (folder / "glossary.yaml").is_file()
    assert sorted(p.name for p in folder.glob("*.md")) == sorted(p.name for p in CONTENT.glob("*.md"))


def test_wheel_holds_the_notes_and_the_glossary(tmp_path: Path) -> None:
    """What `pip install .` and the Docker image get (a wheel build takes a few seconds),
    built from what the Dockerfile copies, outside the checkout so it leaves no build/."""
    src = tmp_path / "src"
    src.mkdir()
    for name in DOCKER_COPIES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, src / name)
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(src)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    if run.returncode and "No matching distribution found for setuptools" in run.stderr:
        pytest.skip("no package index to fetch the build backend from")
    assert run.returncode == 0, run.stderr[-2000:]
    (wheel,) = tmp_path.glob("meetup_bot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"{CONTENT_PACKAGE}/{p.name}" for p in CONTENT.iterdir() if p.is_file()}
    assert expected <= names, expected - names
    assert f"{CONTENT_PACKAGE}/glossary.yaml" in names

    # Installed from the wheel (not editable) and run outside the checkout: `import` with no
    # path stores the bundled notes, and search knows the glossary's synonyms.
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True, capture_output=True, timeout=300)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("GLOSSARY", None)

    def meetup_bot(*args: str) -> str:
        run = subprocess.run([sys.executable, "-m", "bot", *args, "--db", "sqlite:///s.db"],
                             cwd=work, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        return run.stdout

    where = subprocess.run(
        [sys.executable, "-c", "import bot, store.identity as i; "
         "print(bot.__file__); print(i.bundled_content_dir())"],
        cwd=work, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert where == [str(site / "bot" / "__init__.py"), str(site / CONTENT_PACKAGE)]
    assert "5 files: 5 imported" in meetup_bot("import")
    hits = json.loads(meetup_bot("search", "オートスケーラー", "--json"))
    assert any("Autoscaler" in h["title"] for h in hits)  # only through the glossary
