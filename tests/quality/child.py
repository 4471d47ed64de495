"""Pipeline runs in child processes forked from a pre-warmed server, so the fault tests do not pay
the 3 s of importing Great Expectations and the rest for each of their ~40 kills.

A child is an ordinary separate process: it runs the `run` command with small batches and its
own environment (MEDSOS_FAULT, MEDSOS_HOME), and a fault point kills it with SIGKILL exactly as
it would kill the command started from a shell.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
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


def _main(
    argv: list[str], env: dict[str, str], batches: tuple[int, int], log: str, fsize: int | None
) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    if fsize is not None:
        # a write past this size fails with EFBIG (SIGXFSZ ignored), as a full disk fails with
        # ENOSPC: the same failed write() reaches DuckDB and the pipeline
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
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
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
        return int(self.process.exitcode)

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def start(
    argv: list[str],
    env: dict[str, str],
    batches: tuple[int, int],
    log: Path,
    fsize: int | None = None,
) -> Child:
    """Starts the `run` command in a child process (with a file-size limit, if given)."""
    # daemonic: a child left behind by a failed test dies with the test process
    process = _server().Process(
        target=_main, args=(argv, env, batches, str(log), fsize), daemon=True
    )
    process.start()
    return Child(process, log)


def _hold_run(warehouse: str, release: str, log: str) -> None:
    """A run that is alive but does not hold the warehouse (as a collection landing files)."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    import time

    from medsos_audit.runs import finish_run, start_run
    from warehouse.db import connect

    con = connect(Path(warehouse))
    run_id = start_run(con, "collect")
    con.close()
    print(run_id, flush=True)
    deadline = time.monotonic() + 300
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    con = connect(Path(warehouse))
    finish_run(con, run_id, "success")
    con.close()
    os._exit(0)


def hold_run(warehouse: Path, release: Path, log: Path) -> Child:
    """Starts a process that begins a run, lets go of the warehouse, and waits for ``release``."""
    process = _server().Process(
        target=_hold_run, args=(str(warehouse), str(release), str(log)), daemon=True
    )
    process.start()
    return Child(process, log)
