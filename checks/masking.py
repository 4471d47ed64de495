"""Masks patient identifiers in evidence text (privacy issue #9): names and initials with their
context, ages, towns, record/bed numbers, phone numbers, NIK/BPJS numbers and e-mail addresses.

The masked text keeps the cue words ("Ibu", "usia", "asal", "RM", "bed") and the shape of each
value, so a reviewer still sees which kind of exposure happened without the identity being
repeated: "Pasien saya, Ibu S*** (4x th), RM **-**-**". The rules are a reviewed list of
precompiled regexes; their behaviour is what tests/checks/test_masking.py shows.

Speed: a regex that begins with a look-behind is tried at every character (about 7 us per
rule on 500 characters), so no word rule scans the whole text: each names the words it begins
with and is only tried where such a word starts. The shapes that begin with a digit share one
scan that the regex engine can skip through in C.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple

Kind = Literal[
    "name",
    "initials",
    "age",
    "place",
    "address",
    "record",
    "phone",
    "nik",
    "bpjs",
    "email",
    "number",
]


class Span(NamedTuple):
    """One identifier found in a text: its offsets (end exclusive) and what kind it is."""

    start: int
    end: int
    kind: Kind


# --- building blocks -------------------------------------------------------------------------


def _words(spaced: str) -> tuple[str, ...]:
    """The words of a space-separated list (word lists read better as one string)."""
    return tuple(spaced.split())


# A name word: capitalised, may carry an apostrophe ("Nur'aini"). Masked text ("S***") never
# matches because the second letter must be lower case: that is what makes masking idempotent.
_NAME_WORD = r"[A-Z][a-z]+(?:['’][a-z]+)?"
# Capitalised words that follow an honorific or a place cue but name nobody.
_NOT_A_NAME_WORDS = (
    r"Hamil|Menyusui|Kota|Pertiwi|Negara|Rumah|Tangga|Sekalian|Semua|Dan|Yang|Ibu|Bapak"
    r"|Dokter|Dosen|Bidan|Perawat|Menteri|Presiden|Gubernur|Bupati|Walikota|Wali|Camat|Lurah"
    r"|Kades|Direktur|Dirut|Ketua|Kepala|Guru|Ustadz|Indonesia|President|Speaker|Chairman"
    r"|Usul|Mula|Muasal|RT|RW|RS|RSUD|RSUP|DPR|IDI|ASI|KB|BPJS|IGD|ICU|NICU|PICU|HIV|TB|DM|USG"
    r"|Dr|Prof|Hj|Kec|Kecamatan|Kab|Kabupaten|Kel|Kelurahan|Desa|Ds|Dusun|Dsn|Dukuh|Kampung|Kp"
    r"|Perum|Perumahan|Komplek|Kompleks|Provinsi|Prov|Jl|Jln|Jalan|Gg|Gang|No|Nomor"
    r"|Pak|Bu|Tn|Ny|Nn|An|Sdr|Mr|Mrs|Ms"
)
_NOT_A_NAME = rf"(?:{_NOT_A_NAME_WORDS})\b"
_NAME_WORDS = rf"(?!{_NOT_A_NAME}){_NAME_WORD}(?:[ \t]+(?!{_NOT_A_NAME}){_NAME_WORD}){{0,2}}"
# A person after a cue: an all-caps name, capitalised words, or initials ("AS", "M.F", "R";
# a trailing dot stays outside so the sentence keeps its full stop).
_PERSON = (
    rf"(?!{_NOT_A_NAME})"
    r"(?:[A-Z]{2,}(?:[ \t]+[A-Z]{2,}){1,2}(?![\w*])"
    r"|[A-Z]{5,}(?![\w*])"
    rf"|{_NAME_WORDS}"
    r"|[A-Z](?:\.?[A-Z]){0,3}(?![\w*]))"
)
# A name written in lower case, only after an explicit cue. Not starting with "x": a masked
# one-digit age ("xtahun" from "7tahun") must not read as a name when masked text is masked again.
_LOWER_NAME = r"[a-wyz][a-z]{2,}\b"
_INITIALS = re.compile(r"[A-Z](?:\.?[A-Z]){0,3}")
_HONORIFICS_ANY_CASE = _words(
    "ibu bu bapak bpk pak mbak mba mas adik adek dik dek kakek nenek oma opa saudara "
    "saudari nyonya tuan nona kak"
)
_HONORIFICS_AS_WRITTEN = (
    r"Tn\.?|Ny\.?|Nn\.?|An\.|Sdr\.?|Sdri\.?|Mrs\.?|Mr\.?|Ms\.?|Miss|Mdm\.?|Madam"
)
# A unit after an age that a cue already announced ("usia 45th", "(7 bl)").
_AGE_UNIT = (
    r"[ \t]*-?[ \t]*(?i:tahun|thn|th|bulan|bln|bl|years?|yrs?|y\.o\.?|y/o|yo|months?|mos?)"
    r"(?:[ \t-]*old)?(?![^\W\d_])"
)
# After the digits of an age: not a decimal, a range ("9-14"), a decade ("40-an") or a word.
_AGE_END = r"(?!\d|[.,]\d|[ \t]*(?:-|–|—|s/d|s\.d\.?|sampai|hingga|to)[ \t]*\d|-?an\b)"
_ADMIN = (
    r"(?:Kec\.|Kecamatan|Kab\.|Kabupaten|Kota|Desa|Ds\.|Kel\.|Kelurahan|Dusun|Dsn\.|Dukuh"
    r"|Kampung|Kp\.|Perum\.?|Perumahan|Komplek|Kompleks|Provinsi|Prov\.|Jl\.|Jln\.|Jalan|Gg\.|Gang)"
)
_ADMIN_WORDS = _words(
    "kec kecamatan kab kabupaten kota desa ds kel kelurahan dusun dsn dukuh kampung "
    "kp perum perumahan komplek kompleks provinsi prov jl jln jalan gg gang"
)
_HOUSE_NUMBER = r"(?:[ \t]*,?[ \t]*(?i:no\.?|nomor)[ \t]*(?P<house>\d{1,4})(?!\d))?"

# The word (or two) before a number of years that makes it a duration or a bound.
_DURATION_BEFORE = frozenset(
    _words(
        "selama sejak sudah telah hampir dalam setiap tiap per minimal maksimal min. "
        "maks. ke ke- for over under above below past last than within every nearly "
        "almost < > ≥ ≤ +"
    )
)
_DURATION_BEFORE_PAIRS = frozenset({"lebih dari", "kurang dari", "di atas", "di bawah"})
_DURATION_AFTER = re.compile(
    r"[ \t]*(?i:lalu|yang[ \t]+lalu|silam|terakhir|belakangan|ke[ \t]+depan|ke[ \t]+atas"
    r"|ke[ \t]+bawah|lagi|kemudian|berturut|pengalaman|praktik|praktek|mengabdi|bekerja"
    r"|menikah|berdiri|ago|of[ \t]+(?:experience|practice|service)|later"
    r"|and[ \t]+(?:above|older|over)|or[ \t]+(?:older|more)|\+)"
)


def _is_an_age(match: re.Match[str]) -> bool:
    """Whether "45 tahun" is someone's age, not a duration or an age threshold."""
    words = match.string[max(0, match.start() - 20) : match.start()].lower().split()
    if words and (
        words[-1] in _DURATION_BEFORE
        or words[-1][-1] in "<>≥≤"
        or " ".join(words[-2:]) in _DURATION_BEFORE_PAIRS
    ):
        return False
    return not _is_a_threshold(match)


