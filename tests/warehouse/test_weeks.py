"""ISO weeks and their edges in Asia/Jakarta."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warehouse import weeks


def test_a_week_runs_monday_to_monday_in_jakarta_as_utc() -> None:
    assert weeks.bounds_utc("2026-W47", "Asia/Jakarta") == (
        datetime(2026, 11, 15, 17, 0),
        datetime(2026, 11, 22, 17, 0),
    )


def test_the_last_complete_week_is_drawn_in_the_time_zone() -> None:
    # Sunday 2026-11-22 18:00 UTC is already Monday 01:00 in Jakarta: W47 has just ended.
    assert weeks.last_complete_week("Asia/Jakarta", datetime(2026, 11, 22, 18, 0, tzinfo=UTC)) == (
        "2026-W47"
    )
    assert weeks.last_complete_week("UTC", datetime(2026, 11, 22, 18, 0, tzinfo=UTC)) == "2026-W46"


def test_weeks_cross_years_and_53_week_years() -> None:
    assert weeks.weeks_ending("2021-W01", 3) == ["2020-W52", "2020-W53", "2021-W01"]
    assert weeks.shift("2026-W52", 1) == "2026-W53"
    assert weeks.shift("2026-W53", 1) == "2027-W01"


@pytest.mark.parametrize("bad", ["2026-47", "2026-W5", "2025-W53", "W47", "2026-W00"])
def test_a_bad_week_is_refused(bad: str) -> None:
    with pytest.raises(weeks.WeekError):
        weeks.monday_of(bad)
