"""The compliance checks and the masking of patient identifiers run inside the parse workers, so
each new post is checked and masked while its file is still in hand: no second pass that reads
every post back from DuckDB and ships it to another pool of workers, and none at publication.

The loader stores these flags in the batch's own transaction, for the posts whose stored content
is the content that was checked (transform/sql/store_prechecked.sql); anything else (an older
copy of an edited post, a post the gate held back) stays for the checks stage, as before.
"""

from __future__ import annotations

from checks import RuleSet
from checks.engine import check_posts
from checks.masking import mask_or_none
from checks.types import PostForCheck
from extract.snapshot import ParsedFile, WorkerTask
from transform.normalise import PostRow

_rules: RuleSet | None = None


def for_check(row: PostRow) -> PostForCheck:
    """The fields of a parsed post that the rules read, as the checks stage reads them."""
    return PostForCheck(
        shortcode=row.shortcode,
        owner_id=row.owner_id,
        caption=row.caption,
        accessibility_caption=row.accessibility_caption,
        is_sponsored=row.is_sponsored,
        sponsor_users=tuple(row.sponsor_users or ()),
        tagged_users=tuple(row.tagged_users or ()),
        hashtags=tuple(row.hashtags or ()),
        mentions=tuple(row.mentions or ()),
        location=row.location,
        typename=row.typename,
    )


def _init(ruleset: RuleSet) -> None:
    global _rules
    _rules = ruleset


def _check_chunk(chunk: list[ParsedFile]) -> None:
    assert _rules is not None, "transform.prechecked used without its initializer"
    for parsed in chunk:
        post = parsed.post
        if post is None or parsed.error:
            continue
        try:
            parsed.flags = check_posts([for_check(post)], _rules)
            parsed.masked = (mask_or_none(post.caption), mask_or_none(post.accessibility_caption))
        except Exception:  # the later stages do it again, and report what goes wrong
            parsed.flags = parsed.masked = None


def checks_task(ruleset: RuleSet) -> WorkerTask:
    """The parse workers' extra task: check every parsed post with ``ruleset``."""
    return WorkerTask(_init, (ruleset,), _check_chunk)
