"""Progress reporting that the stages call without knowing who watches (CLI bar or task log)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichBar

Advance = Callable[[int], None]


class Progress(Protocol):
    """Reports the progress of named stages."""

    def stage(self, name: str, total: int | None) -> AbstractContextManager[Advance]: ...


class NoProgress:
    """Reports nothing."""

    @contextmanager
    def stage(self, name: str, total: int | None) -> Iterator[Advance]:
        yield lambda n: None


class LogProgress:
    """Logs counts at the start and end of a stage and every ~10 % (for Airflow task logs)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.log = logger or logging.getLogger("medsos_audit")

    @contextmanager
    def stage(self, name: str, total: int | None) -> Iterator[Advance]:
        done = 0
        step = max(1, (total or 0) // 10)
        next_report = step
        self.log.info("%s: starting (%s items)", name, total if total is not None else "?")

        def advance(n: int) -> None:
            nonlocal done, next_report
            done += n
            if done >= next_report:
                self.log.info("%s: %d/%s", name, done, total if total is not None else "?")
                next_report = done + step

        yield advance
        self.log.info("%s: done (%d items)", name, done)


class RichProgress:
    """A rich progress bar per stage, for the command line."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console

    @contextmanager
    def stage(self, name: str, total: int | None) -> Iterator[Advance]:
        bar = RichBar(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        with bar:
            task = bar.add_task(name, total=total)
            yield lambda n: bar.advance(task, n)
