"""The data-quality gate (issue 7): Great Expectations suites kept in code, run on DataFrames.

Importing this package does not import Great Expectations (2-3 s; DAG files must parse fast):
the runner imports it on the first validation.
"""

from checks.errors import GateBlockedError
from checks.quality.raw import Quarantined, RawGate, validate_raw_batch
from checks.quality.results import DqReport, record, report_for
from checks.quality.runner import Validation, validate
from checks.quality.warehouse import WarehouseGate, validate_warehouse

__all__ = [
    "DqReport",
    "GateBlockedError",
    "Quarantined",
    "RawGate",
    "Validation",
    "WarehouseGate",
    "record",
    "report_for",
    "validate",
    "validate_raw_batch",
    "validate_warehouse",
]
