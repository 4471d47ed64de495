"""The one place where flag evidence is masked before it leaves the checks."""

from __future__ import annotations

import re
from collections.abc import Sequence

from checks.masking import mask_identifiers

_WORD = re.compile(r"[^\W\d_]+")
# Cue words the rules find next to a name; they stay readable so a reviewer sees the kind of
# exposure ("Ibu R***", "asal S***").
_CUE_WORDS = """
ibu bu pak bapak bpk bp adik dik dek mbak mba mas kak teh kang akang ceu neng uda uni bli mbok
bang abang cik koh ci mbah ning cak daeng nenek kakek oma opa om tante mr mrs ms miss tn ny nn an
by nona nyonya tuan sdr sdri sdra asal warga domisili tinggal di berasal dari penduduk kampung
kelurahan kecamatan kec desa kota kabupaten nama pasien bernama namanya beliau inisial initial
berinisial initials
"""
_CUES = frozenset(_CUE_WORDS.split())


def mask_evidence(text: str, identifier_spans: Sequence[tuple[int, int]] = ()) -> str:
    """``text`` with patient identifiers masked.

    ``identifier_spans`` (offsets in ``text``) are the names and places the rules recognised;
    their capitalised words are masked first ("Teh Rani" -> "Teh R***"), so a name the
    general masker does not know is not shown either. Then ``mask_identifiers`` masks every
    identifier it recognises (names, initials, ages, towns, record and phone numbers).
    """
    if identifier_spans:
        pieces: list[str] = []
        last = 0
        for start, end in sorted(identifier_spans):
            for m in _WORD.finditer(text, max(start, last), end):
                word = m.group()
                if len(word) > 1 and word[0].isupper() and word.lower() not in _CUES:
                    pieces.append(text[last : m.start()])
                    pieces.append(word[0] + "***")
                    last = m.end()
        pieces.append(text[last:])
        text = "".join(pieces)
    return mask_identifiers(text)
