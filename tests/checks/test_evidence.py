"""mask_evidence: the general masker, plus the names and ages the rules recognised."""

from __future__ import annotations

from checks.evidence import age_numbers, identifying_words, mask_evidence


def test_names_and_ages_the_rules_found_are_masked_like_the_rest() -> None:
    names = identifying_words(["Teh Rani (29 th", "Cimahi"])
    assert names == {"Rani", "Cimahi"}
    assert mask_evidence("Teh Rani (29 th, Cimahi) pasca rhinoplasty", names, {"29"}) == (
        "Teh R*** (2x th, C***) pasca rhinoplasty"
    )
    assert mask_evidence("Mr. K, 60, from Binjai", {"Binjai"}, age_numbers([", 60,"])) == (
        "Mr. K*, 6x, from B***"
    )


def test_text_without_identifiers_is_unchanged() -> None:
    assert mask_evidence("Diskon 30% facial, Rp 199.000") == "Diskon 30% facial, Rp 199.000"
