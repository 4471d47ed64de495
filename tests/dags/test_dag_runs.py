"""The DAGs run end to end under dag.test(): real Airflow, real warehouse, recorded Instagram."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import SEEDS
from tests.dags.conftest import run_dag
from tests.medsos_audit.mail.smtp_server import SmtpServer

pytestmark = pytest.mark.slow

COLLECT_REGISTRY = """npa,full_name,branch,specialty,instagram_username,registered_on,branch_email
310001,dr. Alya,IDI Cabang Bandung,Sp.KK,dr.alya,2025-01-01,etik.bandung@idi-cabang.example
310008,dr. Hadi,IDI Cabang Semarang,Dokter Umum,dr.hadi,2025-01-01,etik.semarang@idi-cabang.example
"""


def _rows(warehouse: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return [tuple(r) for r in con.execute(sql).fetchall()]
    finally:
        con.close()


def test_weekly_audit_runs_over_the_embedded_sample_and_mails_each_branch_once(
    airflow_home: Path, tmp_path: Path, smtp: SmtpServer
) -> None:
    home = tmp_path / "var"
    conf = {"snapshot": str(SEEDS / "snapshot"), "week": "2026-W47"}
    env = {
        "MEDSOS_HOME": str(home),
        "AIRFLOW_CONN_SMTP_DEFAULT": (
            f"smtp://127.0.0.1:{smtp.port}?disable_ssl=true&disable_tls=true"
            "&from_email=medsos-audit@idi.example"
        ),
        "MEDSOS_OPERATOR_EMAIL": "ops@idi.example",
    }
    result = run_dag(airflow_home, "weekly_audit", conf, **env)
    assert result["state"] == "success", result
    assert set(result["tasks"].values()) == {"success"}
    warehouse = home / "warehouse.duckdb"
    assert _rows(warehouse, "SELECT count(*) FROM posts") == [(27,)]
    assert _rows(warehouse, "SELECT DISTINCT post_week FROM audit_weekly_branch ORDER BY 1") == [
        ("2026-W45",),
        ("2026-W46",),
        ("2026-W47",),
    ]
    assert _rows(warehouse, "SELECT kind, status FROM runs") == [("weekly_audit", "success")]
    reports = sorted(p.name for p in (home / "reports" / "2026-W47").glob("*"))
    assert [n for n in reports if n.endswith(".html")] == [
        "idi-cabang-medan.html",
        "idi-cabang-semarang.html",
        "idi-cabang-yogyakarta.html",
    ]
    assert (home / "published" / "warehouse.duckdb").is_file()
    received = {(m.rcpt_tos[0], m.message["Subject"].split(":")[0]) for m in smtp.inbox.messages}
    assert {to for to, _ in received} == {
        "etik.medan@idi-cabang.example",
        "etik.semarang@idi-cabang.example",
        "etik.yogyakarta@idi-cabang.example",
    }
    kinds = _rows(warehouse, "SELECT kind, count(*) FROM outbox GROUP BY 1 ORDER BY 1")
    assert kinds == [("alert", 3), ("weekly_report", 3)]
    assert len(smtp.inbox.messages) == 6
    # the same week again: same tables, nothing sent twice
    again = run_dag(airflow_home, "weekly_audit", {"week": "2026-W47"}, **env)
    assert again["state"] == "success", again
    assert len(smtp.inbox.messages) == 6
    assert _rows(warehouse, "SELECT count(*) FROM outbox") == [(6,)]


def test_collect_posts_fans_out_in_chunks_and_loads_once(
    airflow_home: Path, tmp_path: Path
) -> None:
    home = tmp_path / "var"
    registry = tmp_path / "registry.csv"
    registry.write_text(COLLECT_REGISTRY, encoding="utf-8")
    env = {
        "MEDSOS_HOME": str(home),
        "MEDSOS_REGISTRY": str(registry),
        "MEDSOS_INSTALOADER_FACTORY": "tests.dags.recorded_world:factory",
        "MEDSOS_TEST_WORLD": "dr.alya@v1,dr.hadi@v1",
        "MEDSOS_LOOKBACK_WEEKS": "130",  # the recordings are from 2025
    }
    result = run_dag(airflow_home, "collect_posts", {"chunk_size": 1, "limit": 10}, **env)
    assert result["state"] == "success", result
    assert result["tasks"] == {
        "plan_accounts": "success",
        "land_posts[0]": "success",
        "land_posts[1]": "success",
        "load_posts": "success",
    }
    warehouse = home / "warehouse.duckdb"
    assert _rows(warehouse, "SELECT username, new_posts, status FROM collect_log ORDER BY 1") == [
        ("dr.alya", 24, "ok"),
        ("dr.hadi", 2, "ok"),
    ]
    assert _rows(warehouse, "SELECT count(*) FROM posts") == [(26,)]
    assert _rows(warehouse, "SELECT kind, status FROM runs") == [("collect", "success")]


def test_retention_purge_runs_and_logs_counts(airflow_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "var"
    sample = {"snapshot": str(SEEDS / "snapshot"), "week": "2026-W47"}
    assert (
        run_dag(airflow_home, "weekly_audit", sample, MEDSOS_HOME=str(home))["state"] == "success"
    )
    env = {"MEDSOS_HOME": str(home), "MEDSOS_RETENTION_WEEKS": "520"}
    result = run_dag(airflow_home, "retention_purge", {}, **env)
    assert result["state"] == "success", result
    warehouse = home / "warehouse.duckdb"
    # nothing of the sample (November 2026) is past ten years, and the purge says so
    assert _rows(warehouse, "SELECT posts, raw_files FROM purge_log") == [(0, 0)]
    assert _rows(warehouse, "SELECT status FROM runs WHERE kind = 'purge'") == [("success",)]
