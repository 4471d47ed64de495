"""Compliance checks: a rules engine whose rules and lexicons are data (seeds/rules/)."""

from checks.account import personal_share_signal
from checks.engine import check_posts, check_profile, explain_post, explain_profile
from checks.ruleset import RulesError, RuleSet, load_ruleset

__all__ = [
    "RuleSet",
    "RulesError",
    "check_posts",
    "check_profile",
    "explain_post",
    "explain_profile",
    "load_ruleset",
    "personal_share_signal",
]
