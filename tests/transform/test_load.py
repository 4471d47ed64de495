from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import duckdb

from extract.registry import load_registry
from extract.snapshot import parse_files, scan
from tests.conftest import post_node, profile_node, save_post, save_profile, table, write_registry
from transform.accounts import apply_registry
from transform.load import load_parsed, unread_files

REGISTRY = [
    ("1001", "dr. A", "IDI Cabang X", "Sp.A", "dr.a", "2025-01-02", "x@idi.example"),
    ("1002", "dr. B", "IDI Cabang Y", "", "dr.b", "", "y@idi.example"),
]


def _load(con: duckdb.DuckDBPyConnection, snapshot: Path, run_id: str = "r1") -> object:
    found = scan(snapshot)
    todo = unread_files(con, found.files)
    parsed = list(parse_files(todo, "Asia/Jakarta"))
    return load_parsed(con, parsed, found.set_aside, run_id)


def _setup(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> Path:
    apply_registry(con, load_registry(write_registry(tmp_path / "reg.csv", REGISTRY)))
    snap = tmp_path / "snap"
    save_profile(snap / "dr.a", profile_node("dr.a", "501"))
    save_post(snap / "dr.a", post_node("Ca000000001", "501", "dr.a"))
    save_post(snap / "dr.a", post_node("Ca000000002", "501", "dr.a", when="2026-11-10T01:00:00"))
    save_post(snap / "dr.b", post_node("Cb000000001", "502", "dr.b"))
    return snap


def test_first_load_resolves_account_ids_and_loads_every_post(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    result = _load(fresh_db, _setup(tmp_path, fresh_db))
    assert (result.new_posts, result.profiles, result.skipped) == (3, 1, [])  # type: ignore[attr-defined]
    accounts = [(r["owner_id"], r["username"], r["npa"]) for r in table(fresh_db, "accounts")]
    assert accounts == [("501", "dr.a", "1001"), ("502", "dr.b", "1002")]
    posts = [(r["shortcode"], r["owner_id"], r["post_week"]) for r in table(fresh_db, "posts")]
    assert posts == [
        ("Ca000000001", "501", "2026-W47"),
        ("Ca000000002", "501", "2026-W46"),
        ("Cb000000001", "502", "2026-W47"),
    ]
    assert result.weeks_touched == {"2026-W46", "2026-W47"}  # type: ignore[attr-defined]


def test_loading_the_same_files_again_changes_no_row(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    snap = _setup(tmp_path, fresh_db)
    _load(fresh_db, snap)
    before = {t: table(fresh_db, t) for t in ("posts", "profiles", "accounts", "import_files")}
    again = _load(fresh_db, snap, "r2")
    assert (again.new_posts, again.changed_posts) == (0, 0)  # type: ignore[attr-defined]
    assert {t: table(fresh_db, t) for t in before} == before


def test_unread_files_are_those_whose_path_size_or_mtime_was_never_recorded(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    snap = _setup(tmp_path, fresh_db)
    _load(fresh_db, snap)
    files = scan(snap).files
    assert files and unread_files(fresh_db, files) == []
    edited = files[1]
    grown = replace(files[2], size=files[2].size + 1)
    touched = replace(files[0], mtime_ns=files[0].mtime_ns + 1)
    elsewhere = replace(files[3], path=str(tmp_path / "copy" / "x.json.xz"))
    # a skipped or quarantined file counts as read; a row of an unknown status does not
    fresh_db.execute("UPDATE import_files SET status = 'quarantined' WHERE path = ?", [edited.path])
    mixed = [grown, edited, touched, files[3], elsewhere]
    assert unread_files(fresh_db, mixed) == [grown, touched, elsewhere]  # in the given order
    fresh_db.execute("UPDATE import_files SET status = 'pending' WHERE path = ?", [edited.path])
    assert unread_files(fresh_db, [edited]) == [edited]
    assert unread_files(fresh_db, []) == []


def test_a_copy_of_the_same_observation_elsewhere_changes_no_post(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    snap = _setup(tmp_path, fresh_db)
    _load(fresh_db, snap)
    posts = table(fresh_db, "posts")
    copy = tmp_path / "copy" / "dr.a"
    copy.mkdir(parents=True)
    for f in (snap / "dr.a").iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
        st = f.stat()
        os.utime(copy / f.name, ns=(st.st_atime_ns, st.st_mtime_ns))
    _load(fresh_db, tmp_path / "copy", "r2")
    assert table(fresh_db, "posts") == posts


def test_a_newer_edit_replaces_the_caption_and_asks_for_a_recheck(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    snap = _setup(tmp_path, fresh_db)
    _load(fresh_db, snap)
    fresh_db.execute("UPDATE posts SET checked_rule_version = 'v1'")
    later = tmp_path / "later"
    path = save_post(later / "dr.a", post_node("Ca000000001", "501", "dr.a", caption="edited"))
    os.utime(path, (2_000_000_000, 2_000_000_000))
    result = _load(fresh_db, later, "r2")
    assert result.changed_posts == 1  # type: ignore[attr-defined]
    rows = fresh_db.execute(
        "SELECT shortcode, caption, checked_rule_version FROM posts ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("Ca000000001", "edited", None),
        ("Ca000000002", "Edukasi kesehatan", "v1"),
        ("Cb000000001", "Edukasi kesehatan", "v1"),
    ]


def test_a_renamed_account_stays_the_same_account_with_history(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    _load(fresh_db, _setup(tmp_path, fresh_db))
    renamed = tmp_path / "renamed"
    path = save_post(renamed / "dr.a.new", post_node("Ca000000003", "501", "dr.a.new"))
    os.utime(path, (2_000_000_000, 2_000_000_000))
    result = _load(fresh_db, renamed, "r2")
    assert result.skipped == []  # type: ignore[attr-defined]
    assert fresh_db.execute(
        "SELECT owner_id, username, npa FROM accounts ORDER BY 1"
    ).fetchall() == [("501", "dr.a.new", "1001"), ("502", "dr.b", "1002")]
    assert fresh_db.execute(
        "SELECT username FROM account_usernames WHERE owner_id = '501' ORDER BY first_seen"
    ).fetchall() == [("dr.a",), ("dr.a.new",)]
    # the registry still names the old username: it is the same account, not a new one
    apply_registry(fresh_db, load_registry(tmp_path / "reg.csv"))
    assert fresh_db.execute(
        "SELECT count(*), count(*) FILTER (active) FROM accounts"
    ).fetchall() == [(2, 2)]


def test_first_sightings_bound_in_one_statement_keep_their_order_with_a_rename(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    """A first sighting earlier in the batch is bound before a later rename to the same name
    deletes the registry's unbound row of that name, as when each was one statement."""
    _load(fresh_db, _setup(tmp_path, fresh_db))
    rows = [*REGISTRY, ("1003", "dr. C", "IDI Cabang X", "", "dr.c", "", "x@idi.example")]
    apply_registry(fresh_db, load_registry(write_registry(tmp_path / "reg3.csv", rows)))
    batch = tmp_path / "batch"
    first = save_post(batch / "dr.c", post_node("Cc000000001", "503", "dr.c"))
    later = save_post(
        batch / "dr.c", post_node("Ca000000009", "501", "dr.c", when="2026-11-20T01:00:00")
    )
    for path in (first, later):
        os.utime(path, (2_000_000_000, 2_000_000_000))
    result = _load(fresh_db, batch, "r2")
    assert result.skipped == []  # type: ignore[attr-defined]
    assert fresh_db.execute("SELECT owner_id, username FROM accounts ORDER BY 1").fetchall() == [
        ("501", "dr.c"),
        ("502", "dr.b"),
        ("503", "dr.c"),
    ]


def test_a_rename_onto_an_unbound_registry_row_takes_it_over_before_a_later_sighting(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    """The other order: the rename comes first and merges the registry's unbound 'dr.c' row;
    a later first sighting of another id as 'dr.c' is then not a registered account (before,
    it was reported registered while no accounts row held its id)."""
    _load(fresh_db, _setup(tmp_path, fresh_db))
    rows = [*REGISTRY, ("1003", "dr. C", "IDI Cabang X", "", "dr.c", "", "x@idi.example")]
    apply_registry(fresh_db, load_registry(write_registry(tmp_path / "reg3.csv", rows)))
    batch = tmp_path / "batch"
    first = save_post(
        batch / "dr.c", post_node("Ca000000009", "501", "dr.c", when="2026-11-18T01:00:00")
    )
    later = save_post(batch / "dr.c", post_node("Cc000000001", "503", "dr.c"))
    for path in (first, later):
        os.utime(path, (2_000_000_000, 2_000_000_000))
    result = _load(fresh_db, batch, "r2")
    assert fresh_db.execute("SELECT owner_id, username FROM accounts ORDER BY 1").fetchall() == [
        ("501", "dr.c"),
        ("502", "dr.b"),
    ]
    assert [reason for _, reason in result.skipped] == [  # type: ignore[attr-defined]
        "account @dr.c (id 503) is not in the registry"
    ]
    owners = fresh_db.execute("SELECT DISTINCT owner_id FROM posts ORDER BY 1").fetchall()
    assert owners == [("501",), ("502",)]


def test_posts_of_unregistered_accounts_are_set_aside_with_a_reason(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    snap = _setup(tmp_path, fresh_db)
    save_post(snap / "stranger", post_node("Cz000000001", "999", "stranger"))
    result = _load(fresh_db, snap)
    assert [(Path(p).name, why) for p, why in result.skipped] == [  # type: ignore[attr-defined]
        ("2026-11-18_03-00-00_UTC.json.xz", "account @stranger (id 999) is not in the registry")
    ]
    statuses = fresh_db.execute(
        "SELECT status, count(*) FROM import_files GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert statuses == [("loaded", 4), ("skipped", 1)]


def test_doctors_leaving_the_registry_are_kept_inactive(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    _setup(tmp_path, fresh_db)
    changed = apply_registry(
        fresh_db, load_registry(write_registry(tmp_path / "r2.csv", REGISTRY[:1]))
    )
    assert changed == 2  # doctor 1002 and account dr.b
    assert fresh_db.execute("SELECT npa, active FROM doctors ORDER BY 1").fetchall() == [
        ("1001", True),
        ("1002", False),
    ]
    assert apply_registry(fresh_db, load_registry(tmp_path / "r2.csv")) == 0


def test_a_registry_change_marks_every_week_for_a_rebuild_whoever_applies_it(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    """A collect run's plan applies the registry before any load; the weeks it changes must be
    marked then, since the load's own apply then finds nothing left to change."""
    _load(fresh_db, _setup(tmp_path, fresh_db))
    fresh_db.execute("DELETE FROM pending_weeks")  # as after the audit tables were built
    moved = [(*REGISTRY[0][:2], "IDI Cabang Z", *REGISTRY[0][3:]), REGISTRY[1]]
    reg = load_registry(write_registry(tmp_path / "moved.csv", moved))
    assert apply_registry(fresh_db, reg, "collect-plan") == 1
    assert fresh_db.execute(
        "SELECT post_week, stage, run_id FROM pending_weeks ORDER BY 1"
    ).fetchall() == [("2026-W46", "audit", "collect-plan"), ("2026-W47", "audit", "collect-plan")]
    assert apply_registry(fresh_db, reg) == 0
