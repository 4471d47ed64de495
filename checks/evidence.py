"""The one place where flag evidence is masked before it leaves the checks."""

from __future__ import annotations

import re
from collections.abc import Iterable

from checks.masking import mask_identifiers

_WORD = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"\d+")
# Cue words the rules find next to a name; they stay readable so a reviewer sees the kind of
# exposure ("Ibu R***", "asal S***").
_CUE_WORDS = """
ibu bu pak bapak bpk bp adik dik dek mbak mba mas kak teh kang akang ceu neng uda uni bli mbok
bang abang cik koh ci mbah ning cak daeng nenek kakek oma opa om tante mr mrs ms miss tn ny nn an
by nona nyonya tuan sdr sdri sdra asal warga domisili tinggal di berasal dari penduduk kampung
kelurahan kecamatan kec desa kota kabupaten nama pasien bernama namanya beliau inisial initial
berinisial initials from in
"""
_CUES = frozenset(_CUE_WORDS.split())


def identifying_words(texts: Iterable[str]) -> set[str]:
    """The capitalised words of name/place matches that are not cue words ("Teh Rani" -> Rani)."""
    return {
        w
        for text in texts
        for w in _WORD.findall(text)
        if len(w) > 1 and w[0].isupper() and w.lower() not in _CUES
    }


def age_numbers(texts: Iterable[str]) -> set[str]:
    """The numbers of age matches ("52 th" -> 52)."""
    return {n for text in texts for n in _NUMBER.findall(text)}


def mask_evidence(text: str, names: Iterable[str] = (), numbers: Iterable[str] = ()) -> str:
    """``text`` with patient identifiers masked.

    ``mask_identifiers`` masks every identifier it recognises (names, initials, ages, towns,
    record and phone numbers). ``names`` and ``numbers`` are what the rules themselves found
    (e.g. a name after "Teh", a bare age after a name); any of them still readable is masked
    too, the same way ("R***", "6x"), so an alert never repeats them.
    """
    masked = mask_identifiers(text)
    for word in sorted(names, key=len, reverse=True):
        masked = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", word[0] + "***", masked)
    for number in sorted(numbers, key=len, reverse=True):
        masked = re.sub(
            rf"(?<![\w.,]){re.escape(number)}(?![\w]|[.,]\d)",
            number[0] + "x" * (len(number) - 1),
            masked,
        )
    return masked
