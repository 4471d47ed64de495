"""Measured request counts against instaloader's own CLI on the same recordings (the issue's goal).

The same numbers are the table in docs/operations.md (python -m tests.extract.collect.compare).
"""

from __future__ import annotations

import pytest

from medsos_audit.settings import REPO_ROOT
from tests.extract.collect.compare import SCENARIOS, cli_counts, collector_counts, table

# scenario index -> login -> (collector, CLI --fast-update, CLI --fast-update metadata only)
MEASURED = {
    (0, False): (19, 30, 30),
    (0, True): (4, 8, 7),
    (1, False): (1, 7, 30),
    (1, True): (1, 6, 7),
    (2, False): (4, 7, 32),
    (2, True): (3, 6, 7),
    (3, False): (3, 8, 26),
    (3, True): (3, 6, 6),
}


@pytest.mark.parametrize(("index", "logged_in"), sorted(MEASURED))
def test_request_counts_side_by_side_with_instaloader(index, logged_in):
    scenario = SCENARIOS[index]
    ours = collector_counts(scenario, logged_in)[-1].api
    cli = cli_counts(scenario, logged_in)[-1].api
    lean = cli_counts(scenario, logged_in, lean=True)[-1].api
    assert (ours, cli, lean) == MEASURED[(index, logged_in)]
    assert ours <= min(cli, lean)


@pytest.mark.parametrize("logged_in", [False, True])
def test_an_unchanged_account_costs_at_most_two_requests(logged_in):
    assert collector_counts(SCENARIOS[1], logged_in)[-1].api <= 2


def test_operations_doc_shows_the_measured_table():
    doc = (REPO_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert table() in doc
