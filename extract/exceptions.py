"""The exceptions the extract stage raises to its callers; no imports, so a DAG file can name them.

The DAG stops retrying on NOT_RETRYABLE: an account that does not exist, a checkpoint that a
person must clear in a browser, or a session file that cannot be used will not heal by retrying.
"""

from __future__ import annotations


class CollectError(Exception):
    """Base of the collector's own exceptions."""


class BudgetExhaustedError(CollectError):
    """The run's request budget (--max-requests) is spent; raised before the request is sent."""


class RateLimitedError(CollectError):
    """Instagram answered 429, or the limiter would have to wait longer than allowed."""


class AccountNotFoundError(CollectError):
    """The account does not exist, by username nor by its stored user id."""


class CheckpointRequiredError(CollectError):
    """Instagram demands a checkpoint/challenge; a person must clear it before collecting again."""


class SessionUnusableError(CollectError):
    """The Instagram session file is missing, unreadable or not a session."""


NOT_RETRYABLE: tuple[type[Exception], ...] = (
    AccountNotFoundError,
    CheckpointRequiredError,
    SessionUnusableError,
)
