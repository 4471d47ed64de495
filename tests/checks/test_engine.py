"""check_posts / check_profile: flags, evidence offsets, risk scores, masking, pickling."""

from __future__ import annotations

import multiprocessing

from checks import RuleSet, check_posts, check_profile
from checks.types import CHECK_NAMES, Flag, PostForCheck, ProfileForCheck


def _by_rule(flags: list[Flag]) -> dict[str, Flag]:
    return {f.rule_id: f for f in flags}


def test_flag_rows_carry_everything_the_flags_table_needs(ruleset: RuleSet) -> None:
    caption = "Akhir tahun glowing ✨ Facial 𝐃𝐈𝐒𝐊𝐎𝐍 40%! #promo"
    flags = check_posts([PostForCheck("C1", "42", caption=caption)], ruleset)
    flag = _by_rule(flags)["promotion.discount"]
    assert (flag.shortcode, flag.owner_id, flag.check_name) == ("C1", "42", "promotion")
    assert (flag.severity, flag.rule_version) == ("sedang", ruleset.version)
    assert flag.fatwa_ref == "Fatwa MKEK 029/2021 butir 5"
    assert flag.evidence_field == "caption"
    assert flag.span_start is not None and flag.span_end is not None
    assert caption[flag.span_start : flag.span_end] == flag.evidence == "𝐃𝐈𝐒𝐊𝐎𝐍 40%"


def test_evidence_in_accessibility_caption_points_into_that_field(ruleset: RuleSet) -> None:
    acc = "May be an image of text that says 'Makasih dok, dokternya ramah banget'"
    flags = check_posts([PostForCheck("C2", "1", caption="🙏", accessibility_caption=acc)], ruleset)
    flag = _by_rule(flags)["testimonial_repost.screenshot_praise"]
    assert flag.evidence_field == "accessibility_caption"
    assert flag.span_start is not None
    assert acc[flag.span_start : flag.span_end] == flag.evidence
    assert flag.evidence.startswith("image of text")


def test_sponsorship_fields_are_evidence_without_span(ruleset: RuleSet) -> None:
    post = PostForCheck("C3", "1", caption="Pagi!", is_sponsored=True, sponsor_users=("brand.id",))
    flag = _by_rule(check_posts([post], ruleset))["promotion.paid_partnership"]
    assert (flag.evidence_field, flag.evidence) == ("is_sponsored", "is_sponsored: true")
    assert (flag.span_start, flag.span_end) == (None, None)


def test_risk_score_is_per_post_and_grows_with_rules(ruleset: RuleSet) -> None:
    one = PostForCheck("A", "1", caption="Diskon 20% untuk scaling gigi")
    many = PostForCheck(
        "B", "1", caption="Klinik terbaik, hasil dijamin! Diskon 20% untuk 10 pendaftar pertama"
    )
    flags = check_posts([one, many], ruleset)
    a = {f.risk_score for f in flags if f.shortcode == "A"}
    b = {f.risk_score for f in flags if f.shortcode == "B"}
    assert len(a) == 1 and len(b) == 1  # the same score on every flag of a post
    assert 0 < a.pop() < b.pop() <= 100


def test_clean_post_has_no_flags(ruleset: RuleSet) -> None:
    post = PostForCheck("C", "1", caption="Cuci tangan pakai sabun minimal 20 detik ya 🧼")
    assert check_posts([post], ruleset) == []


def test_privacy_evidence_is_masked_but_the_span_is_exact(ruleset: RuleSet) -> None:
    caption = "Kasus hari ini: Tn. A, 54 tahun, petani asal Sleman, dengan stroke."
    flags = check_posts([PostForCheck("P", "1", caption=caption)], ruleset)
    flag = _by_rule(flags)["patient_privacy.initials_with_details"]
    assert flag.severity == "berat"
    assert flag.fatwa_ref == "Fatwa MKEK 029/2021 butir 7"
    assert flag.span_start is not None and flag.span_end is not None
    assert "Tn. A" in caption[flag.span_start : flag.span_end]
    assert flag.evidence != caption[flag.span_start : flag.span_end]


def test_hostile_text_is_only_data(ruleset: RuleSet) -> None:
    caption = "<script>alert(1)</script> DISKON 50%'; DROP TABLE flags;-- {{7*7}}"
    flags = check_posts([PostForCheck("H", "1", caption=caption)], ruleset)
    assert [(f.rule_id, f.evidence) for f in flags] == [("promotion.discount", "DISKON 50%")]


def test_empty_and_missing_fields(ruleset: RuleSet) -> None:
    posts = [
        PostForCheck("E1", None),
        PostForCheck("E2", "1", caption="", accessibility_caption=""),
    ]
    assert check_posts(posts, ruleset) == []


def _check_batch(args: tuple[list[PostForCheck], RuleSet]) -> list[Flag]:
    return check_posts(*args)