def _is_a_threshold(match: re.Match[str]) -> bool:
    """Whether the words after an age make it a duration or a bound ("60 tahun ke atas")."""
    return _DURATION_AFTER.match(match.string, match.end()) is not None


def _is_an_age_after_cue(match: re.Match[str]) -> bool:
    """Whether "usia 60 tahun" names an age rather than a bound ("usia 60 tahun ke atas")."""
    return not _is_a_threshold(match)


# Identifiers that begin with a digit, found in one scan. Each shape is written as what follows
# the first digit, which the scan has already consumed: a pattern that begins with a plain
# character class lets the regex engine skip to the next digit in C instead of trying every
# position (about 5 us instead of 35 us on 500 characters). "(?<=0)" reads "the first digit is
# 0"; a "+" before +62 and the "(" of (0274) stay outside the span and unmasked.
_DIGIT_SHAPES: tuple[tuple[str, Kind, str], ...] = (
    # any run of 9+ digits: NIK, BPJS, account or phone numbers nobody prefixed
    ("number", "number", r"\d{8,}(?![\w*])"),
    # +62 812-3456-7890, 0812 3456 7890, 08123456789, 62.812.3456.789
    (
        "phone",
        "phone",
        r"(?<![.,]\d)(?:(?<![+]\d)(?<=0)|(?<=6)2)[ \t.-]?8\d{1,3}(?:[ \t.-]?\d{2,5}){1,3}(?![\d*])",
    ),
    # (0274) 512345, 021-1234-5678: landlines
    (
        "landline",
        "phone",
        r"(?<=0)(?:(?<=\(0)\d{2,3}\)[ \t]?|(?<![(+.,]0)\d{2,3}[ \t-])"
        r"\d{3,4}[ \t.-]?\d{3,4}(?![\d*])",
    ),
    # (7 bln): months in brackets are a baby's age
    ("months", "age", r"(?<=\(\d)\d{0,2}[ \t]*(?i:bulan|bln|bl|months?|mo)[ \t]*\)"),
    # 45 tahun, 45 th, 45 y.o., 45-year-old, 3-month-old (unless a duration or a threshold)
    (
        "age",
        "age",
        rf"(?<![.,/–-]\d)\d{{0,2}}{_AGE_END}"
        r"(?:[ \t]*-?[ \t]*(?i:tahun|thn|years?[ \t-]*old|year[ \t-]*old|y\.o\.?|y/o|yo|yrs?"
        r"|years?|months?[ \t-]*old|month[ \t-]*old)|[ \t]+(?i:th))(?![^\W\d_])",
    ),
)
# An empty group opens each shape, so match.lastgroup names the shape that fitted.
_DIGIT_SCAN = re.compile(
    r"\d(?<![\w*]\d)(?:" + "|".join(f"(?P<{name}>){body}" for name, _, body in _DIGIT_SHAPES) + ")"
)
_DIGIT_KINDS: dict[str, Kind] = {name: kind for name, kind, _ in _DIGIT_SHAPES}
_LEADING_DIGITS = re.compile(r"\d+")


