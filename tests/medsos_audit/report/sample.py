"""The report and mail tests' main fixture: the embedded sample loaded into a real warehouse.

The sample is loaded once per session with the pipeline's own load_snapshot (no mail sent), and
each test gets its own copy of the warehouse file under its tmp_path.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from extract.registry import load_registry
from medsos_audit.pipeline import load_snapshot
from medsos_audit.runs import finish_run, start_run
from medsos_audit.settings import Settings
from tests.conftest import SEEDS, post_node, save_post, write_registry
from warehouse.db import connect

WEEK = "2026-W47"  # the sample's last complete week
BRANCHES = ("IDI Cabang Medan", "IDI Cabang Semarang", "IDI Cabang Yogyakarta")
HOSTILE = (
    "<script>alert('x')</script> PROMO diskon 50% hari ini! "
    '<img src=x onerror=alert(1)> =HYPERLINK("http://evil.example","klik")'
)


def settings_for(home: Path, **env: str) -> Settings:
    """Settings rooted at ``home`` that read nothing else from the environment."""
    return Settings.from_env(env={"MEDSOS_HOME": str(home), **env})


def load_folder(settings: Settings, snapshot: Path, registry: Path) -> str:
    """Loads an instaloader-layout folder with the pipeline's own stage; returns the run id."""
    con = connect(settings.warehouse)
    try:
        run_id = start_run(con, "run", {})
        load_snapshot(con, settings, snapshot, run_id, load_registry(registry))
        finish_run(con, run_id, "success")
        return run_id
    finally:
        con.close()


@pytest.fixture(scope="session")
def sample_warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("sample")
    snapshot = shutil.copytree(SEEDS / "snapshot", base / "snapshot")
    settings = settings_for(base / "var")
    load_folder(settings, snapshot, SEEDS / "registry.csv")
    return settings.warehouse


@pytest.fixture
def home(tmp_path: Path, sample_warehouse_file: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings of a private copy of the sample warehouse; no SMTP configured anywhere."""
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    var = tmp_path / "var"
    var.mkdir(mode=0o700)
    shutil.copy(sample_warehouse_file, var / "warehouse.duckdb")
    return settings_for(var)


@pytest.fixture
def wh(home: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(home.warehouse)
    yield con
    con.close()


def add_posts(
    settings: Settings,
    tmp_path: Path,
    posts: list[dict[str, Any]],
    *,
    seen: datetime | None = None,
    registry_rows: list[list[str]] | None = None,
) -> str:
    """Adds posts (post_node dicts) as real instaloader files and loads them; ``seen`` sets the
    files' modification time, which the loader takes as the moment the post was first seen."""
    snapshot = tmp_path / f"extra-{len(list(tmp_path.glob('extra-*')))}"
    for node in posts:
        folder = snapshot / node["owner"]["username"]
        path = save_post(folder, node)
        if seen is not None:
            stamp = seen.replace(tzinfo=UTC).timestamp()
            os.utime(path, (stamp, stamp))
    registry = SEEDS / "registry.csv"
    if registry_rows:
        base = (SEEDS / "registry.csv").read_text(encoding="utf-8").splitlines()[1:]
        registry = write_registry(
            tmp_path / "registry.csv", [*([line] for line in base), *registry_rows]
        )
    return load_folder(settings, snapshot, registry)


def hostile_post(
    shortcode: str = "CHostile001", when: str = "2026-11-18T03:00:00"
) -> dict[str, Any]:
    """A post of the sample's dr.ratna.kulit (Yogyakarta) whose caption is hostile markup."""
    return post_node(
        shortcode, owner_id="7301224501", username="dr.ratna.kulit", caption=HOSTILE, when=when
    )


def free_port() -> int:
    """A TCP port nothing listens on right now (for a server, or for 'SMTP is down')."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def text_of(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> set[str]:
    """The values of a one-column query as a set of strings."""
    return {str(v) for (v,) in con.execute(sql, params or []).fetchall() if v is not None}


def branch_markers(con: duckdb.DuckDBPyConnection, branch: str) -> set[str]:
    """Names, NPAs, usernames and shortcodes of one branch: none may appear in another's files."""
    doctors = "SELECT {col} FROM doctors WHERE branch = ?"
    markers = text_of(con, doctors.format(col="full_name"), [branch])
    markers |= text_of(con, doctors.format(col="npa"), [branch])
    markers |= text_of(
        con,
        "SELECT a.username FROM accounts a JOIN doctors d ON d.npa = a.npa WHERE d.branch = ?",
        [branch],
    )
    markers |= text_of(
        con,
        "SELECT p.shortcode FROM posts p JOIN accounts a ON a.owner_id = p.owner_id "
        "JOIN doctors d ON d.npa = a.npa WHERE d.branch = ?",
        [branch],
    )
    return markers
