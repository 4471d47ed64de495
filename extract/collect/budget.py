"""Counts every request instaloader makes, per run and per account, and enforces the run's budget.

instaloader calls its RateController before every request it sends to Instagram (pages, GraphQL,
the JSON and mobile APIs), so a subclass sees each one. This one also turns two of instaloader's
waits into clean stops: a 429, which instaloader would answer by sleeping 11+ minutes and
retrying, and any proactive wait longer than the caller allows.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from instaloader import InstaloaderContext, RateController

from extract.collect.errors import BudgetExhaustedError, RateLimitedError


class RequestCounter:
    """Requests sent in this run, in total, for the current account and by instaloader bucket."""

    def __init__(self, budget: int | None = None) -> None:
        if budget is not None and budget < 0:
            raise ValueError("the request budget cannot be negative")
        self.budget = budget
        self.total = 0
        self.account = 0
        self.by_type: Counter[str] = Counter()

    @property
    def remaining(self) -> int | None:
        return None if self.budget is None else self.budget - self.total

    def start_account(self) -> None:
        """Starts counting a new account's requests from zero."""
        self.account = 0

    def check(self) -> None:
        """Raises BudgetExhaustedError when one more request would exceed the budget."""
        if self.budget is not None and self.total >= self.budget:
            raise BudgetExhaustedError(f"request budget of {self.budget} spent")

    def charge(self, query_type: str) -> None:
        """Counts one request that is about to be sent."""
        self.total += 1
        self.account += 1
        self.by_type[query_type] += 1


class CountingRateController(RateController):
    """instaloader's rate controller, counting each request and failing fast instead of waiting.

    ``max_wait`` is the longest proactive wait (seconds) allowed before a request; a longer one
    raises RateLimitedError, so the run stops and the next one resumes. ``sleep`` is injectable,
    so tests never sleep.
    """

    def __init__(
        self,
        context: InstaloaderContext,
        counter: RequestCounter,
        *,
        max_wait: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(context)
        self.counter = counter
        self.max_wait = max_wait
        self._sleep = sleep

    def sleep(self, secs: float) -> None:
        if self.max_wait is not None and secs > self.max_wait:
            raise RateLimitedError(f"the rate limiter asks to wait {round(secs)} s")
        self._sleep(secs)

    def wait_before_query(self, query_type: str) -> None:
        self.counter.check()
        super().wait_before_query(query_type)
        self.counter.charge(query_type)

    def handle_429(self, query_type: str) -> None:
        # instaloader calls this before retrying a request that got 429; the retry would follow
        # a sticky wait of 11+ minutes. Stop instead: the next run resumes where this one ended.
        raise RateLimitedError(f"429 Too Many Requests ({query_type})")


def counting(
    counter: RequestCounter,
    *,
    max_wait: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Callable[[InstaloaderContext], RateController]:
    """The ``rate_controller`` factory to pass to ``Instaloader``/``InstaloaderContext``."""
    return lambda ctx: CountingRateController(ctx, counter, max_wait=max_wait, sleep=sleep)
