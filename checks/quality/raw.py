"""The raw-batch gate: validates the parsed rows of a landed batch before they are loaded.

Each post file becomes one DataFrame row (keyed by its path), each profile file one row of a
second frame; a third frame holds one row per distinct (shortcode, owner, time) among the batch
and the warehouse's own posts, so "shortcode unique" means "no two different posts claim the same
shortcode" while the same post seen twice (a re-download, a renamed account's old folder) is fine.
A row that fails any expectation is quarantined with the expectation's name; the rest loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import duckdb
import pyarrow as pa

from checks.quality.runner import Outcome, Validation, validate
from checks.quality.suites import RAW_POST_KEYS, RAW_PROFILES, raw_posts

if TYPE_CHECKING:
    import pandas as pd

    from extract.snapshot import ParsedFile

DETAIL_CHARS = 160  # offending values are shown, shortened: never a caption, only keys and fields


class Quarantined(NamedTuple):
    """Why one file's row was held back: the suite, the expectation, and what was wrong."""

    suite: str
    expectation: str
    details: str


@dataclass
class RawGate:
    """The validations of one batch and, per source file, the expectations its row failed."""

    validations: list[Validation] = field(default_factory=list)
    quarantined: dict[str, list[Quarantined]] = field(default_factory=dict)


def _posts_frame(parsed: Sequence[ParsedFile]) -> pd.DataFrame:
    import pandas as pd

    rows = [(p.file, p.post) for p in parsed if p.post is not None and not p.error]
    return pd.DataFrame(
        {
            "source_file": [f.path for f, _ in rows],
            "shortcode": [r.shortcode for _, r in rows],
            "owner_id": [r.owner_id for _, r in rows],
            # what the loader will record as the account's name: the node's, else the folder's
            "username": [(r.username or f.folder).lower() or None for f, r in rows],
            "posted_at": _moments([r.posted_at for _, r in rows]),
            "typename": [r.typename for _, r in rows],
            "likes": _counts([r.likes for _, r in rows]),
            "comments": _counts([r.comments for _, r in rows]),
        }
    )


# GX compares a column with its bounds in one vectorised step only for int/float and
# datetime64[ns] columns, and calls Python once per row for any other dtype (validating 20,000
# posts: 0.39-0.58 s with object/us columns, 0.25-0.35 s with these). The fast dtypes are used
# when they hold every value of the batch exactly.
_NS_FIRST, _NS_LAST = datetime(1678, 1, 1), datetime(2262, 4, 11)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _moments(values: list[datetime]) -> pd.Series:
    """Post times as datetime64[ns] when all fit (1678-2262), else microseconds (any year)."""
    import pandas as pd

    fits = all(_NS_FIRST <= v <= _NS_LAST for v in values)
    return pd.Series(values, dtype="datetime64[ns]" if fits else "datetime64[us]")


def _counts(values: list[int | None]) -> pd.Series:
    """Counts as int64 when all are present and fit; else objects, so that a count beyond 64 bits
    fails the range check instead of the frame, and a missing one stays missing."""
    import pandas as pd

    if all(v is not None and _INT64_MIN <= v <= _INT64_MAX for v in values):
        return pd.Series(values, dtype="int64")
    return pd.Series(values, dtype=object)


def _profiles_frame(parsed: Sequence[ParsedFile]) -> pd.DataFrame:
    import pandas as pd

    rows = [(p.file, p.profile) for p in parsed if p.profile is not None and not p.error]
    return pd.DataFrame(
        {
            "source_file": [f.path for f, _ in rows],
            "owner_id": [r.owner_id for _, r in rows],
            "username": [r.username for _, r in rows],
            "followers": pd.Series([r.followers for _, r in rows], dtype=object),
            "followees": pd.Series([r.followees for _, r in rows], dtype=object),
        }
    )


