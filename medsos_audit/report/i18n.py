"""Every word staff read in reports and e-mails (labels.yaml), Bahasa Indonesia first, English."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml

from warehouse.weeks import local_time, monday_of, shift

LANGS = ("id", "en")

REPEAT_WEEKS = 4  # a doctor is a repeat offender with flagged posts in >= REPEAT_MIN of these
REPEAT_MIN = 2
TREND_WEEKS = 12

_MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

_CATALOGUE: dict[str, dict[str, dict[str, str]]] = yaml.safe_load(
    (Path(__file__).parent / "labels.yaml").read_text(encoding="utf-8")
)
CHECKS = _CATALOGUE["checks"]
SEVERITIES = _CATALOGUE["severities"]
FIELDS = _CATALOGUE["fields"]
STATUSES = _CATALOGUE["statuses"]  # collect_log statuses and the report's own reasons
LABELS = _CATALOGUE["labels"]
LEGEND = _CATALOGUE["legend"]  # each check in plain words

# The rulings each check cites (seeds/rules/ruleset.yaml; a test keeps the two equal).
FATWA_ITEMS = {
    "promotion": "Fatwa MKEK 029/2021 butir 5; SK MKEK 022/2020",
    "testimonial_repost": "Fatwa MKEK 029/2021 butir 12",
    "personal_mixing": "Fatwa MKEK 029/2021 butir 8-10",
    "patient_privacy": "Fatwa MKEK 029/2021 butir 7",
}


def check_label(name: str, lang: str) -> str:
    """The staff-facing name of a check."""
    return CHECKS[lang].get(name, name)


def severity_label(name: str, lang: str) -> str:
    """The staff-facing name of a severity."""
    return SEVERITIES[lang].get(name, name)


def field_label(name: str, lang: str) -> str:
    """Where a piece of evidence was found, in words."""
    return FIELDS[lang].get(name, name.replace("_", " "))


def status_label(name: str, lang: str) -> str:
    """Why an account could not be checked, in words."""
    return STATUSES[lang].get(name, name.replace("_", " "))


def format_datetime(moment: datetime | None, tz: str, lang: str) -> str:
    """'17 Nov 2026 14:45 WIB': a warehouse (UTC) time in the branch's time zone."""
    if moment is None:
        return "–"
    local = local_time(moment, tz)
    month = _MONTHS[lang][local.month - 1]
    return f"{local.day} {month} {local.year} {local:%H:%M} {local:%Z}".rstrip()


def format_week(week: str, lang: str) -> str:
    """'2026-W47 (16–22 Nov 2026)': the week and its Monday-to-Sunday dates."""
    start = monday_of(week)
    end = monday_of(shift(week, 1)).toordinal() - 1
    last = start.fromordinal(end)
    months = _MONTHS[lang]
    if start.month == last.month:
        span = f"{start.day}–{last.day} {months[last.month - 1]} {last.year}"
    elif start.year == last.year:
        span = (
            f"{start.day} {months[start.month - 1]} – "
            f"{last.day} {months[last.month - 1]} {last.year}"
        )
    else:
        span = (
            f"{start.day} {months[start.month - 1]} {start.year} – "
            f"{last.day} {months[last.month - 1]} {last.year}"
        )
    return f"{week} ({span})"


def staff_lang(settings_lang: str | None) -> str:
    """MEDSOS_LANG when we write that language, else Bahasa Indonesia: a typo never stops mail."""
    return settings_lang if settings_lang in LANGS else LANGS[0]


def labels(lang: str) -> dict[str, str]:
    """The label set of ``lang`` ('id' or 'en')."""
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    return LABELS[lang]
