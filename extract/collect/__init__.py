"""Live collection: lands registered accounts' new public posts as instaloader files.

plan_targets (warehouse) -> collect_accounts (Instagram, through an InstaloaderContext the caller
gives) -> record_log / evidence.record_run -> the importer -> commit_state.
"""

from extract.collect.budget import RequestCounter, counting
from extract.collect.collector import CollectOptions, CollectResult, Target, collect_accounts
from extract.collect.state import commit_state, plan_targets, record_log

__all__ = [
    "CollectOptions",
    "CollectResult",
    "RequestCounter",
    "Target",
    "collect_accounts",
    "commit_state",
    "counting",
    "plan_targets",
    "record_log",
]
