"""HTML rendering: one Jinja2 environment with autoescape on, shared by reports and e-mails."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from medsos_audit.report import i18n
from medsos_audit.report.data import BranchReport
from medsos_audit.report.excerpt import plain
from medsos_audit.report.tables import MARK

TEMPLATES = Path(__file__).parent / "templates"
MAIL_TEMPLATES = Path(__file__).parent.parent / "mail" / "templates"


def _delta(now: int, before: int) -> str:
    diff = now - before
    return f"+{diff}" if diff > 0 else ("−" + str(-diff) if diff < 0 else "0")


def _trend_class(now: int, before: int) -> str:
    # More flagged posts is worse news, so an increase is drawn in red.
    return "up" if now > before else ("down" if now < before else "same")


def _breakable(value: str) -> Markup:
    # Long rule ids ("promotion.profile.superlative") may wrap after a dot, never mid-word.
    return Markup("<wbr>").join(escape(part) for part in re.split(r"(?<=[._])", value))


@cache
def environment() -> Environment:
    """The Jinja2 environment: every value escaped unless a template says otherwise."""
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES), FileSystemLoader(MAIL_TEMPLATES)]),
        # .j2 templates whose name says html are escaped; text templates (.txt.j2) are not.
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=True, default=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["breakable"] = _breakable
    env.filters["plain_excerpt"] = lambda segments: plain(segments, MARK)
    env.globals.update(
        check_label=i18n.check_label,
        severity_label=i18n.severity_label,
        field_label=i18n.field_label,
        status_label=i18n.status_label,
        format_datetime=i18n.format_datetime,
        format_week=i18n.format_week,
        delta=_delta,
        trend_class=_trend_class,
        legend=i18n.LEGEND,
        fatwa_items=i18n.FATWA_ITEMS,
    )
    return env


def render(template: str, **context: Any) -> str:
    """Renders ``template`` (a file in report/templates or mail/templates) with ``context``."""
    return environment().get_template(template).render(**context)


def render_report(
    report: BranchReport, lang: str, chart_src: str, *, max_cards: int | None = None
) -> str:
    """The branch report as one HTML page (``chart_src``: a data: or cid: URI).

    ``max_cards`` shortens each list of posts (for an e-mail body); the file has them all.
    """
    return render(
        "report.html.j2",
        r=report,
        t=i18n.labels(lang),
        lang=lang,
        chart_src=chart_src,
        checks=i18n.CHECKS[lang],
        max_cards=max_cards if max_cards is not None else 1 << 30,
    )
