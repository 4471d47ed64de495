"""Every rule and every suppression on real text (tests/checks/cases/posts.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from checks import RuleSet, explain_post
from checks.types import PostForCheck

CASES_FILE = Path(__file__).parent / "cases" / "posts.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
_EXPECT = ("checks", "rules", "suppressed")


def _post(case: dict[str, Any], number: int) -> PostForCheck:
    fields = {k: v for k, v in case.items() if k not in _EXPECT}
    for key in ("sponsor_users", "tagged_users", "hashtags", "mentions"):
        if key in fields:
            fields[key] = tuple(fields[key])
    return PostForCheck(shortcode=f"case{number}", owner_id="1", **fields)


@pytest.mark.parametrize(
    "number,case", list(enumerate(CASES)), ids=[str(c.get("caption"))[:40] for c in CASES]
)
def test_case(number: int, case: dict[str, Any], ruleset: RuleSet) -> None:
    explanation = explain_post(_post(case, number), ruleset)
    fired_checks = sorted({f.check_name for f in explanation.flags})
    fired_rules = {f.rule_id for f in explanation.flags}
    assert fired_checks == sorted(case["checks"]), [
        (f.rule_id, f.evidence) for f in explanation.flags
    ]
    assert set(case.get("rules", [])) <= fired_rules
    assert set(case.get("suppressed", [])) <= {s.by for s in explanation.suppressed}


def test_every_rule_and_suppression_has_a_case(ruleset: RuleSet) -> None:
    named = {r for c in CASES for r in c.get("rules", [])}
    named |= {s for c in CASES for s in c.get("suppressed", [])}
    post_rules = {r.id for r in ruleset.rules if r.subject == "post"}
    suppressions = {s.id for s in ruleset.suppressions}
    assert post_rules - named == set()
    assert suppressions - named == set()
