"""The warehouse gate: validates posts, flags and the audit tables before they are published.

Whole-table suites (posts unique and registered, flag names and severities allowed) run on every
gate. Per-week suites run on the weeks awaiting publication: audit rows must equal a fresh count of
the posts, a branch must equal the sum of its accounts, a part never exceeds its whole, and a
branch that had many posts one week must not have none the next. The week still in progress is
left out of that last check (a Monday-morning week is legitimately almost empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from checks.quality.runner import Validation, validate
from checks.quality.suites import (
    WAREHOUSE_AUDIT_ACCOUNTS,
    WAREHOUSE_AUDIT_BRANCHES,
    WAREHOUSE_FLAGS,
    WAREHOUSE_POSTS,
    WAREHOUSE_WEEK_VOLUME,
    Suite,
)
from warehouse.sqlfiles import sql
from warehouse.weeks import shift

if TYPE_CHECKING:
    import pandas as pd

REASONS_SHOWN = 5


@dataclass
class SuiteRun:
    """One validation of the gate, and the weeks it covered (None: the whole table)."""

    validation: Validation
    weeks: list[str] | None


@dataclass
class WarehouseGate:
    """The gate's validations; it passes when every expectation held."""

    runs: list[SuiteRun] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.validation.success for r in self.runs)

    def reasons(self) -> list[str]:
        """One line per failed expectation: suite, expectation, how many rows, an example key."""
        lines = []
        for run in self.runs:
            for outcome in run.validation.failed:
                example = ""
                if outcome.failing:
                    keys = run.validation.suite.keys
                    first = outcome.failing[0]
                    example = " e.g. " + "/".join(str(first.get(k)) for k in keys)
                lines.append(
                    f"{run.validation.suite.name}.{outcome.expect.name}: "
                    f"{outcome.unexpected_count} row(s){example}"
                )
        return lines

    def summary(self) -> str:
        """The reasons in one line for runs.error and the operator notice."""
        lines = self.reasons()
        more = f"; and {len(lines) - REASONS_SHOWN} more" if len(lines) > REASONS_SHOWN else ""
        return "; ".join(lines[:REASONS_SHOWN]) + more


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> pd.DataFrame:
    return (
        con.execute(sql(__file__, name), params).df()
        if params
        else con.execute(sql(__file__, name)).df()
    )


def volume_weeks(weeks: Iterable[str], current_week: str) -> list[str]:
    """Complete weeks to check for a collapse: each pending week, the week after it, and the
    last complete week (so a collection that stopped altogether is noticed too)."""
    chosen = {shift(current_week, -1)}
    for week in weeks:
        chosen |= {week, shift(week, 1)}
    return sorted(w for w in chosen if w < current_week)


def _flag_bounds() -> dict[str, Any]:
    """The warehouse_flags suite's own bounds, for the SQL that picks out-of-bounds flags."""
    kwargs = {e.name: e.kwargs for e in WAREHOUSE_FLAGS.expectations}
    return {
        "checks": list(kwargs["check_name_allowed"]["value_set"]),
        "severities": list(kwargs["severity_allowed"]["value_set"]),
        "score_min": kwargs["risk_score_in_range"]["min_value"],
        "score_max": kwargs["risk_score_in_range"]["max_value"],
    }


def validate_warehouse(
    con: duckdb.DuckDBPyConnection,
    weeks: Iterable[str],
    current_week: str,
    *,
    rows_of: Iterable[str] | None = None,
) -> WarehouseGate:
    """Validates the warehouse before publication: the posts and flags of the weeks ``rows_of``
    (default ``weeks``) with every stored row that breaks a warehouse-wide rule, and the audit
    rows of ``weeks``."""
    chosen = sorted(set(weeks))
    gate = WarehouseGate()
    # warehouse-wide suites over the weeks being published and every row elsewhere that breaks
    # them: the frames grow with the weeks a run changed, not with the years already stored
    changed = chosen if rows_of is None else sorted(set(rows_of))
    posts = _frame(con, "warehouse_posts.sql", {"weeks": changed})
    gate.runs.append(SuiteRun(validate(posts, WAREHOUSE_POSTS), None))
    flags = _frame(con, "warehouse_flags.sql", {"weeks": changed, **_flag_bounds()})
    gate.runs.append(SuiteRun(validate(flags, WAREHOUSE_FLAGS), None))
    per_week: list[tuple[Suite, str, dict[str, Any], list[str]]] = []
    if chosen:
        params = {"weeks": chosen}
        per_week += [
            (WAREHOUSE_AUDIT_ACCOUNTS, "warehouse_audit_accounts.sql", params, chosen),
            (WAREHOUSE_AUDIT_BRANCHES, "warehouse_audit_branches.sql", params, chosen),
        ]
    volume = volume_weeks(chosen, current_week)
    previous = [shift(w, -1) for w in volume]
    per_week.append(
        (
            WAREHOUSE_WEEK_VOLUME,
            "warehouse_week_volume.sql",
            {"weeks": volume, "previous": previous},
            volume,
        )
    )
    for suite, name, params, covered in per_week:
        gate.runs.append(SuiteRun(validate(_frame(con, name, params), suite), covered))
    return gate
