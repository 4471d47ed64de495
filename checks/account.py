"""Account-level signals: e.g. the share of personal posts over the last 12 ISO weeks."""

from __future__ import annotations

from checks.ruleset import RuleSet
from checks.types import AccountSignal


def personal_share_signal(
    owner_id: str,
    posts: int,
    personal_posts: int,
    window_start: str,
    window_end: str,
    ruleset: RuleSet,
) -> AccountSignal | None:
    """The personal-content signal of an account when its share passes the rules' threshold.

    None when the rules declare no such signal, the account has fewer posts than the rules'
    minimum in the window, or the share is below the threshold.
    """
    spec = ruleset.signal("personal_mixing")
    if spec is None or posts <= 0 or posts < spec.min_posts:
        return None
    if not 0 <= personal_posts <= posts:
        raise ValueError(
            f"personal_posts must be between 0 and posts ({posts}), got {personal_posts}"
        )
    share = personal_posts / posts
    if share < spec.threshold:
        return None
    return AccountSignal(
        owner_id=owner_id,
        signal=spec.signal,
        window_start=window_start,
        window_end=window_end,
        value=round(share, 4),
        threshold=spec.threshold,
        posts=posts,
        check_name=spec.check,
        severity=spec.severity,
        rule_id=spec.id,
        rule_version=ruleset.version,
        fatwa_ref=spec.fatwa_ref,
    )
