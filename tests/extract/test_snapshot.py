from __future__ import annotations

import lzma
from datetime import datetime
from pathlib import Path

import pytest

from extract.snapshot import SnapshotError, parse_file, parse_files, scan
from tests.conftest import post_node, profile_node, save_post, save_profile, write_xz_json


def _parse_all(folder: Path) -> dict[str, object]:
    found = scan(folder)
    return {Path(p.file.path).name: p for p in parse_files(found.files, "Asia/Jakarta")}


def test_embedded_sample_reads_every_post_and_profile_and_names_the_broken_file() -> None:
    from tests.conftest import SEEDS

    found = scan(SEEDS / "snapshot")
    parsed = list(parse_files(found.files, "Asia/Jakarta"))
    assert sum(1 for p in parsed if p.post) == 27
    assert sum(1 for p in parsed if p.profile) == 6
    errors = [(Path(p.file.path).name, p.error) for p in parsed if p.error]
    assert errors == [
        (
            "2026-11-01_10-00-00_UTC.json.xz",
            "truncated xz data: the file ends before its compressed stream",
        )
    ]


def test_a_post_saved_by_instaloader_reads_back_field_for_field(tmp_path: Path) -> None:
    node = post_node(
        "CabcDEF1234",
        caption="Promo #Diskon 20% bareng @KlinikKu",
        when="2026-11-22T18:30:00",  # Monday 01:30 in Jakarta: already the next ISO week
        accessibility_caption="May be an image of text that says 'makasih dok'",
        edge_media_to_sponsor_user={
            "edges": [{"node": {"sponsor": {"id": "77", "username": "BrandX"}}}]
        },
        edge_media_to_tagged_user={"edges": [{"node": {"user": {"username": "Teman.A"}}}]},
        location={"id": "5", "name": "Klinik Sehat", "slug": "", "has_public_page": True},
    )
    save_post(tmp_path / "dr.test", node)
    (parsed,) = _parse_all(tmp_path).values()
    row = parsed.post  # type: ignore[attr-defined]
    assert (row.shortcode, row.owner_id, row.username) == ("CabcDEF1234", "1001", "dr.test")
    assert row.posted_at == datetime(2026, 11, 22, 18, 30)
    assert row.post_week == "2026-W48"
    assert row.hashtags == ["diskon"]
    assert row.mentions == ["klinikku"]
    assert (row.is_sponsored, row.sponsor_users) == (True, ["brandx"])
    assert row.tagged_users == ["teman.a"]
    assert row.location == "Klinik Sehat"
    assert row.accessibility_caption == "May be an image of text that says 'makasih dok'"
    assert (row.likes, row.comments, row.typename, row.is_video) == (10, 2, "GraphImage", False)


def test_fields_missing_from_the_saved_node_are_null_and_never_fetched(tmp_path: Path) -> None:
    node = post_node("CminimalNod")
    for key in (
        "accessibility_caption",
        "edge_media_to_sponsor_user",
        "edge_media_to_tagged_user",
        "edge_media_preview_like",
        "__typename",
        "location",
    ):
        del node[key]
    (tmp_path / "dr.test").mkdir()
    doc = {"node": node, "instaloader": {"version": "4.16", "node_type": "Post"}}
    write_xz_json(tmp_path / "dr.test" / "2026-11-18_03-00-00_UTC.json.xz", doc)
    (parsed,) = _parse_all(tmp_path).values()
    assert parsed.error is None  # type: ignore[attr-defined]
    row = parsed.post  # type: ignore[attr-defined]
    assert (row.accessibility_caption, row.is_sponsored, row.likes, row.typename) == (
        None,
        None,
        None,
        None,
    )
    assert (row.sponsor_users, row.tagged_users, row.location) == ([], [], None)


