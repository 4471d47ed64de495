"""The outbox without SMTP, with a password, for weekly reports and operator notices."""

from __future__ import annotations

import logging
import stat
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import duckdb
import pytest

from medsos_audit.cli import main
from medsos_audit.mail import (
    queue_and_send_alerts,
    queue_operator_notice,
    queue_weekly_reports,
    send_outbox,
)
from medsos_audit.mail.weekly import MAIL_MAX_CARDS
from medsos_audit.pipeline import run_snapshot
from medsos_audit.settings import Settings
from tests.conftest import SEEDS, table
from tests.medsos_audit.mail.smtp_server import PASSWORD, USER, SmtpServer
from tests.medsos_audit.report.sample import WEEK, settings_for
from warehouse import audit


def _eml(settings: Settings, row: dict[str, object]) -> tuple[bytes, EmailMessage]:
    raw = (settings.home / str(row["eml_path"])).read_bytes()
    return raw, BytesParser(policy=policy.default).parsebytes(raw)


def test_with_no_smtp_the_messages_are_written_as_private_eml_files(
    home: Settings, wh: duckdb.DuckDBPyConnection
) -> None:
    delivery = queue_and_send_alerts(wh, home, "20261123T000000Z-00000001")
    assert (delivery.alerts_queued, delivery.sent.written, delivery.sent.transport) == (
        3,
        3,
        "file outbox",
    )
    rows = table(wh, "outbox", "branch")
    assert [(r["kind"], r["branch"], r["status"], r["attempts"]) for r in rows] == [
        ("alert", "IDI Cabang Medan", "written", 1),
        ("alert", "IDI Cabang Semarang", "written", 1),
        ("alert", "IDI Cabang Yogyakarta", "written", 1),
    ]
    for row in rows:
        raw, msg = _eml(home, row)
        path = home.home / str(row["eml_path"])
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(home.outbox_dir.stat().st_mode) == 0o700
        assert str(msg["Message-ID"]) == f"<{row['message_id']}>"
        assert str(msg["To"]) == row["recipients"][0]
        assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    # a later run with SMTP configured does not send them again: the file was the delivery
    assert send_outbox(wh, home.with_(smtp_url="smtp://127.0.0.1:9")).sent == 0


