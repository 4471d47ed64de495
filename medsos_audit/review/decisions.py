"""Staff decisions on findings: validated, appended to the review log, chained by hash."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from medsos_audit.review.store import from_text, to_text, write_transaction
from medsos_audit.review.users import User
from medsos_audit.review.vocab import (
    DISMISS_REASONS,
    ESCALATE_TO,
    FROM_STATES,
    NOTE_MAX_CHARS,
    SANCTIONS,
    TO_STATE,
)
from medsos_audit.settings import SEVERITIES

log = logging.getLogger("medsos_audit.review")

# The fields a row's hash covers, in this order (sync.py checks the chain with the same list).
HASHED_FIELDS = (
    "seq",
    "logged_at",
    "user_id",
    "user_name",
    "user_email",
    "user_role",
    "subject_key",
    "shortcode",
    "owner_id",
    "check_name",
    "npa",
    "branch",
    "action",
    "from_state",
    "to_state",
    "severity",
    "sanction",
    "dismiss_reason",
    "escalate_to",
    "note",
    "rule_ids",
)


class DecisionError(ValueError):
    """The decision form is incomplete or holds a value outside its list."""

    def __init__(self, fields: Sequence[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = tuple(fields)


class DecisionConflictError(RuntimeError):
    """The finding's state changed since the form was shown (someone else decided)."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


class DecisionForbiddenError(PermissionError):
    """The user's role may not take this action from this state."""


@dataclass(frozen=True)
class FlagRef:
    """What the log records about the finding decided on (read from the findings data)."""

    subject_key: str
    shortcode: str | None
    owner_id: str | None
    check_name: str
    npa: str | None
    branch: str | None
    rule_ids: tuple[str, ...]


@dataclass(frozen=True)
class DecisionInput:
    """A decision as staff entered it."""

    action: str
    expected_state: str
    severity: str | None = None
    sanction: str | None = None
    dismiss_reason: str | None = None
    escalate_to: str | None = None
    note: str | None = None


def row_hash(prev_hash: str | None, row: Mapping[str, Any]) -> str:
    """SHA-256 over the previous row's hash and this row's fields (the log's tamper seal)."""
    values = [prev_hash, *(row[f] for f in HASHED_FIELDS)]
    payload = json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def current_state(con: sqlite3.Connection, subject_key: str, check_name: str) -> str:
    """The finding's review state: its latest logged to-state, 'open' when never decided."""
    row = con.execute(
        "SELECT to_state FROM review_log WHERE subject_key = ? AND check_name = ? "
        "ORDER BY seq DESC LIMIT 1",
        [subject_key, check_name],
    ).fetchone()
    return "open" if row is None else str(row[0])


def allowed_actions(user: User, state: str) -> list[str]:
    """The actions this user may take on a finding in ``state``.

    Reviewers decide open findings; a decided or escalated finding is changed only by an admin
    (MKEK staff), so one click cannot quietly undo a decision.
    """
    found = []
    for action, froms in FROM_STATES.items():
        if state not in froms:
            continue
        if state != "open" and not user.is_admin:
            continue
        found.append(action)
    return found


