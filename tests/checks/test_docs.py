"""docs/checks.md documents every rule, every suppression and every check's reference."""

from __future__ import annotations

from pathlib import Path

from checks import RuleSet

DOC = Path(__file__).resolve().parents[2] / "docs" / "checks.md"


def test_every_rule_and_suppression_is_documented(ruleset: RuleSet) -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [r.id for r in ruleset.rules if f"`{r.id}`" not in text]
    missing += [s.id for s in ruleset.suppressions if f"`{s.id}`" not in text]
    assert missing == []


def test_documented_severities_and_weights_match_the_rules(ruleset: RuleSet) -> None:
    rows = {
        cells[1].strip(" `"): (cells[2].strip(), cells[3].strip())
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `") and len(cells := line.split("|")) >= 6
    }
    expected = {r.id: (r.severity, str(r.weight)) for r in ruleset.rules}
    assert {rule_id: rows.get(rule_id) for rule_id in expected} == expected