def _digit_spans(text: str) -> list[Span]:
    """The identifiers that begin with a digit: numbers, phones, ages."""
    spans: list[Span] = []
    at = 0
    while (match := _DIGIT_SCAN.search(text, at)) is not None:
        shape = match.lastgroup or ""
        start, end = match.span()
        # A shape that fits but is no identifier ("0812 45" is too short for a phone) must not
        # hide what follows ("45 tahun"): look again from the next character.
        at = start + 1
        if shape == "phone" and not 10 <= sum(ch.isdigit() for ch in match[0]) <= 14:
            continue
        if shape == "age" and not _is_an_age(match):
            continue
        at = end
        if _DIGIT_KINDS[shape] == "age":
            digits = _LEADING_DIGITS.match(text, start)
            end = digits.end() if digits else end
        spans.append(Span(start, end, _kind_of(_DIGIT_KINDS[shape], text[start:end])))
    return spans


# --- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
    """A pattern tried where one of its start words begins; its named groups are identifiers."""

    pattern: re.Pattern[str]
    groups: tuple[tuple[str, Kind], ...]
    starts: tuple[str, ...]  # lower-case words a match begins with, or "(" / "@"
    accept: Callable[[re.Match[str]], bool] | None = None
    needs_patient_context: bool = False  # only when its sentence already speaks of a patient
    # For a match that begins before its start symbol ("Sulastri (45 th)", "x@y.id"): a pattern
    # ending in \Z that finds where the match begins in the 64 characters before the symbol.
    back: re.Pattern[str] | None = None


