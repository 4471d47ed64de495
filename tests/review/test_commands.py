"""`medsos-audit users ...` and `medsos-audit serve` as staff and operators run them."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from medsos_audit.cli import main
from medsos_audit.review.passwords import verify_password
from medsos_audit.review.store import open_store
from medsos_audit.review.users import find_user, password_hash
from medsos_audit.settings import REPO_ROOT, Settings


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: Path) -> Settings:
    monkeypatch.setenv("MEDSOS_HOME", str(tmp_path / "var"))
    monkeypatch.setenv("MEDSOS_REVIEW_SOURCE", str(source))
    monkeypatch.delenv("MEDSOS_WAREHOUSE", raising=False)
    return Settings.from_env()


def _users(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["users", *argv])


def test_add_list_password_and_disable(
    env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add = [
        "add",
        "--email",
        "rina@idi-semarang.example",
        "--name",
        "Rina",
        "--branch",
        "IDI Cabang Semarang",
        "--password-stdin",
    ]
    assert _users(add, monkeypatch, "Semarang-aman-2026\n") == 0
    assert _users(add, monkeypatch, "Semarang-aman-2026\n") == 2  # the same e-mail twice
    assert _users(["list"], monkeypatch) == 0
    out = capsys.readouterr()
    assert "already exists" in out.err
    assert "rina@idi-semarang.example" in out.out and "IDI Cabang Semarang" in out.out
    assert "Semarang-aman-2026" not in out.out + out.err

    assert (
        _users(
            ["password", "rina@idi-semarang.example", "--password-stdin"],
            monkeypatch,
            "Semarang-baru-2027\n",
        )
        == 0
    )
    con = open_store(env.review_db)
    user = find_user(con, email="RINA@idi-semarang.example")  # e-mail matches in any case
    assert user is not None and user.branch == "IDI Cabang Semarang" and user.role == "reviewer"
    assert verify_password("Semarang-baru-2027", password_hash(con, user.id))
    con.close()

    assert _users(["disable", "rina@idi-semarang.example"], monkeypatch) == 0
    con = open_store(env.review_db)
    user = find_user(con, email="rina@idi-semarang.example")
    con.close()
    assert user is not None and not user.active
    assert env.review_db.stat().st_mode & 0o777 == 0o600


def test_a_branch_not_in_the_registry_is_refused(
    env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "add",
        "--email",
        "x@idi.example",
        "--name",
        "X",
        "--branch",
        "IDI Cabang Yogya",
        "--password-stdin",
    ]
    assert _users(argv, monkeypatch, "cukup-panjang-1\n") == 2
    assert "known: IDI Cabang Medan, IDI Cabang Semarang, IDI Cabang Yogyakarta" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [
        (
            [
                "add",
                "--email",
                "not-an-address",
                "--name",
                "X",
                "--all-branches",
                "--password-stdin",
            ],
            "cukup-panjang-1\n",
        ),
        (
            [
                "add",
                "--email",
                "y@idi.example",
                "--name",
                "Y",
                "--all-branches",
                "--password-stdin",
            ],
            "pendek\n",
        ),
        (["add", "--email", "y@idi.example", "--name", "Y", "--password-stdin"], "x\n"),
        (
            [
                "add",
                "--email",
                "y@idi.example",
                "--name",
                "Y",
                "--all-branches",
                "--branch",
                "IDI Cabang Medan",
            ],
            "",
        ),
        (["disable", "nobody@idi.example"], ""),
    ],
)
def test_usage_errors_exit_2(
    env: Settings, monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str
) -> None:
    assert _users(argv, monkeypatch, stdin) == 2


def test_serve_answers_on_the_given_port(env: Settings, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "medsos_audit.cli", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = ""
        for _ in range(300):  # polls until the server is up; the test asserts no duration
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login") as response:
                    body = response.read().decode()
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.05)
        assert "Masuk" in body
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "no active user yet" in output
    assert f"findings read from: {env.review_source}" in output
