"""The expectation suites of the data-quality gate, written as data (no Great Expectations import).

Each expectation has a stable ``name`` (stored in `quarantine.expectation` and `dq_results`),
the Great Expectations class that evaluates it, and that class's arguments. The runner turns a
:class:`Suite` into a GX ``ExpectationSuite`` when it validates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from checks.types import CHECK_NAMES, SEVERITIES

# instaloader shortcodes are base64-url text; user ids are digits; usernames follow Instagram's
# rules (stored lower case). A value outside these shapes is not Instagram's and may be hostile.
SHORTCODE = r"^[A-Za-z0-9_-]{1,64}$"
USER_ID = r"^[0-9]{1,20}$"
USERNAME = r"^[a-z0-9._]{1,30}$"
TYPENAMES = ("GraphImage", "GraphVideo", "GraphSidecar")
INSTAGRAM_LAUNCH = datetime(2010, 10, 6)  # no post can be older
FUTURE_SLACK = timedelta(days=1)  # clock skew between Instagram, the collector and us
COUNT_MAX = 2**63 - 1  # counts land in BIGINT columns
MANY_POSTS = 20  # a branch-week with at least this many posts is "many": a drop to 0 is suspect


@dataclass(frozen=True)
class Expect:
    """One expectation: its stable name, the GX expectation class, and that class's arguments."""

    name: str
    gx_type: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        """The column it looks at (for pair expectations, the first one)."""
        return self.kwargs.get("column") or self.kwargs.get("column_A")


@dataclass(frozen=True)
class Suite:
    """A named list of expectations over one DataFrame, and the columns that name a failing row."""

    name: str
    keys: tuple[str, ...]
    expectations: tuple[Expect, ...]


def _not_null(name: str, column: str) -> Expect:
    return Expect(name, "ExpectColumnValuesToNotBeNull", {"column": column})


def _matches(name: str, column: str, regex: str) -> Expect:
    return Expect(name, "ExpectColumnValuesToMatchRegex", {"column": column, "regex": regex})


def _count(name: str, column: str) -> Expect:
    kwargs = {"column": column, "min_value": 0, "max_value": COUNT_MAX}
    return Expect(name, "ExpectColumnValuesToBeBetween", kwargs)


def _equal(name: str, a: str, b: str) -> Expect:
    return Expect(name, "ExpectColumnPairValuesToBeEqual", {"column_A": a, "column_B": b})


def _at_most(name: str, small: str, big: str) -> Expect:
    kwargs = {"column_A": big, "column_B": small, "or_equal": True}
    return Expect(name, "ExpectColumnPairValuesAToBeGreaterThanB", kwargs)


def raw_posts(now: datetime) -> Suite:
    """Rows of a landed batch (one per post file), validated before the batch is loaded."""
    window = {
        "column": "posted_at",
        "min_value": INSTAGRAM_LAUNCH,
        "max_value": now + FUTURE_SLACK,
    }
    return Suite(
        "raw_posts",
        ("source_file", "shortcode"),
        (
            _not_null("shortcode_present", "shortcode"),
            _matches("shortcode_well_formed", "shortcode", SHORTCODE),
            _not_null("owner_id_present", "owner_id"),
            _matches("owner_id_well_formed", "owner_id", USER_ID),
            _matches("username_well_formed", "username", USERNAME),
            _not_null("posted_at_present", "posted_at"),
            Expect("posted_at_in_range", "ExpectColumnValuesToBeBetween", window),
            Expect(
                "typename_known",
                "ExpectColumnValuesToBeInSet",
                {"column": "typename", "value_set": list(TYPENAMES)},
            ),
            _count("likes_not_negative", "likes"),
            _count("comments_not_negative", "comments"),
        ),
    )


# One row per distinct (shortcode, owner_id, posted_at) in the batch and the warehouse: the same
# post seen twice is one row; two different posts claiming one shortcode are two.
RAW_POST_KEYS = Suite(
    "raw_post_keys",
    ("shortcode", "owner_id", "posted_at"),
    (Expect("shortcode_unique", "ExpectColumnValuesToBeUnique", {"column": "shortcode"}),),
)