def _rule(
    pattern: str,
    *groups: tuple[str, Kind],
    starts: str | tuple[str, ...] | list[str],
    accept: Callable[[re.Match[str]], bool] | None = None,
    needs_patient_context: bool = False,
    back: str | None = None,
) -> _Rule:
    words = tuple(starts.split()) if isinstance(starts, str) else tuple(starts)
    return _Rule(
        re.compile(pattern),
        groups,
        words,
        accept,
        needs_patient_context,
        re.compile(back) if back else None,
    )


_RULES: tuple[_Rule, ...] = (
    # Ibu Sulastri, Tn. AS, Mrs Johnson, Bpk. Hj. Aminah; a bare number right after the name,
    # "(56)" or ", 56,", is an age
    _rule(
        rf"(?<![\w.*])(?:(?i:{'|'.join(_HONORIFICS_ANY_CASE)})\.?|{_HONORIFICS_AS_WRITTEN})"
        rf"(?:[ \t]+|(?<=\.))(?:(?:Hj|H)\.[ \t]*)?(?P<person>{_PERSON})"
        r"(?:[ \t]*\([ \t]*(?P<age>\d{1,3})[ \t]*\)"
        r"|[ \t]*,[ \t]*(?P<listed_age>\d{1,3})(?=[ \t]*[,;)]))?",
        ("person", "name"),
        ("age", "age"),
        ("listed_age", "age"),
        starts=[
            *_HONORIFICS_ANY_CASE,
            *_words("tn ny nn an. sdr mrs mr ms miss mdm madam"),
        ],
    ),
    # pasien bernama Sulastri, atas nama Sulastri, patient named Sarah, inisial DK
    _rule(
        r"(?<![\w*])(?i:bernama|atas[ \t]+nama|a\.n\.|named|inisial|initials?)[ \t]*:?[ \t]*"
        rf"(?P<person>{_PERSON})",
        ("person", "name"),
        starts="bernama atas a.n. named inisial initial",
    ),
    # pasien bernama sulastri: lower case only after a cue that cannot mean "on behalf of"
    _rule(
        r"(?<![\w*])(?i:bernama|(?:pasien|patient)[ \t]+(?:atas[ \t]+nama|a\.n\.|named))"
        rf"[ \t]*:?[ \t]*(?P<person>{_LOWER_NAME})",
        ("person", "name"),
        starts="bernama pasien patient",
    ),
    # Nama pasien: Rudi Hartono / Name: ...
    _rule(
        r"(?<![\w*])(?i:nama(?:[ \t]+pasien)?|(?:patient(?:'s)?[ \t]+)?name)[ \t]*:[ \t]*"
        rf"(?P<person>{_PERSON}|{_LOWER_NAME})",
        ("person", "name"),
        starts="nama patient name",
    ),
    # Sulastri (45 th): a name right before an age in brackets
    _rule(
        rf"(?<![\w.*])(?!(?:(?i:pasien|patient|bayi|baby|case|kasus)|{_NOT_A_NAME_WORDS})\b)"
        rf"(?P<person>{_NAME_WORD})[ \t]*\([ \t]*\d{{1,3}}{_AGE_END}{_AGE_UNIT}[ \t]*\)",
        ("person", "name"),
        starts="(",
        back=rf"{_NAME_WORD}[ \t]*\Z",
    ),
    # usia 45, umur 7 bln, berusia 45 tahun, aged 70, bayi 3 bulan
    _rule(
        r"(?<![\w*])(?i:usia|umur|usianya|umurnya|berusia|berumur|aged?|bayi|balita)[ \t]*:?[ \t]*"
        rf"(?P<age>\d{{1,3}}){_AGE_END}(?:{_AGE_UNIT}|(?![\w*@]))",
        ("age", "age"),
        starts="usia umur usianya umurnya berusia berumur age aged bayi balita",
        accept=_is_an_age_after_cue,
    ),
    # asal Sleman, warga Desa Sukamaju, alamat Jl. Kaliurang No. 5, lives in Sleman
    _rule(
        r"(?<![\w*])(?i:asal|berasal[ \t]+dari|warga|penduduk|alamat|beralamat(?:[ \t]+di)?"
        r"|berdomisili(?:[ \t]+di)?|domisili|tinggal[ \t]+di|residing[ \t]+in|resident[ \t]+of"
        r"|lives[ \t]+in|living[ \t]+in|hometown|address)[ \t]*:?[ \t]*"
        rf"(?:{_ADMIN}[ \t]*)?(?P<place>{_NAME_WORDS}){_HOUSE_NUMBER}",
        ("place", "place"),
        ("house", "address"),
        starts="asal berasal warga penduduk alamat beralamat berdomisili domisili tinggal "
        "residing resident lives living hometown address",
    ),
    # dari Kec. Depok, di Desa Wonosari: after a weak cue only an administrative word counts
    _rule(
        r"(?:(?<=(?<![\w*])(?i:dari) )|(?<=(?<![\w*])(?i:from) )|(?<=(?<![\w*])(?i:di) )"
        r"|(?<=(?<![\w*])(?i:in) ))"
        rf"{_ADMIN}[ \t]*(?P<place>{_NAME_WORDS}){_HOUSE_NUMBER}",
        ("place", "place"),
        ("house", "address"),
        starts=_ADMIN_WORDS,
    ),
    # Desa Sukamaju, Dusun Krajan, Jl. Kaliurang No. 5: a village or street names a household
    _rule(
        r"(?<![\w.*])(?:Desa|Ds\.|Dusun|Dsn\.|Dukuh|Jl\.|Jln\.|Gg\.)[ \t]*"
        rf"(?P<place>{_NAME_WORDS}){_HOUSE_NUMBER}",
        ("place", "place"),
        ("house", "address"),
        starts="desa ds dusun dsn dukuh jl jln gg",
    ),
    # from Bantul / dari Bantul, only in a sentence that already speaks of a patient
    _rule(
        rf"(?<![\w*])(?i:dari|from)[ \t]+(?P<place>{_NAME_WORDS})(?![\w*])",
        ("place", "place"),
        starts="dari from",
        needs_patient_context=True,
    ),
    # RT 03/RW 05, RT 3 RW 4, RT/RW 03/05
    _rule(
        r"(?<![\w*])RT[ \t]*/[ \t]*RW[ \t]*\.?[ \t]*(?P<rtrw>\d{1,3}[ \t]*/[ \t]*\d{1,3})(?!\d)",
        ("rtrw", "address"),
        starts="rt",
    ),
    _rule(
        r"(?<![\w*])(?:RT|RW)[ \t]*\.?[ \t]*(?P<rt>\d{1,3}(?:[ \t]*/[ \t]*\d{1,3})?)(?!\d)",
        ("rt", "address"),
        starts="rt rw",
    ),
    # RM 00-12-34, No. RM 123456, MRN 12345, rekam medis 778899, medical record no. 4455
    _rule(
        r"(?<![\w*])(?i:rm|nrm|mrn|mr|rekam[ \t]+medi[sk]|medical[ \t]+record)"
        r"(?:[ \t]+(?i:no\.?|nomor|number|#))?[ \t]*[:#.]?[ \t]*"
        r"(?P<record>\d+(?:[-./]\d+)*)(?![\d*])",
        ("record", "record"),
        starts="rm nrm mrn mr rekam medical",
    ),
    # bed 7, kamar 305, bangsal Melati 2, tempat tidur 12B, Paviliun Anggrek 4
    _rule(
        r"(?<![\w*])(?:(?i:bed|tempat[ \t]+tidur|kamar|ruang(?:an)?|room|bangsal|ward|bilik"
        r"|paviliun|pavilion)|TT)(?:[ \t]+(?i:no\.?|nomor|number))?[ \t]*[:#.]?[ \t]*"
        r"(?:[A-Z][A-Za-z]+[ \t]+)?(?P<bed>\d{1,4})(?![\d*]|[.,]\d)",
        ("bed", "record"),
        starts="bed tempat kamar ruang ruangan room bangsal ward bilik paviliun pavilion tt",
    ),
    # NIK 3404 0123 4567 0001 (16 digits, maybe grouped)
    _rule(
        r"(?<![\w*])(?i:nik|no\.?[ \t]*ktp|ktp)[ \t]*[:#.]?[ \t]*"
        r"(?P<nik>\d(?:[ \t.-]?\d){15})(?!\d)",
        ("nik", "nik"),
        starts="nik no ktp",
    ),
    # BPJS / KIS / JKN card numbers (13 digits, maybe grouped)
    _rule(
        r"(?<![\w*])(?i:bpjs(?:[ \t]+kesehatan)?|kis|jkn(?:-kis)?|no\.?[ \t]*kartu)"
        r"(?:[ \t]+(?i:no\.?|nomor|number))?[ \t]*[:#.]?[ \t]*"
        r"(?P<bpjs>\d(?:[ \t.-]?\d){9,12})(?!\d)",
        ("bpjs", "bpjs"),
        starts="bpjs kis jkn no",
    ),
    # sulastri.w@gmail.com: the local part names the person; the domain stays readable
    _rule(
        r"(?<![\w.+%*-])(?P<local>[A-Za-z0-9._%+-]+)@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        ("local", "email"),
        starts="@",
        back=r"[A-Za-z0-9._%+-]+\Z",
    ),
)


