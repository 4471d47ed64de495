"""What the desk pages show: the queue, one finding, the rule-quality table, in a user's scope.

Findings come from the in-memory snapshot (``source.py``); their review state comes live from
the desk store, registered into the snapshot per request so one SQL query filters on both.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from checks.types import CHECK_NAMES
from medsos_audit.review.decisions import doctor_summary
from medsos_audit.review.source import Snapshot
from medsos_audit.review.users import User
from medsos_audit.review.vocab import STATES
from medsos_audit.settings import SEVERITIES
from warehouse import sqlfiles

PAGE_SIZE = 25
_WEEK = re.compile(r"^\d{4}-W\d{2}$")
# What may stand in a finding's address: a shortcode, or 'profile:' and a numeric user id.
SUBJECT = re.compile(r"^(?:[A-Za-z0-9_-]{1,64}|profile:[0-9]{1,32})$")
_SHORTCODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_USERNAME = re.compile(r"^[a-z0-9._]{1,30}$")

_STATE_SCHEMA = pa.schema(
    [
        ("subject_key", pa.string()),
        ("check_name", pa.string()),
        ("state", pa.string()),
        ("branch", pa.string()),
        ("rule_ids", pa.list_(pa.string())),
    ]
)


@dataclass(frozen=True)
class Filters:
    """The queue's filters; None means 'any'. Values outside their lists are dropped."""

    week: str | None = None
    check: str | None = None
    severity: str | None = None
    state: str | None = "open"
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Filters:
        """Filters from a query string (the queue shows open findings unless asked otherwise)."""
        week = params.get("week") or None
        check = params.get("check") or None
        severity = params.get("severity") or None
        state = params.get("status", "open") or None
        try:
            page = max(1, min(int(params.get("page", "1")), 10_000))
        except ValueError:
            page = 1
        return cls(
            week=week if week and _WEEK.match(week) else None,
            check=check if check in CHECK_NAMES else None,
            severity=severity if severity in SEVERITIES else None,
            state=state if state in STATES else None,
            page=page,
        )

    def query(self, **changes: Any) -> dict[str, str]:
        """These filters as query-string values (with some changed), for links."""
        values = {
            "week": self.week or "",
            "check": self.check or "",
            "severity": self.severity or "",
            "status": self.state or "",
            "page": str(self.page),
            **{k: str(v) for k, v in changes.items()},
        }
        return {k: v for k, v in values.items() if not (k == "page" and v == "1")}


@dataclass(frozen=True)
class Evidence:
    rule_id: str
    severity: str
    evidence: str
    field: str
    fatwa_ref: str


@dataclass
class Item:
    """One finding (subject and check) as the desk shows it."""

    subject_key: str
    check_name: str
    shortcode: str | None
    owner_id: str | None
    risk_score: int
    severity: str
    post_week: str | None
    posted_at: datetime | None
    removed_at: datetime | None
    username: str | None
    npa: str | None
    full_name: str | None
    branch: str | None
    doctor_active: bool
    first_flagged_at: datetime | None
    rule_ids: tuple[str, ...]
    state: str
    evidence: list[Evidence] = field(default_factory=list)
    doctor_decisions: dict[str, int] = field(default_factory=dict)

    @property
    def post_url(self) -> str | None:
        """The post's address on Instagram, only for a well-formed shortcode."""
        if self.shortcode and _SHORTCODE.match(self.shortcode):
            return f"https://www.instagram.com/p/{self.shortcode}/"
        return None

    @property
    def profile_url(self) -> str | None:
        if self.username and _USERNAME.match(self.username):
            return f"https://www.instagram.com/{self.username}/"
        return None

    @property
    def fatwa_refs(self) -> list[str]:
        return sorted({e.fatwa_ref for e in self.evidence})


@dataclass(frozen=True)
class QueuePage:
    items: list[Item]
    total: int
    filters: Filters
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.filters.page * self.page_size < self.total


def _scope(user: User) -> str | None:
    return user.branch


def state_table(store: sqlite3.Connection, user: User, *, with_rules: bool = False) -> pa.Table:
    """The current decision of every finding in the user's scope, as an Arrow table (with the
    rules recorded at each decision only when asked: the queue does not need them)."""
    rules = "rule_ids" if with_rules else "'[]'"
    rows = store.execute(
        f"SELECT subject_key, check_name, to_state, branch, {rules} AS rule_ids FROM flag_state "
        "WHERE ? IS NULL OR branch = ?",
        [user.branch, user.branch],
    ).fetchall()
    return pa.table(
        {
            "subject_key": [r["subject_key"] for r in rows],
            "check_name": [r["check_name"] for r in rows],
            "state": [r["to_state"] for r in rows],
            "branch": [r["branch"] for r in rows],
            "rule_ids": [json.loads(r["rule_ids"]) for r in rows],
        },
        schema=_STATE_SCHEMA,
    )


