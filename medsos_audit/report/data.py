"""What one branch's weekly report shows, read from the warehouse (SQL in sql/report_*.sql)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from checks.masking import mask_identifiers
from checks.types import CHECK_NAMES, SEVERITIES
from medsos_audit.report.excerpt import Segment, masked_excerpt
from medsos_audit.report.i18n import REPEAT_MIN, REPEAT_WEEKS, TREND_WEEKS
from warehouse import sqlfiles
from warehouse import weeks as wk

TEXT_FIELDS = ("caption", "accessibility_caption", "biography", "full_name", "external_url")
EVIDENCE_MAX = 160  # characters of a finding's evidence shown beside the excerpt
_SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES, start=1)}
FIGURE_COLUMNS = (
    "accounts",
    "accounts_with_posts",
    "flagged_accounts",
    "posts",
    "flagged_posts",
    *(f"{name}_posts" for name in CHECK_NAMES),
    *(f"{name}_posts" for name in SEVERITIES),
)


def severity_rank(severity: str) -> int:
    """1 for ringan, 2 for sedang, 3 for berat (0 for anything else)."""
    return _SEVERITY_RANK.get(severity, 0)


def branch_slug(branch: str) -> str:
    """A file-name-safe branch name: 'IDI Cabang Yogyakarta' -> 'idi-cabang-yogyakarta'."""
    ascii_name = unicodedata.normalize("NFKD", branch).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or "branch"


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired on a post or profile; ``evidence`` is already masked."""

    check_name: str
    rule_id: str
    severity: str
    fatwa_ref: str
    evidence: str
    evidence_field: str
    rule_version: str


@dataclass(frozen=True, slots=True)
class CheckFindings:
    """The findings of one check on one post: its heaviest severity and the rulings cited."""

    check_name: str
    severity: str
    fatwa_refs: tuple[str, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class Excerpt:
    """Masked text of one field with the evidence marked."""

    field: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class FlaggedItem:
    """A flagged post (or, with ``shortcode`` None, a flagged profile) and all its findings."""

    shortcode: str | None
    owner_id: str
    username: str
    npa: str
    doctor: str
    branch: str
    posted_at: datetime | None
    post_week: str | None
    first_seen: datetime | None
    risk_score: int
    findings: tuple[Finding, ...]
    excerpts: tuple[Excerpt, ...]
    repeat: bool = False

    @property
    def link(self) -> str:
        """The post's (or profile's) address on Instagram."""
        if self.shortcode:
            return f"https://www.instagram.com/p/{self.shortcode}/"
        return f"https://www.instagram.com/{self.username}/"

    @property
    def checks(self) -> tuple[str, ...]:
        """The distinct checks that fired, in the checks' fixed order."""
        fired = {f.check_name for f in self.findings}
        return tuple(name for name in CHECK_NAMES if name in fired)

    @property
    def severity(self) -> str:
        """The heaviest severity among the findings."""
        return max((f.severity for f in self.findings), key=severity_rank, default="ringan")

    @property
    def by_check(self) -> tuple[CheckFindings, ...]:
        """The findings grouped by check, checks in their fixed order, heaviest rule first."""
        groups = []
        for name in self.checks:
            found = sorted(
                (f for f in self.findings if f.check_name == name),
                key=lambda f: -severity_rank(f.severity),
            )
            refs = tuple(dict.fromkeys(f.fatwa_ref for f in found))
            groups.append(CheckFindings(name, found[0].severity, refs, tuple(found)))
        return tuple(groups)

    @property
    def identities(self) -> tuple[tuple[str, str], ...]:
        """The (subject_key, check_name) pairs alerting keys on."""
        key = self.shortcode or f"profile:{self.owner_id}"
        return tuple((key, name) for name in self.checks)


@dataclass(frozen=True)
class WeekFigures:
    """One row of audit_weekly_branch (zeros when the week has no row)."""

    week: str
    values: dict[str, int]

    def __getitem__(self, column: str) -> int:
        return self.values[column]


@dataclass(frozen=True)
class DoctorRank:
    """A doctor with flagged posts in the last four weeks."""

    rank: int
    npa: str
    doctor: str
    accounts: str
    posts: int
    flagged_posts: int
    berat_posts: int
    max_risk_score: int
    weeks_flagged: int

    @property
    def repeat(self) -> bool:
        """Flagged posts in at least REPEAT_MIN of the last REPEAT_WEEKS weeks."""
        return self.weeks_flagged >= REPEAT_MIN


@dataclass(frozen=True)
class UncheckedAccount:
    """An account whose posts this week's report does not cover, and why."""

    username: str
    npa: str
    doctor: str
    status: str
    last_attempt: datetime | None
    tries: int


@dataclass(frozen=True)
class BranchReport:
    """Everything one branch's report for one week shows."""

    branch: str
    week: str
    tz: str
    generated_at: datetime
    current: WeekFigures
    previous: WeekFigures
    trend_weeks: tuple[str, ...]
    trend: dict[str, tuple[int, ...]]
    doctors: tuple[DoctorRank, ...]
    posts: tuple[FlaggedItem, ...]
    late_posts: tuple[FlaggedItem, ...]
    late_unflagged: int
    profiles: tuple[FlaggedItem, ...]
    unchecked: tuple[UncheckedAccount, ...]
    rule_versions: tuple[str, ...] = field(default=())

    @property
    def slug(self) -> str:
        return branch_slug(self.branch)

    @property
    def previous_week(self) -> str:
        return self.previous.week


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description or ()]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def query(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, Any],
    *,
    package_file: str = __file__,
) -> list[dict[str, Any]]:
    """Rows of the one-statement file sql/``name`` (beside ``package_file``) as dicts.

    Values are bound parameters, never formatted into the text.
    """
    (text,) = sqlfiles.statements(package_file, name)
    wanted = {p: params[p] for p in set(re.findall(r"\$([a-z_][a-z0-9_]*)", text))}
    return _dicts(con.execute(text, wanted))


