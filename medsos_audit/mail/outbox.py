"""The outbox: every message is a .eml file plus a row in `outbox`, queued once, sent once.

Queueing writes the message as it will be sent (0600, under $MEDSOS_HOME/outbox/<run_id>/) and
records it with its idempotency key in one transaction; a key already present queues nothing.
Sending delivers the queued files over SMTP, or, with no SMTP configured, marks them `written`
(the file is the delivery). A failed send stays `queued` with attempts and last_error and is
tried again by the next run.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import duckdb

from medsos_audit.mail.transport import MailConfigError, SmtpConfig, smtp_config, smtp_session
from medsos_audit.report.files import write_private
from medsos_audit.runs import utcnow
from medsos_audit.settings import Settings
from warehouse.db import transaction

log = logging.getLogger(__name__)

KINDS = ("alert", "weekly_report", "operator")
ERROR_MAX = 300
MESSAGE_DOMAIN = "medsos-audit"
# Headers stay on one line up to RFC 5322's hard limit: Python folds a subject that would fit
# on one continuation line right after "Subject:", which some clients show with a leading space.
_WIRE = SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class Outgoing:
    """A message to queue: its kind, idempotency key and (for alerts) the flags it carries."""

    kind: str
    idempotency_key: str
    recipients: tuple[str, ...]
    message: EmailMessage
    branch: str | None = None
    post_week: str | None = None
    flags: tuple[tuple[str, str], ...] = ()  # (subject_key, check_name)


@dataclass
class SendResult:
    """What one pass over the outbox did."""

    sent: int = 0
    written: int = 0
    failed: int = 0
    transport: str = "file outbox"
    error: str | None = None


def is_queued(con: duckdb.DuckDBPyConnection, idempotency_key: str) -> bool:
    """Whether a message with this key was ever queued (whatever became of it)."""
    rows = con.execute(
        "SELECT count(*) FROM outbox WHERE idempotency_key = ?", [idempotency_key]
    ).fetchall()
    return bool(rows[0][0])


def enqueue(
    con: duckdb.DuckDBPyConnection, settings: Settings, out: Outgoing, run_id: str
) -> str | None:
    """Queues ``out`` and returns its message id; None when its key was queued before."""
    if out.kind not in KINDS:
        raise ValueError(f"unknown message kind {out.kind!r}")
    if is_queued(con, out.idempotency_key):
        return None
    token = secrets.token_hex(6)
    message_id = f"{run_id}.{out.kind}.{token}@{MESSAGE_DOMAIN}"
    msg = out.message
    del msg["Message-ID"]
    msg["Message-ID"] = f"<{message_id}>"
    relative = Path("outbox") / run_id / f"{out.kind}-{token}.eml"
    path = settings.home / relative
    # CRLF line ends: the file is byte for byte what goes over SMTP, and a valid RFC 5322 file.
    write_private(path, msg.as_bytes(policy=_WIRE), settings.home)
    try:
        with transaction(con):
            inserted = con.execute(
                """INSERT INTO outbox (message_id, idempotency_key, kind, branch, post_week,
                       recipients, subject, eml_path, status, attempts, last_error, created_at,
                       sent_at, run_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, NULL, ?, NULL, ?)
                   ON CONFLICT DO NOTHING RETURNING message_id""",
                [
                    message_id,
                    out.idempotency_key,
                    out.kind,
                    out.branch,
                    out.post_week,
                    list(out.recipients),
                    str(msg["Subject"]),
                    relative.as_posix(),
                    utcnow(),
                    run_id,
                ],
            ).fetchall()
            if inserted and out.flags:
                con.executemany(
                    "INSERT INTO outbox_flags VALUES (?, ?, ?)",
                    [[message_id, key, check] for key, check in out.flags],
                )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if not inserted:  # another writer queued the same key between the check and the insert
        path.unlink(missing_ok=True)
        return None
    log.info("queued %s %s (%d flags)", out.kind, message_id, len(out.flags))
    return message_id


def _error(exc: BaseException, config: SmtpConfig | None) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if config is not None:
        text = config.redact(text)
    return text[:ERROR_MAX]


def _failed(con: duckdb.DuckDBPyConnection, ids: Sequence[str], error: str) -> None:
    if ids:
        con.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? "
            "WHERE message_id IN (SELECT unnest(?::VARCHAR[]))",
            [error, list(ids)],
        )


def _done(
    con: duckdb.DuckDBPyConnection, message_id: str, status: str, note: str | None = None
) -> None:
    con.execute(
        "UPDATE outbox SET status = ?, attempts = attempts + 1, sent_at = ?, last_error = ? "
        "WHERE message_id = ?",
        [status, utcnow(), note, message_id],
    )


def send_outbox(con: duckdb.DuckDBPyConnection, settings: Settings) -> SendResult:
    """Delivers every queued message once; failures stay queued for the next run."""
    rows = con.execute(
        "SELECT message_id, eml_path, recipients FROM outbox "
        "WHERE status = 'queued' ORDER BY created_at, message_id"
    ).fetchall()
    result = SendResult()
    if not rows:
        return result
    try:
        config = smtp_config(settings)
    except MailConfigError as exc:
        result.error = str(exc)[:ERROR_MAX]
        result.failed = len(rows)
        _failed(con, [r[0] for r in rows], result.error)
        log.warning("outbox: %d messages stay queued: %s", len(rows), result.error)
        return result
    if config is None:
        for message_id, _, _ in rows:
            _done(con, message_id, "written")
        result.written = len(rows)
        log.info("outbox: %d messages written to %s", len(rows), settings.outbox_dir)
        return result
    result.transport = config.describe()
    for message_id, _, recipients in rows:
        if not recipients:  # e.g. a branch without branch_email: the file is all there is
            _done(con, message_id, "written", "no recipient: kept as a file only")
            result.written += 1
    pending = [r for r in rows if r[2]]
    try:
        with smtp_session(config) as client:
            for n, (message_id, eml_path, recipients) in enumerate(pending):
                try:
                    data = (settings.home / eml_path).read_bytes()
                except OSError as exc:
                    _failed(con, [message_id], _error(exc, config))
                    result.failed += 1
                    continue
                try:
                    refused = client.sendmail(config.from_email, list(recipients), data)
                except smtplib.SMTPServerDisconnected as exc:
                    lost: BaseException | None = exc
                except smtplib.SMTPException as exc:  # this message refused; the next may pass
                    _failed(con, [message_id], _error(exc, config))
                    result.failed += 1
                    continue
                except OSError as exc:  # SMTPException is an OSError too: caught above first
                    lost = exc
                else:
                    lost = None
                if lost is not None:
                    # The connection is gone: this and every later message wait for the next run.
                    result.error = _error(lost, config)
                    _failed(con, [r[0] for r in pending[n:]], result.error)
                    result.failed += len(pending) - n
                    break
                note = f"refused: {', '.join(sorted(refused))}"[:ERROR_MAX] if refused else None
                _done(con, message_id, "sent", note)
                result.sent += 1
    except (smtplib.SMTPException, OSError) as exc:
        # Connecting, TLS or login failed: nothing was sent; every message waits.
        waiting = [r[0] for r in pending] if not (result.sent or result.failed) else []
        result.error = _error(exc, config)
        _failed(con, waiting, result.error)
        result.failed += len(waiting)
    if result.failed:
        log.warning(
            "outbox: %d sent, %d still queued via %s: %s",
            result.sent,
            result.failed,
            result.transport,
            result.error or "see outbox.last_error",
        )
    else:
        log.info("outbox: %d sent via %s", result.sent, result.transport)
    return result
