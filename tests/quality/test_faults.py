"""Kill the pipeline at every stage boundary and inside stages (SIGKILL in a child process), run it
again, and compare the warehouse and the analysts' copy with those of a clean run: no row
missing, none twice. A summary of the figures is printed at the end of the module (pytest -s)."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import post_node, save_post
from tests.quality.conftest import (
    ACCOUNTS,
    add_posts,
    dump,
    run_child,
    run_here,
    scenario_snapshot,
    start_child,
    statuses,
)

# (point[@n-th arrival]) -- boundaries between stages, and inside the load (new posts are checked
# by the parse workers and their flags stored with the load: load.prechecked) and publish
# stages (batches of 25 files and 20 posts: the scenario has 77 files and 67 posts).
FRESH_POINTS = [
    "run.started",
    "registry.applied",
    "import.batch_parsed@1",
    "import.batch_gated@1",
    "load.before_commit@1",
    "import.batch_loaded@1",
    "import.batch_gated@3",
    "load.before_commit@3",
    "import.batch_loaded@3",
    "import.done",
    "load.prechecked@1",
    "load.prechecked@3",
    "checks.done",
    "audit.signals_done",
    "audit.built",
    "gate.recorded",
    "publish.masked",
    "publish.copied",
    "publish.swapped",
    "run.before_finish",
]
SECOND_RUN_POINTS = [
    "registry.applied",
    "load.before_commit@1",
    "import.done",
    "load.prechecked@1",
    "audit.built",
    "gate.recorded",
    "publish.copied",
]
KILL_AFTER_SECONDS = [0.3, 0.6, 0.9, 1.2]

FIGURES: Counter[str] = Counter()


def _difference(clean: dict[str, list[Any]], other: dict[str, list[Any]]) -> tuple[int, int]:
    """(rows of the clean run missing from ``other``, rows of ``other`` the clean run lacks)."""
    missing = extra = 0
    for table in clean.keys() | other.keys():
        want = Counter(map(repr, clean.get(table, [])))
        have = Counter(map(repr, other.get(table, [])))
        missing += sum((want - have).values())
        extra += sum((have - want).values())
    return missing, extra


def _compare(clean: Path, faulted: Path) -> None:
    for name in ("warehouse.duckdb", "published/warehouse.duckdb"):
        want, got = dump(clean / name), dump(faulted / name)
        missing, extra = _difference(want, got)
        FIGURES["rows compared"] += sum(len(rows) for rows in want.values())
        FIGURES["rows lost"] += missing
        FIGURES["rows duplicated or extra"] += extra
        assert got == want, f"{name}: {missing} rows missing, {extra} extra"
    FIGURES["runs compared"] += 1


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(snapshot, folder of a clean run's warehouse) for runs that start from nothing."""
    root = tmp_path_factory.mktemp("fresh")
    snapshot = scenario_snapshot(root)
    clean = root / "clean"
    clean.mkdir()
    assert run_here(clean / "warehouse.duckdb", snapshot) == 0
    return snapshot, clean


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(folder after a first run, the second snapshot, folder of a clean second run)."""
    root = tmp_path_factory.mktemp("second")
    first = root / "first-snapshot"
    shutil.copytree(Path(__file__).parents[2] / "seeds" / "snapshot", first)
    add_posts(first, 20)
    base = root / "base"
    base.mkdir()
    assert run_here(base / "warehouse.duckdb", first) == 0
    later = root / "second-snapshot"
    add_posts(later, 15, start_day=3, seed=1)
    # an edit of a post of the first run (Q00x0003 is drg.bayu.senyum's, see add_posts)
    edited = post_node(
        "Q00x0003",
        owner_id=ACCOUNTS["drg.bayu.senyum"],
        username="drg.bayu.senyum",
        caption="Diedit: promo scaling diskon 50% hari ini saja!",
        when="2026-11-11T04:21:00",
    )
    save_post(later / "drg.bayu.senyum", edited)
    clean = root / "clean"
    shutil.copytree(base, clean)
    assert run_here(clean / "warehouse.duckdb", later) == 0
    return base, later, clean


@pytest.fixture(scope="module", autouse=True)
def _report_figures() -> Iterator[None]:
    yield
    print(f"\nfault injection: {dict(FIGURES)}")


@pytest.mark.parametrize("point", FRESH_POINTS)
def test_a_run_killed_at_a_point_then_run_again_equals_a_clean_run(
    fresh: tuple[Path, Path], tmp_path: Path, point: str
) -> None:
    snapshot, clean = fresh
    warehouse = tmp_path / "warehouse.duckdb"
    killed = run_child(warehouse, snapshot, fault=point)
    assert killed.returncode == -signal.SIGKILL, killed.output[-2000:]
    FIGURES["faults injected"] += 1
    assert run_here(warehouse, snapshot) == 0
    assert statuses(warehouse)[0] == "abandoned"
    assert statuses(warehouse)[-1] in ("success", "partial")
    _compare(clean, tmp_path)


@pytest.mark.parametrize("point", SECOND_RUN_POINTS)
def test_a_second_run_killed_at_a_point_then_run_again_equals_a_clean_one(
    second: tuple[Path, Path, Path], tmp_path: Path, point: str
) -> None:
    base, later, clean = second
    folder = tmp_path / "case"
    shutil.copytree(base, folder)
    killed = run_child(folder / "warehouse.duckdb", later, fault=point)
    assert killed.returncode == -signal.SIGKILL, killed.output[-2000:]
    FIGURES["faults injected"] += 1
    assert run_here(folder / "warehouse.duckdb", later) == 0
    assert statuses(folder / "warehouse.duckdb")[1] == "abandoned"
    _compare(clean, folder)


@pytest.mark.parametrize("delay", KILL_AFTER_SECONDS)
def test_a_run_killed_at_an_arbitrary_moment_then_run_again_equals_a_clean_run(
    fresh: tuple[Path, Path], tmp_path: Path, delay: float
) -> None:
    snapshot, clean = fresh
    warehouse = tmp_path / "warehouse.duckdb"
    child = start_child(warehouse, snapshot)
    time.sleep(delay)
    if child.process.is_alive():
        os.kill(child.process.pid, signal.SIGKILL)
    killed = child.wait() == -signal.SIGKILL
    FIGURES["faults injected" if killed else "timed kills too late"] += 1
    assert run_here(warehouse, snapshot) == 0
    _compare(clean, tmp_path)


@pytest.mark.parametrize("point", ["load.before_commit@2", "load.prechecked@2", "audit.built"])
def test_an_exception_inside_a_stage_fails_the_run_and_the_next_run_completes_it(
    fresh: tuple[Path, Path], tmp_path: Path, point: str
) -> None:
    snapshot, clean = fresh
    warehouse = tmp_path / "warehouse.duckdb"
    failed = run_child(warehouse, snapshot, fault=f"{point}:raise")
    assert failed.returncode == 1 and "InjectedFaultError" in failed.output
    FIGURES["faults injected"] += 1
    assert run_here(warehouse, snapshot) == 0
    assert statuses(warehouse) == ["failed", statuses(warehouse)[1]]
    _compare(clean, tmp_path)
