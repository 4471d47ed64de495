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
import pyarrow as pa

from extract.collect.collector import AccountOutcome, CollectResult, Target
from extract.collect.errors import COMPLETE, RUN_STOPPING, THROTTLED
from warehouse.db import transaction
from warehouse.sqlfiles import run, sql


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
    rows = result.outcomes
    log = pa.table(
        {
            "run_id": pa.array([run_id] * len(rows), pa.string()),
            "username": pa.array([o.username for o in rows], pa.string()),
            "owner_id": pa.array([o.owner_id for o in rows], pa.string()),
            "started_at": pa.array([o.started_at for o in rows], pa.timestamp("us")),
            "duration_s": pa.array([o.duration_s for o in rows], pa.float64()),
            "requests": pa.array([o.requests for o in rows], pa.int32()),
            "new_posts": pa.array([o.new_posts for o in rows], pa.int32()),
            "status": pa.array([str(o.status) for o in rows], pa.string()),
            "error": pa.array([o.error for o in rows], pa.string()),
        }
    )
    con.register("stage_collect_log", log)
    try:
        with transaction(con):
            run(con, __file__, "collect_insert_log.sql")
    finally:
        con.unregister("stage_collect_log")


def commit_state(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    outcomes: Sequence[AccountOutcome],
    now: datetime,
) -> None:
    """Writes high-water marks, attempt times and remembered posts; call after a good load."""
    ts = pa.timestamp("us")
    staged = pa.table(
        {
            "account_key": pa.array([o.owner_id or f"username:{o.requested}" for o in outcomes]),
            "owner_id": pa.array([o.owner_id for o in outcomes], pa.string()),
            "requested": pa.array([o.requested for o in outcomes], pa.string()),
            "username": pa.array([o.username for o in outcomes], pa.string()),
            "status": pa.array([str(o.status) for o in outcomes], pa.string()),
            "complete": pa.array([o.status in COMPLETE for o in outcomes], pa.bool_()),
            "attempted": pa.array(
                [o.status not in THROTTLED and o.status not in RUN_STOPPING for o in outcomes],
                pa.bool_(),
            ),
            "newest_posted_at": pa.array([o.newest[0] if o.newest else None for o in outcomes], ts),
            "newest_shortcode": pa.array(
                [o.newest[1] if o.newest else None for o in outcomes], pa.string()
            ),
        }
    )
    remembered = [
        (o.owner_id, code, at) for o in outcomes if o.owner_id for code, at in o.remembered
    ]
    memo = pa.table(
        {
            "owner_id": pa.array([r[0] for r in remembered], pa.string()),
            "shortcode": pa.array([r[1] for r in remembered], pa.string()),
            "posted_at": pa.array([r[2] for r in remembered], ts),
        }
    )
    con.register("stage_collect_outcomes", staged)
    con.register("stage_collect_remembered", memo)
    try:
        with transaction(con):
            run(con, __file__, "collect_commit_state.sql", {"now": now, "run_id": run_id})
    finally:
        con.unregister("stage_collect_outcomes")
        con.unregister("stage_collect_remembered")
