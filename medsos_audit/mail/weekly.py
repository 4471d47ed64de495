"""The weekly report e-mail: each branch gets its own report, once per branch and week."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.message import EmailMessage

import duckdb

from medsos_audit.mail.alerts import recipients_of
from medsos_audit.mail.compose import Attachment, Inline, new_message
from medsos_audit.mail.outbox import Outgoing, enqueue, is_queued
from medsos_audit.mail.transport import sender_address
from medsos_audit.report import i18n
from medsos_audit.report.build import RenderedReport, render_branch, write_report
from medsos_audit.report.data import branch_slug
from medsos_audit.report.data import branches as all_branches
from medsos_audit.settings import Settings

log = logging.getLogger(__name__)

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
# Past ~100 KB some mail clients (Gmail) clip the body; a card is ~1.3 KB. Longer lists are cut in
# the body and the full HTML report is attached beside the workbook.
MAIL_MAX_CARDS = 50


def weekly_key(branch: str, week: str) -> str:
    """The idempotency key of a branch's weekly report e-mail."""
    return f"weekly_report:{branch_slug(branch)}:{week}"


def _text_part(rendered: RenderedReport) -> str:
    report, lang = rendered.report, rendered.lang
    t = i18n.labels(lang)
    lines = [
        f"{t['title']} - {report.branch}",
        f"{t['week']} {i18n.format_week(report.week, lang)}",
        "",
        t["confidential"],
        "",
    ]
    for key in ("accounts", "posts", "flagged_posts", "flagged_accounts"):
        lines.append(f"{t[key]}: {report.current[key]} ({t['prev_week']}: {report.previous[key]})")
    lines += ["", t["weekly_text"]]
    return "\n".join(lines) + "\n"


def compose_weekly(
    settings: Settings, rendered: RenderedReport, recipients: tuple[str, ...]
) -> EmailMessage:
    """The weekly message: the report as the HTML body (chart inline), the XLSX attached."""
    report = rendered.report
    cid = f"trend-{report.slug}-{report.week}@medsos-audit"
    t = i18n.labels(rendered.lang)
    attachments = [Attachment(f"{report.slug}-{report.week}.xlsx", rendered.xlsx, *XLSX)]
    if rendered.longest_list > MAIL_MAX_CARDS:
        attachments.append(
            Attachment(
                f"{report.slug}-{report.week}.html", rendered.html.encode("utf-8"), "text", "html"
            )
        )
    return new_message(
        sender_address(settings),
        recipients,
        f"[medsos-audit] {report.branch}: {t['weekly_subject'].format(week=report.week)}",
        _text_part(rendered),
        rendered.html_with_chart(f"cid:{cid}", max_cards=MAIL_MAX_CARDS),
        inline=[Inline(cid, rendered.chart_png)],
        attachments=attachments,
    )


def queue_weekly_reports(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    week: str,
    run_id: str,
    *,
    branches: Sequence[str] | None = None,
) -> int:
    """Writes and queues each branch's report for ``week`` not yet queued; returns how many.

    The weekly DAG calls this, then sends the outbox (``send_outbox``) in its send task.
    """
    queued = 0
    for branch in branches if branches is not None else all_branches(con):
        key = weekly_key(branch, week)
        if is_queued(con, key):
            continue
        rendered = render_branch(con, branch, week, settings.tz, i18n.staff_lang(settings.lang))
        write_report(rendered, settings.reports_dir)
        recipients = recipients_of(con, branch)
        out = Outgoing(
            kind="weekly_report",
            idempotency_key=key,
            recipients=recipients,
            message=compose_weekly(settings, rendered, recipients),
            branch=branch,
            post_week=week,
        )
        if enqueue(con, settings, out, run_id):
            queued += 1
    log.info("weekly reports %s: %d queued", week, queued)
    return queued
