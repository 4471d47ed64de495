"""evaluate: per-check figures and confusion rows on a labeled corpus; the CLI command."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from checks import RuleSet
from checks.corpus import CorpusError, caption_tags, read_corpus
from checks.evaluate import CheckScore, evaluate_corpus
from medsos_audit.commands import evaluate as evaluate_cmd
from tests.checks.conftest import RULES_DIR

REGISTRY = (
    "npa,full_name,branch,specialty,instagram_username,registered_on,branch_email\n"
    "1,dr. A,IDI Cabang X,Dokter Umum,dr.a,2025-01-01,x@example.org\n"
)


def _post(shortcode: str, caption: str, labels: list[str], account: str = "dr.a") -> str:
    return json.dumps(
        {
            "account": account,
            "owner_id": "100",
            "shortcode": shortcode,
            "date_utc": "2026-11-20T01:00:00",
            "caption": caption,
            "accessibility_caption": None,
            "is_sponsored": False,
            "sponsor_users": [],
            "tagged_users": [],
            "location": None,
            "labels": labels,
            "why": f"note {shortcode}",
        },
        ensure_ascii=False,
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    lines = [
        _post("a1", "Diskon 30% semua treatment minggu ini!", ["promotion"]),
        _post("a2", "Promo facial, hubungi admin", []),  # labeled clean: a false flag
        _post("a3", "Cuci tangan pakai sabun ya", []),
        _post("a4", "Pasien puas dengan pelayanan kami 🥰", ["promotion", "testimonial_repost"]),
        _post("a5", "Liburan ke Bali 🏖️", ["personal_mixing"], account="dr.unknown"),
    ]
    (tmp_path / "posts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    return tmp_path


def test_scores_and_confusion_rows(corpus: Path, ruleset: RuleSet) -> None:
    ev = evaluate_corpus(corpus, ruleset)
    assert (ev.posts, ev.clean_posts, ev.clean_flagged_any) == (5, 2, 1)
    assert ev.score("promotion") == CheckScore("promotion", 2, 2, 1, 1, 1, 1)
    assert ev.score("testimonial_repost") == CheckScore("testimonial_repost", 1, 1, 1, 0, 0, 0)
    assert ev.score("personal_mixing") == CheckScore("personal_mixing", 1, 1, 1, 0, 0, 0)
    assert ev.score("promotion").precision == 0.5
    assert ev.score("patient_privacy").precision is None
    assert ev.unregistered_accounts == ("dr.unknown",)
    rows = {(r.kind, r.shortcode, r.check): r for r in ev.rows}
    assert set(rows) == {("false_flag", "a2", "promotion"), ("missed", "a4", "promotion")}
    assert rows[("false_flag", "a2", "promotion")].rules == ("promotion.discount",)
    assert rows[("false_flag", "a2", "promotion")].evidence == "caption: Promo"
    assert rows[("missed", "a4", "promotion")].evidence == "no rule matched"
    assert rows[("missed", "a4", "promotion")].why == "note a4"


def test_hashtags_and_mentions_come_from_instaloaders_regexes() -> None:
    assert caption_tags("Promo #Diskon50 @Klinik.Sehat ya #sehat_selalu") == (
        ("diskon50", "sehat_selalu"),
        ("klinik.sehat",),
    )


def test_bad_line_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "posts.jsonl").write_text(_post("a", "x", []) + "\n{not json\n", encoding="utf-8")
    (tmp_path / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"posts\.jsonl:2: not a corpus post"):
        read_corpus(tmp_path)


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="medsos-audit")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = evaluate_cmd.add_parser(sub)
    cmd.add_argument("--warehouse", type=Path, default=None)
    args = parser.parse_args(["evaluate", *argv])
    return evaluate_cmd.run(args)


def test_command_prints_figures_and_rows(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--corpus", str(corpus), "--rules", str(RULES_DIR)) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out and "clean flagged" in out
    assert "clean posts with any flag: 1/2 (0.500)" in out
    assert "false_flag" in out and "missed" in out and "dr.unknown" in out


def test_command_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--corpus", str(tmp_path / "nope")) == 2
    (tmp_path / "posts.jsonl").write_text("", encoding="utf-8")
    assert _run("--corpus", str(tmp_path)) == 2
    assert "missing registry.csv" in capsys.readouterr().err
    assert _run("--corpus", str(tmp_path), "--rules", str(tmp_path / "no-rules")) == 2


def test_command_broken_corpus_exits_1(tmp_path: Path) -> None:
    (tmp_path / "posts.jsonl").write_text('{"labels": ["bogus"], "shortcode": "x"}\n')
    (tmp_path / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    assert _run("--corpus", str(tmp_path), "--rules", str(RULES_DIR)) == 1


def test_the_cli_entry_point_runs_evaluate(corpus: Path, tmp_path: Path) -> None:
    from medsos_audit.cli import main

    assert main(["evaluate", "--corpus", str(corpus), "--max-rows", "0"]) == 0
    assert main(["evaluate", "--corpus", str(tmp_path / "missing")]) == 2
    assert main(["evaluate"]) == 2  # --corpus is required
