"""Imported once by the fault tests' fork server: fills the per-process caches (the GX context
and its pydantic models, the compiled rule set) so each forked child starts warm."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from checks import load_ruleset
from checks.quality.runner import validate
from checks.quality.suites import RAW_POST_KEYS, raw_posts
from medsos_audit.settings import SEEDS_DIR

load_ruleset(SEEDS_DIR / "rules")
validate(
    pd.DataFrame({"shortcode": ["a"], "owner_id": ["1"], "posted_at": [datetime(2020, 1, 1)]}),
    RAW_POST_KEYS,
)
validate(
    pd.DataFrame(
        {
            "source_file": ["a"],
            "shortcode": ["a"],
            "owner_id": ["1"],
            "username": ["a"],
            "posted_at": [datetime(2020, 1, 1)],
            "typename": [None],
            "likes": [1],
            "comments": [1],
        }
    ),
    raw_posts(datetime(2020, 1, 2)),
)
