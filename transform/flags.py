"""Runs the compliance checks over posts and profiles not yet checked by the current rule set
and stores their flags; a rule-set change re-checks everything."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from checks import RuleSet, check_profile, personal_share_signal
from checks.parallel import CheckPool
from checks.types import Flag, PostForCheck, ProfileForCheck
from medsos_audit.runs import utcnow
from warehouse import sqlfiles
from warehouse.db import transaction
from warehouse.sqlfiles import sql
from warehouse.weeks import weeks_ending

BATCH = 20_000
SIGNAL_WINDOW_WEEKS = 12

FLAG_SCHEMA = pa.schema(
    [
        ("shortcode", pa.string()),
        ("owner_id", pa.string()),
        ("check_name", pa.string()),
        ("rule_id", pa.string()),
        ("rule_version", pa.string()),
        ("severity", pa.string()),
        ("evidence", pa.string()),
        ("evidence_field", pa.string()),
        ("span_start", pa.int32()),
        ("span_end", pa.int32()),
        ("fatwa_ref", pa.string()),
        ("risk_score", pa.int32()),
        ("post_week", pa.string()),
    ]
)


@dataclass
class CheckResult:
    """How many subjects were checked, how many flags they now carry, and the weeks touched."""

    posts_checked: int = 0
    profiles_checked: int = 0
    flags: int = 0
    weeks_touched: set[str] = field(default_factory=set)


def _post(row: tuple[object, ...]) -> PostForCheck:
    (
        shortcode,
        owner_id,
        caption,
        access,
        sponsored,
        sponsors,
        tagged,
        tags,
        mentions,
        loc,
        typ,
    ) = row[:11]
    return PostForCheck(
        shortcode=str(shortcode),
        owner_id=None if owner_id is None else str(owner_id),
        caption=caption,  # type: ignore[arg-type]
        accessibility_caption=access,  # type: ignore[arg-type]
        is_sponsored=sponsored,  # type: ignore[arg-type]
        sponsor_users=tuple(sponsors or ()),  # type: ignore[arg-type]
        tagged_users=tuple(tagged or ()),  # type: ignore[arg-type]
        hashtags=tuple(tags or ()),  # type: ignore[arg-type]
        mentions=tuple(mentions or ()),  # type: ignore[arg-type]
        location=loc,  # type: ignore[arg-type]
        typename=typ,  # type: ignore[arg-type]
    )


def _pending_batches(
    con: duckdb.DuckDBPyConnection, version: str
) -> Iterator[tuple[list[PostForCheck], list[str]]]:
    """The posts not yet checked by ``version``, BATCH at a time, never all in memory.

    The pending set is fixed first (a numbered temp table), so writing flags between batches
    cannot disturb what is read next.
    """
    sqlfiles.run(con, __file__, "pending_posts.sql", {"version": version})
    total = int(con.execute("SELECT count(*) FROM pending_posts").fetchall()[0][0])
    try:
        for start in range(0, total, BATCH):
            rows = con.execute(
                sql(__file__, "pending_batch.sql"), {"lo": start, "hi": start + BATCH}
            ).fetchall()
            yield [_post(r) for r in rows], [str(r[11]) for r in rows]
    finally:
        con.execute("DROP TABLE IF EXISTS pending_posts")


def check_pending(
    con: duckdb.DuckDBPyConnection,
    ruleset: RuleSet,
    run_id: str,
    *,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> CheckResult:
    """Checks every post and profile whose flags were not computed by ``ruleset``'s version."""
    result = CheckResult()
    with CheckPool(ruleset, workers) as pool:
        for posts, weeks in _pending_batches(con, ruleset.version):
            week_of = {p.shortcode: w for p, w in zip(posts, weeks, strict=True)}
            flags = pool.check(posts)
            _store(con, flags, [p.shortcode for p in posts], week_of, ruleset.version, run_id)
            result.posts_checked += len(posts)
            result.flags += len(flags)
            result.weeks_touched |= set(weeks)
            if on_progress:
                on_progress(len(posts))
    result.profiles_checked, profile_flags = _check_profiles(con, ruleset, run_id)
    result.flags += profile_flags
    return result


def _store(
    con: duckdb.DuckDBPyConnection,
    flags: Sequence[Flag],
    shortcodes: list[str],
    week_of: dict[str, str],
    version: str,
    run_id: str,
) -> None:
    """Replaces the flags of the checked posts, keeping when each was first flagged."""
    table = _flag_table(flags, week_of)
    checked = pa.table({"shortcode": shortcodes})
    con.register("stage_flags", table)
    con.register("stage_checked", checked)
    try:
        with transaction(con):
            params = {"now": utcnow(), "run_id": run_id, "version": version}
            sqlfiles.run(con, __file__, "replace_post_flags.sql", params)
    finally:
        con.unregister("stage_flags")
        con.unregister("stage_checked")