def branches(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Branches with active registered accounts, by name."""
    return [r["branch"] for r in query(con, "report_branches.sql", {})]


def _finding(row: dict[str, Any]) -> Finding:
    evidence = mask_identifiers(str(row["evidence"] or ""))
    if len(evidence) > EVIDENCE_MAX:
        evidence = evidence[: EVIDENCE_MAX - 1].rstrip() + "…"
    return Finding(
        check_name=row["check_name"],
        rule_id=row["rule_id"],
        severity=row["severity"],
        fatwa_ref=row["fatwa_ref"],
        evidence=evidence,
        evidence_field=row["evidence_field"],
        rule_version=row["rule_version"],
    )


def _excerpts(rows: Sequence[dict[str, Any]], *, is_post: bool) -> tuple[Excerpt, ...]:
    first = rows[0]
    texts = {
        "caption": first["caption"],
        "accessibility_caption": first["accessibility_caption"],
        "biography": first["biography"],
        "full_name": first["profile_name"],
        "external_url": first["external_url"],
    }
    spans: dict[str, list[tuple[int | None, int | None]]] = {}
    for row in rows:
        if row["evidence_field"] in TEXT_FIELDS and texts.get(row["evidence_field"]):
            spans.setdefault(row["evidence_field"], []).append((row["span_start"], row["span_end"]))
    # The caption (or the bio of a profile) is always shown, so staff see what the post says.
    main = "caption" if is_post else "biography"
    if texts.get(main):
        spans.setdefault(main, [])
    return tuple(
        Excerpt(name, masked_excerpt(texts[name], spans[name]))
        for name in TEXT_FIELDS
        if name in spans
    )


def group_flag_rows(rows: Iterable[dict[str, Any]], repeat_npas: set[str]) -> list[FlaggedItem]:
    """Flag rows (one per rule) as one item per post or profile, in the rows' order."""
    grouped: dict[tuple[str | None, str], list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault((row["shortcode"], row["owner_id"]), []).append(row)
    items = []
    for (shortcode, owner_id), group in grouped.items():
        first = group[0]
        items.append(
            FlaggedItem(
                shortcode=shortcode,
                owner_id=owner_id,
                username=first["username"],
                npa=first["npa"],
                doctor=first["doctor"],
                branch=first["branch"],
                posted_at=first["posted_at"],
                post_week=first["post_week"],
                first_seen=first["first_seen"],
                risk_score=max(int(r["risk_score"]) for r in group),
                findings=tuple(_finding(r) for r in group),
                excerpts=_excerpts(group, is_post=shortcode is not None),
                repeat=first["npa"] in repeat_npas,
            )
        )
    return items


def _figures(rows: dict[str, dict[str, Any]], week: str, accounts: int) -> WeekFigures:
    row = rows.get(week)
    values = {c: int(row[c]) if row else 0 for c in FIGURE_COLUMNS}
    if not row:  # no post anywhere that week: the audit tables have no row, the branch still had
        values["accounts"] = accounts
    return WeekFigures(week, values)


def load_branch_report(
    con: duckdb.DuckDBPyConnection,
    branch: str,
    week: str,
    tz: str,
    *,
    generated_at: datetime | None = None,
) -> BranchReport:
    """Reads everything the report of ``branch`` for ``week`` shows; nothing of other branches."""
    trend_weeks = wk.weeks_ending(week, TREND_WEEKS)
    rows = {
        r["post_week"]: r
        for r in query(con, "report_branch_weeks.sql", {"branch": branch, "weeks": trend_weeks})
    }
    (accounts_now,) = query(con, "report_branch_accounts.sql", {"branch": branch})[0].values()
    previous = wk.shift(week, -1)
    doctors = [
        DoctorRank(rank=n, **r)
        for n, r in enumerate(
            query(
                con,
                "report_doctors.sql",
                {"branch": branch, "week": week, "weeks": wk.weeks_ending(week, REPEAT_WEEKS)},
            ),
            start=1,
        )
    ]
    repeat = {d.npa for d in doctors if d.repeat}
    start, end = wk.bounds_utc(week, tz)
    always = (datetime(1970, 1, 1), datetime(9999, 1, 1))
    posts = group_flag_rows(
        query(
            con,
            "report_flag_rows.sql",
            {
                "branch": branch,
                "week_from": week,
                "week_to": week,
                "seen_from": always[0],
                "seen_to": always[1],
            },
        ),
        repeat,
    )
    late = group_flag_rows(
        query(
            con,
            "report_flag_rows.sql",
            {
                "branch": branch,
                "week_from": "0000-W00",
                "week_to": previous,
                "seen_from": start,
                "seen_to": end,
            },
        ),
        repeat,
    )
    late_all = query(
        con,
        "report_late_posts.sql",
        {"branch": branch, "week": week, "seen_from": start, "seen_to": end},
    )[0]
    profiles = group_flag_rows(query(con, "report_profile_flags.sql", {"branch": branch}), repeat)
    unchecked = [
        UncheckedAccount(**r)
        for r in query(
            con, "report_unchecked.sql", {"branch": branch, "seen_from": start, "seen_to": end}
        )
    ]
    versions = sorted(
        {f.rule_version for item in (*posts, *late, *profiles) for f in item.findings}
    )
    return BranchReport(
        branch=branch,
        week=week,
        tz=tz,
        generated_at=generated_at or datetime.now(UTC),
        current=_figures(rows, week, int(accounts_now)),
        previous=_figures(rows, previous, int(accounts_now)),
        trend_weeks=tuple(trend_weeks),
        trend={
            name: tuple(_figures(rows, w, 0)[f"{name}_posts"] for w in trend_weeks)
            for name in CHECK_NAMES
        },
        doctors=tuple(doctors),
        posts=tuple(posts),
        late_posts=tuple(late),
        late_unflagged=int(next(iter(late_all.values()))) - len(late),
        profiles=tuple(profiles),
        unchecked=tuple(unchecked),
        rule_versions=tuple(versions),
    )
