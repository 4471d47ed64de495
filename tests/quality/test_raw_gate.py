"""The raw-batch gate: rows failing an expectation are quarantined by key, the rest loads."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from checks.quality import validate, validate_raw_batch
from checks.quality.raw import RawGate, _posts_frame
from checks.quality.suites import RAW_PROFILES
from extract.snapshot import ParsedFile, parse_files, scan
from medsos_audit.settings import REPO_ROOT
from tests.conftest import post_node, profile_node, save_post, save_profile, write_registry
from tests.quality.conftest import dump, run_here, statuses

DOCTORS = [
    ["N1", "dr. A", "IDI Cabang X", "Sp.KK", "dr.a", "2025-01-01", "x@idi.example"],
    ["N2", "dr. B", "IDI Cabang X", "Sp.A", "dr.b", "2025-01-01", "x@idi.example"],
]


def _post(folder: Path, code: str, day: int, uid: str = "11", **extra: object) -> None:
    name = folder.name
    node = post_node(code, owner_id=uid, username=name, when=f"2026-11-{day:02d}T03:00:00")
    node.update(extra)
    save_post(folder, node)


def _hostile_snapshot(root: Path) -> Path:
    snap = root / "snapshot"
    a, b = snap / "dr.a", snap / "dr.b"
    _post(a, "GOOD1", 18)
    _post(a, "bad'code;--", 17)
    _post(a, "NEG1", 16, edge_media_preview_like={"count": -5})
    _post(a, "HUGE1", 15, edge_media_preview_like={"count": 10**30})
    _post(a, "OLD1", 14, taken_at_timestamp=1_200_000_000)  # 2008: before Instagram
    _post(a, "FUTURE1", 13, taken_at_timestamp=4_000_000_000)  # 2096
    _post(a, "TYPE1", 12, __typename="GraphEvil")
    _post(a, "EVIL1", 11, owner={"id": "11", "username": "../../etc"})
    _post(a, "OWNER1", 10, owner={"id": "abc", "username": "dr.a"})
    _post(b, "GOOD2", 8, uid="22")
    shutil.copytree(b, snap / "dr.b.old")  # the same post in a renamed account's old folder
    _post(b, "CONFL1", 9, uid="22")  # two different posts claim one shortcode
    _post(a, "CONFL1", 9)
    save_profile(a, profile_node("dr.a", "11", edge_followed_by={"count": -1}))
    save_profile(b, profile_node("dr.b", "22"))
    return snap


def test_failing_rows_are_quarantined_by_key_and_the_rest_loads_once(tmp_path: Path) -> None:
    snap = _hostile_snapshot(tmp_path)
    registry = write_registry(tmp_path / "registry.csv", DOCTORS)
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    assert run_here(warehouse, snap, registry) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    held = con.execute(
        "SELECT shortcode, suite, expectation FROM quarantine ORDER BY ALL NULLS FIRST"
    ).fetchall()
    assert held == [
        (None, "raw_profiles", "followers_not_negative"),
        ("CONFL1", "raw_post_keys", "shortcode_unique"),
        ("CONFL1", "raw_post_keys", "shortcode_unique"),
        ("EVIL1", "raw_posts", "username_well_formed"),
        ("FUTURE1", "raw_posts", "posted_at_in_range"),
        ("HUGE1", "raw_posts", "likes_not_negative"),
        ("NEG1", "raw_posts", "likes_not_negative"),
        ("OLD1", "raw_posts", "posted_at_in_range"),
        ("OWNER1", "raw_posts", "owner_id_well_formed"),
        ("TYPE1", "raw_posts", "typename_known"),
        ("bad'code;--", "raw_posts", "shortcode_well_formed"),
    ]
    assert con.execute("SELECT shortcode FROM posts ORDER BY 1").fetchall() == [
        ("GOOD1",),
        ("GOOD2",),
    ]
    files = con.execute(
        "SELECT status, count(*) FROM import_files GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert files == [("loaded", 4), ("quarantined", 11)]
    reason = con.execute("SELECT reason FROM import_files WHERE shortcode = 'NEG1'").fetchall()
    assert reason == [("data-quality gate: raw_posts.likes_not_negative",)]
    # the hostile username never became an account name
    assert con.execute("SELECT username FROM account_usernames ORDER BY 1").fetchall() == [
        ("dr.a",),
        ("dr.b",),
    ]
    con.close()
    before = dump(warehouse)
    assert run_here(warehouse, snap, registry) == 0  # the same input again: no row changes
    assert dump(warehouse) == before
    assert statuses(warehouse) == ["partial", "success"]


def test_a_shortcode_already_stored_for_another_post_holds_the_newcomer_back(
    tmp_path: Path,
) -> None:
    registry = write_registry(tmp_path / "registry.csv", DOCTORS)
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    first = tmp_path / "first"
    _post(first / "dr.a", "SAME1", 10)
    assert run_here(warehouse, first, registry) == 0
    second = tmp_path / "second"
    _post(second / "dr.b", "SAME1", 12, uid="22")
    assert run_here(warehouse, second, registry) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT shortcode, owner_id FROM posts").fetchall() == [("SAME1", "11")]
    details = con.execute("SELECT details FROM quarantine").fetchall()
    assert len(details) == 1 and "owner_id='22'" in details[0][0]
    assert "owner_id='11'" in details[0][0]


def _gate(con: duckdb.DuckDBPyConnection, snap: Path) -> tuple[list[ParsedFile], RawGate]:
    """The parsed files of ``snap`` and the raw gate's verdict on them as one batch."""
    parsed = list(parse_files(scan(snap).files, "Asia/Jakarta"))
    return parsed, validate_raw_batch(con, parsed, datetime(2026, 11, 23))


