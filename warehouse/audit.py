"""Builds the weekly audit tables (audit_weekly_account, audit_weekly_branch) for given weeks."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from warehouse import sqlfiles
from warehouse.db import transaction
from warehouse.retention import frozen_before
from warehouse.weeks import monday_of


def all_weeks(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every ISO week that has at least one post."""
    return {w for (w,) in con.execute("SELECT DISTINCT post_week FROM posts").fetchall()}


def live_weeks(con: duckdb.DuckDBPyConnection, weeks: Iterable[str]) -> list[str]:
    """The weeks among ``weeks`` whose audit rows are still built from the posts: those that
    began before the last retention purge are partly purged, and their audit rows are the
    frozen record of what was seen then (never rebuilt, never re-validated against posts)."""
    frozen = frozen_before(con)
    return sorted(w for w in set(weeks) if frozen is None or monday_of(w) >= frozen.date())


def build_weeks(con: duckdb.DuckDBPyConnection, weeks: Iterable[str]) -> int:
    """Rebuilds the audit rows of the live ``weeks`` (see :func:`live_weeks`) in one
    transaction; returns how many weeks."""
    chosen = live_weeks(con, weeks)
    if not chosen:
        return 0
    with transaction(con):
        sqlfiles.run(con, __file__, "audit_weeks.sql", {"weeks": chosen})
    return len(chosen)
