"""A full disk or a permission error stops the run with a clear message (exit 1), keeps nothing of
the step that failed, leaves the analysts' copy as it was, and the next run finishes the work."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.quality.conftest import add_posts, dump, run_child, run_here, statuses

NO_RUNS = {
    "runs": None,
    "dq_results": None,
    "publications": None,
}  # compare data, not bookkeeping of the failed run
CLEAR = "cannot write: "


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(home after a clean run of the sample, a snapshot of 300 more posts, a clean second run)."""
    root = tmp_path_factory.mktemp("disk")
    first = root / "first"
    shutil.copytree(SEEDS / "snapshot", first)
    home = root / "base"
    assert run_here(home / "warehouse.duckdb", first) == 0
    second = root / "second"
    add_posts(second, 300, seed=3)
    clean = root / "clean"
    shutil.copytree(home, clean)
    assert run_here(clean / "warehouse.duckdb", second) == 0
    return home, second, clean


def _assert_unchanged(before: Path, after: Path) -> None:
    assert dump(after / "warehouse.duckdb", NO_RUNS) == dump(before / "warehouse.duckdb", NO_RUNS)
    published = "published/warehouse.duckdb"
    assert (after / published).read_bytes() == (before / published).read_bytes()


def _assert_finished_like(clean: Path, home: Path) -> None:
    for name in ("warehouse.duckdb", "published/warehouse.duckdb"):
        assert dump(home / name) == dump(clean / name)


ONE_BATCH = (20_000, 20_000)


@pytest.mark.parametrize(
    ("limit", "batches", "where"),
    [
        (64_000, ONE_BATCH, "the first load transaction"),
        (64_000, (25, 20), "a later load transaction"),
        (2_000_000, ONE_BATCH, "the analysts' copy"),
    ],
)
def test_a_write_that_cannot_grow_a_file_fails_cleanly_and_the_next_run_finishes(
    base: tuple[Path, Path, Path],
    tmp_path: Path,
    limit: int,
    batches: tuple[int, int],
    where: str,
) -> None:
    home, second, clean = base
    case = tmp_path / "case"
    shutil.copytree(home, case)
    # files may not grow past ``limit`` bytes: the write fails where ``where`` is written
    failed = run_child(
        case / "warehouse.duckdb", second, fsize=limit, batches=batches, log_dir=tmp_path
    )
    assert failed.returncode == 1
    message = " ".join(failed.output.split())
    assert f"error: {CLEAR}file too large" in message and "run again" in message
    assert "Traceback" not in failed.output
    published = "published/warehouse.duckdb"
    assert (case / published).read_bytes() == (home / published).read_bytes()
    if where == "the first load transaction":
        _assert_unchanged(home, case)
    assert statuses(case / "warehouse.duckdb")[-1] == "failed"
    assert not list((case / "published").glob(".warehouse.*"))  # no half-written copy left
    assert run_here(case / "warehouse.duckdb", second) == 0
    _assert_finished_like(clean, case)


@contextlib.contextmanager
def _small_disk(folder: Path, free_kb: int) -> Iterator[Path]:
    """``folder`` on a tmpfs with about ``free_kb`` kB free (needs root; skips otherwise)."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the file-size-limit test stands in")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _shrink(folder: Path, free_kb: int) -> None:
    used = shutil.disk_usage(folder).used // 1024
    subprocess.run(["mount", "-o", f"remount,size={used + free_kb}k", str(folder)], check=True)


def test_a_full_disk_fails_cleanly_and_the_next_run_finishes(
    base: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    home, second, clean = base
    with _small_disk(tmp_path / "disk", 200) as disk:
        shutil.copytree(home, disk, dirs_exist_ok=True)
        _shrink(disk, 200)
        assert run_here(disk / "warehouse.duckdb", second) == 1
        assert statuses(disk / "warehouse.duckdb")[-1] in ("failed", "running")
        published = "published/warehouse.duckdb"
        assert (disk / published).read_bytes() == (home / published).read_bytes()
        _shrink(disk, 32_000)
        assert run_here(disk / "warehouse.duckdb", second) == 0
        _assert_finished_like(clean, disk)


def test_a_full_disk_while_publishing_keeps_the_old_copy(
    base: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, second, clean = base
    case = tmp_path / "case"
    shutil.copytree(home, case)
    os.environ["MEDSOS_FAULT"] = "publish.masked:enospc"
    try:
        assert run_here(case / "warehouse.duckdb", second) == 1
    finally:
        del os.environ["MEDSOS_FAULT"]
    out = " ".join(capsys.readouterr().out.split())
    assert "error: cannot write: no space left on the disk" in out
    published = "published/warehouse.duckdb"
    assert (case / published).read_bytes() == (home / published).read_bytes()
    assert run_here(case / "warehouse.duckdb", second) == 0
    _assert_finished_like(clean, case)


@contextlib.contextmanager
def _unwritable(path: Path) -> Iterator[None]:
    """``path`` cannot be written, even by root (chattr +i), or by its owner (chmod a-w)."""
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip("chattr +i is not available on this file system")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=False)
    else:
        mode = path.stat().st_mode
        path.chmod(mode & 0o555)
        try:
            yield
        finally:
            path.chmod(mode)


def test_a_warehouse_that_cannot_be_written_stops_with_a_clear_message(
    base: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, second, _ = base
    case = tmp_path / "case"
    shutil.copytree(home, case)
    with _unwritable(case / "warehouse.duckdb"):
        assert run_here(case / "warehouse.duckdb", second) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "error: cannot open warehouse" in out
    assert "Permission denied" in out or "not permitted" in out
    assert dump(case / "warehouse.duckdb") == dump(home / "warehouse.duckdb")


def test_a_published_folder_that_cannot_be_written_fails_the_run_and_keeps_the_copy(
    base: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, second, clean = base
    case = tmp_path / "case"
    shutil.copytree(home, case)
    with _unwritable(case / "published"):
        assert run_here(case / "warehouse.duckdb", second) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "error: cannot write: " in out
    published = "published/warehouse.duckdb"
    assert (case / published).read_bytes() == (home / published).read_bytes()
    assert run_here(case / "warehouse.duckdb", second) == 0
    _assert_finished_like(clean, case)


def test_duckdb_reaching_its_memory_limit_stops_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDSOS_DUCKDB_MEMORY", "1MB")  # far too little even for the sample
    assert run_here(tmp_path / "home" / "warehouse.duckdb", SEEDS / "snapshot") == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "error: DuckDB reached its memory limit (1MB, MEDSOS_DUCKDB_MEMORY)" in out
    assert "Traceback" not in out