def _keys_frame(con: duckdb.DuckDBPyConnection, posts: pd.DataFrame) -> pd.DataFrame:
    """Distinct (shortcode, owner_id, posted_at) of the batch and of stored posts it shares."""
    mine = posts.loc[posts["shortcode"].notna(), ["shortcode", "owner_id", "posted_at"]]
    staged = pa.Table.from_pandas(mine, preserve_index=False).cast(
        pa.schema(
            [
                ("shortcode", pa.string()),
                ("owner_id", pa.string()),
                ("posted_at", pa.timestamp("us")),
            ]
        )
    )
    con.register("gate_batch_keys", staged)
    try:
        return con.execute(
            "SELECT DISTINCT shortcode, owner_id, posted_at FROM gate_batch_keys "
            "UNION SELECT p.shortcode, p.owner_id, p.posted_at FROM posts AS p "
            "WHERE p.shortcode IN (SELECT shortcode FROM gate_batch_keys)"
        ).df()
    finally:
        con.unregister("gate_batch_keys")


def _describe(outcome: Outcome, rows: list[dict[str, Any]]) -> str:
    """What was wrong, from the failing rows of one key (never more than a few fields)."""
    # sorted: the text must not depend on the order in which DuckDB or GX returned the rows
    shown = sorted(
        ", ".join(f"{k}={v!r}" for k, v in row.items() if k != "source_file") for row in rows
    )
    return f"{outcome.expect.gx_type}({outcome.expect.column}): {'; '.join(shown)}"[:DETAIL_CHARS]


def _collect(
    validation: Validation, key: str, files_of: dict[Any, list[str]]
) -> dict[str, list[Quarantined]]:
    """The files behind each failing row of ``validation`` (rows are named by ``key``)."""
    found: dict[str, list[Quarantined]] = {}
    for outcome in validation.failed:
        if not outcome.failing:  # GX could not say which rows: hold back the whole frame, say why
            reason = outcome.error or f"{outcome.unexpected_count} rows failed, keys unknown"
            entry = Quarantined(validation.suite.name, outcome.expect.name, reason[:DETAIL_CHARS])
            for paths in files_of.values():
                for path in paths:
                    found.setdefault(path, []).append(entry)
            continue
        by_key: dict[Any, list[dict[str, Any]]] = {}
        for row in outcome.failing:
            by_key.setdefault(row.get(key), []).append(row)
        for value, rows in by_key.items():
            entry = Quarantined(
                validation.suite.name, outcome.expect.name, _describe(outcome, rows)
            )
            for path in files_of.get(value, []):
                found.setdefault(path, []).append(entry)
    return found


def validate_raw_batch(
    con: duckdb.DuckDBPyConnection, parsed: Sequence[ParsedFile], now: datetime
) -> RawGate:
    """Validates the rows of one parsed batch; returns the validations and the rows to hold back."""
    gate = RawGate()
    posts = _posts_frame(parsed)
    if len(posts):
        checked = validate(posts, raw_posts(now))
        post_files = [p.file.path for p in parsed if p.post is not None and not p.error]
        _merge(gate, checked, _collect(checked, "source_file", {f: [f] for f in post_files}))
        files_of: dict[Any, list[str]] = {}
        for p in parsed:
            if p.post is not None and not p.error:
                files_of.setdefault(p.post.shortcode, []).append(p.file.path)
        unique = validate(_keys_frame(con, posts), RAW_POST_KEYS)
        _merge(gate, unique, _collect(unique, "shortcode", files_of))
    profiles = _profiles_frame(parsed)
    if len(profiles):
        checked = validate(profiles, RAW_PROFILES)
        profile_files = [p.file.path for p in parsed if p.profile is not None and not p.error]
        by_file = {f: [f] for f in profile_files}
        _merge(gate, checked, _collect(checked, "source_file", by_file))
    return gate


def _merge(gate: RawGate, validation: Validation, found: dict[str, list[Quarantined]]) -> None:
    gate.validations.append(validation)
    for path, entries in found.items():
        gate.quarantined.setdefault(path, []).extend(entries)
