"""What every command shares: exit codes, settings from the common options, and the one clear
message for a full disk, a permission error or DuckDB's memory limit."""

from __future__ import annotations

import argparse
import errno

import duckdb

from medsos_audit.settings import Settings
from warehouse.db import MEMORY_ENV, memory_limit

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with the command's --warehouse taking precedence."""
    return Settings.from_env(warehouse=getattr(args, "warehouse", None))


_WRITE_ERRNOS = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for the file system or the process's file-size limit",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
}
_WRITE_TEXTS = {
    "No space left on device": "no space left on the disk",
    "Disk quota exceeded": "disk quota exceeded",
    "File too large": "file too large for the file system or the process's file-size limit",
    "Permission denied": "permission denied",
    "Read-only file system": "read-only file system",
}


def io_problem(exc: BaseException) -> str | None:
    """A clear message when ``exc`` is a disk-full or permission error, or DuckDB reaching its
    memory limit; else None."""
    if isinstance(exc, duckdb.OutOfMemoryException):
        return (
            f"DuckDB reached its memory limit ({memory_limit()}, {MEMORY_ENV}). The step in "
            "progress was rolled back and nothing of it was kept; steps already committed stay, "
            f"and the next run continues from there. Raise {MEMORY_ENV} (e.g. 2GB), then run "
            "again."
        )
    why = None
    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        why = f"{_WRITE_ERRNOS[exc.errno]} ({exc.filename or 'a pipeline file'})"
    elif isinstance(exc, duckdb.Error):
        text = str(exc)
        why = next((v for k, v in _WRITE_TEXTS.items() if k in text), None)
        if why:
            why = f"{why} (writing the warehouse)"
    if why is None:
        return None
    return (
        f"cannot write: {why}. The step in progress was rolled back and nothing of it was kept; "
        "steps already committed stay, and the next run continues from there. Free space or fix "
        "the permissions, then run again."
    )
