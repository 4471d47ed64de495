"""DuckDB's memory: the warehouse connection caps it, so a long history does not fill the RAM."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.db import MEMORY_ENV, MEMORY_LIMIT, WarehouseError, connect


def _as_duckdb_reports(limit: str) -> str:
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET memory_limit = '{limit}'")
        return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
    finally:
        con.close()


def _limit(path: Path) -> str:
    con = connect(path)
    try:
        return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
    finally:
        con.close()


def test_the_warehouse_connection_caps_duckdb_memory_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MEMORY_ENV, raising=False)
    assert MEMORY_LIMIT == "512MB"
    assert _limit(tmp_path / "w.duckdb") == _as_duckdb_reports("512MB")
    # DuckDB's own default is 80 % of the machine's memory: far more than 512 MB anywhere
    assert _limit(tmp_path / "w.duckdb") != _as_duckdb_reports("80%")


def test_an_operator_can_set_another_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_ENV, "2GB")
    assert _limit(tmp_path / "w.duckdb") == _as_duckdb_reports("2GB")
    monkeypatch.setenv(MEMORY_ENV, " 1.5 gb ")
    assert _limit(tmp_path / "w.duckdb") == _as_duckdb_reports("1.5GB")


@pytest.mark.parametrize("bad", ["lots", "512", "-1GB", "1GB'; DROP TABLE posts; --"])
def test_a_limit_duckdb_would_not_understand_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv(MEMORY_ENV, bad)
    with pytest.raises(WarehouseError, match=MEMORY_ENV):
        connect(tmp_path / "w.duckdb")
