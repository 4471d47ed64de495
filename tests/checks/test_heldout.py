"""The goals of issue 3 hold on the held-out sets written from LABELING.md (not from dev).

Per check: precision >= 0.92, recall >= 0.88, and at most 5 % of clean posts flagged. A rule
edit that trades one check for another shows up here, with the confusion rows in the message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import RuleSet
from checks.evaluate import evaluate_corpus

HERE = Path(__file__).parent
SETS = ["heldout", "heldout_b", "heldout_c", "heldout_d", "heldout_e"]


@pytest.mark.parametrize("name", SETS)
def test_goals_hold_on_the_held_out_set(name: str, ruleset: RuleSet) -> None:
    ev = evaluate_corpus(HERE / name, ruleset)
    rows = [(r.kind, r.check, r.shortcode, r.evidence) for r in ev.rows]
    for score in ev.scores:
        assert score.precision is None or score.precision >= 0.92, (score, rows)
        assert score.recall is None or score.recall >= 0.88, (score, rows)
        assert score.clean_flagged <= 0.05 * ev.clean_posts, (score, rows)
    assert ev.unregistered_accounts == ()
