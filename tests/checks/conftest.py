"""Fixtures for the checks tests: the real rule set under seeds/rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import RuleSet, load_ruleset

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "seeds" / "rules"


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_ruleset(RULES_DIR)
