"""The counting rate controller: every request counted, the budget kept, long waits refused."""

from __future__ import annotations

import pytest
from instaloader import InstaloaderContext

from extract.collect import RequestCounter
from extract.collect.budget import CountingRateController
from extract.collect.errors import BudgetExhaustedError, RateLimitedError


def controller(counter, **kw):
    return CountingRateController(InstaloaderContext(sleep=False, quiet=True), counter, **kw)


def test_the_budget_refuses_the_request_beyond_it_before_it_is_sent():
    counter = RequestCounter(budget=2)
    rc = controller(counter, sleep=lambda s: None)
    rc.wait_before_query("other")
    counter.start_account()
    rc.wait_before_query("28904005159232689")
    with pytest.raises(BudgetExhaustedError, match="request budget of 2 spent"):
        rc.wait_before_query("other")
    assert (counter.total, counter.account, dict(counter.by_type)) == (
        2,
        1,
        {"other": 1, "28904005159232689": 1},
    )


def test_instaloaders_own_wait_is_taken_when_short_and_refused_when_too_long():
    slept: list[float] = []
    counter = RequestCounter()
    rc = controller(counter, max_wait=700, sleep=slept.append)
    for _ in range(75):  # instaloader allows 75 page loads per 11 minutes
        rc.wait_before_query("other")
    rc.wait_before_query("other")
    assert len(slept) == 1 and 600 < slept[0] <= 700
    strict = controller(RequestCounter(), max_wait=60, sleep=slept.append)
    for _ in range(75):
        strict.wait_before_query("other")
    with pytest.raises(RateLimitedError, match="asks to wait"):
        strict.wait_before_query("other")


def test_a_429_is_not_waited_out():
    rc = controller(RequestCounter(), sleep=lambda s: pytest.fail("must not sleep"))
    with pytest.raises(RateLimitedError, match="429"):
        rc.handle_429("other")


def test_a_negative_budget_is_refused():
    with pytest.raises(ValueError, match="negative"):
        RequestCounter(-1)