def test_the_gate_names_failing_rows_by_file_for_a_batch_read_from_disk(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    _, gate = _gate(fresh_db, _hostile_snapshot(tmp_path))
    held = {
        Path(p).parent.name + "/" + Path(p).name: [q.expectation for q in qs]
        for p, qs in gate.quarantined.items()
    }
    assert len(held) == 11  # 8 bad posts, CONFL1 in two folders, one profile
    assert held["dr.a/dr.a_11.json.xz"] == ["followers_not_negative"]
    assert [v.suite.name for v in gate.validations] == [
        "raw_posts",
        "raw_post_keys",
        "raw_profiles",
    ]
    assert [v.success for v in gate.validations] == [False, False, False]


def test_fast_column_types_and_their_fallback_hold_back_the_same_rows_alike(
    tmp_path: Path, fresh_db: duckdb.DuckDBPyConnection
) -> None:
    """Counts and times that fit int64 / datetime64[ns] are compared vectorised; one count
    beyond 64 bits or one year beyond 2262 switches the batch to Python objects. Either way the
    same rows are held back, described the same."""

    def batch(name: str, *odd: tuple[str, int, dict[str, Any]]) -> Path:
        folder = tmp_path / name / "dr.a"
        _post(folder, "GOOD1", 18)
        _post(folder, "NEG1", 16, edge_media_preview_like={"count": -5})
        _post(folder, "OLD1", 14, taken_at_timestamp=1_200_000_000)
        _post(folder, "FUTURE1", 13, taken_at_timestamp=4_000_000_000)
        for code, day, extra in odd:
            _post(folder, code, day, **extra)
        return folder.parent

    def details(snap: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
        parsed, gate = _gate(fresh_db, snap)
        frame = _posts_frame(parsed)
        dtypes = {c: str(frame[c].dtype) for c in ("posted_at", "likes", "comments")}
        held = {Path(p).name: [q.details for q in qs] for p, qs in gate.quarantined.items()}
        return dtypes, held

    fast_types, fast = details(batch("fast"))
    slow_types, slow = details(
        batch(
            "slow",
            ("HUGE1", 15, {"edge_media_preview_like": {"count": 10**30}}),
            ("Y3000", 12, {"taken_at_timestamp": 32_503_680_000}),
        )
    )
    assert fast_types == {"posted_at": "datetime64[ns]", "likes": "int64", "comments": "int64"}
    assert slow_types == {"posted_at": "datetime64[us]", "likes": "object", "comments": "int64"}
    assert sorted(fast) == [
        "2008-01-10_21-20-00_UTC.json.xz",
        "2026-11-16_03-00-00_UTC.json.xz",
        "2096-10-02_07-06-40_UTC.json.xz",
    ]
    assert {k: slow[k] for k in fast} == fast
    assert fast["2026-11-16_03-00-00_UTC.json.xz"] == [
        "ExpectColumnValuesToBeBetween(likes): likes=-5, shortcode='NEG1'"
    ]
    assert fast["2096-10-02_07-06-40_UTC.json.xz"] == [
        "ExpectColumnValuesToBeBetween(posted_at): posted_at='2096-10-02 07:06:40', "
        "shortcode='FUTURE1'"
    ]
    assert slow["3000-01-01_00-00-00_UTC.json.xz"] == [
        "ExpectColumnValuesToBeBetween(posted_at): posted_at='3000-01-01 00:00:00', "
        "shortcode='Y3000'"
    ]
    assert len(slow) == 5


def test_every_failing_row_comes_back_by_its_key_columns() -> None:
    frame = pd.DataFrame(
        {
            "source_file": ["a.json", "b.json", "c.json"],
            "owner_id": ["1", "x2", "3"],
            "username": ["ok", "OK!", None],
            "followers": pd.Series([1, 2, -3], dtype=object),
            "followees": pd.Series([None, 2, 3], dtype=object),
        }
    )
    result = validate(frame, RAW_PROFILES)
    failing = {o.expect.name: o.failing for o in result.failed}
    assert failing == {
        "owner_id_well_formed": [{"source_file": "b.json", "owner_id": "x2"}],
        "username_well_formed": [{"source_file": "b.json", "owner_id": "x2", "username": "OK!"}],
        "followers_not_negative": [{"source_file": "c.json", "owner_id": "3", "followers": -3}],
    }
    assert json.dumps(result.document, default=str)  # GX's own result document is JSON


def test_importing_the_pipeline_does_not_import_great_expectations() -> None:
    code = (
        "import sys, medsos_audit.cli, medsos_audit.pipeline, checks.quality, warehouse.publish\n"
        "print('great_expectations' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    assert out.stdout.strip() == "False"
