"""Measures the checks on a labeled corpus: precision, recall, share of clean posts flagged, and
the confusion rows (missed and false flags, with evidence) a rule author needs to fix a rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from checks.corpus import LabeledPost, read_corpus
from checks.engine import explain_post
from checks.ruleset import RuleSet
from checks.types import CHECK_NAMES, CheckName


@dataclass(frozen=True, slots=True)
class CheckScore:
    """Counts and rates of one check over a corpus."""

    check: CheckName
    labeled: int  # posts labeled with this check
    flagged: int  # posts this check flagged
    true_pos: int
    false_pos: int
    false_neg: int
    clean_flagged: int  # clean posts (no label at all) this check flagged

    @property
    def precision(self) -> float | None:
        return self.true_pos / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.true_pos / self.labeled if self.labeled else None


@dataclass(frozen=True, slots=True)
class ConfusionRow:
    """A post where a check disagrees with its label, with what the engine saw."""

    kind: str  # 'missed' or 'false_flag'
    shortcode: str
    account: str
    check: CheckName
    rules: tuple[str, ...]  # rules that fired (false flag) or were suppressed (missed)
    evidence: str  # flag evidence, or what suppressed the match, or 'no rule matched'
    why: str  # the labeler's note


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of running a rule set over a labeled corpus."""

    rule_version: str
    posts: int
    clean_posts: int
    clean_flagged_any: int  # clean posts with any flag
    scores: tuple[CheckScore, ...]
    rows: tuple[ConfusionRow, ...]
    unregistered_accounts: tuple[str, ...]

    @property
    def clean_flagged_share(self) -> float | None:
        return self.clean_flagged_any / self.clean_posts if self.clean_posts else None

    def score(self, check: str) -> CheckScore:
        """The score of one check."""
        return next(s for s in self.scores if s.check == check)


def evaluate_corpus(folder: Path, ruleset: RuleSet) -> Evaluation:
    """The evaluation of ``ruleset`` on the corpus in ``folder`` (posts.jsonl + registry.csv)."""
    corpus = read_corpus(folder)
    evaluation = evaluate_posts(corpus.posts, ruleset)
    unregistered = sorted({p.account for p in corpus.posts} - corpus.registered - {""})
    return Evaluation(
        rule_version=evaluation.rule_version,
        posts=evaluation.posts,
        clean_posts=evaluation.clean_posts,
        clean_flagged_any=evaluation.clean_flagged_any,
        scores=evaluation.scores,
        rows=evaluation.rows,
        unregistered_accounts=tuple(unregistered),
    )


def evaluate_posts(posts: Sequence[LabeledPost], ruleset: RuleSet) -> Evaluation:
    """The evaluation of ``ruleset`` on labeled posts."""
    counts = {c: [0, 0, 0, 0, 0, 0] for c in CHECK_NAMES}  # labeled flagged tp fp fn clean
    rows: list[ConfusionRow] = []
    clean_posts = clean_flagged = 0
    for item in posts:
        explanation = explain_post(item.post, ruleset)
        fired = {f.check_name for f in explanation.flags}
        clean = not item.labels
        clean_posts += clean
        clean_flagged += clean and bool(fired)
        for check in CHECK_NAMES:
            c = counts[check]
            labeled, flagged = check in item.labels, check in fired
            c[0] += labeled
            c[1] += flagged
            c[2] += labeled and flagged
            c[3] += flagged and not labeled
            c[4] += labeled and not flagged
            c[5] += clean and flagged
            if flagged and not labeled:
                flags = [f for f in explanation.flags if f.check_name == check]
                rows.append(
                    ConfusionRow(
                        "false_flag",
                        item.post.shortcode,
                        item.account,
                        check,
                        tuple(f.rule_id for f in flags),
                        " | ".join(f"{f.evidence_field}: {f.evidence}" for f in flags),
                        item.why,
                    )
                )
            elif labeled and not flagged:
                rule_ids = {r.id for r in ruleset.rules if r.check == check}
                gone = [s for s in explanation.suppressed if s.rule_id in rule_ids]
                rows.append(
                    ConfusionRow(
                        "missed",
                        item.post.shortcode,
                        item.account,
                        check,
                        tuple(s.rule_id for s in gone),
                        " | ".join(f"{s.by}: {s.evidence}" for s in gone) or "no rule matched",
                        item.why,
                    )
                )
    scores = tuple(CheckScore(check, *counts[check]) for check in CHECK_NAMES)
    return Evaluation(
        rule_version=ruleset.version,
        posts=len(posts),
        clean_posts=clean_posts,
        clean_flagged_any=clean_flagged,
        scores=scores,
        rows=tuple(rows),
        unregistered_accounts=(),
    )
