"""Files only the service user may read: reports and e-mails carry doctors' cases (issue 9)."""

from __future__ import annotations

from pathlib import Path

from warehouse import db


def private_dir(path: Path, root: Path) -> Path:
    """Creates ``path`` and the folders between ``root`` and it with mode 0700.

    ``root`` itself (e.g. MEDSOS_HOME or a folder given with --out) keeps its mode when it
    already exists: it may be the user's own folder.
    """
    path, root = path.resolve(), root.resolve()
    chain = [path, *path.parents]
    if root not in chain:
        root = path
    root.parent.mkdir(parents=True, exist_ok=True)
    # mkdir(parents=True) would give the new folders the umask's mode: walk down instead.
    for folder in reversed(chain[: chain.index(root) + 1]):
        if not folder.exists():
            folder.mkdir(mode=0o700)
            folder.chmod(0o700)
        elif folder != root:
            folder.chmod(0o700)
    return path


def write_private(path: Path, data: bytes, root: Path) -> Path:
    """Writes ``data`` to ``path`` atomically with mode 0600, its folders up to ``root`` 0700."""
    private_dir(path.parent, root)
    return db.write_private(path, data)
