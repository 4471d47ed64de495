"""`medsos-audit report` on the command line."""

from __future__ import annotations

import pytest

from medsos_audit.cli import main
from medsos_audit.settings import Settings
from tests.medsos_audit.report.sample import WEEK
from warehouse.weeks import last_complete_week


@pytest.fixture(autouse=True)
def _home_env(home: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # `make` exports MEDSOS_HOME=var/; the command must write under the test's own home.
    monkeypatch.setenv("MEDSOS_HOME", str(home.home))


def _report(home: Settings, *args: str) -> int:
    return main(["report", *args, "--warehouse", str(home.warehouse)])


def test_report_writes_every_branch_and_records_a_run(
    home: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _report(home, "--week", WEEK) == 0
    assert sorted(p.name for p in (home.reports_dir / WEEK).iterdir()) == sorted(
        f"idi-cabang-{b}.{ext}"
        for b in ("medan", "semarang", "yogyakarta")
        for ext in ("html", "xlsx", "csv")
    )
    out = capsys.readouterr().out
    assert "3 reports" in out
    import duckdb

    con = duckdb.connect(str(home.warehouse), read_only=True)
    assert con.execute("SELECT kind, status FROM runs WHERE kind = 'report'").fetchall() == [
        ("report", "success")
    ]


def test_one_branch_by_name_or_file_name_in_english_to_another_folder(
    home: Settings, tmp_path
) -> None:
    out = tmp_path / "elsewhere"
    assert (
        _report(
            home, "--week", WEEK, "--branch", "idi-cabang-medan", "--lang", "en", "--out", str(out)
        )
        == 0
    )
    assert _report(home, "--week", WEEK, "--branch", "IDI Cabang Semarang", "--out", str(out)) == 0
    assert sorted(p.stem for p in (out / WEEK).glob("*.html")) == [
        "idi-cabang-medan",
        "idi-cabang-semarang",
    ]
    assert "Flagged posts" in (out / WEEK / "idi-cabang-medan.html").read_text(encoding="utf-8")


def test_the_default_week_is_the_last_complete_one(home: Settings) -> None:
    assert _report(home) == 0
    assert (home.reports_dir / last_complete_week(home.tz)).is_dir()


@pytest.mark.parametrize(
    "args",
    [
        ["--week", "2026-47"],
        ["--week", "2025-W53"],
        ["--branch", "IDI Cabang Atlantis"],
        ["--lang", "fr"],
    ],
)
def test_usage_errors_exit_2(home: Settings, args: list[str]) -> None:
    assert _report(home, *args) == 2
    assert not home.reports_dir.exists()
