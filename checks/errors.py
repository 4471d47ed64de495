"""Exceptions the checks stage raises to its callers; imports nothing, so a DAG can name them."""

from __future__ import annotations


class GateBlockedError(RuntimeError):
    """The warehouse gate failed: nothing is published. Retrying cannot help (a DAG's
    ExceptionRetryPolicy names this class); fixing the data can."""
