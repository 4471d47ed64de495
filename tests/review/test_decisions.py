"""Decisions on a real desk store: what gets logged, who may do what, and that the log
can only grow."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime

import pytest

from medsos_audit.review.decisions import (
    DecisionConflictError,
    DecisionError,
    DecisionForbiddenError,
    DecisionInput,
    FlagRef,
    allowed_actions,
    current_state,
    record_decision,
    row_hash,
)
from medsos_audit.review.store import open_store
from medsos_audit.review.users import User, find_user
from medsos_audit.settings import Settings
from tests.review.conftest import ANI, BUDI, MEDAN, MKEK, YOGYA, Staff

NOW = datetime(2026, 11, 24, 2, 30)
POST = FlagRef(
    "CFabW3wbLGl",
    "CFabW3wbLGl",
    "7301224501",
    "promotion",
    "310245",
    YOGYA,
    ("promotion.price", "promotion.discount"),
)
MEDAN_POST = FlagRef(
    "CNDQrAxgPkc",
    "CNDQrAxgPkc",
    "7303310075",
    "promotion",
    "530092",
    MEDAN,
    ("promotion.discount",),
)


@pytest.fixture
def store(desk_settings: Settings) -> Iterator[sqlite3.Connection]:
    con = open_store(desk_settings.review_db)
    yield con
    con.close()


def user(store: sqlite3.Connection, who: Staff) -> User:
    found = find_user(store, email=who.email)
    assert found is not None
    return found


def test_a_confirmation_is_logged_with_who_what_and_the_rules(store: sqlite3.Connection) -> None:
    ani = user(store, ANI)
    row = record_decision(
        store,
        ani,
        POST,
        DecisionInput("confirm", "open", severity="sedang", sanction="kategori_1", note=" ok "),
        NOW,
    )
    logged = dict(store.execute("SELECT * FROM review_log").fetchone())
    assert logged == row | {"seq": 1}
    assert {
        k: logged[k]
        for k in (
            "user_name",
            "user_email",
            "user_role",
            "action",
            "from_state",
            "to_state",
            "severity",
            "sanction",
            "note",
            "rule_ids",
            "branch",
            "npa",
            "logged_at",
            "prev_hash",
        )
    } == {
        "user_name": "Ani Rahmawati",
        "user_email": ANI.email,
        "user_role": "reviewer",
        "action": "confirm",
        "from_state": "open",
        "to_state": "confirmed",
        "severity": "sedang",
        "sanction": "kategori_1",
        "note": "ok",
        "rule_ids": json.dumps(["promotion.discount", "promotion.price"]),
        "branch": YOGYA,
        "npa": "310245",
        "logged_at": "2026-11-24 02:30:00.000000",
        "prev_hash": None,
    }
    assert logged["row_hash"] == row_hash(None, logged)
    assert current_state(store, "CFabW3wbLGl", "promotion") == "confirmed"


def test_each_row_seals_the_one_before(store: sqlite3.Connection) -> None:
    ani, mkek = user(store, ANI), user(store, MKEK)
    first = record_decision(
        store, ani, POST, DecisionInput("dismiss", "open", dismiss_reason="educational"), NOW
    )
    second = record_decision(
        store, mkek, POST, DecisionInput("reopen", "dismissed", note="Perlu dilihat lagi"), NOW
    )
    assert second["prev_hash"] == first["row_hash"]
    assert second["row_hash"] == row_hash(first["row_hash"], second)


def test_a_stale_form_is_a_conflict_and_logs_nothing(store: sqlite3.Connection) -> None:
    ani, mkek = user(store, ANI), user(store, MKEK)
    record_decision(
        store, mkek, POST, DecisionInput("escalate", "open", escalate_to="mkek_pusat"), NOW
    )
    with pytest.raises(DecisionConflictError) as caught:
        record_decision(
            store, ani, POST, DecisionInput("dismiss", "open", dismiss_reason="educational"), NOW
        )
    assert caught.value.state == "escalated"
    assert store.execute("SELECT count(*) FROM review_log").fetchone()[0] == 1


def test_only_an_admin_changes_a_decided_or_escalated_finding(store: sqlite3.Connection) -> None:
    ani, mkek = user(store, ANI), user(store, MKEK)
    assert allowed_actions(ani, "open") == ["confirm", "dismiss", "escalate"]
    assert allowed_actions(ani, "dismissed") == []
    assert allowed_actions(ani, "escalated") == []
    assert allowed_actions(mkek, "escalated") == ["confirm", "dismiss", "reopen"]
    assert allowed_actions(mkek, "confirmed") == ["reopen"]
    record_decision(
        store, ani, POST, DecisionInput("dismiss", "open", dismiss_reason="duplicate"), NOW
    )
    with pytest.raises(DecisionForbiddenError):
        record_decision(
            store, ani, POST, DecisionInput("reopen", "dismissed", note="salah klik"), NOW
        )
    record_decision(store, mkek, POST, DecisionInput("reopen", "dismissed", note="salah klik"), NOW)
    states = [
        tuple(r) for r in store.execute("SELECT user_email, from_state, to_state FROM review_log")
    ]
    assert states == [(ANI.email, "open", "dismissed"), (MKEK.email, "dismissed", "open")]


def test_a_reviewer_cannot_decide_another_branchs_finding(store: sqlite3.Connection) -> None:
    with pytest.raises(DecisionForbiddenError):
        record_decision(
            store,
            user(store, ANI),
            MEDAN_POST,
            DecisionInput("dismiss", "open", dismiss_reason="educational"),
            NOW,
        )
    record_decision(
        store,
        user(store, BUDI),
        MEDAN_POST,
        DecisionInput("dismiss", "open", dismiss_reason="educational"),
        NOW,
    )


@pytest.mark.parametrize(
    ("decision", "fields"),
    [
        (DecisionInput("confirm", "open"), ("severity", "sanction")),
        (
            DecisionInput("confirm", "open", severity="fatal", sanction="kategori_9"),
            ("severity", "sanction"),
        ),
        (DecisionInput("dismiss", "open"), ("dismiss_reason",)),
        (DecisionInput("dismiss", "open", dismiss_reason="other"), ("note",)),
        (DecisionInput("escalate", "open", escalate_to="polisi"), ("escalate_to",)),
        (DecisionInput("reopen", "open", note="  "), ("note",)),
        (DecisionInput("delete", "open"), ("action",)),
        (
            DecisionInput("dismiss", "open", dismiss_reason="educational", note="x" * 2001),
            ("note",),
        ),
    ],
)
def test_an_incomplete_form_is_refused(
    store: sqlite3.Connection, decision: DecisionInput, fields: tuple[str, ...]
) -> None:
    with pytest.raises(DecisionError) as caught:
        record_decision(store, user(store, ANI), POST, decision, NOW)
    assert caught.value.fields == fields
    assert store.execute("SELECT count(*) FROM review_log").fetchone()[0] == 0


def test_the_log_cannot_be_changed_or_emptied(store: sqlite3.Connection) -> None:
    record_decision(
        store,
        user(store, ANI),
        POST,
        DecisionInput("dismiss", "open", dismiss_reason="educational"),
        NOW,
    )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.execute("UPDATE review_log SET to_state = 'confirmed'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.execute("DELETE FROM review_log")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        store.execute("DELETE FROM users")
    assert [tuple(r) for r in store.execute("SELECT seq, to_state FROM review_log")] == [
        (1, "dismissed")
    ]
