"""Validates a DataFrame against a :class:`Suite` with Great Expectations, in code.

Great Expectations is imported on first use (it takes 2-3 s; DAG files must parse fast). One
ephemeral context per process holds one pandas datasource with a dataframe asset per suite; each
validation is a ``ValidationDefinition`` run with result format COMPLETE, so every failing row
comes back by the suite's key columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from checks.quality.suites import Expect, Suite

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.data_context import AbstractDataContext

SAMPLE = 20  # failing rows kept per expectation in dq_results.details (all are in the JSON)
_definitions: dict[str, tuple[str, Any]] = {}  # suite name -> (its repr, GX definition)


@dataclass
class Outcome:
    """How one expectation fared: its failing rows (key columns and offending value)."""

    expect: Expect
    success: bool
    unexpected_count: int
    failing: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # GX could not evaluate it (counts as a failure)

    def summary(self) -> dict[str, Any]:
        """The outcome as stored in dq_results.details (a sample of the failing rows)."""
        return {
            "expectation": self.expect.name,
            "type": self.expect.gx_type,
            "column": self.expect.column,
            "success": self.success,
            "unexpected_count": self.unexpected_count,
            "failing_sample": self.failing[:SAMPLE],
            **({"error": self.error} if self.error else {}),
        }


@dataclass
class Validation:
    """One suite validated over one DataFrame: the outcomes and GX's own result document."""

    suite: Suite
    rows: int
    outcomes: list[Outcome]
    document: dict[str, Any]

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def evaluated(self) -> int:
        return len(self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]


@cache
def _context() -> AbstractDataContext:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # tqdm bars on stderr per metric would drown the pipeline's own progress output
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.data_sources.add_pandas("medsos_audit")
    return context


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a value GX returned (numpy scalars, NaN, timestamps)."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            value = value.item()
        except (TypeError, ValueError):
            value = str(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _definition(suite: Suite) -> Any:
    """The GX validation definition of ``suite``, built once per process and suite version."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    fingerprint = repr(suite)
    known = _definitions.get(suite.name)
    if known is not None and known[0] == fingerprint:
        return known[1]
    context = _context()
    source: Any = context.data_sources.get("medsos_audit")
    try:
        asset = source.get_asset(suite.name)
    except LookupError:
        asset = source.add_dataframe_asset(suite.name)
    try:
        batch = asset.get_batch_definition("whole")
    except KeyError:
        batch = asset.add_batch_definition_whole_dataframe("whole")
    gx_suite = gx.ExpectationSuite(name=suite.name)
    for expect in suite.expectations:
        cls = getattr(gxe, expect.gx_type)
        gx_suite.add_expectation(cls(**expect.kwargs, meta={"name": expect.name}))
    gx_suite = context.suites.add_or_update(gx_suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
    )
    _definitions[suite.name] = (fingerprint, definition)
    return definition


def validate(frame: pd.DataFrame, suite: Suite) -> Validation:
    """Runs ``suite`` over ``frame``; every failing row is named by the suite's key columns."""
    definition = _definition(suite)
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": list(suite.keys),
        },
    )
    by_name = {e.name: e for e in suite.expectations}
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        assert config is not None and config.meta is not None
        expect = by_name[config.meta["name"]]
        details = item.result or {}
        failing = [
            {k: _plain(v) for k, v in row.items()}
            for row in details.get("unexpected_index_list") or []
            if isinstance(row, dict)
        ]
        error = None
        if item.exception_info and item.exception_info.get("raised_exception"):
            error = str(item.exception_info.get("exception_message"))[:300]
        count = int(details.get("unexpected_count") or len(failing))
        outcomes.append(Outcome(expect, bool(item.success), count, failing, error))
    outcomes.sort(key=lambda o: suite.expectations.index(o.expect))
    return Validation(suite, len(frame), outcomes, result.to_json_dict())
