"""Normalisation: Unicode, case, zero-width, repeats, slang, clitics, affixes, offsets."""

from __future__ import annotations

import pytest

from checks import RuleSet
from checks.normalize import STEM_MARK, Tokenizer, normalise_field


@pytest.fixture(scope="module")
def tokenizer(ruleset: RuleSet) -> Tokenizer:
    return Tokenizer(ruleset.morphology)  # no stem vocabulary: every candidate stem is a key


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Promo Facial", "promo facial"),
        ("𝐃𝐈𝐒𝐊𝐎𝐍 𝟓𝟎%", "diskon 50%"),
        ("ＰＲＯＭＯ hari ini", "promo hari ini"),
        ("ﬁlter 🏖️ Ä", "filter 🏖️ ä"),
    ],
)
def test_field_text_is_nfkc_lower(raw: str, expected: str) -> None:
    assert normalise_field(raw).text == expected


@pytest.mark.parametrize(
    "raw,needle",
    [
        ("Halo 𝐃𝐈𝐒𝐊𝐎𝐍 besar", "diskon"),
        ("ﬁlter lalu ＰＲＯＭＯ!", "promo"),
        ("İstanbul trip promo", "promo"),
    ],
)
def test_offsets_map_back_to_the_raw_text(raw: str, needle: str) -> None:
    field = normalise_field(raw)
    start = field.text.index(needle)
    raw_start, raw_end = field.raw_span(start, start + len(needle))
    assert normalise_field(raw[raw_start:raw_end]).text == needle


@pytest.mark.parametrize(
    "token,key",
    [
        ("promoooo", "promo"),
        ("gratisss", "gratis"),
        ("yg", "yang"),
        ("bgt", "banget"),
        ("skrg", "sekarang"),
        ("sblm", "sebelum"),
        ("diskonnya", "diskon"),
        ("anak2", "anak"),
        ("pro\u200bmo", "promo"),
        ("#promo", "promo"),
        ("dijamin", STEM_MARK + "jamin"),
        ("menyembuhkan", STEM_MARK + "sembuh"),
        ("pengobatan", STEM_MARK + "obat"),
        ("penawaran", STEM_MARK + "tawar"),
    ],
)
def test_token_keys(tokenizer: Tokenizer, token: str, key: str) -> None:
    assert key in tokenizer.keys(token)


def test_tokens_keep_offsets_of_hashtags_and_emoji(tokenizer: Tokenizer) -> None:
    words, starts, ends = tokenizer.tokens("liburan 🏖 #familytime")
    assert words == ["liburan", "🏖", "#familytime"]
    assert (starts, ends) == ([0, 8, 10], [7, 9, 21])
