"""Callbacks the DAGs attach to their tasks; cheap to import (the DAG files import it)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("medsos_audit.dag")


def failure_notice(context: dict[str, Any]) -> tuple[str, str, str]:
    """The subject, body and run key of the operator's notice for a failed task.

    Names the DAG, task, try and the error's type and first line only: error texts of the
    stages name files, shortcodes and counts, never captions.
    """
    ti = context.get("ti")
    dag_id = getattr(ti, "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    map_index = getattr(ti, "map_index", -1)
    if map_index is not None and map_index >= 0:
        task_id = f"{task_id}[{map_index}]"
    try_number = getattr(ti, "try_number", "?")
    run_id = str(context.get("run_id") or getattr(ti, "run_id", "?"))
    exc = context.get("exception")
    error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}" if exc else "unknown error"
    subject = f"{dag_id}.{task_id} failed (try {try_number})"
    body = (
        f"DAG: {dag_id}\nTask: {task_id}\nTry: {try_number}\nAirflow run: {run_id}\n"
        f"Error: {error}\n\nThe task log in the Airflow UI has the details; "
        "docs/operations.md says what to do for each collection status."
    )
    return subject, body, f"airflow:{dag_id}:{run_id}:{task_id}:{try_number}"


def notify_operator(context: dict[str, Any]) -> None:
    """E-mails the operator (MEDSOS_OPERATOR_EMAIL) that a task failed, through the outbox.

    When another task holds the warehouse (DuckDB has one writer) the notice goes straight to
    SMTP instead, so a failure is never silent because the pipeline is busy.
    """
    from medsos_audit.mail import queue_operator_notice, send_outbox
    from medsos_audit.mail.compose import new_message, valid_addresses
    from medsos_audit.mail.transport import sender_address, smtp_config, smtp_session
    from medsos_audit.settings import Settings
    from warehouse.db import WarehouseError, connect

    subject, body, key = failure_notice(context)
    settings = Settings.from_env()
    log.error("task failed, telling the operator: %s", subject)
    try:
        con = connect(settings.warehouse)
    except WarehouseError as exc:  # held by another task, or cannot be opened at all
        log.error("warehouse not available for the notice, sending it directly: %s", exc)
        recipients = valid_addresses([settings.operator_email])
        config = smtp_config(settings)
        if not recipients or config is None:
            log.error("operator notice not sent: warehouse busy and no SMTP/operator address")
            return
        message = new_message(
            sender_address(settings), recipients, f"[medsos-audit] {subject}", body
        )
        with smtp_session(config) as client:
            client.send_message(message)
        return
    try:
        queue_operator_notice(con, settings, subject, body, key)
        send_outbox(con, settings)
    finally:
        con.close()


def weekly_task_failed(context: dict[str, Any]) -> None:
    """A weekly_audit task failed for good: tell the operator, then record the run as failed
    (when the warehouse is held by another task or cannot be opened, the notice still goes
    out, and the log says why the record stayed 'running')."""
    notify_operator(context)
    from medsos_audit.dag_steps import fail_weekly
    from warehouse.db import WarehouseError

    subject, _, _ = failure_notice(context)
    try:
        fail_weekly(str(context.get("run_id") or ""), subject)
    except WarehouseError as exc:  # held by another task, or cannot be opened at all
        log.error("weekly run not recorded as failed (it stays 'running'): %s", exc)