RAW_PROFILES = Suite(
    "raw_profiles",
    ("source_file", "owner_id"),
    (
        _matches("owner_id_well_formed", "owner_id", USER_ID),
        _matches("username_well_formed", "username", USERNAME),
        _count("followers_not_negative", "followers"),
        _count("followees_not_negative", "followees"),
    ),
)

WAREHOUSE_POSTS = Suite(
    "warehouse_posts",
    ("shortcode", "owner_id"),
    (
        Expect(
            "posts_unique_by_shortcode", "ExpectColumnValuesToBeUnique", {"column": "shortcode"}
        ),
        Expect(
            "post_account_registered",
            "ExpectColumnValuesToBeInSet",
            {"column": "account_registered", "value_set": [True]},
        ),
    ),
)

WAREHOUSE_FLAGS = Suite(
    "warehouse_flags",
    ("subject", "check_name", "rule_id"),
    (
        Expect(
            "check_name_allowed",
            "ExpectColumnValuesToBeInSet",
            {"column": "check_name", "value_set": list(CHECK_NAMES)},
        ),
        Expect(
            "severity_allowed",
            "ExpectColumnValuesToBeInSet",
            {"column": "severity", "value_set": list(SEVERITIES)},
        ),
        Expect(
            "risk_score_in_range",
            "ExpectColumnValuesToBeBetween",
            {"column": "risk_score", "min_value": 0, "max_value": 100},
        ),
    ),
)

_CHECK_COLUMNS = tuple(f"{c}_posts" for c in CHECK_NAMES)
_SEVERITY_COLUMNS = tuple(f"{s}_posts" for s in SEVERITIES)

WAREHOUSE_AUDIT_ACCOUNTS = Suite(
    "warehouse_audit_accounts",
    ("post_week", "owner_id"),
    (
        _equal("account_posts_match_posts_table", "posts", "warehouse_posts"),
        _at_most("flagged_posts_within_posts", "flagged_posts", "posts"),
        *(_at_most(f"{c}_within_flagged", c, "flagged_posts") for c in _CHECK_COLUMNS),
        *(_at_most(f"{c}_within_flagged", c, "flagged_posts") for c in _SEVERITY_COLUMNS),
    ),
)

WAREHOUSE_AUDIT_BRANCHES = Suite(
    "warehouse_audit_branches",
    ("post_week", "branch"),
    (
        _equal("branch_posts_sum_of_accounts", "posts", "sum_posts"),
        _equal("branch_flagged_sum_of_accounts", "flagged_posts", "sum_flagged_posts"),
        *(_equal(f"branch_{c}_sum_of_accounts", c, f"sum_{c}") for c in _CHECK_COLUMNS),
        *(_equal(f"branch_{c}_sum_of_accounts", c, f"sum_{c}") for c in _SEVERITY_COLUMNS),
        _equal("branch_accounts_with_posts_counted", "accounts_with_posts", "account_rows"),
        _equal("branch_flagged_accounts_counted", "flagged_accounts", "flagged_account_rows"),
        _at_most("branch_flagged_within_posts", "flagged_posts", "posts"),
        _at_most("branch_posting_accounts_within_accounts", "accounts_with_posts", "accounts"),
    ),
)

WAREHOUSE_WEEK_VOLUME = Suite(
    "warehouse_week_volume",
    ("post_week", "branch"),
    (
        Expect(
            "no_empty_week_after_a_busy_one",
            "ExpectColumnValuesToBeBetween",
            {
                "column": "posts",
                "min_value": 1,
                "row_condition": f"previous_posts >= {MANY_POSTS}",
                "condition_parser": "pandas",
            },
        ),
    ),
)

WAREHOUSE_SUITES = (
    WAREHOUSE_POSTS,
    WAREHOUSE_FLAGS,
    WAREHOUSE_AUDIT_ACCOUNTS,
    WAREHOUSE_AUDIT_BRANCHES,
    WAREHOUSE_WEEK_VOLUME,
)
