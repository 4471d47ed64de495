"""Keeps doctors and accounts in line with the registry, and ties Instagram user ids to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from extract.registry import RegistryLoad
from medsos_audit.runs import utcnow
from warehouse import sqlfiles
from warehouse.db import transaction
from warehouse.sqlfiles import sql

_REGISTRY_STEPS = (
    "registry_doctors.sql",
    "registry_doctors_new.sql",
    "registry_doctors_gone.sql",
)
_ACCOUNT_STEPS = (
    "registry_accounts.sql",
    "registry_accounts_new.sql",
    "registry_accounts_gone.sql",
)


@dataclass(frozen=True)
class Observation:
    """An Instagram user id seen under a username at a moment (from a post or profile file)."""

    owner_id: str
    username: str | None
    folder: str
    seen_at: datetime
    source: str  # snapshot or collect


def _changed(con: duckdb.DuckDBPyConnection, name: str, now: datetime) -> int:
    rows = sqlfiles.run(con, __file__, name, {"now": now})
    return int(rows[0][0]) if rows and rows[0] and rows[0][0] is not None else 0


def sync_registry(con: duckdb.DuckDBPyConnection, registry: RegistryLoad, now: datetime) -> int:
    """Applies the registry to doctors and accounts; returns how many rows changed.

    Call inside a transaction. Doctors and accounts missing from the registry are kept but
    marked inactive (their history stays auditable; purge removes them per the policy).
    """
    doctors = pa.table(
        {
            "npa": [d.npa for d in registry.doctors.values()],
            "full_name": [d.full_name for d in registry.doctors.values()],
            "branch": [d.branch for d in registry.doctors.values()],
            "specialty": [d.specialty for d in registry.doctors.values()],
            "branch_email": [d.branch_email for d in registry.doctors.values()],
            "registered_on": pa.array(
                [d.registered_on for d in registry.doctors.values()], pa.date32()
            ),
        }
    )
    accounts = pa.table(
        {
            "npa": [a.npa for a in registry.accounts],
            "username": [a.username for a in registry.accounts],
            "registered_on": pa.array([a.registered_on for a in registry.accounts], pa.date32()),
        }
    )
    con.register("stage_doctors", doctors)
    con.register("stage_accounts", accounts)
    try:
        changed = sum(_changed(con, step, now) for step in _REGISTRY_STEPS)
        con.execute(sql(__file__, "registry_accounts_match.sql"))
        changed += sum(_changed(con, step, now) for step in _ACCOUNT_STEPS)
    finally:
        con.unregister("stage_doctors")
        con.unregister("stage_accounts")
    return changed


def apply_registry(
    con: duckdb.DuckDBPyConnection, registry: RegistryLoad, run_id: str = "registry"
) -> int:
    """Brings doctors and accounts in line with the registry in one transaction; rows changed.

    A change can move an account between branches or out of the audit, so every week's audit
    tables are marked for a rebuild in the same transaction, whichever run applies it first
    (a collect run's plan, or a load): the next build finds them in `pending_weeks`.
    """
    now = utcnow()
    with transaction(con):
        changed = sync_registry(con, registry, now)
        if changed:
            con.execute(
                "INSERT OR IGNORE INTO pending_weeks "
                "SELECT DISTINCT post_week, 'audit', ?, ? FROM posts",
                [now, run_id],
            )
    return changed


def resolve_owners(
    con: duckdb.DuckDBPyConnection, observations: list[Observation]
) -> dict[str, str | None]:
    """Maps each observed owner id to its registered username (None: not a registered account).

    An unknown id is tied to the registered account of the same username whose id is not yet
    known (first collection). A known id seen under a new username is a rename: the account
    keeps its id and its history gains the new name. Call inside a transaction.
    """
    by_owner: dict[str, tuple[str, bool, datetime | None]] = {}
    unresolved: dict[str, bool] = {}
    for owner_id, username, active, last_seen in con.execute(
        "SELECT owner_id, username, active, last_seen FROM accounts"
    ).fetchall():
        if owner_id is None:
            unresolved[username] = active
        else:
            by_owner[owner_id] = (username, active, last_seen)
    newest: dict[str, Observation] = {}
    for obs in observations:
        best = newest.get(obs.owner_id)
        if best is None or obs.seen_at > best.seen_at or (best.username is None and obs.username):
            newest[obs.owner_id] = obs
    result: dict[str, str | None] = {}
    binds: list[tuple[str, str, datetime]] = []  # (owner id, username, seen): first sightings
    for owner_id, obs in newest.items():
        name = (obs.username or obs.folder).lower()
        if owner_id in by_owner:
            current, active, last_seen = by_owner[owner_id]
            if name != current and (last_seen is None or obs.seen_at >= last_seen):
                con.execute(
                    "UPDATE accounts SET username = ?, updated_at = ? WHERE owner_id = ?",
                    [name, obs.seen_at, owner_id],
                )
                if unresolved.pop(name, None) is not None:
                    # a registry row that already names the new username is the same account
                    # (an unbound row only: one bound in this batch belongs to its new id)
                    con.execute(
                        "DELETE FROM accounts WHERE owner_id IS NULL AND username = ?", [name]
                    )
                current = name
            result[owner_id] = current if active else None
        elif name in unresolved:
            binds.append((owner_id, name, obs.seen_at))
            by_owner[owner_id] = (name, unresolved.pop(name), None)
            result[owner_id] = name if by_owner[owner_id][1] else None
        else:
            result[owner_id] = None
    _bind_ids(con, binds)
    _record_sightings(con, observations, result)
    return result


def _bind_ids(con: duckdb.DuckDBPyConnection, binds: list[tuple[str, str, datetime]]) -> None:
    """Gives registered accounts seen for the first time their owner ids, in one statement
    (a first collection binds every account of the registry: one UPDATE each took seconds).
    Each username is either bound here or merged into a rename, never both, so the order of
    binds and renames within a batch does not matter."""
    if not binds:
        return
    table = pa.table(
        {
            "owner_id": [b[0] for b in binds],
            "username": [b[1] for b in binds],
            "seen_at": pa.array([b[2] for b in binds], pa.timestamp("us")),
        }
    )
    con.register("stage_bind_ids", table)
    try:
        con.execute(sql(__file__, "bind_owner_ids.sql"))
    finally:
        con.unregister("stage_bind_ids")


def _record_sightings(
    con: duckdb.DuckDBPyConnection,
    observations: list[Observation],
    registered: dict[str, str | None],
) -> None:
    """Adds every (id, username) seen to the username history and widens accounts' seen span."""
    spans: dict[tuple[str, str], tuple[datetime, datetime, str]] = {}
    for obs in observations:
        name = registered.get(obs.owner_id)
        if not name:
            continue
        key = (obs.owner_id, (obs.username or name).lower())
        lo, hi, source = spans.get(key, (obs.seen_at, obs.seen_at, obs.source))
        spans[key] = (min(lo, obs.seen_at), max(hi, obs.seen_at), source)
    if not spans:
        return
    table = pa.table(
        {
            "owner_id": [k[0] for k in spans],
            "username": [k[1] for k in spans],
            "lo": pa.array([v[0] for v in spans.values()], pa.timestamp("us")),
            "hi": pa.array([v[1] for v in spans.values()], pa.timestamp("us")),
            "source": [v[2] for v in spans.values()],
        }
    )
    con.register("stage_sightings", table)
    try:
        for step in (
            "sightings_usernames.sql",
            "sightings_usernames_new.sql",
            "sightings_accounts.sql",
        ):
            con.execute(sql(__file__, step))
    finally:
        con.unregister("stage_sightings")
