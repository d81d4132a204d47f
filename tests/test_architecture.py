"""The dependency direction of STYLE.md, checked by walking every module's imports (ast)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "store")
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(module: str) -> set[str]:
    """Absolute names of what `module` imports when it runs (not under `if TYPE_CHECKING:`)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names.add(prefix)
            names.update(f"{prefix}.{alias.name}" for alias in node.names
                         if f"{prefix}.{alias.name}" in MODULES)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)):
            names.add(str(node.args[0].value))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def _top(name: str) -> str:
    return name.split(".")[0]


def _third_party(names: set[str]) -> set[str]:
    return {_top(n) for n in names if _top(n) not in STDLIB and _top(n) not in PACKAGES}


@pytest.mark.parametrize("module", [m for m in MODULES if m.startswith("store")])
def test_store_never_imports_bot_or_slack(module: str) -> None:
    names = runtime_imports(module)
    assert not {n for n in names if _top(n) == "bot"}, names
    assert not _third_party(names) & {"slack_bolt", "slack_sdk", "click", "waitress"}, names


def test_blocks_import_only_plain_values() -> None:
    names = runtime_imports("bot.blocks")
    assert _third_party(names) == set(), names
    assert {n for n in names if _top(n) in PACKAGES} <= {"bot.i18n"}, names


@pytest.mark.parametrize("module", ["bot.i18n", "bot.terminal"])
def test_pure_helpers_use_the_standard_library_only(module: str) -> None:
    names = runtime_imports(module)
    assert _third_party(names) == set()
    assert {n for n in names if _top(n) in PACKAGES} <= {"bot.i18n"}


def test_handlers_never_reach_for_wiring_or_settings() -> None:
    names = runtime_imports("bot.handlers")
    assert not names & {"bot.app", "bot.cli", "bot.server", "bot.settings"}, names


@pytest.mark.parametrize("module", list(MODULES))
def test_only_main_imports_the_cli(module: str) -> None:
    if module in ("bot.__main__", "bot.cli"):
        return
    assert "bot.cli" not in runtime_imports(module)


@pytest.mark.parametrize("module", list(MODULES))
def test_only_settings_reads_the_environment(module: str) -> None:
    if module == "bot.settings":
        return
    source = MODULES[module].read_text(encoding="utf-8")
    assert "os.environ" not in source and "getenv(" not in source, module


def test_the_walk_sees_real_imports() -> None:
    assert "store.queries" in runtime_imports("bot.handlers")
    assert "store.models" not in runtime_imports("bot.blocks")  # only under TYPE_CHECKING
