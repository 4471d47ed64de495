"""What the collector reads from and writes to the warehouse: targets, the log, and state.

Targets come from ``accounts`` (the registry applied by the loader, which also follows renames
and keeps the username history). The log is written right after landing, since the requests were
spent whatever follows; the state (high-water marks, remembered posts, when each account was
last tried) only after the landed files were loaded, so a failed load leaves the next run to
collect them again rather than skip them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime

import duckdb

from extract.collect.collector import AccountOutcome, CollectResult, Target
from extract.collect.errors import COMPLETE, RUN_STOPPING, THROTTLED
from warehouse.db import transaction
from warehouse.sqlfiles import sql


def unknown_names(con: duckdb.DuckDBPyConnection, names: Collection[str]) -> list[str]:
    """The names among ``names`` that are no registered account's username, now or before."""
    wanted = sorted({n.strip().lower().lstrip("@") for n in names if n.strip()})
    rows = con.execute(sql(__file__, "collect_unknown_names.sql"), {"names": wanted}).fetchall()
    return [str(r[0]) for r in rows]


def plan_targets(
    con: duckdb.DuckDBPyConnection, only: Collection[str] | None = None
) -> list[Target]:
    """The registered accounts to collect, most overdue first, with the posts already known."""
    names = None if only is None else sorted({n.strip().lower().lstrip("@") for n in only})
    rows = con.execute(sql(__file__, "collect_targets.sql"), {"only": names}).fetchall()
    owners = [str(r[1]) for r in rows if r[1] is not None]
    known: dict[str, dict[str, datetime]] = defaultdict(dict)
    for owner_id, shortcode, posted_at in con.execute(
        sql(__file__, "collect_known_posts.sql"), {"owners": owners}
    ).fetchall():
        known[str(owner_id)][str(shortcode)] = posted_at
    return [
        Target(
            username=str(username),
            owner_id=None if owner is None else str(owner),
            known=known.get(str(owner), {}),
            high_water=high_water,
        )
        for _key, owner, username, high_water, _last_attempt in rows
    ]


def record_log(con: duckdb.DuckDBPyConnection, run_id: str, result: CollectResult) -> None:
    """One collect_log row per account tried in the run."""
    insert = sql(__file__, "collect_insert_log.sql")
    with transaction(con):
        for o in result.outcomes:
            con.execute(
                insert,
                [
                    run_id,
                    o.username,
                    o.owner_id,
                    o.started_at,
                    o.duration_s,
                    o.requests,
                    o.new_posts,
                    str(o.status),
                    o.error,
                ],
            )


def _commit_one(
    con: duckdb.DuckDBPyConnection, run_id: str, o: AccountOutcome, now: datetime
) -> None:
    keys = ([o.owner_id] if o.owner_id else []) + [
        f"username:{o.requested}",
        f"username:{o.username}",
    ]
    old = con.execute(sql(__file__, "collect_state_of.sql"), [keys]).fetchall()
    newest = max(((r[1], r[2]) for r in old if r[1] is not None), default=None)
    last_attempt = max((r[3] for r in old if r[3] is not None), default=None)
    last_success = max((r[4] for r in old if r[4] is not None), default=None)
    if o.status in COMPLETE:
        last_success = now
        if o.newest is not None and (newest is None or o.newest > newest):
            newest = o.newest
    # Throttling and run-stopping conditions are not the account's doing: it stays as overdue
    # as it was, so the next run tries it first.
    if o.status not in THROTTLED and o.status not in RUN_STOPPING:
        last_attempt = now
    con.execute(sql(__file__, "collect_state_delete.sql"), [keys])
    con.execute(
        sql(__file__, "collect_state_insert.sql"),
        [
            keys[0],
            o.owner_id,
            o.username,
            newest[0] if newest else None,
            newest[1] if newest else None,
            last_attempt,
            last_success,
            str(o.status),
        ],
    )
    if o.owner_id is None:
        return
    for shortcode, posted_at in o.remembered:
        con.execute(
            sql(__file__, "collect_remember_skipped.sql"),
            [o.owner_id, shortcode, posted_at, run_id, now],
        )


def commit_state(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    outcomes: Sequence[AccountOutcome],
    now: datetime,
) -> None:
    """Writes high-water marks, attempt times and remembered posts; call after a good load."""
    with transaction(con):
        for o in outcomes:
            _commit_one(con, run_id, o, now)
