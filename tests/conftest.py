"""Shared fixtures: a real DuckDB warehouse file and real instaloader structures on disk."""

from __future__ import annotations

import hashlib
import json
import lzma
import shutil
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import instaloader
import pytest

from extract.offline import OfflineContext
from medsos_audit.settings import REPO_ROOT, Settings
from warehouse.db import connect

SEEDS = REPO_ROOT / "seeds"


# `make test` runs with MEDSOS_HOME=var/ exported: the home `make demo` fills, with the user's
# demo warehouse, outbox and analysts' copy. No test or fixture may write there, so the session
# (each xdist worker's) runs with a home of its own; tests that need a private one name it.
@pytest.fixture(scope="session", autouse=True)
def _session_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("session-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDSOS_HOME", str(home))
        yield home


@pytest.fixture
def fresh_db(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated warehouse in a real DuckDB file."""
    con = connect(tmp_path / "var" / "warehouse.duckdb")
    yield con
    con.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose every path lies under the test's own folder."""
    env = {"MEDSOS_HOME": str(tmp_path / "var")}
    return Settings.from_env(env=env)


@pytest.fixture
def sample_snapshot(tmp_path: Path) -> Path:
    """A private copy of the embedded sample snapshot (tests may add or break files)."""
    target = tmp_path / "snapshot"
    shutil.copytree(SEEDS / "snapshot", target)
    return target


def post_node(
    shortcode: str,
    owner_id: str = "1001",
    username: str = "dr.test",
    caption: str | None = "Edukasi kesehatan",
    when: str = "2026-11-18T03:00:00",
    **extra: Any,
) -> dict[str, Any]:
    """A post node in the shape instaloader saves from a profile timeline."""
    moment = datetime.fromisoformat(when).replace(tzinfo=UTC)
    node: dict[str, Any] = {
        "__typename": "GraphImage",
        "id": str(int(hashlib.sha256(shortcode.encode()).hexdigest(), 16) % 10**18),
        "shortcode": shortcode,
        "is_video": False,
        "taken_at_timestamp": int(moment.timestamp()),
        "display_url": f"https://scontent.example/{shortcode}.jpg",
        "edge_media_to_caption": {"edges": [{"node": {"text": caption}}] if caption else []},
        "edge_media_preview_like": {"count": 10},
        "edge_media_to_comment": {"count": 2},
        "owner": {"id": owner_id, "username": username},
        "edge_media_to_tagged_user": {"edges": []},
        "edge_media_to_sponsor_user": {"edges": []},
        "location": None,
        "accessibility_caption": None,
    }
    node.update(extra)
    return node


def profile_node(username: str, owner_id: str, **extra: Any) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": owner_id,
        "username": username,
        "full_name": username,
        "biography": "",
        "external_url": None,
        "is_private": False,
        "is_verified": False,
        "is_business_account": False,
        "business_category_name": None,
        "edge_followed_by": {"count": 10},
        "edge_follow": {"count": 5},
    }
    node.update(extra)
    return node


def save_post(folder: Path, node: dict[str, Any], *, xz: bool = True, suffix: str = "") -> Path:
    """Saves ``node`` with instaloader's own save_structure_to_file, named the way it names."""
    folder.mkdir(parents=True, exist_ok=True)
    post = instaloader.Post(OfflineContext(), node)
    stem = post.date_utc.strftime("%Y-%m-%d_%H-%M-%S") + "_UTC" + suffix
    path = folder / (stem + (".json.xz" if xz else ".json"))
    instaloader.save_structure_to_file(post, str(path))
    return path


def save_profile(folder: Path, node: dict[str, Any], *, xz: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    profile = instaloader.Profile(OfflineContext(), node)
    path = folder / f"{node['username']}_{node['id']}.json{'.xz' if xz else ''}"
    instaloader.save_structure_to_file(profile, str(path))
    return path


def write_registry(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    header = "npa,full_name,branch,specialty,instagram_username,registered_on,branch_email"
    lines = [header] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xz_json(path: Path, doc: object) -> Path:
    with lzma.open(path, "wt") as fh:
        json.dump(doc, fh)
    return path


def table(con: duckdb.DuckDBPyConnection, name: str, order: str = "1") -> list[dict[str, Any]]:
    """All rows of ``name`` as dicts (name from the test's own literal, never from data)."""
    cur = con.execute(f"SELECT * FROM {name} ORDER BY {order}")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
