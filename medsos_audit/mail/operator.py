"""Notices to the operator (MEDSOS_OPERATOR_EMAIL): failures, a blocked gate, a lost session."""

from __future__ import annotations

import hashlib

import duckdb

from medsos_audit.mail.compose import clean_header, new_message, valid_addresses
from medsos_audit.mail.outbox import Outgoing, enqueue
from medsos_audit.mail.transport import sender_address
from medsos_audit.settings import Settings


def queue_operator_notice(
    con: duckdb.DuckDBPyConnection, settings: Settings, subject: str, body: str, run_id: str
) -> str | None:
    """Queues one plain-text notice per run and subject; returns its message id (None if sent).

    ``body`` must not quote captions or patient data: name shortcodes and counts instead.
    With no MEDSOS_OPERATOR_EMAIL the notice is still kept as a file in the outbox.
    """
    recipients = valid_addresses([settings.operator_email])
    line = clean_header(subject)
    digest = hashlib.sha256(line.encode()).hexdigest()[:16]
    out = Outgoing(
        kind="operator",
        idempotency_key=f"operator:{run_id}:{digest}",
        recipients=recipients,
        message=new_message(
            sender_address(settings), recipients, f"[medsos-audit] {line}", body.rstrip() + "\n"
        ),
    )
    return enqueue(con, settings, out, run_id)
