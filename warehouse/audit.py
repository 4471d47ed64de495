"""Builds the weekly audit tables (audit_weekly_account, audit_weekly_branch) for given weeks."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from warehouse import sqlfiles
from warehouse.db import transaction


def all_weeks(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every ISO week that has at least one post."""
    return {w for (w,) in con.execute("SELECT DISTINCT post_week FROM posts").fetchall()}


def build_weeks(con: duckdb.DuckDBPyConnection, weeks: Iterable[str]) -> int:
    """Rebuilds the audit rows of ``weeks`` in one transaction; returns how many weeks."""
    chosen = sorted(set(weeks))
    if not chosen:
        return 0
    with transaction(con):
        sqlfiles.run(con, __file__, "audit_weeks.sql", {"weeks": chosen})
    return len(chosen)