def test_check_posts_runs_in_a_process_pool(ruleset: RuleSet) -> None:
    posts = [
        PostForCheck(f"S{i}", "1", caption=text)
        for i, text in enumerate(
            [
                "Promo akhir tahun diskon 30%",
                "Liburan ke Lombok bareng keluarga 🏝️",
                "Jadwal praktik Senin-Kamis",
                "Testimoni pasien kami 🥰",
            ]
            * 5
        )
    ]
    batches = [(posts[i : i + 5], ruleset) for i in range(0, len(posts), 5)]
    ctx = multiprocessing.get_context("spawn")  # what a fresh worker sees: no shared caches
    with ctx.Pool(2) as pool:
        parallel = [f for batch in pool.map(_check_batch, batches) for f in batch]
    assert parallel == check_posts(posts, ruleset)
    assert {f.check_name for f in parallel} == {
        "promotion",
        "personal_mixing",
        "testimonial_repost",
    }


def test_profile_bio_with_superlative_and_pricelist(ruleset: RuleSet) -> None:
    profile = ProfileForCheck(
        "77", "dr.glow", biography="Dokter kecantikan terbaik ✨ DM for pricelist 💌"
    )
    flags = check_profile(profile, ruleset)
    assert {f.rule_id for f in flags} == {
        "promotion.profile.superlative",
        "promotion.profile.price",
        "promotion.profile.sales_call",
    }
    for flag in flags:
        assert (flag.shortcode, flag.owner_id, flag.check_name) == (None, "77", "promotion")
        assert flag.evidence_field == "biography"
        assert profile.biography is not None and flag.span_start is not None
        assert profile.biography[flag.span_start : flag.span_end] == flag.evidence


def test_profile_marketplace_link_and_category(ruleset: RuleSet) -> None:
    profile = ProfileForCheck(
        "78",
        "dr.shop",
        biography="Dokter umum | edukasi kesehatan",
        external_url="https://shopee.co.id/drshop.official",
        business_category="Shopping & Retail",
    )
    flags = {f.rule_id: f for f in check_profile(profile, ruleset)}
    assert set(flags) == {"promotion.profile.marketplace", "promotion.profile.retail_category"}
    assert flags["promotion.profile.marketplace"].evidence_field == "external_url"
    assert flags["promotion.profile.retail_category"].severity == "ringan"


def test_plain_professional_profile_is_clean(ruleset: RuleSet) -> None:
    profile = ProfileForCheck(
        "79",
        "dr.anak",
        full_name="dr. Intan, Sp.A",
        biography="Dokter spesialis anak 👶 Praktik RS Permata, Senin-Kamis. Booking via WA admin.",
        external_url="https://linktr.ee/drintan",
        business_category="Doctor",
        is_business_account=True,
    )
    assert check_profile(profile, ruleset) == []


def test_all_check_names_are_produced_somewhere(ruleset: RuleSet) -> None:
    assert {r.check for r in ruleset.rules} == set(CHECK_NAMES)


def test_other_checks_mask_evidence_that_names_a_patient(ruleset: RuleSet) -> None:
    caption = "Kata Bu Ani (52) dari Klaten: 'makasih dok, lutut saya sudah enakan' 🥹"
    flags = check_posts([PostForCheck("M", "1", caption=caption)], ruleset)
    quoted = _by_rule(flags)["testimonial_repost.quoted_praise"]
    assert quoted.span_start is not None
    assert "Bu Ani" in caption[quoted.span_start : quoted.span_end]
    assert "Ani" not in quoted.evidence  # masked although the check is not patient_privacy
    unmasked = check_posts([PostForCheck("N", "1", caption="Diskon 20% facial")], ruleset)
    assert [f.evidence for f in unmasked] == ["Diskon 20%"]


def test_names_the_general_masker_does_not_know_are_masked_too(ruleset: RuleSet) -> None:
    caption = "Rhinoplasty 3 bulan: Teh Rani (29 th, Cimahi) makin percaya diri, before after"
    acc = "May be an image of 1 person, closeup"
    flags = check_posts(
        [PostForCheck("T", "1", caption=caption, accessibility_caption=acc)], ruleset
    )
    named = _by_rule(flags)["patient_privacy.name_with_details"]
    assert named.span_start is not None
    assert "Teh Rani" in caption[named.span_start : named.span_end]
    assert "Rani" not in named.evidence and "Teh R***" in named.evidence
    assert all("Rani" not in f.evidence and "Cimahi" not in f.evidence for f in flags)


def test_hashtags_and_mentions_missing_from_the_caption_are_read(ruleset: RuleSet) -> None:
    post = PostForCheck(
        "X", "1", caption="Serum favoritku buat kulit kering 💧", mentions=("glowlab.id",)
    )
    assert [f.rule_id for f in check_posts([post], ruleset)] == ["promotion.endorsement"]
    tagged = PostForCheck("Y", "1", caption="Pagi yang cerah", hashtags=("diskon50persen",))
    assert [(f.rule_id, f.evidence_field) for f in check_posts([tagged], ruleset)] == [
        ("promotion.discount", "hashtags")
    ]
