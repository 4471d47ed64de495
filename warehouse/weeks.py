"""ISO weeks written 'YYYY-Www' and their edges in the pipeline's time zone (CONTRACT "Weeks")."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekError(ValueError):
    """A week is not written 'YYYY-Www' or does not exist (e.g. 2026-W53)."""


def monday_of(week: str) -> date:
    """The Monday that starts ``week``."""
    m = _WEEK.match(week)
    if not m:
        raise WeekError(f"a week is written YYYY-Www (e.g. 2026-W47), got {week!r}")
    try:
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError as exc:
        raise WeekError(f"{week} does not exist") from exc


def week_of(day: date) -> str:
    """The ISO week 'YYYY-Www' that ``day`` belongs to."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def shift(week: str, weeks: int) -> str:
    """The week ``weeks`` weeks after ``week`` (before, when negative)."""
    return week_of(monday_of(week) + timedelta(weeks=weeks))


def weeks_ending(week: str, count: int) -> list[str]:
    """``count`` consecutive weeks ending with ``week``, oldest first."""
    return [shift(week, -n) for n in range(count - 1, -1, -1)]


def bounds_utc(week: str, tz: str) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of ``week`` in ``tz``, as naive UTC timestamps."""
    zone = ZoneInfo(tz)
    start = datetime.combine(monday_of(week), time(0), tzinfo=zone)
    end = datetime.combine(monday_of(week) + timedelta(days=7), time(0), tzinfo=zone)
    return (
        start.astimezone(UTC).replace(tzinfo=None),
        end.astimezone(UTC).replace(tzinfo=None),
    )


def last_complete_week(tz: str, now: datetime | None = None) -> str:
    """The latest ISO week that has fully ended in ``tz`` (last week, seen from today)."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    today = now.astimezone(ZoneInfo(tz)).date()
    return week_of(today - timedelta(days=7))


def local_time(moment: datetime, tz: str) -> datetime:
    """A naive UTC timestamp from the warehouse as an aware time in ``tz``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(tz))