def _cursor(
    snapshot: Snapshot, store: sqlite3.Connection, user: User, *, with_rules: bool = False
) -> duckdb.DuckDBPyConnection:
    cur = snapshot.cursor()
    cur.register("state", state_table(store, user, with_rules=with_rules))
    return cur


def _rows(
    cur: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    rows = sqlfiles.run(cur, __file__, name, params)
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in rows]


def _item(row: dict[str, Any]) -> Item:
    return Item(
        subject_key=row["subject_key"],
        check_name=row["check_name"],
        shortcode=row["shortcode"],
        owner_id=row["owner_id"],
        risk_score=int(row["risk_score"]),
        severity=SEVERITIES[int(row["severity_rank"]) - 1],
        post_week=row["post_week"],
        posted_at=row["posted_at"],
        removed_at=row["removed_at"],
        username=row["username"],
        npa=row["npa"],
        full_name=row["full_name"],
        branch=row["branch"],
        doctor_active=bool(row["doctor_active"]),
        first_flagged_at=row["first_flagged_at"],
        rule_ids=tuple(row["rule_ids"] or ()),
        state=row["state"],
    )


def _attach_evidence(cur: duckdb.DuckDBPyConnection, items: list[Item]) -> None:
    if not items:
        return
    keys = [f"{i.subject_key}|{i.check_name}" for i in items]
    by_key = {(i.subject_key, i.check_name): i for i in items}
    for row in _rows(cur, "desk_evidence.sql", {"keys": keys}):
        by_key[(row["subject_key"], row["check_name"])].evidence.append(
            Evidence(
                row["rule_id"],
                row["severity"],
                row["evidence"],
                row["evidence_field"],
                row["fatwa_ref"],
            )
        )


def _query(
    cur: duckdb.DuckDBPyConnection,
    user: User,
    filters: Filters,
    *,
    limit: int,
    offset: int,
    subject_key: str | None = None,
) -> tuple[list[Item], int]:
    params = {
        "branch": _scope(user),
        "week": filters.week,
        "check": filters.check,
        "severity_rank": SEVERITIES.index(filters.severity) + 1 if filters.severity else None,
        "state": filters.state,
        "subject_key": subject_key,
        "limit": limit,
        "offset": offset,
    }
    rows = _rows(cur, "desk_queue.sql", params)
    items = [_item(r) for r in rows]
    _attach_evidence(cur, items)
    return items, int(rows[0]["total"]) if rows else 0


def queue_page(
    snapshot: Snapshot,
    store: sqlite3.Connection,
    user: User,
    filters: Filters,
    page_size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the queue in the user's scope, with evidence and each doctor's decisions."""
    cur = _cursor(snapshot, store, user)
    try:
        items, total = _query(
            cur, user, filters, limit=page_size, offset=(filters.page - 1) * page_size
        )
    finally:
        cur.close()
    summary = doctor_summary(store, sorted({i.npa for i in items if i.npa}))
    for item in items:
        counts = dict(summary.get(item.npa or "", {}))
        if item.state in counts:  # the doctor's *other* findings: not this one's own decision
            counts[item.state] -= 1
        item.doctor_decisions = {k: v for k, v in counts.items() if v and k != "open"}
    return QueuePage(items, total, filters, page_size)


def find_item(
    snapshot: Snapshot, store: sqlite3.Connection, user: User, check_name: str, subject_key: str
) -> Item | None:
    """One finding, or None when it does not exist or lies outside the user's branch."""
    if check_name not in CHECK_NAMES or not SUBJECT.match(subject_key):
        return None
    cur = _cursor(snapshot, store, user)
    try:
        items, _ = _query(
            cur,
            user,
            Filters(check=check_name, state=None),
            limit=1,
            offset=0,
            subject_key=subject_key,
        )
    finally:
        cur.close()
    return items[0] if items else None


def weeks(snapshot: Snapshot, user: User) -> list[str]:
    """The weeks that have findings in the user's scope, newest first."""
    cur = snapshot.cursor()
    try:
        rows = cur.execute(
            "SELECT DISTINCT post_week FROM weeks WHERE $branch IS NULL OR branch = $branch "
            "ORDER BY post_week DESC",
            {"branch": _scope(user)},
        ).fetchall()
    finally:
        cur.close()
    return [r[0] for r in rows]


def rule_quality(snapshot: Snapshot, store: sqlite3.Connection, user: User) -> list[dict[str, Any]]:
    """Per rule in the user's scope: confirmed, dismissed, escalated, waiting, dismissed share."""
    cur = _cursor(snapshot, store, user, with_rules=True)
    try:
        return _rows(cur, "desk_rule_quality.sql", {"branch": _scope(user)})
    finally:
        cur.close()
