"""Pipeline runs in child processes forked from a pre-warmed server, so the fault tests do not pay
the 3 s of importing Great Expectations and the rest for each of their ~40 kills.

A child is an ordinary separate process: it runs the `run` command with small batches and its
own environment (MEDSOS_FAULT, MEDSOS_HOME), and a fault point kills it with SIGKILL exactly as
it would kill the command started from a shell.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRELOAD = [
    "great_expectations",
    "great_expectations.expectations",
    "pandas",
    "medsos_audit.cli",
    "medsos_audit.commands.run",
    "medsos_audit.pipeline",
    "tests.quality.child",
    "tests.quality.warm",
]
_context: Any = None


def _server() -> Any:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


def _main(argv: list[str], env: dict[str, str], batches: tuple[int, int], log: str) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.environ.clear()
    os.environ.update(env)
    import medsos_audit.pipeline as pipeline
    import transform.flags as flags
    from medsos_audit.cli import main

    pipeline.LOAD_BATCH, flags.BATCH = batches
    code = main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@dataclass
class Child:
    """A child run: its process, and the file its output goes to."""

    process: Any
    log: Path

    def wait(self) -> int:
        self.process.join(timeout=300)
        return int(self.process.exitcode)

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start(argv: list[str], env: dict[str, str], batches: tuple[int, int], log: Path) -> Child:
    """Starts the `run` command in a child process."""
    process = _server().Process(target=_main, args=(argv, env, batches, str(log)))
    process.start()
    return Child(process, log)
