"""Collects registered accounts' new public posts, landing them as instaloader files.

The collector gets an InstaloaderContext from its caller (the seam: tests pass one that serves
recorded responses) and a RequestCounter wired into that context's rate controller. It reads no
database: the caller gives each account's known posts and high-water mark (see state.py) and
records what comes back. Per account it loads the profile page once, then walks the posts newest
first and stops at the first post it already has that is not possibly pinned:

- The first three positions may be pinned posts, out of date order. A known post there is
  skipped, not a stop; an unknown one is fetched, and if it is older than the lookback window
  it is remembered (not landed) so it is never fetched again.
- A known post stops the walk only if it is at or below the high-water mark of the last
  complete pass (or older than the window). Posts landed by an interrupted pass are known but
  above the mark, so the walk goes on past them to what the interruption left behind.
- Logged out, only posts not yet known are fetched (one request each); logged in, the posts come
  with their metadata twelve per request, fetched only when the page shows something new.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from instaloader import (
    AbortDownloadException,
    BadResponseException,
    InstaloaderContext,
    InstaloaderException,
    Post,
    PostChangedException,
    ProfileNotExistsException,
)

from extract.collect import instagram
from extract.collect.budget import RequestCounter
from extract.collect.errors import (
    COMPLETE,
    RUN_STOPPING,
    THROTTLED,
    AccountNotFoundError,
    CheckpointRequiredError,
    CollectError,
    RateLimitedError,
    Status,
    classify,
    describe,
)
from extract.collect.landing import land_post, land_profile, safe_username
from extract.evidence import LandedFile

log = logging.getLogger(__name__)

PINNED_MAX = 3  # Instagram shows up to three pinned posts first, out of date order


@dataclass(frozen=True)
class Target:
    """One registered account to collect, with what the warehouse already knows of it."""

    username: str  # the account's current username as the warehouse knows it; requested first
    owner_id: str | None = None
    known: Mapping[str, datetime] = field(default_factory=dict)  # shortcode -> posted_at (UTC)
    high_water: datetime | None = None  # newest post date of the last complete pass


@dataclass(frozen=True)
class CollectOptions:
    """How far back a pass looks and how many throttled accounts in a row stop a run."""

    lookback: timedelta = timedelta(weeks=12)
    storm_after: int = 3


@dataclass
class AccountOutcome:
    """What one account's pass did: its status, requests, landed files and new high-water mark."""

    requested: str  # the username the pass started with
    username: str  # the username it ended with (differs after a rename)
    owner_id: str | None
    started_at: datetime
    status: Status = Status.ERROR
    error: str | None = None
    requests: int = 0
    duration_s: float = 0.0
    files: list[LandedFile] = field(default_factory=list)
    remembered: list[tuple[str, datetime]] = field(default_factory=list)  # outside the window
    newest: tuple[datetime, str] | None = None
    renamed_from: str | None = None

    @property
    def complete(self) -> bool:
        return self.status in COMPLETE

    @property
    def new_posts(self) -> int:
        return sum(1 for f in self.files if f.kind == "post")

    def raise_for_status(self) -> None:
        """Raises what the account's status means to a retrying caller (one task per account).

        AccountNotFoundError and CheckpointRequiredError are in errors.NOT_RETRYABLE;
        RateLimitedError (429, 401, login wall) is worth retrying later; ERROR re-raises as
        CollectError. Complete, private and budget-stopped passes raise nothing.
        """
        if self.status is Status.NOT_FOUND:
            raise AccountNotFoundError(self.error or f"{self.requested} not found")
        if self.status is Status.CHECKPOINT:
            raise CheckpointRequiredError(self.error or "checkpoint required")
        if self.status in THROTTLED:
            raise RateLimitedError(f"{self.status}: {self.error}")
        if self.status is Status.ERROR:
            raise CollectError(self.error or "collection failed")

    def saw(self, posted_at: datetime, shortcode: str) -> None:
        if self.newest is None or (posted_at, shortcode) > self.newest:
            self.newest = (posted_at, shortcode)


@dataclass
class CollectResult:
    """A run's outcomes in the order the accounts were tried, and why it stopped early if it did."""

    run_dir: Path
    outcomes: list[AccountOutcome]
    not_attempted: list[Target]
    requests: int
    stopped: Status | None = None
    stop_reason: str | None = None

    @property
    def files(self) -> list[LandedFile]:
        return [f for o in self.outcomes for f in o.files]

    def raise_if_blocked(self) -> None:
        """Raises CheckpointRequiredError when the run stopped at a checkpoint (for the DAG)."""
        if self.stopped is Status.CHECKPOINT:
            raise CheckpointRequiredError(self.stop_reason or "checkpoint required")


# Besides instaloader's own: KeyError/TypeError when a response's shape changed, ValueError for a
# username that is not one. Anything else is a bug and propagates.
_CAUGHT = (
    InstaloaderException,
    AbortDownloadException,
    CollectError,
    KeyError,
    TypeError,
    ValueError,
)