def test_the_password_never_reaches_the_outbox_files_or_logs(
    home: Settings,
    wh: duckdb.DuckDBPyConnection,
    smtp_auth: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    encoded = PASSWORD.replace("@", "%40").replace(":", "%3A").replace("/", "%2F")
    wrong = home.with_(smtp_url=f"smtp://{USER}:wrong-{encoded}@127.0.0.1:{smtp_auth.port}")
    first = queue_and_send_alerts(wh, wrong, "20261123T000000Z-00000001")
    assert (first.sent.sent, first.sent.failed) == (0, 3)
    assert first.sent.error is not None and "SMTPAuthenticationError" in first.sent.error
    right = home.with_(smtp_url=f"smtp://{USER}:{encoded}@127.0.0.1:{smtp_auth.port}")
    second = queue_and_send_alerts(wh, right, "20261123T010000Z-00000002")
    assert second.sent.sent == 3 and len(smtp_auth.inbox.messages) == 3
    assert smtp_auth.inbox.logins[-1] == (USER.encode(), PASSWORD.encode())
    everything = [repr(table(wh, name)) for name in ("outbox", "outbox_flags", "runs")]
    everything += [p.read_text(encoding="utf-8") for p in home.outbox_dir.rglob("*.eml")]
    everything += [caplog.text, repr(right), str(first.sent), str(second.sent)]
    everything += [m.raw.decode() for m in smtp_auth.inbox.messages]
    for secret in (PASSWORD, encoded, f"wrong-{PASSWORD}"):
        assert not [text for text in everything if secret in text]


def test_each_branch_gets_its_weekly_report_once(
    home: Settings, wh: duckdb.DuckDBPyConnection, smtp: SmtpServer
) -> None:
    settings = home.with_(smtp_url=smtp.url)
    assert queue_weekly_reports(wh, settings, WEEK, "20261123T000000Z-00000001") == 3
    assert queue_weekly_reports(wh, settings, WEEK, "20261123T010000Z-00000002") == 0
    assert send_outbox(wh, settings).sent == 3
    assert send_outbox(wh, settings).sent == 0
    assert sorted((r["kind"], r["idempotency_key"]) for r in table(wh, "outbox")) == [
        ("weekly_report", f"weekly_report:idi-cabang-{b}:{WEEK}")
        for b in ("medan", "semarang", "yogyakarta")
    ]
    for received in smtp.inbox.messages:
        msg = received.message
        branch = str(msg["Subject"]).split("] ")[1].split(":")[0]
        slug = branch.lower().replace(" ", "-")
        html = received.part("html")
        assert 'src="cid:trend-' in html and "data:image" not in html
        parts = {p.get_content_type(): p for p in msg.walk()}
        assert set(parts) >= {
            "multipart/mixed",
            "multipart/related",
            "text/plain",
            "text/html",
            "image/png",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
        xlsx = parts["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
        assert xlsx.get_filename() == f"{slug}-{WEEK}.xlsx"
        assert xlsx.get_content() == (settings.reports_dir / WEEK / f"{slug}.xlsx").read_bytes()
        assert str(parts["image/png"]["Content-ID"]).startswith("<trend-")


def test_operator_notices_go_once_per_run_and_subject_without_header_injection(
    home: Settings, wh: duckdb.DuckDBPyConnection, smtp: SmtpServer
) -> None:
    settings = home.with_(smtp_url=smtp.url, operator_email="ops@idi.example")
    subject = "Gerbang kualitas data gagal\r\nBcc: attacker@evil.example"
    first = queue_operator_notice(wh, settings, subject, "run r1: 3 rows quarantined", "r1")
    again = queue_operator_notice(wh, settings, subject, "run r1: 3 rows quarantined", "r1")
    assert first is not None and again is None
    assert send_outbox(wh, settings).sent == 1
    (received,) = smtp.inbox.messages
    assert received.rcpt_tos == ["ops@idi.example"]
    assert str(received.message["Subject"]) == (
        "[medsos-audit] Gerbang kualitas data gagal Bcc: attacker@evil.example"
    )
    assert received.message["Bcc"] is None and b"\r\nBcc:" not in received.raw
    assert received.part("plain") == "run r1: 3 rows quarantined\n"


def test_an_unusable_smtp_setting_keeps_mail_queued_and_says_why(
    home: Settings, wh: duckdb.DuckDBPyConnection
) -> None:
    bad = home.with_(smtp_url="smtp://robot:hunter2@mail.idi.example:25")  # password without TLS
    delivery = queue_and_send_alerts(wh, bad, "20261123T000000Z-00000001")
    assert (delivery.sent.sent, delivery.sent.failed) == (0, 3)
    assert delivery.sent.error is not None and "refusing to send a password without TLS" in (
        delivery.sent.error
    )
    assert "hunter2" not in repr(table(wh, "outbox"))


def test_the_pipeline_mails_new_flags_once_across_runs(
    tmp_path: Path, sample_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    settings = settings_for(tmp_path / "var")
    for _ in range(2):
        run_snapshot(settings, SEEDS / "registry.csv", sample_snapshot)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT run_id) FROM outbox").fetchall() == [(3, 1)]
    counts = [
        row[0]
        for row in con.execute(
            "SELECT counts->>'alerts_queued' FROM runs WHERE kind = 'run' ORDER BY started_at"
        ).fetchall()
    ]
    assert counts == ["3", "0"]
    con.close()
    assert len(list(settings.outbox_dir.rglob("*.eml"))) == 3


def test_the_alerts_command_sends_the_outbox(
    home: Settings,
    smtp_down: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MEDSOS_SMTP_URL", smtp_down.url)
    monkeypatch.setenv("MEDSOS_HOME", str(home.home))
    assert main(["alerts", "--warehouse", str(home.warehouse)]) == 0
    assert "still queued: 3" in capsys.readouterr().out
    smtp_down.start()
    assert main(["alerts", "--warehouse", str(home.warehouse)]) == 0
    assert "sent: 3" in capsys.readouterr().out
    assert len(smtp_down.inbox.messages) == 3


def test_a_long_weekly_report_is_cut_in_the_body_and_attached_whole(
    home: Settings, wh: duckdb.DuckDBPyConnection, smtp: SmtpServer
) -> None:
    # 60 more flagged posts for Semarang this week: copies of its flagged post, with their flags.
    wh.execute("CREATE TEMP TABLE k AS SELECT range AS i FROM range(60)")
    wh.execute(
        "INSERT INTO posts SELECT p.* REPLACE (p.shortcode || 'c' || k.i AS shortcode) "
        "FROM posts p, k WHERE p.shortcode = 'CF7fR7Kprc9'"
    )
    wh.execute(
        "INSERT INTO flags SELECT f.* REPLACE (f.shortcode || 'c' || k.i AS shortcode) "
        "FROM flags f, k WHERE f.shortcode = 'CF7fR7Kprc9'"
    )
    audit.build_weeks(wh, [WEEK])
    settings = home.with_(smtp_url=smtp.url)
    queue_weekly_reports(wh, settings, WEEK, "r1", branches=["IDI Cabang Semarang"])
    send_outbox(wh, settings)
    (received,) = smtp.inbox.messages
    body = received.part("html")
    assert body.count('class="post ') == MAIL_MAX_CARDS
    assert "12 lainnya tidak dimuat di surel ini" in body
    attached = {p.get_filename(): p.get_content() for p in received.message.iter_attachments()}
    full = attached["idi-cabang-semarang-2026-W47.html"]
    assert full.count('class="post ') == 62 and "data:image/png;base64," in full
