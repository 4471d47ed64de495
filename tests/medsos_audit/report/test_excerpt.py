"""Caption excerpts: evidence marked, and nothing shown that masking did not pass."""

from __future__ import annotations

import random

from checks.masking import mask_identifiers
from medsos_audit.report.excerpt import ELLIPSIS, Segment, masked_excerpt, plain

CASE = (
    "Pasien saya hari ini, An. Rafi Pratama (4 thn) dari Sleman, dirawat di bangsal Melati "
    "bed 12. Semoga lekas sembuh ya adik!"
)


def test_evidence_is_marked_in_the_masked_caption() -> None:
    segments = masked_excerpt(CASE, [(0, 20), (31, 67), (71, 92)])
    assert plain(segments, ("[", "]")) == (
        "[Pasien saya hari ini], An. [R*** (x thn) dari S***, dirawat] di "
        "[bangsal Melati bed **]. Semoga lekas sembuh ya adik!"
    )


def test_a_mark_that_starts_inside_a_name_covers_the_whole_masked_name() -> None:
    # 31 is the 'P' of 'Pratama'; the name 'Rafi Pratama' is masked as one 'R***'.
    assert masked_excerpt(CASE, [(31, 38)])[1] == Segment("R***", mark=True)


def test_a_field_with_nothing_to_mark_shows_its_masked_beginning() -> None:
    long = "Ibu Sulastri datang kontrol. " + "Edukasi " * 60
    segments = masked_excerpt(long, [(None, None)])
    assert segments[0].text.startswith("Ibu S*** datang kontrol.")
    assert segments[-1].text.endswith(ELLIPSIS)
    assert not any(s.mark for s in segments)


def test_far_apart_marks_get_their_own_windows_joined_by_an_ellipsis() -> None:
    text = "PROMO awal. " + "kata " * 200 + "diskon 20% akhir."
    end = text.index("diskon")
    segments = masked_excerpt(text, [(0, 5), (end, end + 10)], context=30)
    shown = plain(segments, ("[", "]"))
    assert shown.startswith("[PROMO] awal.")
    assert f" {ELLIPSIS} " in shown
    assert shown.endswith("[diskon 20%] akhir.")
    assert len(shown) < 200


def test_no_text_gives_no_excerpt_and_bad_offsets_are_ignored() -> None:
    assert masked_excerpt(None, [(0, 3)]) == ()
    assert masked_excerpt("", [(0, 3)]) == ()
    assert plain(masked_excerpt("abc def", [(5, 2), (-3, 1), (2, 999)]), ("[", "]")) == "ab[c def]"


def test_every_character_shown_comes_from_the_masked_text() -> None:
    # The privacy guarantee: whatever the offsets, an excerpt is cut from mask_identifiers(text).
    rng = random.Random(7)
    texts = [
        CASE,
        "Tn. Suparman, 58 tahun, petani asal Binjai, No. RM 00-45-12-87, WA 0812 3456 7890.",
        "Mrs Johnson, a 45-year-old woman from Bantul, MRN 12345, email sulastri.w@gmail.com",
    ]
    for text in texts:
        masked = mask_identifiers(text)
        for _ in range(200):
            a, b = sorted(rng.sample(range(len(text) + 1), 2))
            c, d = sorted(rng.sample(range(len(text) + 1), 2))
            for seg in masked_excerpt(text, [(a, b), (c, d)], context=rng.randint(0, 40)):
                piece = seg.text.strip(" " + ELLIPSIS) if not seg.mark else seg.text
                assert piece in masked, (text, a, b, c, d, seg)