def _flag_table(flags: Sequence[Flag], week_of: dict[str, str]) -> pa.Table:
    return flag_table(flags, [week_of.get(f.shortcode or "") for f in flags])


def flag_table(flags: Sequence[Flag], weeks: Sequence[str | None]) -> pa.Table:
    """``flags`` as an Arrow table of the flags columns, with each flag's post week."""
    return pa.table(
        {
            "shortcode": [f.shortcode for f in flags],
            "owner_id": [f.owner_id for f in flags],
            "check_name": [f.check_name for f in flags],
            "rule_id": [f.rule_id for f in flags],
            "rule_version": [f.rule_version for f in flags],
            "severity": [f.severity for f in flags],
            "evidence": [f.evidence for f in flags],
            "evidence_field": [f.evidence_field for f in flags],
            "span_start": [f.span_start for f in flags],
            "span_end": [f.span_end for f in flags],
            "fatwa_ref": [f.fatwa_ref for f in flags],
            "risk_score": [f.risk_score for f in flags],
            "post_week": list(weeks),
        },
        schema=FLAG_SCHEMA,
    )


def _check_profiles(
    con: duckdb.DuckDBPyConnection, ruleset: RuleSet, run_id: str
) -> tuple[int, int]:
    rows = con.execute(
        sql(__file__, "pending_profiles.sql"), {"version": ruleset.version}
    ).fetchall()
    if not rows:
        return 0, 0
    flags: list[Flag] = []
    for owner_id, username, full_name, bio, url, category, is_business in rows:
        profile = ProfileForCheck(owner_id, username, full_name, bio, url, category, is_business)
        flags.extend(check_profile(profile, ruleset))
    owners = pa.table({"owner_id": [r[0] for r in rows]})
    con.register("stage_flags", _flag_table(flags, {}))
    con.register("stage_checked", owners)
    try:
        with transaction(con):
            params = {"now": utcnow(), "run_id": run_id, "version": ruleset.version}
            sqlfiles.run(con, __file__, "replace_profile_flags.sql", params)
    finally:
        con.unregister("stage_flags")
        con.unregister("stage_checked")
    return len(rows), len(flags)


SIGNAL_COLUMNS = (
    "owner_id",
    "signal",
    "window_start",
    "window_end",
    "value",
    "threshold",
    "posts",
    "check_name",
    "severity",
    "rule_id",
    "rule_version",
    "fatwa_ref",
)


def refresh_signals(con: duckdb.DuckDBPyConnection, ruleset: RuleSet, weeks: set[str]) -> int:
    """Recomputes account-level signals for windows ending in each of ``weeks``; returns rows.

    The counts of every window come from one DuckDB query; the rule decides in Python which
    accounts cross the threshold; the signals of all the windows are replaced in one
    transaction.
    """
    ends = sorted(weeks)
    if not ends:
        return 0
    spans = {end: weeks_ending(end, SIGNAL_WINDOW_WEEKS) for end in ends}
    pairs = [(end, week) for end in ends for week in spans[end]]
    stage = pa.table(
        {
            "window_end": pa.array([e for e, _ in pairs], pa.string()),
            "post_week": pa.array([w for _, w in pairs], pa.string()),
        }
    )
    con.register("stage_signal_weeks", stage)
    try:
        counts = con.execute(sql(__file__, "personal_share_windows.sql")).fetchall()
    finally:
        con.unregister("stage_signal_weeks")
    signals = [
        s
        for end, owner_id, posts, personal in counts
        if (
            s := personal_share_signal(
                str(owner_id), int(posts), int(personal), spans[end][0], end, ruleset
            )
        )
        is not None
    ]
    staged = pa.table({c: [getattr(s, c) for s in signals] for c in SIGNAL_COLUMNS})
    with transaction(con):
        con.execute(
            "DELETE FROM account_signals WHERE window_end IN (SELECT unnest(?::VARCHAR[]))", [ends]
        )
        if signals:
            con.register("stage_signals", staged)
            try:
                con.execute(
                    f"INSERT INTO account_signals SELECT {', '.join(SIGNAL_COLUMNS)} "
                    "FROM stage_signals"  # column names from the constant above
                )
            finally:
                con.unregister("stage_signals")
    return len(signals)
