"""Request counts of medsos-audit's collector and of instaloader's own CLI on the same recordings.

Each scenario runs a sequence of passes over one account (e.g. first collection, then the same
account unchanged) with the collector, and the same sequence with instaloader's CLI entry point
(``instaloader.__main__._main``, what ``instaloader --fast-update [--login USER] PROFILE`` runs)
into one target folder, both served by RecordedContext. Counted per pass: requests to Instagram
(through instaloader's rate controller; every one of them) and, for the CLI, picture downloads
from the CDN. ``python -m tests.extract.collect.compare`` prints the table for docs/operations.md;
test_compare.py asserts the same numbers.
"""

from __future__ import annotations

import pickle
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from instaloader import Instaloader
from instaloader.__main__ import _main

from extract.collect import CollectResult, RequestCounter, Target, collect_accounts, counting
from tests.extract.collect.recorded import SESSION_COOKIES, RecordedContext, load_routes, log_in

NOW = datetime(2025, 6, 2, 3, 0)  # naive UTC, as the recordings' clock


@dataclass(frozen=True)
class Scenario:
    name: str
    username: str
    passes: tuple[str, ...]  # account versions, one per pass; the last pass is the one measured


SCENARIOS = (
    Scenario(
        "first collection (25 posts, 14 in the 12-week window, 1 stale pinned)", "dr.alya", ("v1",)
    ),
    Scenario("unchanged account", "dr.alya", ("v1", "v1")),
    Scenario("2 new posts", "dr.alya", ("v1", "v2")),
    Scenario("1 new post under 3 pinned posts", "dr.budi", ("v1", "v2")),
)


@dataclass(frozen=True)
class Count:
    api: int  # requests to Instagram's pages and APIs
    cdn: int  # picture downloads (the CLI only)


def _context(
    version: str, username: str, logged_in: bool, counter: RequestCounter
) -> RecordedContext:
    ctx = RecordedContext(load_routes(f"{username}@{version}"), rate_controller=counting(counter))
    if logged_in:
        log_in(ctx)
    return ctx


def collector_counts(scenario: Scenario, logged_in: bool) -> list[Count]:
    """The collector's requests per pass; known posts carry over as the warehouse would."""
    known: dict[str, datetime] = {}
    owner: str | None = None
    high_water: datetime | None = None
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, version in enumerate(scenario.passes):
            counter = RequestCounter()
            ctx = _context(version, scenario.username, logged_in, counter)
            target = Target(scenario.username, owner, dict(known), high_water)
            result: CollectResult = collect_accounts(
                ctx, counter, [target], Path(tmp) / f"run{n}", now=NOW
            )
            (out,) = result.outcomes
            assert out.complete, out.error
            owner = out.owner_id
            known.update(
                {f.shortcode: f.posted_at for f in out.files if f.shortcode and f.posted_at}
            )
            known.update(dict(out.remembered))
            high_water = out.newest[0] if out.newest else high_water
            assert len(ctx.requests) == counter.total  # nothing bypassed the rate controller
            counts.append(Count(counter.total, 0))
    return counts


def cli_counts(scenario: Scenario, logged_in: bool, *, lean: bool = False) -> list[Count]:
    """instaloader's CLI (--fast-update) per pass, into one target folder; lean = metadata only."""
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        session = Path(tmp) / "session-idi.monitor"
        with session.open("wb") as fh:
            pickle.dump(dict(SESSION_COOKIES), fh)
        for version in scenario.passes:
            counter = RequestCounter()
            loader = Instaloader(
                sleep=False,
                quiet=True,
                dirname_pattern=str(Path(tmp) / "{target}"),
                download_pictures=not lean,
                download_videos=not lean,
                download_video_thumbnails=not lean,
            )
            loader.context = _context(version, scenario.username, False, counter)
            code = _main(
                loader,
                [scenario.username],
                username="idi.monitor" if logged_in else None,
                sessionfile=str(session) if logged_in else None,
                download_profile_pic=not lean,
                fast_update=True,
            )
            assert int(code) == 0, code
            log = loader.context.requests
            cdn = sum(1 for k in log if k == "GET cdn")
            assert len(log) - cdn == counter.total
            counts.append(Count(counter.total, cdn))
    return counts


def table() -> str:
    """The markdown table of the measured pass, per scenario, logged out and logged in."""
    lines = [
        "| scenario | login | medsos-audit collect "
        "| instaloader --fast-update (+ picture downloads) "
        "| instaloader --fast-update, metadata only |",
        "|---|---|---:|---:|---:|",
    ]
    for s in SCENARIOS:
        for logged_in in (False, True):
            ours = collector_counts(s, logged_in)[-1]
            cli = cli_counts(s, logged_in)[-1]
            lean = cli_counts(s, logged_in, lean=True)[-1]
            login = "logged in" if logged_in else "logged out"
            lines.append(
                f"| {s.name} | {login} | {ours.api} | {cli.api} (+{cli.cdn}) | {lean.api} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
