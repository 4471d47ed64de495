"""Fewer garbage collections while a stage builds many objects that all stay alive.

CPython starts a young-generation collection every 700 net allocations and, every tenth of
those, an older one that walks every surviving object again. The import stage holds a batch of
20,000 parsed files (each a handful of objects) while unpickling the next, so the collector kept
re-walking a heap that only grows until the batch is loaded: at 50,000 posts the main process
spent about a quarter of its CPU time there (12.0 s of CPU with the default threshold, 8.8 s
with this one; docs/performance.md). Nothing here is cyclic garbage worth collecting early;
reference counting frees each batch as soon as it is loaded.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLD = 50_000  # allocations between young collections while the stage runs


@contextmanager
def bulk_allocation(threshold: int = BULK_THRESHOLD) -> Iterator[None]:
    """Raises the young-generation threshold for the block, then puts the old one back."""
    old = gc.get_threshold()
    gc.set_threshold(max(threshold, old[0]), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
