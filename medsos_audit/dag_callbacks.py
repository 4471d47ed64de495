"""Callbacks the DAGs attach to their tasks; cheap to import (the DAG files import it)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("medsos_audit.dag")


def notify_operator(context: dict[str, Any]) -> None:
    """Tells the operator a task failed (placeholder until the mail stage lands: logs only)."""
    ti = context.get("ti")
    log.error("task failed: %s", getattr(ti, "task_id", "?"))
