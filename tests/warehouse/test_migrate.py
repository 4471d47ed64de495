from __future__ import annotations

import stat
from pathlib import Path

import duckdb
import pytest

from warehouse import migrate
from warehouse.db import connect


def test_a_new_warehouse_is_private_and_records_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "var" / "warehouse.duckdb"
    con = connect(path)
    versions = [v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()]
    assert versions == [m.version for m in migrate.available()]
    con.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    connect(path).close()
    con = duckdb.connect(str(path))
    assert migrate.apply(con) == []
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchall()[0][0] == len(
        migrate.available()
    )


def test_an_applied_migration_that_was_edited_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    connect(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE schema_migrations SET checksum = 'other' WHERE version = 1")
    with pytest.raises(migrate.MigrationError, match="changed after it was applied"):
        migrate.apply(con)


def test_a_failing_migration_leaves_no_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "migrations"
    bad.mkdir()
    (bad / "001_ok.sql").write_text("CREATE TABLE a (x INTEGER);")
    (bad / "002_broken.sql").write_text("CREATE TABLE b (x INTEGER); SELECT * FROM nowhere;")
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", bad)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(duckdb.CatalogException):
        migrate.apply(con)
    tables = {
        t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert tables == {"a", "schema_migrations"}
    assert con.execute("SELECT version FROM schema_migrations").fetchall() == [(1,)]


def test_pending_weeks_gains_a_rows_stage_and_keeps_what_was_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = migrate.MIGRATIONS_DIR
    older = tmp_path / "migrations"
    older.mkdir()
    for path in real.glob("*.sql"):
        if int(path.name[:3]) < 80:
            (older / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", older)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate.apply(con)
    con.execute(
        "INSERT INTO pending_weeks VALUES ('2026-W46', 'gate', TIMESTAMP '2026-11-20', 'r1'), "
        "('2026-W47', 'audit', TIMESTAMP '2026-11-21', 'r2')"
    )
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", real)
    assert migrate.apply(con) == [80]
    rows = con.execute("SELECT post_week, stage, run_id FROM pending_weeks ORDER BY 1, 2")
    assert rows.fetchall() == [
        ("2026-W46", "gate", "r1"),
        ("2026-W46", "rows", "r1"),  # a week already waiting is read once more
        ("2026-W47", "audit", "r2"),
        ("2026-W47", "rows", "r2"),
    ]
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO pending_weeks VALUES ('2026-W48', 'other', now(), 'r3')")
    with pytest.raises(duckdb.ConstraintException):  # still one row per week and stage
        con.execute("INSERT INTO pending_weeks VALUES ('2026-W46', 'rows', now(), 'r3')")
