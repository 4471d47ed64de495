"""An instaloader context for DAG runs in tests: recorded responses, no network.

collect_posts builds its context through MEDSOS_INSTALOADER_FACTORY; tests point it at
:func:`factory`, which serves the accounts named in MEDSOS_TEST_WORLD (e.g.
"dr.alya@v1,dr.hadi@v1") from tests/cases/ and refuses any other request.
"""

from __future__ import annotations

import os

from extract.collect import RequestCounter
from extract.collect.budget import counting
from extract.collect.login import FATAL_STATUS_CODES
from tests.extract.collect.recorded import RecordedContext, load_routes


def factory(counter: RequestCounter) -> RecordedContext:
    world = [w for w in os.environ.get("MEDSOS_TEST_WORLD", "").split(",") if w]
    return RecordedContext(
        load_routes(*world),
        rate_controller=counting(counter, sleep=lambda seconds: None),
        fatal_status_codes=list(FATAL_STATUS_CODES),
    )
