"""``medsos-audit evaluate --corpus DIR``: precision and recall per check on a labeled corpus."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from checks import RulesError, load_ruleset
from checks.corpus import CorpusError, CorpusMissingError
from checks.evaluate import Evaluation, evaluate_corpus
from medsos_audit.cli_support import EXIT_FAILED, EXIT_OK, EXIT_USAGE, settings_from


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """The ``evaluate`` sub-command's parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "evaluate",
        help="precision/recall per check on a labeled corpus",
        description=(
            "Run the compliance checks over a labeled corpus (DIR/posts.jsonl with `labels`, "
            "DIR/registry.csv) and print per-check precision, recall, the share of clean posts "
            "flagged, and the missed and false flags with their evidence."
        ),
    )
    parser.add_argument("--corpus", type=Path, required=True, metavar="DIR", help="corpus folder")
    parser.add_argument(
        "--rules",
        type=Path,
        default=None,
        metavar="DIR",
        help="rules folder (default: $MEDSOS_RULES_DIR, else seeds/rules)",
    )
    parser.add_argument(
        "--max-rows",
        type=int,
        default=100,
        metavar="N",
        help="confusion rows to print (default 100; 0 prints none)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Evaluates the rules on the corpus and prints the figures; 2 when the corpus is missing."""
    err = Console(stderr=True, soft_wrap=True)
    rules_dir = args.rules or settings_from(args).rules_dir
    if not Path(rules_dir).is_dir():
        err.print(f"evaluate: no such rules folder: {rules_dir}", markup=False)
        return EXIT_USAGE
    try:
        ruleset = load_ruleset(Path(rules_dir))
        evaluation = evaluate_corpus(args.corpus, ruleset)
    except CorpusMissingError as exc:
        err.print(f"evaluate: {exc}", markup=False)
        return EXIT_USAGE
    except (CorpusError, RulesError) as exc:
        err.print(f"evaluate: {exc}", markup=False)
        return EXIT_FAILED
    out = Console()
    if not out.is_terminal:  # logs and pipes: wide enough that the table keeps its headers
        out = Console(width=160)
    print_evaluation(evaluation, out, max(args.max_rows, 0))
    return EXIT_OK


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def print_evaluation(ev: Evaluation, console: Console, max_rows: int) -> None:
    """Prints the summary table and the confusion rows (corpus text is never read as markup)."""
    table = Table(title=f"rules {ev.rule_version} - {ev.posts} posts, {ev.clean_posts} clean")
    for col in (
        "check",
        "labeled",
        "flagged",
        "TP",
        "FP",
        "FN",
        "precision",
        "recall",
        "clean flagged",
    ):
        table.add_column(col, justify="left" if col == "check" else "right")
    for s in ev.scores:
        share = s.clean_flagged / ev.clean_posts if ev.clean_posts else None
        table.add_row(
            s.check,
            str(s.labeled),
            str(s.flagged),
            str(s.true_pos),
            str(s.false_pos),
            str(s.false_neg),
            _pct(s.precision),
            _pct(s.recall),
            f"{s.clean_flagged} ({_pct(share)})",
        )
    console.print(table)
    console.print(
        f"clean posts with any flag: {ev.clean_flagged_any}/{ev.clean_posts} "
        f"({_pct(ev.clean_flagged_share)})",
        markup=False,
    )
    if ev.unregistered_accounts:
        console.print(
            f"accounts not in registry.csv: {', '.join(ev.unregistered_accounts)}", markup=False
        )
    if not ev.rows or max_rows == 0:
        return
    rows = Table(title=f"confusion rows ({min(len(ev.rows), max_rows)} of {len(ev.rows)})")
    for col in ("kind", "check", "shortcode", "rules", "evidence", "label note"):
        rows.add_column(col, overflow="fold")
    for row in ev.rows[:max_rows]:
        rows.add_row(
            row.kind,
            row.check,
            row.shortcode,
            Text(", ".join(row.rules)),
            Text(row.evidence),
            Text(row.why),
        )
    console.print(rows)
