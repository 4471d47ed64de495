"""Fixtures for the review desk: the sample audited into a real warehouse, a real desk store
with staff users, and a logged-in HTTP client on the real ASGI app."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from starlette.testclient import TestClient

from medsos_audit.pipeline import run_snapshot
from medsos_audit.review.app import create_app
from medsos_audit.review.auth import create_session
from medsos_audit.review.store import open_store
from medsos_audit.review.users import add_user, find_user
from medsos_audit.runs import utcnow
from medsos_audit.settings import Settings
from tests.conftest import SEEDS
from warehouse.db import connect

YOGYA, MEDAN, SEMARANG = "IDI Cabang Yogyakarta", "IDI Cabang Medan", "IDI Cabang Semarang"


@dataclass(frozen=True)
class Staff:
    email: str
    password: str
    name: str
    branch: str | None
    role: str


ANI = Staff("ani@idi-yogya.example", "Yogya-rahasia-2026", "Ani Rahmawati", YOGYA, "reviewer")
BUDI = Staff("budi@idi-medan.example", "Medan-rahasia-2026", "Budi Siregar", MEDAN, "reviewer")
MKEK = Staff("mkek@idi.example", "Mkek-pusat-rahasia-26", "Siti MKEK", None, "admin")
STAFF = (ANI, BUDI, MKEK)

# Findings of the sample, by branch (check/subject as the desk addresses them).
YOGYA_FLAGS = {
    "patient_privacy/CTP3WZs-x8U",
    "promotion/CTgHPwDimU6",
    "promotion/CdwS-W2dTXO",
    "promotion/CFabW3wbLGl",
    "promotion/profile:7301224501",
}
MEDAN_FLAGS = {
    "promotion/CNDQrAxgPkc",
    "patient_privacy/Ch7EdaPlF55",
    "promotion/Cou3ujoD2w6",
    "personal_mixing/CBAkPid20x-",
}


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded sample audited by the real pipeline (built once; tests read copies)."""
    home = tmp_path_factory.mktemp("sample") / "var"
    settings = Settings.from_env(env={"MEDSOS_HOME": str(home)})
    snapshot = tmp_path_factory.mktemp("snapshot") / "snapshot"
    shutil.copytree(SEEDS / "snapshot", snapshot)
    run_snapshot(settings, SEEDS / "registry.csv", snapshot)
    return settings.warehouse


@pytest.fixture(scope="session")
def staff_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A desk store holding the three staff users (scrypt is slow on purpose: hash once)."""
    path = tmp_path_factory.mktemp("store") / "review.sqlite"
    con = open_store(path)
    for s in STAFF:
        add_user(con, email=s.email, name=s.name, branch=s.branch, role=s.role, password=s.password)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture
def source(tmp_path: Path, sample_warehouse: Path) -> Path:
    """This test's own copy of the audited sample: what the desk reads as the published copy."""
    target = tmp_path / "published" / "warehouse.duckdb"
    target.parent.mkdir(parents=True)
    shutil.copy(sample_warehouse, target)
    return target


@pytest.fixture
def desk_settings(tmp_path: Path, source: Path, staff_store: Path) -> Settings:
    """Settings of a desk whose store already holds the staff and whose source is ``source``."""
    home = tmp_path / "var"
    settings = Settings.from_env(
        env={"MEDSOS_HOME": str(home), "MEDSOS_REVIEW_SOURCE": str(source)}
    )
    settings.review_db.parent.mkdir(parents=True, mode=0o700)
    shutil.copy(staff_store, settings.review_db)
    return settings


@pytest.fixture
def client(desk_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(desk_settings, refresh_interval=0)) as c:
        yield c


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF.search(html)
    assert found, "page has no form with a CSRF token"
    return found.group(1)


def login(client: TestClient, who: Staff, password: str | None = None) -> int:
    """Logs in through the login form; returns the response status (303 when it worked)."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": who.email,
            "password": who.password if password is None else password,
            "csrf": csrf_of(page.text),
            "next": "/queue",
        },
        follow_redirects=False,
    )
    return response.status_code


def sign_in(client: TestClient, settings: Settings, who: Staff) -> None:
    """Gives the client a session for ``who`` without the (deliberately slow) password check."""
    con = open_store(settings.review_db)
    try:
        user = find_user(con, email=who.email)
        assert user is not None
        token = create_session(con, user.id, utcnow())
    finally:
        con.close()
    client.cookies.set("medsos_session", token)


def queue_flags(html: str) -> set[str]:
    """The findings a queue page lists (check/subject)."""
    return set(re.findall(r'data-flag="([^"]+)"', html))


def decide(client: TestClient, flag: str, **fields: str) -> int:
    """Posts a decision on a finding through its page's form; returns the status."""
    page = client.get(f"/flags/{flag}")
    assert page.status_code == 200, page.status_code
    state = re.search(r'name="state" value="([a-z]+)"', page.text)
    data = {"csrf": csrf_of(page.text), "state": state.group(1) if state else "open", **fields}
    return client.post(f"/flags/{flag}", data=data, follow_redirects=False).status_code


@pytest.fixture
def warehouse(
    desk_settings: Settings, sample_warehouse: Path
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The pipeline's own warehouse (a copy of the audited sample), open for writing."""
    shutil.copy(sample_warehouse, desk_settings.warehouse)
    con = connect(desk_settings.warehouse)
    yield con
    con.close()


@pytest.fixture
def store(desk_settings: Settings) -> Iterator[sqlite3.Connection]:
    con = open_store(desk_settings.review_db)
    yield con
    con.close()
