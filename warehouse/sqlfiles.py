"""Loads and runs the SQL that lives in .sql files next to the code that runs it.

Values always travel as bound parameters ($name); a file may hold several statements, each
ending with ';' at the end of a line, and each receives only the parameters it names.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_STATEMENT_END = re.compile(r";[ \t]*(?:--[^\n]*)?$", re.MULTILINE)


@cache
def sql(package_file: str, name: str) -> str:
    """The text of ``name`` (e.g. 'audit_weekly_account.sql') in the sql/ folder beside
    ``package_file``."""
    return (Path(package_file).parent / "sql" / name).read_text(encoding="utf-8")


@cache
def statements(package_file: str, name: str) -> tuple[str, ...]:
    """The statements of a .sql file, in order, without comments-only fragments."""
    parts = _STATEMENT_END.split(sql(package_file, name))
    cleaned = []
    for part in parts:
        body = "\n".join(
            line for line in part.splitlines() if line.strip() and not line.strip().startswith("--")
        )
        if body.strip():
            cleaned.append(part.strip())
    return tuple(cleaned)


def run(
    con: duckdb.DuckDBPyConnection,
    package_file: str,
    name: str,
    params: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """Runs every statement of a .sql file; returns the rows of the last one."""
    params = params or {}
    rows: list[tuple[Any, ...]] = []
    for text in statements(package_file, name):
        wanted = {p: params[p] for p in set(_PARAM.findall(text))}
        rows = con.execute(text, wanted).fetchall() if wanted else con.execute(text).fetchall()
    return rows
