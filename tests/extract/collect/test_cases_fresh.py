"""The committed recordings are exactly what tests/cases/instagram/build.py writes."""

from __future__ import annotations

from pathlib import Path

from tests.cases.instagram import build


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and p.suffix != ".py"
        and p.name != "README.md"
        and "__pycache__" not in p.parts
    }


def test_recordings_match_their_builder(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "OUT", tmp_path)
    build.main()
    assert _tree(tmp_path) == _tree(build.HERE)