def _index_rules(
    rules: tuple[_Rule, ...],
) -> tuple[dict[str, list[tuple[str, list[_Rule]]]], list[tuple[str, list[_Rule]]]]:
    """The rules by start word, grouped by the word's leading letters; and those on a symbol."""
    by_word: dict[str, list[_Rule]] = {}
    for rule in rules:
        for start in rule.starts:
            by_word.setdefault(start, []).append(rule)
    by_token: dict[str, list[tuple[str, list[_Rule]]]] = {}
    by_symbol: list[tuple[str, list[_Rule]]] = []
    for word, word_rules in by_word.items():
        token = re.match(r"[a-z]+", word)
        if token is not None:
            by_token.setdefault(token[0], []).append((word, word_rules))
        else:
            by_symbol.append((word, word_rules))
    return by_token, by_symbol


_WORD_RULES, _SYMBOL_RULES = _index_rules(_RULES)
_START_TOKENS = frozenset(_WORD_RULES)
_LETTERS = re.compile(r"[a-z]+")
_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}

# Words that make a sentence about a patient, for the weak place cues ("from Bantul").
_PATIENT_WORDS = re.compile(r"(?i:pasien|patient|penderita|klien|client)")
_PERSONAL_KINDS = frozenset({"name", "initials", "age", "record", "phone", "nik", "bpjs"})


