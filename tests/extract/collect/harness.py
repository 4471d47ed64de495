"""Runs collector passes over recorded responses the way the collect command wires them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from extract.collect import CollectOptions, CollectResult, RequestCounter, Target, collect_accounts
from extract.collect.budget import counting
from extract.collect.login import FATAL_STATUS_CODES
from tests.extract.collect.recorded import RecordedContext, load_routes, log_in

NOW = datetime(2025, 6, 2, 3, 0)  # naive UTC: the recordings' clock
RUN_CLOCK = datetime(2025, 6, 2, 3, 5)


@dataclass
class Pass:
    """One run of the collector: its result, the requests it made, and its counter."""

    result: CollectResult
    requests: list[str]
    counter: RequestCounter

    def outcome(self, username: str) -> Any:
        return next(o for o in self.result.outcomes if o.requested == username)


def run_pass(
    run_dir: Path,
    accounts: Sequence[str],
    targets: Sequence[Target],
    *,
    logged_in: bool = False,
    budget: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    production: bool = True,
    options: CollectOptions | None = None,
) -> Pass:
    """Collects ``targets`` against the recorded '<username>@<version>' accounts."""
    counter = RequestCounter(budget)
    sleeps: list[float] = []
    ctx = RecordedContext(
        load_routes(*accounts, overrides=overrides),
        rate_controller=counting(counter, sleep=sleeps.append),
        fatal_status_codes=list(FATAL_STATUS_CODES) if production else None,
    )
    if logged_in:
        log_in(ctx)
    result = collect_accounts(
        ctx, counter, targets, run_dir, now=NOW, options=options, clock=lambda: RUN_CLOCK
    )
    assert ctx.adapter.refused == [], ctx.adapter.refused
    # Every request went through instaloader's rate controller, so the budget saw all of them.
    assert len(ctx.requests) == counter.total
    assert sleeps == []
    return Pass(result, ctx.requests, counter)


def fresh(*usernames: str) -> list[Target]:
    """Targets never collected before."""
    return [Target(u) for u in usernames]


def after(previous: Pass, targets: Sequence[Target]) -> list[Target]:
    """The targets as the warehouse knows them after loading ``previous`` (see state.py)."""
    by_name = {o.requested: o for o in previous.result.outcomes}
    out = []
    for t in targets:
        o = by_name.get(t.username)
        if o is None:
            out.append(t)
            continue
        known = dict(t.known)
        known.update({f.shortcode: f.posted_at for f in o.files if f.shortcode and f.posted_at})
        known.update(dict(o.remembered))
        high_water = t.high_water
        if o.complete and o.newest is not None:
            high_water = max(high_water or o.newest[0], o.newest[0])
        out.append(Target(o.username, o.owner_id, known, high_water))
    return out


def landed(p: Pass, username: str) -> list[str]:
    """Names of the files landed for one account, relative to its folder."""
    return sorted(f.path.name for f in p.outcome(username).files)


def media(code: str, logged_in: bool = False) -> str:
    """The request key of one post's metadata query."""
    endpoint = "graphql/query" if logged_in else "api/graphql"
    return f"POST www.instagram.com/{endpoint} doc_id=27128499623469141 shortcode={code}"


def page(username: str) -> str:
    return f"GET www.instagram.com/{username}/"


START_PAGE = "GET www.instagram.com/"
