"""Fixtures: a private copy of the sample warehouse per test (see sample.py)."""

from tests.medsos_audit.report.sample import home, sample_warehouse_file, wh

__all__ = ["home", "sample_warehouse_file", "wh"]