def _validate(decision: DecisionInput) -> dict[str, str | None]:
    bad = []
    note = (decision.note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX_CHARS:
        bad.append("note")
    fields: dict[str, str | None] = {
        "severity": None,
        "sanction": None,
        "dismiss_reason": None,
        "escalate_to": None,
        "note": note,
    }
    if decision.action == "confirm":
        if decision.severity not in SEVERITIES:
            bad.append("severity")
        if decision.sanction not in SANCTIONS:
            bad.append("sanction")
        fields["severity"], fields["sanction"] = decision.severity, decision.sanction
    elif decision.action == "dismiss":
        if decision.dismiss_reason not in DISMISS_REASONS:
            bad.append("dismiss_reason")
        if decision.dismiss_reason == "other" and note is None:
            bad.append("note")
        fields["dismiss_reason"] = decision.dismiss_reason
    elif decision.action == "escalate":
        if decision.escalate_to not in ESCALATE_TO:
            bad.append("escalate_to")
        fields["escalate_to"] = decision.escalate_to
    elif decision.action == "reopen":
        if note is None:
            bad.append("note")
    else:
        bad.append("action")
    if bad:
        raise DecisionError(bad)
    return fields


def record_decision(
    con: sqlite3.Connection, user: User, flag: FlagRef, decision: DecisionInput, now: datetime
) -> dict[str, Any]:
    """Appends the decision to the review log and returns the logged row.

    Raises DecisionError (bad form), DecisionForbiddenError (role or branch) or
    DecisionConflictError (the state is no longer the one the form was shown with).
    """
    if not user.active or not user.sees(flag.branch):
        raise DecisionForbiddenError("finding outside the user's branch")
    fields = _validate(decision)
    with write_transaction(con):
        state = current_state(con, flag.subject_key, flag.check_name)
        if state != decision.expected_state:
            raise DecisionConflictError(state)
        if decision.action not in allowed_actions(user, state):
            if decision.action in FROM_STATES and state in FROM_STATES[decision.action]:
                raise DecisionForbiddenError(f"{decision.action} from {state} needs an admin")
            raise DecisionConflictError(state)
        last = con.execute(
            "SELECT seq, row_hash FROM review_log ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        row: dict[str, Any] = {
            "seq": 1 if last is None else int(last["seq"]) + 1,
            "logged_at": to_text(now),
            "user_id": user.id,
            "user_name": user.name,
            "user_email": user.email,
            "user_role": user.role,
            "subject_key": flag.subject_key,
            "shortcode": flag.shortcode,
            "owner_id": flag.owner_id,
            "check_name": flag.check_name,
            "npa": flag.npa,
            "branch": flag.branch,
            "action": decision.action,
            "from_state": state,
            "to_state": TO_STATE[decision.action],
            **fields,
            "rule_ids": json.dumps(sorted(flag.rule_ids)),
        }
        row["prev_hash"] = None if last is None else str(last["row_hash"])
        row["row_hash"] = row_hash(row["prev_hash"], row)
        columns = list(row)
        con.execute(
            f"INSERT INTO review_log ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            [row[c] for c in columns],
        )
    log.info(
        "decision seq=%d user_id=%d %s %s/%s %s->%s",
        row["seq"],
        user.id,
        decision.action,
        flag.subject_key,
        flag.check_name,
        state,
        row["to_state"],
    )
    return row


def log_rows(rows: Sequence[sqlite3.Row]) -> list[dict[str, Any]]:
    """Log rows as dicts for pages, each with its time parsed (``logged_at_dt``)."""
    return [{**dict(r), "logged_at_dt": from_text(r["logged_at"])} for r in rows]


def flag_history(
    con: sqlite3.Connection, subject_key: str, check_name: str
) -> list[dict[str, Any]]:
    """Every logged action on one finding, oldest first."""
    return log_rows(
        con.execute(
            "SELECT * FROM review_log WHERE subject_key = ? AND check_name = ? ORDER BY seq",
            [subject_key, check_name],
        ).fetchall()
    )


def doctor_history(
    con: sqlite3.Connection, npa: str, *, exclude: tuple[str, str] | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The current decision on each of a doctor's other findings, newest first."""
    skip_key, skip_check = exclude or ("", "")
    return log_rows(
        con.execute(
            "SELECT * FROM flag_state WHERE npa = ? AND NOT (subject_key = ? AND check_name = ?) "
            "AND to_state <> 'open' ORDER BY seq DESC LIMIT ?",
            [npa, skip_key, skip_check, limit],
        ).fetchall()
    )


def doctor_summary(con: sqlite3.Connection, npas: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per doctor: how many of their findings are currently confirmed, dismissed, escalated."""
    if not npas:
        return {}
    found: dict[str, dict[str, int]] = {}
    marks = ", ".join("?" for _ in npas)
    for row in con.execute(
        f"SELECT npa, to_state, count(*) AS n FROM flag_state WHERE npa IN ({marks}) "
        "GROUP BY npa, to_state",
        list(npas),
    ):
        found.setdefault(row["npa"], {})[row["to_state"]] = int(row["n"])
    return found