def _kind_of(kind: Kind, value: str) -> Kind:
    """The span's kind, refined: a name of capitals and dots is initials, 16 digits a NIK."""
    if kind == "name" and len(value) <= 7 and _INITIALS.fullmatch(value):
        return "initials"
    if kind == "number" and len(value) == 16:
        return "nik"
    return kind


def _sentence_of(text: str, span: Span) -> tuple[int, int]:
    """The offsets of the sentence (or line) holding the span."""
    start = max(text.rfind(mark, 0, span.start) for mark in ".!?\n") + 1
    ends = [end for mark in ".!?\n" if (end := text.find(mark, span.end)) >= 0]
    return start, min(ends, default=len(text))


def _speaks_of_a_patient(text: str, span: Span, found: list[Span]) -> bool:
    """Whether the span's sentence also holds a personal identifier or a patient word."""
    start, end = _sentence_of(text, span)
    if _PATIENT_WORDS.search(text, start, end):
        return True
    return any(start <= other.start < end and other.kind in _PERSONAL_KINDS for other in found)


def _rule_starts(text: str) -> list[tuple[int, list[_Rule]]]:
    """Where rules may begin: the offsets of their start words and symbols in the text."""
    lower = text.lower()
    if len(lower) != len(text):  # a few non-ASCII letters lengthen when lower-cased
        lower = text.translate(_ASCII_LOWER)
    starts: list[tuple[int, list[_Rule]]] = []
    for token in _START_TOKENS.intersection(_LETTERS.findall(lower)):
        for word, rules in _WORD_RULES[token]:
            at = lower.find(word)
            while at >= 0:
                starts.append((at, rules))
                at = lower.find(word, at + 1)
    for symbol, rules in _SYMBOL_RULES:
        at = text.find(symbol)
        while at >= 0:
            starts.append((at, rules))
            at = text.find(symbol, at + 1)
    return starts


