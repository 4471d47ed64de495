"""The account-level personal-content share signal."""

from __future__ import annotations

import pytest

from checks import RuleSet, personal_share_signal
from checks.types import AccountSignal


def test_share_at_threshold_gives_a_signal(ruleset: RuleSet) -> None:
    spec = ruleset.signal("personal_mixing")
    assert spec is not None
    posts = 20
    personal = round(posts * spec.threshold)
    signal = personal_share_signal("9", posts, personal, "2026-W36", "2026-W47", ruleset)
    assert signal == AccountSignal(
        owner_id="9",
        signal="personal_share",
        window_start="2026-W36",
        window_end="2026-W47",
        value=round(personal / posts, 4),
        threshold=spec.threshold,
        posts=posts,
        check_name="personal_mixing",
        severity=spec.severity,
        rule_id="personal_mixing.account_share",
        rule_version=ruleset.version,
        fatwa_ref="Fatwa MKEK 029/2021 butir 8-10",
    )


def test_below_threshold_or_too_few_posts_gives_none(ruleset: RuleSet) -> None:
    spec = ruleset.signal("personal_mixing")
    assert spec is not None
    assert personal_share_signal("9", 20, 1, "2026-W36", "2026-W47", ruleset) is None
    few = spec.min_posts - 1
    assert personal_share_signal("9", few, few, "2026-W36", "2026-W47", ruleset) is None
    assert personal_share_signal("9", 0, 0, "2026-W36", "2026-W47", ruleset) is None


def test_impossible_counts_are_rejected(ruleset: RuleSet) -> None:
    with pytest.raises(ValueError, match="personal_posts"):
        personal_share_signal("9", 10, 11, "2026-W36", "2026-W47", ruleset)
