"""Checks spread over worker processes give exactly the flags of one process."""

from __future__ import annotations

from checks import RuleSet, check_posts
from checks.parallel import CheckPool
from checks.types import PostForCheck

CAPTIONS = [
    "Promo facial cuma Rp 199.000, diskon 30% untuk 10 pendaftar pertama!",
    "Cuci tangan pakai sabun minimal 20 detik sebelum makan.",
    "Liburan ke Bali bareng keluarga, seru banget #holiday",
    "Pasien saya hari ini Ny. Sulastri 67 tahun dari Bantul, No. RM 00-12-34-56.",
    "Makasih testimoninya kak ⭐⭐⭐⭐⭐ #testimonipasien",
]


def test_the_pool_gives_the_single_process_flags_in_order(ruleset: RuleSet) -> None:
    posts = [
        PostForCheck(shortcode=f"C{i:010d}", owner_id="1", caption=CAPTIONS[i % len(CAPTIONS)])
        for i in range(6_000)
    ]
    with CheckPool(ruleset, workers=2) as pool:
        parallel = pool.check(posts)
        assert pool._pool is not None  # it really used worker processes
        again = pool.check(posts[:10])  # small batches stay in-process
    assert parallel == check_posts(posts, ruleset)
    assert again == check_posts(posts[:10], ruleset)
    assert {f.check_name for f in parallel} == {
        "promotion",
        "personal_mixing",
        "patient_privacy",
        "testimonial_repost",
    }
