"""Loads the SQL that lives in .sql files next to the code that runs it."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def sql(package_file: str, name: str) -> str:
    """The text of ``name`` (e.g. 'audit_weekly_account.sql') in the folder of ``package_file``."""
    return (Path(package_file).parent / "sql" / name).read_text(encoding="utf-8")
