"""The report's tables as rows: the same content for the XLSX workbook and the CSV file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.types import CHECK_NAMES, SEVERITIES
from medsos_audit.report import i18n
from medsos_audit.report.data import BranchReport, FlaggedItem
from medsos_audit.report.excerpt import plain

# The evidence inside an excerpt, in plain text (no colour in a cell).
MARK = ("[[", "]]")
# Columns holding text that came from Instagram or the registry: a leading = + - @ would make a
# spreadsheet read it as a formula, so those cells are written as text (XLSX) or quoted (CSV).
FREE_TEXT = {"doctor", "account", "caption_excerpt", "evidence", "accounts", "reason"}

CSV_COLUMNS = (
    "section",
    "branch",
    "post_week",
    "doctor",
    "npa",
    "account",
    "shortcode",
    "link",
    "posted_at_utc",
    "first_seen_utc",
    "risk_score",
    "check_name",
    "severity",
    "rule_id",
    "rule_version",
    "fatwa_ref",
    "evidence_field",
    "evidence",
    "caption_excerpt",
    "repeat_offender",
)


def figure_rows(report: BranchReport, lang: str) -> list[list[Any]]:
    """Headline figures: label, this week, previous week, change."""
    t = i18n.labels(lang)
    rows: list[list[Any]] = [
        [
            "",
            f"{t['this_week']} {report.week}",
            f"{t['prev_week']} {report.previous_week}",
            t["change"],
        ]
    ]
    keys = [(t[k], k) for k in ("accounts", "posts", "flagged_posts", "flagged_accounts")] + [
        (i18n.check_label(n, lang), f"{n}_posts") for n in CHECK_NAMES
    ]
    keys += [
        (f"{t['severity']}: {i18n.severity_label(s, lang)}", f"{s}_posts")
        for s in reversed(SEVERITIES)
    ]
    for label, col in keys:
        now, before = report.current[col], report.previous[col]
        rows.append([label, now, before, now - before])
    return rows


def trend_rows(report: BranchReport, lang: str) -> list[list[Any]]:
    """The trend chart's numbers: one row per week, one column per check."""
    header: list[Any] = [i18n.labels(lang)["week"]] + [
        i18n.check_label(n, lang) for n in CHECK_NAMES
    ]
    rows = [header]
    for i, week in enumerate(report.trend_weeks):
        rows.append([week] + [report.trend[n][i] for n in CHECK_NAMES])
    return rows


def doctor_rows(report: BranchReport, lang: str) -> list[list[Any]]:
    """Doctors by risk, repeat offenders marked."""
    t = i18n.labels(lang)
    rows: list[list[Any]] = [
        [
            t["rank"],
            t["doctor"],
            t["npa"],
            t["account"],
            t["posts"],
            t["flagged_posts"],
            t["max_risk"],
            t["weeks_flagged"],
            t["repeat"],
        ]
    ]
    for d in report.doctors:
        rows.append(
            [
                d.rank,
                d.doctor,
                d.npa,
                d.accounts,
                d.posts,
                d.flagged_posts,
                d.max_risk_score,
                d.weeks_flagged,
                t["repeat_badge"] if d.repeat else "",
            ]
        )
    return rows


def _excerpt_text(item: FlaggedItem, field: str) -> str:
    for ex in item.excerpts:
        if ex.field == field:
            return plain(ex.segments, MARK)
    return ""


def finding_records(report: BranchReport) -> Iterator[dict[str, Any]]:
    """One record per finding (flag row) in the report: week's posts, late posts, profiles."""
    sections = (("week", report.posts), ("late", report.late_posts), ("profile", report.profiles))
    for section, items in sections:
        for item in items:
            for f in item.findings:
                field = f.evidence_field if f.evidence_field != "is_sponsored" else "caption"
                main = "caption" if item.shortcode else "biography"
                yield {
                    "section": section,
                    "branch": report.branch,
                    "post_week": item.post_week or "",
                    "doctor": item.doctor,
                    "npa": item.npa,
                    "account": item.username,
                    "shortcode": item.shortcode or "",
                    "link": item.link,
                    "posted_at_utc": item.posted_at.isoformat(sep=" ") if item.posted_at else "",
                    "first_seen_utc": item.first_seen.isoformat(sep=" ", timespec="seconds")
                    if item.first_seen
                    else "",
                    "risk_score": item.risk_score,
                    "check_name": f.check_name,
                    "severity": f.severity,
                    "rule_id": f.rule_id,
                    "rule_version": f.rule_version,
                    "fatwa_ref": f.fatwa_ref,
                    "evidence_field": f.evidence_field,
                    "evidence": f.evidence,
                    "caption_excerpt": _excerpt_text(item, field) or _excerpt_text(item, main),
                    "repeat_offender": item.repeat,
                }


def finding_rows(report: BranchReport, lang: str) -> list[list[Any]]:
    """Findings with staff-facing headers and words (the workbook's findings sheets)."""
    t = i18n.labels(lang)
    header: list[Any] = [
        t["week"],
        t["doctor"],
        t["npa"],
        t["account"],
        t["posted"],
        "URL",
        t["risk"],
        t["check"],
        t["severity"],
        t["rule"],
        t["fatwa"],
        t["evidence"],
        i18n.field_label("caption", lang),
        t["repeat"],
    ]
    rows = [header]
    for rec in finding_records(report):
        rows.append(
            [
                rec["post_week"],
                rec["doctor"],
                rec["npa"],
                rec["account"],
                rec["posted_at_utc"],
                rec["link"],
                rec["risk_score"],
                i18n.check_label(rec["check_name"], lang),
                i18n.severity_label(rec["severity"], lang),
                rec["rule_id"],
                rec["fatwa_ref"],
                rec["evidence"],
                rec["caption_excerpt"],
                t["repeat_badge"] if rec["repeat_offender"] else "",
            ]
        )
    return rows


def unchecked_rows(report: BranchReport, lang: str) -> list[list[Any]]:
    """Accounts the report does not cover, and why."""
    t = i18n.labels(lang)
    rows: list[list[Any]] = [[t["account"], t["doctor"], t["npa"], t["reason"], t["last_attempt"]]]
    for a in report.unchecked:
        rows.append(
            [
                a.username,
                a.doctor,
                a.npa,
                i18n.status_label(a.status, lang),
                i18n.format_datetime(a.last_attempt, report.tz, lang) if a.last_attempt else "",
            ]
        )
    return rows


def legend_rows(lang: str) -> list[list[Any]]:
    """The legend: each check and its fatwa item in plain words, then the terms."""
    t = i18n.labels(lang)
    rows: list[list[Any]] = [[t["check"], t["fatwa"], t["legend"]]]
    for name in CHECK_NAMES:
        rows.append([i18n.check_label(name, lang), i18n.FATWA_ITEMS[name], i18n.LEGEND[lang][name]])
    rows.append([])
    for sev in reversed(SEVERITIES):
        rows.append([i18n.severity_label(sev, lang), "", t[f"sev_{sev}"]])
    rows.append([])
    for key in ("risk_def", "repeat_def", "late_def", "mask_def", "review_def"):
        rows.append(["", "", t[key]])
    return rows
