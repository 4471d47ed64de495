"""Everything a run writes under MEDSOS_HOME is the service user's alone (folders 0700, files
0600), whatever the umask; the analysts' copy is the one intended exception (0444 in a 0755
folder, docs/warehouse.md "Reading while the pipeline writes")."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from medsos_audit.cli import main
from tests.conftest import SEEDS

SHARED = {"published": 0o755, "published/warehouse.duckdb": 0o444}


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask: every mode below must come from the code, not the umask."""
    old = os.umask(0)
    yield
    os.umask(old)


def _modes(home: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(home.stat().st_mode)}
    for path in home.rglob("*"):
        found[path.relative_to(home).as_posix()] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_a_run_leaves_every_folder_0700_and_every_file_0600_but_the_published_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_umask: None
) -> None:
    home = tmp_path / "home"  # not there yet: the run creates it
    for name in [n for n in os.environ if n.startswith("MEDSOS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MEDSOS_HOME", str(home))
    argv = ["run", "--registry", str(SEEDS / "registry.csv"), "--snapshot", str(SEEDS / "snapshot")]
    assert main(argv) == 0

    modes = _modes(home)
    top = {name.split("/")[0] for name in modes}
    assert top >= {"warehouse.duckdb", "locks", "dq", "outbox", "published"}
    expected = {
        name: SHARED.get(name, 0o700 if (home / name).is_dir() else 0o600) for name in modes
    }
    assert {n: oct(m) for n, m in modes.items()} == {n: oct(m) for n, m in expected.items()}
