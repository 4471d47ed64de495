"""Evidence: landed files' hashes, manifests chained by hash, and verification of both."""

from __future__ import annotations

import hashlib
import json
import lzma
from datetime import datetime

from extract.evidence import MANIFEST_NAME, record_run, sha256_file, verify
from tests.conftest import table
from tests.extract.collect.harness import fresh, run_pass

T1 = datetime(2025, 6, 2, 3, 10)
T2 = datetime(2025, 6, 3, 3, 10)
RUN = "raw/20250602T031000Z-aaaa0001/dr.hadi"


def land_and_record(con, home, run_id, accounts, usernames, when):
    run_dir = home / "raw" / run_id
    p = run_pass(run_dir, accounts, fresh(*usernames))
    return record_run(con, home, run_id, run_dir, p.result.files, when), p


def test_each_landed_file_is_recorded_with_the_hash_of_its_bytes(fresh_db, tmp_path):
    home = tmp_path / "var"
    manifest, _ = land_and_record(
        fresh_db, home, "20250602T031000Z-aaaa0001", ["dr.hadi@v1"], ["dr.hadi"], T1
    )
    rows = table(fresh_db, "evidence_files", "path")
    assert [(r["path"], r["kind"], r["shortcode"], r["username"]) for r in rows] == [
        (f"{RUN}/2025-05-19_02-59-46_UTC.json.xz", "post", "DJ0bsh7z9AC", "dr.hadi"),
        (f"{RUN}/2025-05-26_02-59-53_UTC.json.xz", "post", "DKGdRgnz9AB", "dr.hadi"),
        (f"{RUN}/dr.hadi_5108.json.xz", "profile", None, "dr.hadi"),
    ]  # fmt: skip
    for r in rows:
        data = (home / r["path"]).read_bytes()
        assert (r["sha256"], r["size_bytes"]) == (hashlib.sha256(data).hexdigest(), len(data))
        assert json.loads(lzma.decompress(data))["instaloader"]["node_type"] in {"Post", "Profile"}
    assert (manifest.files, manifest.prev_sha256) == (3, None)
    assert manifest.sha256 == sha256_file(home / manifest.path)


def test_manifests_chain_to_the_previous_run_and_verify_clean(fresh_db, tmp_path):
    home = tmp_path / "var"
    m1, _ = land_and_record(
        fresh_db, home, "20250602T031000Z-aaaa0001", ["dr.hadi@v1"], ["dr.hadi"], T1
    )
    m2, _ = land_and_record(
        fresh_db, home, "20250603T031000Z-aaaa0002", ["dr.citra@v1"], ["dr.citra"], T2
    )
    assert m2.prev_sha256 == m1.sha256
    doc = json.loads((home / m2.path).read_text())
    assert doc["previous"] == {"run_id": "20250602T031000Z-aaaa0001", "sha256": m1.sha256}
    assert [e["path"] for e in doc["files"]] == [
        "raw/20250603T031000Z-aaaa0002/dr.citra/dr.citra_5103.json.xz"
    ]
    assert oct((home / m2.path).stat().st_mode & 0o777) == "0o600"
    report = verify(fresh_db, home)
    assert (report.ok, report.manifests, report.files, report.purged) == (True, 2, 4, 0)


def test_verify_names_every_kind_of_tampering(fresh_db, tmp_path):
    home = tmp_path / "var"
    land_and_record(
        fresh_db,
        home,
        "20250601T031000Z-aaaa0000",
        ["dr.citra@v1"],
        ["dr.citra"],
        T1.replace(day=1),
    )
    land_and_record(fresh_db, home, "20250602T031000Z-aaaa0001", ["dr.hadi@v1"], ["dr.hadi"], T1)
    m2, _ = land_and_record(
        fresh_db, home, "20250603T031000Z-aaaa0002", ["dr.gita@v1"], ["dr.gita"], T2
    )
    run1 = home / "raw" / "20250602T031000Z-aaaa0001" / "dr.hadi"
    changed = run1 / "2025-05-26_02-59-53_UTC.json.xz"
    changed.write_bytes(changed.read_bytes() + b"\0")
    (run1 / "2025-05-19_02-59-46_UTC.json.xz").unlink()
    manifest2 = home / m2.path
    manifest2.write_text(manifest2.read_text().replace("dr.gita", "dr.gitA", 1))
    report = verify(fresh_db, home)
    kinds = sorted((p.kind, p.path.rsplit("/", 1)[-1]) for p in report.problems)
    assert kinds == [
        ("file_changed", "2025-05-26_02-59-53_UTC.json.xz"),
        ("file_missing", "2025-05-19_02-59-46_UTC.json.xz"),
        ("manifest_changed", MANIFEST_NAME),
        ("unrecorded", "2025-05-28_02-59-25_UTC.json.xz"),
        ("unrecorded", "2025-05-28_02-59-25_UTC.json.xz"),
    ]
    assert not report.ok


def test_dropping_a_run_from_the_middle_breaks_the_chain(fresh_db, tmp_path):
    home = tmp_path / "var"
    land_and_record(
        fresh_db,
        home,
        "20250601T031000Z-aaaa0000",
        ["dr.citra@v1"],
        ["dr.citra"],
        T1.replace(day=1),
    )
    m1, _ = land_and_record(
        fresh_db, home, "20250602T031000Z-aaaa0001", ["dr.hadi@v1"], ["dr.hadi"], T1
    )
    land_and_record(fresh_db, home, "20250603T031000Z-aaaa0002", ["dr.gita@v1"], ["dr.gita"], T2)
    fresh_db.execute("DELETE FROM evidence_manifests WHERE run_id = ?", [m1.run_id])
    fresh_db.execute("DELETE FROM evidence_files WHERE run_id = ?", [m1.run_id])
    report = verify(fresh_db, home)
    assert [(p.kind, p.path) for p in report.problems] == [
        ("chain_broken", "raw/20250603T031000Z-aaaa0002/MANIFEST.json")
    ]


def test_a_file_purged_by_retention_is_not_a_mismatch(fresh_db, tmp_path):
    home = tmp_path / "var"
    land_and_record(fresh_db, home, "20250602T031000Z-aaaa0001", ["dr.hadi@v1"], ["dr.hadi"], T1)
    (path,) = fresh_db.execute("SELECT path FROM evidence_files WHERE kind = 'profile'").fetchall()[
        0
    ]
    (home / path).unlink()
    fresh_db.execute("UPDATE evidence_files SET purged_at = ? WHERE path = ?", [T2, path])
    report = verify(fresh_db, home)
    assert (report.ok, report.files, report.purged) == (True, 2, 1)


def test_an_altered_hash_record_is_caught_by_the_manifest(fresh_db, tmp_path):
    home = tmp_path / "var"
    land_and_record(fresh_db, home, "20250602T031000Z-aaaa0001", ["dr.hadi@v1"], ["dr.hadi"], T1)
    fresh_db.execute("UPDATE evidence_files SET sha256 = repeat('0', 64) WHERE kind = 'profile'")
    report = verify(fresh_db, home)
    assert sorted(p.kind for p in report.problems) == ["file_changed", "record_changed"]
