"""The import stage's collector setting is its own: the process gets its threshold back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from medsos_audit.gc_policy import BULK_THRESHOLD, bulk_allocation


@pytest.fixture(autouse=True)
def _keep_threshold() -> Iterator[None]:
    old = gc.get_threshold()
    yield
    gc.set_threshold(*old)


def test_threshold_is_raised_inside_and_restored_after_an_error() -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(RuntimeError), bulk_allocation():
        assert gc.get_threshold() == (BULK_THRESHOLD, 10, 10)
        raise RuntimeError("stage failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_set_by_the_host_is_not_lowered() -> None:
    gc.set_threshold(200_000, 5, 5)
    with bulk_allocation():
        assert gc.get_threshold() == (200_000, 5, 5)
    assert gc.get_threshold() == (200_000, 5, 5)
