"""Peak resident memory of a process tree, sampled from /proc while a phase runs.

`ru_maxrss` gives the peak of one process (and of the largest child that has ended), not of the
tree at any one moment; the parse workers and the main process hold memory at the same time, so
the benchmark samples their sum every few milliseconds instead.
"""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants now, in kB."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        total += resident * PAGE_KB
        todo += _children(pid)
    return total


class PeakTreeRss:
    """Samples the tree of this process until stopped; ``peak_mb`` is the largest sum seen."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(me))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakTreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, tree_rss_kb(os.getpid()))

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kb / 1024, 1)


def own_peak_mb() -> float:
    """The main process's own peak (ru_maxrss), for comparison."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
