"""Named fault points for the fault-injection tests (tests/quality/): a no-op unless asked.

``MEDSOS_FAULT=<point>[@<n>][:<action>]`` makes the ``n``-th arrival (default the first) at
``fault_point(<point>)`` do ``action``:

- ``kill``   (default) SIGKILL this process: nothing below runs, no handler, no cleanup;
- ``raise``  raise :class:`InjectedFaultError` (an ordinary exception, for in-process tests);
- ``enospc`` raise ``OSError(ENOSPC)``, as a full disk would at a write;
- ``wait``   block until the file named by ``MEDSOS_FAULT_RELEASE`` exists (concurrency tests).

Points are placed at stage boundaries and between transactions, never in per-row loops, so the
check costs one dictionary lookup per batch.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from collections import Counter
from pathlib import Path

WAIT_LIMIT = 300.0  # seconds
_arrivals: Counter[str] = Counter()


class InjectedFaultError(RuntimeError):
    """Raised at a fault point whose action is ``raise``."""


def fault_point(name: str) -> None:
    """Does what MEDSOS_FAULT asks when it names this point; otherwise nothing."""
    spec = os.environ.get("MEDSOS_FAULT")
    if not spec:
        return
    target, _, action = spec.partition(":")
    point, _, nth = target.partition("@")
    if point != name:
        return
    _arrivals[name] += 1
    if _arrivals[name] != (int(nth) if nth else 1):
        return
    if action in ("", "kill"):
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "raise":
        raise InjectedFaultError(f"fault injected at {name}")
    elif action == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), f"<fault {name}>")
    elif action == "wait":
        release = Path(os.environ["MEDSOS_FAULT_RELEASE"])
        deadline = time.monotonic() + WAIT_LIMIT
        while not release.exists():
            if time.monotonic() > deadline:  # a test that died must not leave a run waiting
                raise InjectedFaultError(f"fault {name}: {release} never appeared")
            time.sleep(0.05)
    else:
        raise ValueError(f"MEDSOS_FAULT: unknown action {action!r}")
