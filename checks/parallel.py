"""Runs check_posts over large batches in worker processes that live for a whole pass.

The workers import only the checks package (no DuckDB, no Arrow) and receive the rule set once,
when they start; each batch is then split across them.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType

from checks.engine import check_posts
from checks.ruleset import RuleSet
from checks.types import Flag, PostForCheck

PARALLEL_FROM = 5_000  # below this many posts one process is faster than shipping them

_worker_rules: RuleSet | None = None


def _init_worker(ruleset: RuleSet) -> None:
    global _worker_rules
    _worker_rules = ruleset


def _check_chunk(posts: list[PostForCheck]) -> list[Flag]:
    assert _worker_rules is not None
    return check_posts(posts, _worker_rules)


class CheckPool:
    """check_posts, spread over ``workers`` processes started on first need and kept."""

    def __init__(self, ruleset: RuleSet, workers: int | None = None) -> None:
        self.ruleset = ruleset
        self.workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
        self._pool: ProcessPoolExecutor | None = None

    def check(self, posts: list[PostForCheck]) -> list[Flag]:
        """The flags of ``posts``, in the order check_posts would give them."""
        if self.workers <= 1 or len(posts) < PARALLEL_FROM:
            return check_posts(posts, self.ruleset)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.ruleset,),
            )
        size = max(1_000, -(-len(posts) // (self.workers * 2)))
        chunks = [posts[i : i + size] for i in range(0, len(posts), size)]
        return [flag for part in self._pool.map(_check_chunk, chunks) for flag in part]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> CheckPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
