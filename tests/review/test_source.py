"""The desk and the pipeline share no lock: the desk copies findings from a read-only file and
lets go of it at once, keeps serving its last copy while the pipeline holds the file, and the
pipeline can open its warehouse whatever the desk is doing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from starlette.testclient import TestClient

from medsos_audit.review.app import create_app
from medsos_audit.review.source import source_path
from medsos_audit.settings import Settings
from tests.review.conftest import ANI, YOGYA_FLAGS, queue_flags, sign_in

# Another process, as the pipeline is: opens the file for writing, runs SQL, holds it open.
_WRITER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
for statement in sys.argv[2:]:
    con.execute(statement)
print("holding", flush=True)
sys.stdin.readline()
con.close()
"""
NEW_FLAG = (
    "INSERT INTO flags (shortcode, owner_id, check_name, rule_id, rule_version, severity, "
    "evidence, evidence_field, fatwa_ref, risk_score, post_week, first_flagged_at, run_id) "
    "SELECT shortcode, owner_id, 'personal_mixing', 'personal_mixing.test', rule_version, "
    "'ringan', 'Healing', 'caption', fatwa_ref, risk_score, post_week, first_flagged_at, run_id "
    "FROM flags WHERE shortcode = 'CTgHPwDimU6' LIMIT 1"
)


@contextmanager
def pipeline_holding(path: Path, *statements: str) -> Iterator[None]:
    """A separate process holding ``path`` open for writing (after running ``statements``)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), *statements],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    line = proc.stdout.readline().strip()
    assert line == "holding", proc.stderr.read() if proc.stderr else line
    try:
        yield
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0


def test_the_desk_serves_its_last_copy_while_the_pipeline_holds_the_file(
    client: TestClient, desk_settings: Settings, source: Path
) -> None:
    sign_in(client, desk_settings, ANI)
    assert queue_flags(client.get("/queue").text) == YOGYA_FLAGS
    with pipeline_holding(source, NEW_FLAG):
        during = client.get("/queue")
        assert during.status_code == 200
        assert queue_flags(during.text) == YOGYA_FLAGS
        assert "pipeline sedang berjalan" in during.text
    after = client.get("/queue")
    assert queue_flags(after.text) == YOGYA_FLAGS | {"personal_mixing/CTgHPwDimU6"}
    assert "pipeline sedang berjalan" not in after.text


def test_the_pipeline_opens_its_warehouse_while_the_desk_reads_it(
    tmp_path: Path, sample_warehouse: Path, desk_settings: Settings
) -> None:
    # no published copy yet: the desk falls back to the warehouse itself, read-only
    settings = desk_settings.with_(review_source=None)
    shutil.copy(sample_warehouse, settings.warehouse)
    assert source_path(settings) == (settings.warehouse, "warehouse")
    with TestClient(create_app(settings, refresh_interval=0)) as client:
        sign_in(client, settings, ANI)
        assert queue_flags(client.get("/queue").text) == YOGYA_FLAGS
        with pipeline_holding(settings.warehouse, NEW_FLAG):
            assert client.get("/queue").status_code == 200
        page = client.get("/queue").text
    assert queue_flags(page) == YOGYA_FLAGS | {"personal_mixing/CTgHPwDimU6"}
    assert "gudang data (baca saja)" in page


def test_a_new_published_copy_is_picked_up(
    client: TestClient, desk_settings: Settings, source: Path
) -> None:
    sign_in(client, desk_settings, ANI)
    assert queue_flags(client.get("/queue").text) == YOGYA_FLAGS
    fresh = source.with_name("next.duckdb")
    shutil.copy(source, fresh)
    con = duckdb.connect(str(fresh))
    con.execute(NEW_FLAG)
    con.execute(
        "UPDATE posts SET removed_at = TIMESTAMP '2026-11-22 01:00:00' "
        "WHERE shortcode = 'CTgHPwDimU6'"
    )
    con.close()
    os.replace(fresh, source)  # how the published copy is swapped: atomically
    page = client.get("/flags/promotion/CTgHPwDimU6").text
    assert "Unggahan sudah dihapus pada 22 Nov 2026 08:00 WIB" in page
    assert "personal_mixing/CTgHPwDimU6" in queue_flags(client.get("/queue").text)


def test_a_desk_with_nothing_to_read_says_so(tmp_path: Path, desk_settings: Settings) -> None:
    settings = desk_settings.with_(review_source=tmp_path / "missing.duckdb")
    with TestClient(create_app(settings, refresh_interval=0)) as client:
        sign_in(client, settings, ANI)
        response = client.get("/queue")
    assert response.status_code == 503
    assert "Data temuan belum tersedia" in response.text


def test_a_desk_started_while_the_pipeline_holds_its_source_waits_politely(
    desk_settings: Settings, source: Path
) -> None:
    with TestClient(create_app(desk_settings, refresh_interval=0)) as client:
        sign_in(client, desk_settings, ANI)
        with pipeline_holding(source):
            assert client.get("/queue").status_code == 503
        assert client.get("/queue").status_code == 200


def test_the_source_is_the_setting_then_the_published_copy_then_the_warehouse(
    tmp_path: Path,
) -> None:
    home = tmp_path / "var"
    plain = Settings.from_env(env={"MEDSOS_HOME": str(home)})
    assert source_path(plain) == (home / "warehouse.duckdb", "warehouse")
    plain.published_path.parent.mkdir(parents=True)
    plain.published_path.write_bytes(b"")
    assert source_path(plain) == (home / "published" / "warehouse.duckdb", "published")
    chosen = Settings.from_env(
        env={"MEDSOS_HOME": str(home), "MEDSOS_REVIEW_SOURCE": str(tmp_path / "x.duckdb")}
    )
    assert source_path(chosen) == (tmp_path / "x.duckdb", "published")
