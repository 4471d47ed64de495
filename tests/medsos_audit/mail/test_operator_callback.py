"""The Airflow failure callback reaches the operator, even while the warehouse is held."""

from __future__ import annotations

import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from medsos_audit.dag_callbacks import failure_notice, notify_operator, weekly_task_failed
from medsos_audit.runs import finish_run, start_run
from medsos_audit.settings import Settings
from tests.conftest import table
from tests.medsos_audit.mail.smtp_server import SmtpServer
from warehouse.db import connect

CONTEXT = {
    "ti": SimpleNamespace(
        dag_id="collect_posts", task_id="land_posts", map_index=3, try_number=2, run_id="manual_1"
    ),
    "run_id": "manual_1",
    "exception": RuntimeError("chunk-0003: 3 accounts in a row throttled (rate_limited)\nmore"),
}


def _env(monkeypatch: pytest.MonkeyPatch, home: Settings, smtp: SmtpServer) -> None:
    monkeypatch.setenv("MEDSOS_HOME", str(home.home))
    monkeypatch.setenv("MEDSOS_SMTP_URL", smtp.url)
    monkeypatch.setenv("MEDSOS_OPERATOR_EMAIL", "ops@idi.example")


def test_the_notice_names_the_task_and_the_error_first_line_only() -> None:
    subject, body, key = failure_notice(CONTEXT)
    assert subject == "collect_posts.land_posts[3] failed (try 2)"
    assert "Error: RuntimeError: chunk-0003: 3 accounts in a row throttled" in body
    assert "more" not in body
    assert key == "airflow:collect_posts:manual_1:land_posts[3]:2"


def test_a_failure_is_queued_in_the_outbox_and_sent(
    monkeypatch: pytest.MonkeyPatch, home: Settings, smtp: SmtpServer
) -> None:
    _env(monkeypatch, home, smtp)
    notify_operator(CONTEXT)
    notify_operator(CONTEXT)  # Airflow may call it again: still one message
    (received,) = smtp.inbox.messages
    assert received.rcpt_tos == ["ops@idi.example"]
    assert received.message["Subject"] == (
        "[medsos-audit] collect_posts.land_posts[3] failed (try 2)"
    )
    con = connect(home.warehouse)
    try:
        rows = [(r["kind"], r["status"]) for r in table(con, "outbox") if r["kind"] == "operator"]
    finally:
        con.close()
    assert rows == [("operator", "sent")]


def test_while_another_process_holds_the_warehouse_the_notice_goes_straight_to_smtp(
    monkeypatch: pytest.MonkeyPatch, home: Settings, smtp: SmtpServer
) -> None:
    _env(monkeypatch, home, smtp)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(30)",
            str(home.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        notify_operator(CONTEXT)
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 5
    while not smtp.inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    (received,) = smtp.inbox.messages
    assert received.message["Subject"].endswith("land_posts[3] failed (try 2)")


def test_a_weekly_task_failing_for_good_records_its_run_failed_and_tells_the_operator(
    monkeypatch: pytest.MonkeyPatch, home: Settings, smtp: SmtpServer
) -> None:
    _env(monkeypatch, home, smtp)
    con = connect(home.warehouse)
    try:
        failing = start_run(con, "weekly_audit", {"week": "2026-W47"}, airflow_run_id="sched_9")
        blocked = start_run(con, "weekly_audit", {"week": "2026-W46"}, airflow_run_id="sched_8")
        finish_run(con, blocked, "blocked", {}, error="gate failed")
    finally:
        con.close()
    context = {
        "ti": SimpleNamespace(
            dag_id="weekly_audit", task_id="build_audit", map_index=-1, try_number=3
        ),
        "run_id": "sched_9",
        "exception": RuntimeError("disk full"),
    }
    weekly_task_failed(context)
    (received,) = smtp.inbox.messages
    assert received.message["Subject"] == "[medsos-audit] weekly_audit.build_audit failed (try 3)"
    con = connect(home.warehouse)
    try:
        runs = {r["run_id"]: (r["status"], r["error"]) for r in table(con, "runs")}
    finally:
        con.close()
    assert runs[failing] == ("failed", "weekly_audit.build_audit failed (try 3)")
    assert runs[blocked] == ("blocked", "gate failed")