def _word_spans(text: str) -> tuple[list[Span], list[Span]]:
    """The identifiers found by the word rules: certain ones, and those needing a patient."""
    spans: list[Span] = []
    contextual: list[Span] = []
    for at, rules in _rule_starts(text):
        for rule in rules:
            begin = at
            if rule.back is not None:
                found = rule.back.search(text, max(0, at - 64), at)
                if found is None:
                    continue
                begin = found.start()
            match = rule.pattern.match(text, begin)
            if match is None or (rule.accept is not None and not rule.accept(match)):
                continue
            for group, kind in rule.groups:
                start, end = match.span(group)
                if start < end:
                    span = Span(start, end, _kind_of(kind, text[start:end]))
                    (contextual if rule.needs_patient_context else spans).append(span)
    return spans, contextual


def find_identifiers(text: str) -> list[Span]:
    """The patient identifiers in the text, in order, without overlaps."""
    candidates, contextual = _word_spans(text)
    candidates.extend(_digit_spans(text))
    candidates.extend(span for span in contextual if _speaks_of_a_patient(text, span, candidates))
    # Earlier first, longer first at the same start; a span inside a kept one adds nothing.
    candidates.sort(key=lambda span: (span.start, -span.end))
    spans: list[Span] = []
    for span in candidates:
        if not spans or span.start >= spans[-1].end:
            spans.append(span)
    return spans


def contains_identifier(text: str) -> bool:
    """Whether the text holds at least one patient identifier that masking would change."""
    return bool(find_identifiers(text))


_DIGITS_TO_STARS = str.maketrans("0123456789", "**********")


def _mask_digits(value: str) -> str:
    return value.translate(_DIGITS_TO_STARS)


def _mask_age(value: str) -> str:
    # Keep the decade (4x) and hide the exact age; a single digit (a child) becomes "x".
    return value[:-1] + "x"


def _keep_first_letter(value: str) -> str:
    # A fixed "***" whatever the length, so the mask does not tell the name's length either.
    return value[0] + "***"


def _keep_first_letter_of_email(value: str) -> str:
    # A leading digit is not kept: it could be read as a house or RT number when masked again.
    return _keep_first_letter(value) if value[0].isalpha() else "***"


_MASKERS: dict[Kind, Callable[[str], str]] = {
    "name": _keep_first_letter,
    "place": _keep_first_letter,
    "email": _keep_first_letter_of_email,
    "initials": lambda value: value[0] + "*",
    "age": _mask_age,
    "address": _mask_digits,
    "record": _mask_digits,
    "phone": _mask_digits,
    "nik": _mask_digits,
    "bpjs": _mask_digits,
    "number": _mask_digits,
}


def mask_identifiers(text: str) -> str:
    """The text with every patient identifier masked; the rest of the wording unchanged."""
    pieces: list[str] = []
    cursor = 0
    for span in find_identifiers(text):
        pieces.append(text[cursor : span.start])
        pieces.append(_MASKERS[span.kind](text[span.start : span.end]))
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def mask_or_none(text: str | None) -> str | None:
    """``text`` with patient identifiers masked (None stays None)."""
    return None if text is None else mask_identifiers(text)


@cache
def mask_version() -> str:
    """A version of the masking rules: the hash of this module's code, so an edit re-masks
    everything (stored beside each masked caption in `posts_masked`)."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