def test_profile_files_read_through_instaloader(tmp_path: Path) -> None:
    save_profile(
        tmp_path / "dr.test",
        profile_node(
            "dr.test", "1001", biography="Klinik terbaik", external_url="https://x.example"
        ),
        xz=False,
    )
    (parsed,) = _parse_all(tmp_path).values()
    row = parsed.profile  # type: ignore[attr-defined]
    assert (row.owner_id, row.username, row.biography, row.external_url) == (
        "1001",
        "dr.test",
        "Klinik terbaik",
        "https://x.example",
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"node": {"shortcode": "Cx"', "invalid JSON at line 1"),
        (b"[1, 2]", "not an instaloader JSON structure (top level is not an object)"),
        (b'{"shortcode": "Cx"}', "not an instaloader JSON structure (no node/instaloader keys)"),
        (
            b'{"node": {"id": "1", "username": "a"}, "instaloader": {"node_type": "Profile"}}',
            "file name says Post, the structure is a Profile",
        ),
        (
            b'{"node": {"id": "1"}, "instaloader": {"node_type": "Post"}}',
            "incomplete instaloader node (no shortcode)",
        ),
        (b"\xff\xfe\x00", "not UTF-8 text"),
    ],
)
def test_broken_files_are_named_with_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    folder = tmp_path / "dr.test"
    folder.mkdir()
    (folder / "2026-11-18_03-00-00_UTC.json").write_bytes(content)
    save_post(folder, post_node("CgoodPost01", when="2026-11-19T03:00:00"), xz=True)
    parsed = _parse_all(tmp_path)
    assert parsed["2026-11-19_03-00-00_UTC.json.xz"].post.shortcode == "CgoodPost01"  # type: ignore[attr-defined]
    assert reason in parsed["2026-11-18_03-00-00_UTC.json"].error  # type: ignore[attr-defined]


def test_a_compressed_bomb_is_refused_without_exhausting_memory(tmp_path: Path) -> None:
    folder = tmp_path / "dr.test"
    folder.mkdir()
    (folder / "2026-11-18_03-00-00_UTC.json.xz").write_bytes(lzma.compress(b" " * (40 * 2**20)))
    (parsed,) = _parse_all(tmp_path).values()
    assert parsed.error == "decompresses to more than 16 MB"  # type: ignore[attr-defined]


def test_file_size_limit_is_kept_by_the_sized_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file is read by its own size; one over the limit is refused, one at it still loads."""
    import json

    import extract.snapshot as snapshot

    folder = tmp_path / "dr.test"
    folder.mkdir()
    at_limit = save_post(folder, post_node("CatLimit001", when="2026-11-19T03:00:00"))
    size = at_limit.stat().st_size
    big = folder / "2026-11-18_03-00-00_UTC.json"
    big.write_text(json.dumps({"node": {}, "pad": "x" * size}))
    monkeypatch.setattr(snapshot, "MAX_FILE_BYTES", size)
    parsed = _parse_all(tmp_path)
    assert parsed[at_limit.name].post.shortcode == "CatLimit001"  # type: ignore[attr-defined]
    assert parsed[big.name].error == "file larger than 0 MB"  # type: ignore[attr-defined]


def test_an_absurd_caption_is_refused(tmp_path: Path) -> None:
    save_post(tmp_path / "dr.test", post_node("ChugeCapt01", caption="x" * 30_000))
    (parsed,) = _parse_all(tmp_path).values()
    assert parsed.error == "caption of 30000 characters (Instagram allows 2,200)"  # type: ignore[attr-defined]


def test_scan_sets_aside_links_foreign_files_and_ignores_media(tmp_path: Path) -> None:
    folder = tmp_path / "dr.test"
    save_post(folder, post_node("CgoodPost01"))
    (folder / "2026-11-18_03-00-00_UTC.jpg").write_bytes(b"\xff\xd8")
    (folder / "2026-11-18_03-00-00_UTC.txt").write_text("caption")
    (folder / "notes.md").write_text("hello")
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    (folder / "2026-11-19_03-00-00_UTC.json").symlink_to(outside)
    (tmp_path / "evil").symlink_to(tmp_path.parent, target_is_directory=True)
    found = scan(tmp_path)
    assert [Path(f.path).name for f in found.files] == ["2026-11-18_03-00-00_UTC.json.xz"]
    assert sorted((Path(f.path).name, why) for f, why in found.set_aside) == [
        ("2026-11-19_03-00-00_UTC.json", "symbolic link: not followed out of the snapshot"),
        ("evil", "symbolic link: not followed out of the snapshot"),
        ("notes.md", "not an instaloader post or profile file"),
        ("outside.json", "not an instaloader post or profile file"),
    ]
    assert found.media_files == 2


def test_a_missing_snapshot_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="does not exist"):
        scan(tmp_path / "nope")


def test_parallel_and_serial_parsing_give_the_same_rows(tmp_path: Path) -> None:
    folder = tmp_path / "dr.test"
    for i in range(40):
        save_post(
            folder, post_node(f"Cpost{i:06d}", when=f"2026-11-{1 + i % 28:02d}T03:{i:02d}:00")
        )
    files = scan(tmp_path).files
    serial = [parse_file(f, "Asia/Jakarta").post for f in files]
    parallel = [p.post for p in parse_files(files, "Asia/Jakarta", workers=2, min_parallel=1)]
    assert serial == parallel
    assert len({r.shortcode for r in serial if r}) == 40
