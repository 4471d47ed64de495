"""Builds the weekly audit tables (audit_weekly_account, audit_weekly_branch) for given weeks."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from warehouse import sqlfiles
from warehouse.db import transaction
from warehouse.retention import frozen_before
from warehouse.weeks import monday_of

# Weeks are rebuilt in passes of at most this many posts (a week with more is a pass of its
# own), so DuckDB's memory stays within its limit (warehouse.db.memory_limit) however many weeks
# a rebuild covers: all 26 weeks of 3,000,000 posts in one pass ran out of 512 MB.
POSTS_PER_PASS = 250_000


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
        for weeks_of_pass in passes(con, chosen, POSTS_PER_PASS):
            sqlfiles.run(con, __file__, "audit_weeks.sql", {"weeks": weeks_of_pass})
    return len(chosen)


def passes(con: duckdb.DuckDBPyConnection, weeks: list[str], limit: int) -> list[list[str]]:
    """``weeks`` (in order) cut into runs whose posts add up to at most ``limit``; a week with
    more posts than that is a run of its own. Each week's audit rows depend on that week's posts
    only, so building the runs one after another gives the rows one pass would."""
    counts = dict(
        con.execute(
            "SELECT post_week, count(*) FROM posts "
            "WHERE post_week IN (SELECT unnest(?::VARCHAR[])) GROUP BY post_week",
            [weeks],
        ).fetchall()
    )
    out: list[list[str]] = []
    size = 0
    for week in weeks:
        posts = int(counts.get(week, 0))
        if out and size + posts <= limit:
            out[-1].append(week)
            size += posts
        else:
            out.append([week])
            size = posts
    return out
