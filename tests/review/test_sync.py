"""The pipeline's import of the desk's decisions into the warehouse, and the views that
alerts, reports and rule authors read."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from medsos_audit.review.decisions import DecisionInput, FlagRef, record_decision
from medsos_audit.review.store import write_transaction
from medsos_audit.review.sync import ReviewSyncError, import_decisions
from medsos_audit.review.users import find_user
from medsos_audit.settings import Settings
from tests.conftest import table
from tests.review.conftest import ANI, MKEK, YOGYA, Staff
from warehouse.db import connect

PRIVACY = FlagRef(
    "CTP3WZs-x8U",
    "CTP3WZs-x8U",
    "7301339902",
    "patient_privacy",
    "310877",
    YOGYA,
    (
        "patient_privacy.age_town_diagnosis",
        "patient_privacy.bed_number",
        "patient_privacy.name_with_details",
        "patient_privacy.patient_photo",
    ),
)
PROMO = FlagRef(
    "CFabW3wbLGl",
    "CFabW3wbLGl",
    "7301224501",
    "promotion",
    "310245",
    YOGYA,
    ("promotion.discount", "promotion.price", "promotion.urgent_offer"),
)
PROFILE = FlagRef(
    "profile:7301224501",
    None,
    "7301224501",
    "promotion",
    "310245",
    YOGYA,
    ("promotion.profile.price", "promotion.profile.sales_call", "promotion.profile.superlative"),
)


def decide(
    store: sqlite3.Connection, who: Staff, flag: FlagRef, decision: DecisionInput, minute: int
) -> None:
    user = find_user(store, email=who.email)
    assert user is not None
    record_decision(store, user, flag, decision, datetime(2026, 11, 24, 3, minute))


def test_decisions_land_once_and_dismissed_findings_leave_flags_effective(
    store: sqlite3.Connection, warehouse: duckdb.DuckDBPyConnection, desk_settings: Settings
) -> None:
    decide(
        store,
        ANI,
        PRIVACY,
        DecisionInput("confirm", "open", severity="berat", sanction="kategori_2"),
        1,
    )
    decide(store, ANI, PROMO, DecisionInput("dismiss", "open", dismiss_reason="rule_misread"), 2)
    decide(store, ANI, PROFILE, DecisionInput("escalate", "open", escalate_to="mkek_wilayah"), 3)
    assert import_decisions(warehouse, desk_settings) == 3
    mirrored = table(warehouse, "review_log", "seq")
    assert import_decisions(warehouse, desk_settings) == 0
    assert table(warehouse, "review_log", "seq") == mirrored
    reviews = warehouse.execute(
        "SELECT subject_key, check_name, status, severity, sanction, dismiss_reason, escalate_to,"
        " decided_by FROM flag_reviews ORDER BY subject_key"
    ).fetchall()
    assert reviews == [
        ("CFabW3wbLGl", "promotion", "dismissed", None, None, "rule_misread", None, ANI.name),
        (
            "CTP3WZs-x8U",
            "patient_privacy",
            "confirmed",
            "berat",
            "kategori_2",
            None,
            None,
            ANI.name,
        ),
        (
            "profile:7301224501",
            "promotion",
            "escalated",
            None,
            None,
            None,
            "mkek_wilayah",
            ANI.name,
        ),
    ]
    effective = warehouse.execute(
        "SELECT subject_key, check_name, count(*), any_value(review_status), "
        "any_value(sanction) FROM flags_effective WHERE subject_key IN "
        "('CFabW3wbLGl', 'CTP3WZs-x8U', 'profile:7301224501', 'CTgHPwDimU6') "
        "GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert effective == [
        ("CTP3WZs-x8U", "patient_privacy", 4, "confirmed", "kategori_2"),
        ("CTgHPwDimU6", "promotion", 4, "open", None),
        ("profile:7301224501", "promotion", 3, "escalated", None),
    ]
    flags = warehouse.execute("SELECT count(*) FROM flags").fetchall()[0][0]
    kept = warehouse.execute("SELECT count(*) FROM flags_effective").fetchall()[0][0]
    assert flags - kept == 3  # the three rule rows of the dismissed post


def test_rule_quality_counts_decisions_per_rule(
    store: sqlite3.Connection, warehouse: duckdb.DuckDBPyConnection, desk_settings: Settings
) -> None:
    decide(store, ANI, PROMO, DecisionInput("dismiss", "open", dismiss_reason="rule_misread"), 1)
    decide(
        store,
        ANI,
        PRIVACY,
        DecisionInput("confirm", "open", severity="berat", sanction="kategori_2"),
        2,
    )
    import_decisions(warehouse, desk_settings)
    rows = warehouse.execute(
        "SELECT rule_id, confirmed, dismissed, escalated, open_flags, dismissed_share "
        "FROM rule_quality WHERE rule_id IN ('promotion.price', 'promotion.urgent_offer', "
        "'patient_privacy.bed_number', 'promotion.discount') ORDER BY rule_id"
    ).fetchall()
    # promotion.discount fired on the dismissed post and on two posts still open
    # (CTgHPwDimU6, CNDQrAxgPkc); promotion.price on it and on CdwS-W2dTXO
    assert rows == [
        ("patient_privacy.bed_number", 1, 0, 0, 0, 0.0),
        ("promotion.discount", 0, 1, 0, 2, 1.0),
        ("promotion.price", 0, 1, 0, 1, 1.0),
        ("promotion.urgent_offer", 0, 1, 0, 0, 1.0),
    ]


def test_a_reopened_finding_counts_again(
    store: sqlite3.Connection, warehouse: duckdb.DuckDBPyConnection, desk_settings: Settings
) -> None:
    decide(store, ANI, PROMO, DecisionInput("dismiss", "open", dismiss_reason="educational"), 1)
    assert import_decisions(warehouse, desk_settings) == 1
    decide(store, MKEK, PROMO, DecisionInput("reopen", "dismissed", note="Ada bukti baru"), 2)
    assert import_decisions(warehouse, desk_settings) == 1
    statuses = warehouse.execute(
        "SELECT DISTINCT review_status FROM flags_effective WHERE subject_key = 'CFabW3wbLGl'"
    ).fetchall()
    assert statuses == [("open",)]


def test_staff_notes_are_masked_in_the_warehouse(
    store: sqlite3.Connection, warehouse: duckdb.DuckDBPyConnection, desk_settings: Settings
) -> None:
    note = "Sudah ditelepon; pasien Ibu Sulastri (45 th) minta foto dihapus"
    decide(
        store,
        ANI,
        PRIVACY,
        DecisionInput("confirm", "open", severity="berat", sanction="kategori_2", note=note),
        1,
    )
    import_decisions(warehouse, desk_settings)
    assert warehouse.execute("SELECT note FROM review_log").fetchall() == [
        ("Sudah ditelepon; pasien Ibu S*** (4x th) minta foto dihapus",)
    ]
    assert store.execute("SELECT note FROM review_log").fetchone()[0] == note


def _forge(store: sqlite3.Connection, sql: str) -> None:
    """What someone with the file could do: drop the guard, then edit the log."""
    with write_transaction(store):
        store.execute("DROP TRIGGER review_log_no_update")
        store.execute("DROP TRIGGER review_log_no_delete")
        store.execute(sql)


def test_an_edited_log_row_is_refused_before_anything_lands(
    store: sqlite3.Connection, warehouse: duckdb.DuckDBPyConnection, desk_settings: Settings
) -> None:
    decide(store, ANI, PROMO, DecisionInput("dismiss", "open", dismiss_reason="educational"), 1)
    decide(store, ANI, PRIVACY, DecisionInput("dismiss", "open", dismiss_reason="educational"), 2)
    _forge(store, "UPDATE review_log SET to_state = 'confirmed' WHERE seq = 1")
    with pytest.raises(ReviewSyncError, match="row 1 breaks the hash chain"):
        import_decisions(warehouse, desk_settings)
    assert table(warehouse, "review_log") == []


def test_an_already_mirrored_row_edited_later_is_noticed(
    store: sqlite3.Connection, warehouse: duckdb.DuckDBPyConnection, desk_settings: Settings
) -> None:
    decide(store, ANI, PROMO, DecisionInput("dismiss", "open", dismiss_reason="educational"), 1)
    import_decisions(warehouse, desk_settings)
    _forge(store, "DELETE FROM review_log")
    with pytest.raises(ReviewSyncError, match="vanished"):
        import_decisions(warehouse, desk_settings)
    assert len(table(warehouse, "review_log")) == 1


def test_the_import_reads_while_the_desk_is_writing(
    store: sqlite3.Connection, warehouse: duckdb.DuckDBPyConnection, desk_settings: Settings
) -> None:
    decide(store, ANI, PROMO, DecisionInput("dismiss", "open", dismiss_reason="educational"), 1)
    store.execute("BEGIN IMMEDIATE")  # the desk in the middle of a write transaction
    try:
        store.execute("INSERT INTO meta VALUES ('probe', 'x')")
        assert import_decisions(warehouse, desk_settings) == 1
    finally:
        store.execute("ROLLBACK")


def test_no_desk_store_means_nothing_to_import(tmp_path: Path) -> None:
    settings = Settings.from_env(env={"MEDSOS_HOME": str(tmp_path / "var")})
    con = connect(settings.warehouse)
    try:
        assert import_decisions(con, settings) == 0
    finally:
        con.close()
    assert not settings.review_db.exists()
