"""Alert e-mails: new flags at or above the alert severity, one message per branch per run.

A flag's identity is (shortcode or 'profile:'+owner_id, check_name). An identity is alerted at
most once, ever: outbox_flags remembers it (unique), so a rule edit, a re-run or a backfill
finds nothing new to say.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from typing import Any

import duckdb

from medsos_audit.mail.compose import new_message, valid_addresses
from medsos_audit.mail.outbox import Outgoing, SendResult, enqueue, send_outbox
from medsos_audit.mail.transport import sender_address
from medsos_audit.report import html as report_html
from medsos_audit.report import i18n
from medsos_audit.report.data import FlaggedItem, branch_slug, group_flag_rows, query, severity_rank
from medsos_audit.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    """What queueing and sending did in one run (recorded in the run's counts)."""

    alerts_queued: int = 0
    flags_alerted: int = 0
    sent: SendResult = field(default_factory=SendResult)

    def counts(self) -> dict[str, Any]:
        """The figures merged into runs.counts."""
        return {
            "alerts_queued": self.alerts_queued,
            "flags_alerted": self.flags_alerted,
            "mail_sent": self.sent.sent,
            "mail_written": self.sent.written,
            "mail_still_queued": self.sent.failed,
        }


def recipients_of(con: duckdb.DuckDBPyConnection, branch: str) -> tuple[str, ...]:
    """The branch's valid addresses (branch_email of its active doctors)."""
    rows = query(con, "branch_recipients.sql", {"branch": branch}, package_file=__file__)
    return valid_addresses(r["branch_email"] for r in rows)


def new_alert_items(
    con: duckdb.DuckDBPyConnection, min_severity: str
) -> dict[str, list[FlaggedItem]]:
    """Per branch, the posts and profiles with never-alerted flag identities, highest risk first."""
    rows = query(
        con,
        "alert_new_flags.sql",
        {"min_rank": severity_rank(min_severity)},
        package_file=__file__,
    )
    per_branch: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        per_branch.setdefault(row["branch"], []).append(row)
    return {branch: group_flag_rows(items, set()) for branch, items in per_branch.items()}


def _subject(branch: str, items: Iterable[FlaggedItem], lang: str) -> str:
    t = i18n.labels(lang)
    items = list(items)
    count = sum(len(i.identities) for i in items)
    heavy = sum(1 for i in items for g in i.by_check if g.severity == "berat")
    subject = f"[medsos-audit] {branch}: {t['alert_subject'].format(n=count)}"
    if heavy:
        subject += f" ({t['alert_heavy'].format(n=heavy)})"
    return subject


def compose_alert(
    settings: Settings, branch: str, items: list[FlaggedItem], recipients: tuple[str, ...]
) -> EmailMessage:
    """The alert message of one branch: text and HTML parts listing every item."""
    lang = i18n.staff_lang(settings.lang)
    context = {
        "branch": branch,
        "items": items,
        "t": i18n.labels(lang),
        "lang": lang,
        "tz": settings.tz,
    }
    return new_message(
        sender_address(settings),
        recipients,
        _subject(branch, items, lang),
        report_html.render("alert.txt.j2", **context),
        report_html.render("alert.html.j2", **context),
    )


def alert_key(branch: str, items: Iterable[FlaggedItem]) -> str:
    """The idempotency key of an alert: its branch and the exact identities it carries."""
    identities = sorted(ident for item in items for ident in item.identities)
    digest = hashlib.sha256(json.dumps(identities).encode()).hexdigest()[:20]
    return f"alert:{branch_slug(branch)}:{digest}"


def queue_alerts(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str
) -> tuple[int, int]:
    """Queues one alert per branch for new flags; returns (messages, flag identities) queued."""
    messages = flags = 0
    for branch, items in new_alert_items(con, settings.alert_min_severity).items():
        recipients = recipients_of(con, branch)
        if not recipients:
            log.warning("branch %s has no valid branch_email: its alert is kept as a file", branch)
        identities = tuple(ident for item in items for ident in item.identities)
        out = Outgoing(
            kind="alert",
            idempotency_key=alert_key(branch, items),
            recipients=recipients,
            message=compose_alert(settings, branch, items, recipients),
            branch=branch,
            flags=identities,
        )
        if enqueue(con, settings, out, run_id):
            messages += 1
            flags += len(identities)
    return messages, flags


def _record(con: duckdb.DuckDBPyConnection, run_id: str, delivery: Delivery) -> None:
    # Merged into the run's own counts, so `runs` shows what each run mailed.
    con.execute(
        "UPDATE runs SET counts = json_merge_patch(coalesce(counts, '{}'), ?) WHERE run_id = ?",
        [json.dumps(delivery.counts()), run_id],
    )


def queue_and_send_alerts(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str
) -> Delivery:
    """The pipeline's last stage: queue alerts for new flags, then send what the outbox holds."""
    delivery = Delivery()
    delivery.alerts_queued, delivery.flags_alerted = queue_alerts(con, settings, run_id)
    delivery.sent = send_outbox(con, settings)
    _record(con, run_id, delivery)
    log.info("alerts: %s", asdict(delivery))
    return delivery
