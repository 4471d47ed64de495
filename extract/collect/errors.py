"""Named collection outcomes, and the exceptions callers (the Airflow DAG) act on.

The DAG stops retrying on NOT_RETRYABLE: an account that does not exist, a checkpoint that a
person must clear in a browser, or a session file that cannot be used will not heal by retrying.
The classes themselves live in extract/exceptions.py, which imports nothing.
"""

from __future__ import annotations

from enum import StrEnum

from instaloader import (
    LoginRequiredException,
    PrivateProfileNotFollowedException,
    ProfileNotExistsException,
    QueryReturnedNotFoundException,
    TooManyRequestsException,
)

# The exception classes live in a module with no imports, so Airflow's ExceptionRetryPolicy
# can import them while parsing a DAG file without pulling instaloader in.
from extract.exceptions import (
    NOT_RETRYABLE,
    AccountNotFoundError,
    BudgetExhaustedError,
    CheckpointRequiredError,
    CollectError,
    RateLimitedError,
    SessionUnusableError,
)

__all__ = [
    "NOT_RETRYABLE",
    "AccountNotFoundError",
    "BudgetExhaustedError",
    "CheckpointRequiredError",
    "CollectError",
    "RateLimitedError",
    "SessionUnusableError",
    "Status",
    "classify",
    "describe",
]


class Status(StrEnum):
    """What happened to one account in one run (collect_log.status)."""

    OK = "ok"  # collected to its end, with new posts
    UNCHANGED = "unchanged"  # collected to its end, nothing new
    RENAMED = "renamed"  # collected under its new username, found by its stored user id
    PRIVATE = "private"
    NOT_FOUND = "not_found"
    LOGIN_REQUIRED = "login_required"  # Instagram showed a login wall instead of the page
    PLEASE_WAIT = "please_wait"  # 401 "Please wait a few minutes before you try again."
    RATE_LIMITED = "rate_limited"  # 429
    CHECKPOINT = "checkpoint"  # checkpoint/challenge/feedback required: stops the run
    BUDGET_EXHAUSTED = "budget_exhausted"  # --max-requests spent: stops the run
    ERROR = "error"  # anything else instaloader raised; named in collect_log.error


# Outcomes caused by Instagram throttling us rather than by the account: they do not move the
# account back in the queue, and several in a row stop the run (a storm).
THROTTLED = frozenset({Status.LOGIN_REQUIRED, Status.PLEASE_WAIT, Status.RATE_LIMITED})
# Outcomes after which no further request is made in this run.
RUN_STOPPING = frozenset({Status.CHECKPOINT, Status.BUDGET_EXHAUSTED})
# The account was collected to its end: its high-water mark may move.
COMPLETE = frozenset({Status.OK, Status.UNCHANGED, Status.RENAMED})

_CHECKPOINT_WORDS = ("checkpoint_required", "challenge_required", "feedback_required")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def classify(exc: BaseException) -> Status:
    """The status an exception raised while collecting one account stands for."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, BudgetExhaustedError) for e in chain):
        return Status.BUDGET_EXHAUSTED
    if any(isinstance(e, CheckpointRequiredError) for e in chain) or any(
        w in text for w in _CHECKPOINT_WORDS
    ):
        return Status.CHECKPOINT
    # instaloader names HTTP failures only in its messages: '401 Unauthorized - "fail" status,
    # message "Please wait a few minutes..."' (after retries), 'responded with "429 Too Many
    # Requests"' (with fatal_status_codes) or a page's '429 Too Many Requests when accessing'.
    if any(isinstance(e, RateLimitedError | TooManyRequestsException) for e in chain) or (
        "429 Too Many Requests" in text
    ):
        return Status.RATE_LIMITED
    if "401 Unauthorized" in text or "Please wait a few minutes" in text:
        return Status.PLEASE_WAIT
    if any(
        isinstance(
            e, AccountNotFoundError | ProfileNotExistsException | QueryReturnedNotFoundException
        )
        for e in chain
    ):
        return Status.NOT_FOUND
    if any(isinstance(e, PrivateProfileNotFollowedException) for e in chain):
        return Status.PRIVATE
    if any(isinstance(e, LoginRequiredException) for e in chain) or "login page" in text:
        return Status.LOGIN_REQUIRED
    return Status.ERROR


def describe(exc: BaseException, limit: int = 300) -> str:
    """A one-line description of an exception for collect_log.error (no bodies, no cookies)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    # instaloader appends up to 500 characters of a JSON body to fatal-status errors; the status
    # line before it is what an operator needs.
    first = first.split(": {", 1)[0]
    return f"{type(exc).__name__}: {first}"[:limit]
