"""A warehouse that cannot be opened ends any command with one line and exit 1, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from medsos_audit.cli import main


@pytest.mark.parametrize(
    "command",
    [["report", "--week", "2026-W47"], ["alerts"], ["purge", "--weeks", "26"], ["verify-evidence"]],
)
def test_an_unopenable_warehouse_is_one_clear_line(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_file = tmp_path / "warehouse.duckdb"
    not_a_file.mkdir()  # a folder where the warehouse file should be
    assert main([*command, "--warehouse", str(not_a_file)]) == 1
    captured = capsys.readouterr()
    out = " ".join(captured.out.split())
    assert out.startswith("error: cannot open warehouse")
    assert "Traceback" not in captured.out + captured.err


@pytest.mark.parametrize("command", [["alerts"], ["purge", "--weeks", "26"], ["verify-evidence"]])
def test_a_warehouse_folder_that_cannot_be_made_is_one_clear_line(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "var"
    blocker.write_text("a file where the warehouse's folder should be")
    assert main([*command, "--warehouse", str(blocker / "warehouse.duckdb")]) == 1
    captured = capsys.readouterr()
    out = " ".join(captured.out.split())
    assert out.startswith("error: cannot open warehouse") and "File exists" in out
    assert "Traceback" not in captured.out + captured.err
