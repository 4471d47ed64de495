"""Writes fetched posts and profiles as instaloader's own JSON files, private to the service user.

The layout and content are what ``instaloader --fast-update`` writes with its default patterns
(``<username>/<YYYY-MM-DD_HH-MM-SS>_UTC.json.xz`` and ``<username>/<username>_<userid>.json.xz``,
LZMA without integrity check, compact JSON), so ``run --snapshot`` and ``collect`` share one
importer. Each file is hashed as it is written: the hash is of the exact bytes on disk.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import re
from pathlib import Path

from instaloader import Post, Profile, get_json_structure

from extract.evidence import LandedFile
from warehouse.db import ensure_private_dir, write_private

# Instagram usernames: letters, digits, '.' and '_'. Anything else (or a leading dot) would be a
# path trick, since the name becomes a folder.
_USERNAME = re.compile(r"^[a-z0-9_][a-z0-9._]{0,29}$")


def safe_username(username: str) -> str:
    """The username as a folder name; raises ValueError for anything Instagram would not allow."""
    name = username.lower()
    if not _USERNAME.match(name):
        raise ValueError(f"not an Instagram username: {username!r}")
    return name


def _land(folder: Path, stem: str, structure: Post | Profile) -> tuple[Path, str, int]:
    data = json.dumps(get_json_structure(structure), separators=(",", ":")).encode()
    packed = lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_NONE)
    path = folder / f"{stem}.json.xz"
    n = 0
    while path.exists():  # two posts in the same second: instaloader's "_<n>" suffix
        n += 1
        path = folder / f"{stem}_{n}.json.xz"
    write_private(path, packed, durable=True)
    return path, hashlib.sha256(packed).hexdigest(), len(packed)


def _folder(run_dir: Path, username: str) -> Path:
    ensure_private_dir(run_dir.parent)
    ensure_private_dir(run_dir)
    return ensure_private_dir(run_dir / safe_username(username))


def land_post(run_dir: Path, username: str, post: Post) -> LandedFile:
    """Writes one post under ``run_dir/<username>/`` and returns what was written."""
    posted_at = post.date_utc
    stem = f"{posted_at:%Y-%m-%d_%H-%M-%S}_UTC"
    path, sha, size = _land(_folder(run_dir, username), stem, post)
    return LandedFile(path, sha, size, "post", safe_username(username), post.shortcode, posted_at)


def land_profile(run_dir: Path, profile: Profile) -> LandedFile:
    """Writes the profile as ``run_dir/<username>/<username>_<userid>.json.xz``."""
    username = safe_username(profile.username)
    stem = f"{username}_{profile.userid}"
    path, sha, size = _land(_folder(run_dir, username), stem, profile)
    return LandedFile(path, sha, size, "profile", username, None, None)
