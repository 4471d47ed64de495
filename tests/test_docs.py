"""The docs describe what the code has: every warehouse column, every command, every setting."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb

from medsos_audit.cli import COMMANDS, build_parser
from medsos_audit.settings import REPO_ROOT

DOCS = REPO_ROOT / "docs"


def _documented_columns() -> dict[str, set[str]]:
    text = (DOCS / "warehouse.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    documented = {}
    for section in sections:
        name = section.splitlines()[0].strip()
        if not re.fullmatch(r"[a-z_0-9]+", name):  # prose sections, e.g. "Reading while ..."
            continue
        documented[name] = set(re.findall(r"^\| `([a-z_0-9]+)` \|", section, flags=re.MULTILINE))
    return documented


def test_every_warehouse_column_is_documented_and_nothing_else(
    fresh_db: duckdb.DuckDBPyConnection,
) -> None:
    actual: dict[str, set[str]] = {}
    for table, column in fresh_db.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall():
        actual.setdefault(table, set()).add(column)
    assert _documented_columns() == actual


def test_every_command_and_option_is_documented() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, cmd in sub.choices.items():  # type: ignore[union-attr]
        assert f"medsos-audit {name}" in readme, f"README does not show `medsos-audit {name}`"
        for action in cmd._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in readme, f"README does not document {name} {flag}"
    assert len(sub.choices) == len(COMMANDS)  # type: ignore[arg-type]


def test_readme_quick_start_is_what_ci_runs() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in ci


def test_every_top_level_folder_has_a_line_in_project_contents() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    contents = readme.split("## Project contents", 1)[1].split("\n## ", 1)[0]
    folders = [
        p.name
        for p in Path(REPO_ROOT).iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and p.name not in {"var", "build"}
        and not p.name.endswith(".egg-info")
    ]
    for folder in [*folders, ".ci"]:
        assert f"`{folder}/`" in contents, f"README's Project contents misses {folder}/"


def _environment_names(folders: list[Path]) -> set[str]:
    """Every MEDSOS_* name that Python files under ``folders`` spell out as a string literal."""
    names = set()
    for folder in folders:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                value = node.value if isinstance(node, ast.Constant) else None
                if isinstance(value, str) and re.fullmatch(r"MEDSOS_[A-Z0-9_]+", value):
                    names.add(value)
    return names


def test_every_setting_the_code_reads_is_in_the_readme_and_nothing_else() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(MEDSOS_[A-Z0-9_]+)` \|", section, flags=re.MULTILINE))
    code = [
        p
        for p in Path(REPO_ROOT).iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and p.name not in {"var", "build", "tests"}
        and not p.name.endswith(".egg-info")
    ]
    read = _environment_names(code)
    assert {"MEDSOS_HOME", "MEDSOS_INSTALOADER_FACTORY", "MEDSOS_FAULT"} <= read
    assert read - documented == set(), "read in code, missing from the README's settings"
    stale = documented - read - _environment_names([REPO_ROOT / "tests"])
    assert stale == set(), "in the README's settings, read nowhere"
