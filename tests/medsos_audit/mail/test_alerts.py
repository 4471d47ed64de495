"""Alerts over real SMTP: who gets what, once, even when the server was down."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from medsos_audit.mail import queue_alerts, queue_and_send_alerts
from medsos_audit.settings import Settings
from tests.conftest import table
from tests.medsos_audit.mail.smtp_server import SmtpServer
from tests.medsos_audit.report.sample import BRANCHES, add_posts, branch_markers, hostile_post

EMAILS = {
    "IDI Cabang Medan": ["etik.medan@idi-cabang.example"],
    "IDI Cabang Semarang": ["etik.semarang@idi-cabang.example"],
    "IDI Cabang Yogyakarta": ["etik.yogyakarta@idi-cabang.example"],
}
# Flag identities at or above 'sedang' in the sample, per branch (post shortcode or profile).
EXPECTED = {
    "IDI Cabang Medan": {
        ("Ch7EdaPlF55", "patient_privacy"),
        ("CNDQrAxgPkc", "promotion"),
        ("Cou3ujoD2w6", "promotion"),
    },
    "IDI Cabang Semarang": {
        ("CF7fR7Kprc9", "testimonial_repost"),
        ("CHpuM77rwkr", "testimonial_repost"),
    },
    "IDI Cabang Yogyakarta": {
        ("CTP3WZs-x8U", "patient_privacy"),
        ("CTgHPwDimU6", "promotion"),
        ("CdwS-W2dTXO", "promotion"),
        ("CFabW3wbLGl", "promotion"),
        ("profile:7301224501", "promotion"),
    },
}


def _branch_of(subject: str) -> str:
    return next(b for b in BRANCHES if f"] {b}:" in subject)


def _shortcodes(text: str) -> set[str]:
    return set(re.findall(r"instagram\.com/p/([A-Za-z0-9_-]+)/", text))


def test_each_branch_gets_one_alert_with_its_new_flags(
    home: Settings, wh: duckdb.DuckDBPyConnection, smtp: SmtpServer
) -> None:
    settings = home.with_(smtp_url=smtp.url)
    delivery = queue_and_send_alerts(wh, settings, "20261123T000000Z-00000001")
    assert (delivery.alerts_queued, delivery.flags_alerted, delivery.sent.sent) == (3, 10, 3)
    got = {}
    for received in smtp.inbox.messages:
        branch = _branch_of(str(received.message["Subject"]))
        text, html = received.part("plain"), received.part("html")
        posts = {k for k, _ in EXPECTED[branch] if not k.startswith("profile:")}
        assert _shortcodes(text) == _shortcodes(html) == posts
        got[branch] = (received.rcpt_tos, str(received.message["To"]), received.mail_from)
    assert got == {b: (e, e[0], "etik-robot@idi.example") for b, e in EMAILS.items()}
    recorded: dict[str, set[tuple[str, str]]] = {}
    for row in table(wh, "outbox_flags JOIN outbox USING (message_id)", "subject_key"):
        recorded.setdefault(row["branch"], set()).add((row["subject_key"], row["check_name"]))
        assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, None)
    assert recorded == EXPECTED
    # a re-run finds nothing new and sends nothing
    again = queue_and_send_alerts(wh, settings, "20261123T010000Z-00000002")
    assert (again.alerts_queued, again.sent.sent, len(smtp.inbox.messages)) == (0, 0, 3)


def test_the_subject_counts_findings_and_heavy_ones(
    home: Settings, wh: duckdb.DuckDBPyConnection, smtp: SmtpServer
) -> None:
    queue_and_send_alerts(wh, home.with_(smtp_url=smtp.url), "20261123T000000Z-00000001")
    assert sorted(str(m.message["Subject"]) for m in smtp.inbox.messages) == [
        "[medsos-audit] IDI Cabang Medan: 3 temuan baru untuk ditinjau (2 berat)",
        "[medsos-audit] IDI Cabang Semarang: 2 temuan baru untuk ditinjau",
        "[medsos-audit] IDI Cabang Yogyakarta: 5 temuan baru untuk ditinjau (2 berat)",
    ]


def test_smtp_down_keeps_messages_queued_and_the_next_run_delivers_them_once(
    home: Settings, wh: duckdb.DuckDBPyConnection, smtp_down: SmtpServer
) -> None:
    settings = home.with_(smtp_url=smtp_down.url)
    first = queue_and_send_alerts(wh, settings, "20261123T000000Z-00000001")
    assert (first.alerts_queued, first.sent.sent, first.sent.failed) == (3, 0, 3)
    rows = table(wh, "outbox", "message_id")
    assert {(r["status"], r["attempts"]) for r in rows} == {("queued", 1)}
    assert all(r["last_error"].startswith("ConnectionRefusedError") for r in rows)
    # still down: a second attempt, still nothing lost
    queue_and_send_alerts(wh, settings, "20261123T010000Z-00000002")
    assert {(r["status"], r["attempts"]) for r in table(wh, "outbox")} == {("queued", 2)}
    smtp_down.start()
    third = queue_and_send_alerts(wh, settings, "20261123T020000Z-00000003")
    assert (third.alerts_queued, third.sent.sent, third.sent.failed) == (0, 3, 0)
    fourth = queue_and_send_alerts(wh, settings, "20261123T030000Z-00000004")
    assert (fourth.alerts_queued, fourth.sent.sent) == (0, 0)
    ids = [str(m.message["Message-ID"]) for m in smtp_down.inbox.messages]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert {(r["status"], r["attempts"]) for r in table(wh, "outbox")} == {("sent", 3)}
    assert sorted(i.strip("<>") for i in ids) == sorted(r["message_id"] for r in rows)


def test_a_rule_edit_never_realerts_and_a_new_flag_alerts_alone(
    home: Settings, tmp_path: Path, wh: duckdb.DuckDBPyConnection, smtp: SmtpServer
) -> None:
    settings = home.with_(smtp_url=smtp.url)
    queue_and_send_alerts(wh, settings, "20261123T000000Z-00000001")
    # A rule edit: every flag recomputed under new rule ids and a new version.
    wh.execute("UPDATE flags SET rule_id = rule_id || '_v2', rule_version = '2027.01+edited'")
    assert queue_alerts(wh, settings, "20261123T010000Z-00000002") == (0, 0)
    wh.close()
    add_posts(home, tmp_path, [hostile_post("CNewPromo01")])
    con = duckdb.connect(str(home.warehouse))
    delivery = queue_and_send_alerts(con, settings, "20261123T020000Z-00000003")
    assert (delivery.alerts_queued, delivery.flags_alerted) == (1, 1)
    last = smtp.inbox.messages[-1]
    assert _shortcodes(last.part("plain")) == {"CNewPromo01"}
    assert last.rcpt_tos == EMAILS["IDI Cabang Yogyakarta"]
    con.close()


def test_the_threshold_decides_what_alerts(
    home: Settings, wh: duckdb.DuckDBPyConnection, smtp: SmtpServer
) -> None:
    heavy_only = home.with_(smtp_url=smtp.url, alert_min_severity="berat")
    queue_and_send_alerts(wh, heavy_only, "20261123T000000Z-00000001")
    assert {(r["subject_key"], r["check_name"]) for r in table(wh, "outbox_flags")} == {
        ("Ch7EdaPlF55", "patient_privacy"),
        ("Cou3ujoD2w6", "promotion"),
        ("CTP3WZs-x8U", "patient_privacy"),
        ("CdwS-W2dTXO", "promotion"),  # a berat rule (guarantee) beside a sedang one
    }
    # lowering it later alerts the rest once; 'ringan' personal posts only at 'ringan'
    everything = home.with_(smtp_url=smtp.url, alert_min_severity="ringan")
    queue_and_send_alerts(wh, everything, "20261123T010000Z-00000002")
    identities = [(r["subject_key"], r["check_name"]) for r in table(wh, "outbox_flags")]
    checks = [check for _, check in identities]
    every_flag = {
        (r["shortcode"] or f"profile:{r['owner_id']}", r["check_name"]) for r in table(wh, "flags")
    }
    assert len(identities) == len(set(identities)) and set(identities) == every_flag
    assert checks.count("personal_mixing") == 4  # holiday, ramen outing, birthday, getaway


def test_hostile_captions_are_inert_and_branches_stay_apart(
    home: Settings, tmp_path: Path, wh: duckdb.DuckDBPyConnection, smtp: SmtpServer
) -> None:
    wh.close()
    add_posts(home, tmp_path, [hostile_post()])
    con = duckdb.connect(str(home.warehouse))
    queue_and_send_alerts(con, home.with_(smtp_url=smtp.url), "20261123T000000Z-00000001")
    markers = {b: branch_markers(con, b) for b in BRANCHES}
    con.close()
    for received in smtp.inbox.messages:
        branch = _branch_of(str(received.message["Subject"]))
        html, text = received.part("html"), received.part("plain")
        assert (
            "<script" not in html
            and "<img" not in html
            and "onerror=" not in html.replace("onerror=alert", "")
        )
        for other in BRANCHES:
            if other != branch:
                leaked = [m for m in markers[other] if m in html or m in text]
                assert leaked == [], (branch, other, leaked)
        if branch == "IDI Cabang Yogyakarta":
            assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
            assert "&lt;img src=x onerror=alert(1)&gt;" in html
            assert "<script>alert('x')</script>" in text  # plain text: shown as written
