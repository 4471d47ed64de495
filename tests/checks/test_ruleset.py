"""Loading the rule set: version, validation errors that name file and rule, pickling."""

from __future__ import annotations

import pickle
import re
import shutil
from pathlib import Path

import pytest

from checks import RulesError, RuleSet, check_posts, load_ruleset
from checks.types import PostForCheck
from tests.checks.conftest import RULES_DIR


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_version_is_declared_version_plus_content_hash(ruleset: RuleSet) -> None:
    assert re.fullmatch(rf"{re.escape(ruleset.declared_version)}\+[0-9a-f]{{8}}", ruleset.version)


def test_any_edit_changes_the_version(rules_copy: Path, ruleset: RuleSet) -> None:
    assert load_ruleset(rules_copy).version == ruleset.version
    _replace(rules_copy / "promotion.yaml", "cashback, voucher,", "cashback, kembalian, voucher,")
    edited = load_ruleset(rules_copy)
    assert edited.declared_version == ruleset.declared_version
    assert edited.version != ruleset.version


def test_an_edited_term_takes_effect_without_code(rules_copy: Path) -> None:
    post = PostForCheck("p1", "1", caption="Paket lebaran hemat, kembalian langsung ke rekening")
    assert check_posts([post], load_ruleset(rules_copy)) == []
    _replace(rules_copy / "promotion.yaml", "cashback, voucher,", "cashback, kembalian, voucher,")
    flags = check_posts([post], load_ruleset(rules_copy))
    assert [(f.rule_id, f.evidence) for f in flags] == [("promotion.discount", "kembalian")]


def test_broken_yaml_names_the_file(rules_copy: Path) -> None:
    (rules_copy / "testimonial.yaml").write_text("rules: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"testimonial\.yaml: not valid YAML"):
        load_ruleset(rules_copy)


def test_unknown_concept_names_file_and_rule(rules_copy: Path) -> None:
    _replace(rules_copy / "promotion.yaml", "when: [[mlm]]", "when: [[mlm_typo]]")
    with pytest.raises(RulesError, match=r"promotion\.yaml: rule 'promotion\.mlm' uses unknown"):
        load_ruleset(rules_copy)


def test_bad_regex_names_the_concept(rules_copy: Path) -> None:
    _replace(rules_copy / "privacy.yaml", "(?:tgl|tanggal)", "(?:tgl|tanggal")
    with pytest.raises(RulesError, match=r"privacy\.yaml: concept 'identifier_label': bad regex"):
        load_ruleset(rules_copy)


def test_bad_severity_names_the_rule(rules_copy: Path) -> None:
    _replace(
        rules_copy / "promotion.yaml",
        "severity: berat\n    fatwa_ref",
        "severity: fatal\n    fatwa_ref",
    )
    with pytest.raises(RulesError, match=r"rule 'promotion\.mlm': severity must be one of"):
        load_ruleset(rules_copy)


def test_suppression_of_unknown_rule_is_an_error(rules_copy: Path) -> None:
    _replace(
        rules_copy / "promotion.yaml",
        "suppresses: [promotion.price]",
        "suppresses: [promotion.prize]",
    )
    with pytest.raises(RulesError, match=r"suppression 'promotion\.noise\.cost_education'.*prize"):
        load_ruleset(rules_copy)


def test_suppression_needs_a_reason(rules_copy: Path) -> None:
    text = (rules_copy / "personal.yaml").read_text(encoding="utf-8")
    start = text.index("    reason: >\n      Ucapan hari raya")
    (rules_copy / "personal.yaml").write_text(text[:start], encoding="utf-8")
    with pytest.raises(
        RulesError, match=r"suppression 'personal_mixing\.noise\.greeting': needs a 'reason'"
    ):
        load_ruleset(rules_copy)


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"ruleset\.yaml: cannot read rules file"):
        load_ruleset(tmp_path)


def test_ruleset_pickles_small_and_checks_the_same(ruleset: RuleSet) -> None:
    data = pickle.dumps(ruleset)
    assert len(data) < 200_000  # sent to every worker of the pipeline's pool
    again = pickle.loads(data)
    post = PostForCheck("p1", "1", caption="Diskon 30% facial, booking sekarang! Slot terbatas")
    assert again.version == ruleset.version
    assert check_posts([post], again) == check_posts([post], ruleset)


def test_every_rule_cites_a_fatwa_item_and_a_severity(ruleset: RuleSet) -> None:
    for rule in ruleset.rules:
        assert re.search(r"(Fatwa MKEK 029/2021 butir \d|SK MKEK 022/2020)", rule.fatwa_ref), (
            rule.id
        )
        assert rule.severity in ("ringan", "sedang", "berat")
        assert 0 <= rule.weight <= 100


def test_bare_yaml_yes_no_words_must_be_quoted(rules_copy: Path) -> None:
    _replace(rules_copy / "common.yaml", '"no", not,', "no, not,")
    with pytest.raises(RulesError, match=r"common\.yaml: concept 'negation': terms has a yes/no"):
        load_ruleset(rules_copy)
