"""Run records under faults and concurrency, and analysts reading while the pipeline writes."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import duckdb
import pytest

from medsos_audit.runs import finish_run, is_alive, lock_dir, start_run
from medsos_audit.settings import REPO_ROOT
from tests.conftest import SEEDS
from tests.quality import child
from tests.quality.conftest import add_posts, run_child, run_here, start_child, statuses
from warehouse.db import connect

PATIENCE = 120.0  # seconds a test waits for another process before it gives up


def _has_seen(report: Path, run_id: str) -> bool:
    return report.exists() and run_id in json.loads(report.read_text())["seen"]


def _wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(SEEDS / "snapshot", snapshot)
    return snapshot


def test_a_killed_run_is_marked_abandoned_by_the_next_and_its_lock_removed(
    tmp_path: Path, sample: Path
) -> None:
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    killed = run_child(warehouse, sample, fault="run.started")
    assert killed.returncode == -signal.SIGKILL
    assert len(list((warehouse.parent / "locks").iterdir())) == 1  # the dead run's lock file
    assert run_here(warehouse, sample) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    runs = con.execute("SELECT run_id, status, error FROM runs ORDER BY started_at").fetchall()
    con.close()
    assert [s for _, s, _ in runs] == ["abandoned", "partial"]
    assert runs[0][2] == (
        "the process ended without finishing the run (its lock was released); "
        f"found by run {runs[1][0]}"
    )
    assert list((warehouse.parent / "locks").iterdir()) == []


def test_a_live_run_that_let_go_of_the_warehouse_is_not_abandoned(
    tmp_path: Path, sample: Path
) -> None:
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    release = tmp_path / "release"
    holder = child.hold_run(warehouse, release, tmp_path / "holder.log")
    try:
        _wait_for(lambda: holder.log.exists() and holder.output.strip(), "the holder's run")
        assert run_here(warehouse, sample) == 0
        assert statuses(warehouse) == ["running", "partial"]
    finally:
        release.touch()
    assert holder.wait() == 0
    assert statuses(warehouse) == ["success", "partial"]


def test_a_second_writer_is_refused_clearly_while_a_run_holds_the_warehouse(
    tmp_path: Path, sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    release = tmp_path / "release"
    running = start_child(
        warehouse, sample, MEDSOS_FAULT="checks.done:wait", MEDSOS_FAULT_RELEASE=str(release)
    )
    try:
        _wait_for(lambda: "checks" in running.output, "the first run to reach its checks")
        assert run_here(warehouse, sample) == 1
    finally:
        release.touch()
    out = " ".join(capsys.readouterr().out.split())
    assert "error: cannot open warehouse" in out and "lock" in out
    assert running.wait() == 0
    assert statuses(warehouse) == ["partial"]


def test_a_run_started_by_airflow_is_left_to_airflow(tmp_path: Path) -> None:
    con = connect(tmp_path / "warehouse.duckdb")
    # its tasks are separate processes: the one that started it has already ended
    dag_run = start_run(con, "weekly_audit", airflow_run_id="scheduled__2026-11-23")
    later = start_run(con, "run")
    statuses = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
    assert statuses == {dag_run: "running", later: "running"}
    assert [p.name for p in (tmp_path / "locks").iterdir()] == [f"{later}.lock"]
    finish_run(con, later, "success")
    con.close()


def test_a_finished_run_lets_go_of_its_lock(tmp_path: Path) -> None:
    con = connect(tmp_path / "warehouse.duckdb")
    run_id = start_run(con, "run")
    folder = lock_dir(con)
    assert folder is not None and is_alive(folder, run_id)
    finish_run(con, run_id, "success")
    assert not is_alive(folder, run_id) and list(folder.iterdir()) == []
    con.close()


def test_analysts_read_a_whole_copy_while_the_pipeline_writes_and_publishes(
    tmp_path: Path, sample: Path
) -> None:
    home = tmp_path / "home"
    published = home / "published" / "warehouse.duckdb"
    stop = tmp_path / "stop"
    reports = {mode: tmp_path / f"{mode}.json" for mode in ("poll", "session")}
    readers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.quality.reader",
                mode,
                str(published),
                str(stop),
                str(out),
            ],
            cwd=REPO_ROOT,
        )
        for mode, out in reports.items()
    ]
    deliveries = [sample]
    for n in range(3):
        more = tmp_path / f"delivery-{n}"
        add_posts(more, 30, start_day=2 + n, seed=10 + n)
        deliveries.append(more)
    published_runs = []
    try:
        for delivery in deliveries:
            assert run_here(home / "warehouse.duckdb", delivery) == 0
            con = duckdb.connect(str(published), read_only=True)
            published_runs.append(con.execute("SELECT run_id FROM published_info").fetchall()[0][0])
            con.close()
            # the next run starts once both readers have the copy (the session only the first)
            for mode in ("poll", "session") if len(published_runs) == 1 else ("poll",):
                _wait_for(partial(_has_seen, reports[mode], published_runs[-1]), f"{mode} reader")
    finally:
        stop.touch()
        for reader in readers:
            if reader.wait(timeout=PATIENCE) != 0:
                reader.kill()
    poll, session = (json.loads(reports[m].read_text()) for m in ("poll", "session"))
    assert poll["errors"] == [] and session["errors"] == []
    assert poll["seen"] == published_runs  # every copy, in order, each one whole
    assert session["seen"] == published_runs[:1]  # an open session keeps the copy it opened
    assert session["rounds"] > 0