def collect_accounts(
    context: InstaloaderContext,
    counter: RequestCounter,
    targets: Sequence[Target],
    run_dir: Path,
    *,
    now: datetime,
    options: CollectOptions | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC).replace(tzinfo=None),
    on_account: Callable[[AccountOutcome], None] | None = None,
) -> CollectResult:
    """Collects each target in order until done or a run-stopping condition; lands under run_dir.

    ``now`` (naive UTC) draws the lookback window; ``clock`` stamps when each account started;
    ``on_account`` hears of each account as it is done (progress).
    """
    options = options or CollectOptions()
    cutoff = now - options.lookback
    result = CollectResult(run_dir, [], [], 0)
    streak = 0
    for target in targets:
        if result.stopped is None and counter.remaining == 0:
            result.stopped = Status.BUDGET_EXHAUSTED
            result.stop_reason = f"request budget of {counter.budget} spent"
        if result.stopped is not None:
            result.not_attempted.append(target)
            continue
        counter.start_account()
        outcome = _collect_one(context, counter, target, run_dir, cutoff, clock)
        result.outcomes.append(outcome)
        if on_account is not None:
            on_account(outcome)
        log.info(
            "%s: %s, %d requests, %d new posts",
            outcome.username,
            outcome.status,
            outcome.requests,
            outcome.new_posts,
        )
        streak = streak + 1 if outcome.status in THROTTLED else 0
        if outcome.status in RUN_STOPPING:
            result.stopped = outcome.status
            result.stop_reason = f"{outcome.status} at {outcome.username}: {outcome.error}"
        elif streak >= options.storm_after:
            result.stopped = outcome.status
            result.stop_reason = f"{streak} accounts in a row throttled ({outcome.status})"
    result.requests = counter.total
    return result


def _collect_one(
    context: InstaloaderContext,
    counter: RequestCounter,
    target: Target,
    run_dir: Path,
    cutoff: datetime,
    clock: Callable[[], datetime],
) -> AccountOutcome:
    out = AccountOutcome(target.username, target.username, target.owner_id, clock())
    started = time.monotonic()
    try:
        safe_username(target.username)  # before it becomes part of a URL or a folder
        page = _load_page(context, target, out)
        out.files.append(land_profile(run_dir, page.profile))
        if page.is_private:
            out.status = Status.PRIVATE
            return out
        walk = _Walk(target, out, cutoff, lambda post: land_post(run_dir, out.username, post))
        if context.is_logged_in:
            first = (n["code"] for n in _nodes(page))
            more = bool(((page.timeline or {}).get("page_info") or {}).get("has_next_page"))
            if not walk.unchanged(first, more):
                posts = instagram.logged_in_posts(context, out.username)
                walk.run((p.shortcode, partial(_given, p)) for p in posts)
        else:
            nodes = instagram.logged_out_posts(context, page)
            walk.run((n["code"], partial(_resolve, context, n["code"])) for n in nodes)
        if out.renamed_from:
            out.status = Status.RENAMED
        else:
            out.status = Status.OK if out.new_posts else Status.UNCHANGED
    except _CAUGHT as exc:
        out.status = classify(exc)
        out.error = describe(exc)
    finally:
        out.requests = counter.account
        out.duration_s = round(time.monotonic() - started, 3)
    return out


def _nodes(page: instagram.ProfilePage) -> Iterator[dict[str, Any]]:
    return (edge["node"] for edge in (page.timeline or {}).get("edges", ()))


def _load_page(
    context: InstaloaderContext, target: Target, out: AccountOutcome
) -> instagram.ProfilePage:
    """The account's profile page, following a rename through the stored user id."""
    try:
        page = instagram.load_profile_page(context, target.username)
        moved = target.owner_id is not None and str(page.profile.userid) != target.owner_id
    except ProfileNotExistsException:
        if target.owner_id is None:
            raise
        moved = True
    if moved:
        # The name is gone, or now belongs to someone else: look the account up by its id.
        assert target.owner_id is not None
        new_name = safe_username(instagram.current_username(context, target.owner_id))
        if new_name == target.username.lower():
            raise ProfileNotExistsException(f"Profile {target.username} has no page any more.")
        page = instagram.load_profile_page(context, new_name)
        out.renamed_from, out.username = target.username, new_name
    out.owner_id = str(page.profile.userid)
    return page


def _given(post: Post) -> Post:
    return post


def _resolve(context: InstaloaderContext, shortcode: str) -> Post | None:
    try:
        return instagram.resolve_post(context, shortcode)
    except (BadResponseException, PostChangedException):
        # Deleted (or replaced) between the listing and now: nothing to land.
        return None


class _NeedsMetadataError(Exception):
    """A post on the first page is not known yet (logged-in dry walk)."""


class _Walk:
    """Walks a feed newest first, landing new posts, until a known post below the mark."""

    def __init__(
        self,
        target: Target,
        out: AccountOutcome,
        cutoff: datetime,
        land: Callable[[Post], LandedFile],
    ) -> None:
        self.known = dict(target.known)
        self.high_water = target.high_water
        self.out = out
        self.cutoff = cutoff
        self.land = land

    def _stops(self, posted_at: datetime) -> bool:
        return posted_at < self.cutoff or (
            self.high_water is not None and posted_at <= self.high_water
        )

    def run(self, feed: Iterable[tuple[str, Callable[[], Post | None]]]) -> bool:
        """Walks the feed; True if it stopped at a known post, False if the feed ran out."""
        seen: set[str] = set()
        for position, (code, fetch) in enumerate(feed, start=1):
            if code in seen:
                continue
            seen.add(code)
            posted_at = self.known.get(code)
            if posted_at is not None:
                self.out.saw(posted_at, code)
                if position > PINNED_MAX and self._stops(posted_at):
                    return True
                continue
            post = fetch()
            if post is None:
                continue
            posted_at = post.date_utc
            self.known[code] = posted_at
            if posted_at < self.cutoff:
                self.out.remembered.append((code, posted_at))
                if position > PINNED_MAX:
                    return True
                continue
            self.out.files.append(self.land(post))
            self.out.saw(posted_at, code)
        return False

    def unchanged(self, first_page: Iterable[str], more: bool) -> bool:
        """Whether the first page alone shows nothing new (no request is made)."""

        def fail() -> Post | None:
            raise _NeedsMetadataError

        try:
            stopped = self.run((code, fail) for code in first_page)
        except _NeedsMetadataError:
            return False
        return stopped or not more
