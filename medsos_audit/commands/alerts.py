"""`medsos-audit alerts`: queue alerts for new flags and send what the outbox holds."""

from __future__ import annotations

import argparse

from rich.console import Console

from medsos_audit.cli_support import EXIT_OK, settings_from
from medsos_audit.mail import queue_and_send_alerts
from medsos_audit.runs import fail_run, finish_run, start_run
from warehouse.db import connect


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    return sub.add_parser(
        "alerts",
        help="send what the outbox holds (and queue alerts for new flags)",
        description=(
            "Queue an alert per branch for flags never alerted (at or above "
            "MEDSOS_ALERT_MIN_SEVERITY, default sedang), then send every queued message: over "
            "SMTP (MEDSOS_SMTP_URL, else the Airflow connection smtp_default), else as .eml "
            "files in $MEDSOS_HOME/outbox/. A failed send stays queued for the next run. "
            "Exit 0 when done (messages left queued are reported), 1 when the warehouse "
            "cannot be opened."
        ),
    )


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    settings = settings_from(args)
    con = connect(settings.warehouse)
    try:
        run_id = start_run(con, "alerts")
        try:
            delivery = queue_and_send_alerts(con, settings, run_id)
        except BaseException as exc:
            fail_run(con, run_id, exc)
            raise
        finish_run(con, run_id, "success", delivery.counts())
    finally:
        con.close()
    sent = delivery.sent
    console.print(
        f"alerts queued: {delivery.alerts_queued} ({delivery.flags_alerted} flags); "
        f"sent: {sent.sent}; written as files: {sent.written}; still queued: {sent.failed} "
        f"[{sent.transport}]",
        markup=False,
    )
    if sent.error:
        console.print(f"last error: {sent.error}", markup=False)
    if sent.written:
        console.print(f"outbox folder: {settings.outbox_dir}", markup=False)
    return EXIT_OK
