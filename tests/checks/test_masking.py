"""Masking of patient identifiers in evidence text (issue 9): exact outputs on real-looking
captions in Bahasa Indonesia, English and code-mixed, look-alikes that must stay, and
properties over generated captions."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from checks.masking import Span, contains_identifier, find_identifiers, mask_identifiers

# (caption, exact masked caption)
MASKED_EXAMPLES: list[tuple[str, str]] = [
    # the issue's own example (digits of the record number all masked, see docs/privacy.md)
    (
        "Pasien saya, Ibu Sulastri (45 th), RM 00-12-34, alhamdulillah sudah pulih.",
        "Pasien saya, Ibu S*** (4x th), RM **-**-**, alhamdulillah sudah pulih.",
    ),
    # names with honorifics, initials
    (
        "Tn. AS, 62 tahun, asal Sleman, datang dengan nyeri dada kiri.",
        "Tn. A*, 6x tahun, asal S***, datang dengan nyeri dada kiri.",
    ),
    (
        "Ny. R usia 34 tahun dari Kec. Depok, G2P1A0 hamil 32 minggu.",
        "Ny. R* usia 3x tahun dari Kec. D***, G2P1A0 hamil 32 minggu.",
    ),
    (
        "An. M.F. umur 7 bln dirawat di bangsal Melati 2, bed 7.",
        "An. M*. umur x bln dirawat di bangsal Melati *, bed *.",
    ),
    (
        "Pak Budi Santoso warga Desa Sukamaju RT 03/RW 05 kontrol luka DM.",
        "Pak B*** warga Desa S*** RT **/RW ** kontrol luka DM.",
    ),
    (
        "Bapak Joko (70 thn) alamat Jl. Kaliurang No. 5, kamar 305.",
        "Bapak J*** (7x thn) alamat Jl. K*** No. *, kamar ***.",
    ),
    (
        "Kemarin pasien bernama Sulastri, No. RM 123456, kontrol ke poli.",
        "Kemarin pasien bernama S***, No. RM ******, kontrol ke poli.",
    ),
    ("Sdr. Andi (19 tahun) asal Bantul.", "Sdr. A*** (1x tahun) asal B***."),
    ("Nn. Dewi, 23 thn, tinggal di Gunungkidul.", "Nn. D***, 2x thn, tinggal di G***."),
    ("Bu Hj. Aminah usia 81 tahun.", "Bu Hj. A*** usia 8x tahun."),
    ("Bpk. Hartono (56) dari Bantul", "Bpk. H*** (5x) dari B***"),
    ("Pak Hartono, 56, stroke iskemik", "Pak H***, 5x, stroke iskemik"),
    ("Ibu Ani, 3 anak, semua lahir normal.", "Ibu A***, 3 anak, semua lahir normal."),
    ("Bayi Ny. Rina, umur 3 bulan, BB 4,1 kg.", "Bayi Ny. R***, umur x bulan, BB 4,1 kg."),
    ("ibu Sri Wahyuni berdomisili di Kab. Bantul", "ibu S*** berdomisili di Kab. B***"),
    ("Nama pasien: Rudi Hartono", "Nama pasien: R***"),
    ("pasien atas nama sulastri", "pasien atas nama s***"),
    ("Ibu SITI AMINAH kontrol rutin", "Ibu S*** kontrol rutin"),
    ("Pasien inisial DK, laki-laki 56 tahun.", "Pasien inisial D*, laki-laki 5x tahun."),
    # record, bed, room numbers
    ("No. RM 00.12.34 dan MRN: 12345", "No. RM **.**.** dan MRN: *****"),
    ("Rekam medis 778899, tempat tidur 12B", "Rekam medis ******, tempat tidur **B"),
    ("Dirawat di Kamar 305, Paviliun Anggrek 4", "Dirawat di Kamar ***, Paviliun Anggrek *"),
    # phone numbers, NIK, BPJS, e-mail
    (
        "Keluarga pasien bisa dihubungi di +62 812-3456-7890 atau 0812 3456 7890.",
        "Keluarga pasien bisa dihubungi di +** ***-****-**** atau **** **** ****.",
    ),
    ("WA 08123456789 / (0274) 512345", "WA *********** / (****) ******"),
    ("NIK 3404012345670001", "NIK ****************"),
    ("NIK: 3404 0123 4567 0001", "NIK: **** **** **** ****"),
    ("BPJS 0001234567890, KIS: 0002-3456-78901", "BPJS *************, KIS: ****-****-*****"),
    ("email pasien: sulastri.w@gmail.com", "email pasien: s***@gmail.com"),
    # English
    (
        "My patient, Mrs Johnson, a 45-year-old woman from Bantul, MRN 12345, bed 7.",
        "My patient, Mrs J***, a 4x-year-old woman from B***, MRN *****, bed *.",
    ),
    ("Patient named Sarah, 45 y.o., room 12.", "Patient named S***, 4x y.o., room **."),
    ("Mr. Smith, aged 70, lives in Sleman.", "Mr. S***, aged 7x, lives in S***."),
    ("Ms Lee (32 yo) was admitted to ward 3.", "Ms L*** (3x yo) was admitted to ward *."),
    (
        "A 3-month-old baby girl, medical record no. 4455",
        "A x-month-old baby girl, medical record no. ****",
    ),
    (
        "Miss Tan, 102 years old, resident of Kulon Progo",
        "Miss T***, 10x years old, resident of K***",
    ),
    # code-mixed
    (
        "Alhamdulillah Bu Siti (58 th) from Gunungkidul sudah boleh pulang dari room 12 🙏",
        "Alhamdulillah Bu S*** (5x th) from G*** sudah boleh pulang dari room ** 🙏",
    ),
    (
        "Case hari ini: Tn. B, 45 yo, asal Klaten, phone 0857-1234-5678 #patientstory",
        "Case hari ini: Tn. B*, 4x yo, asal K***, phone ****-****-**** #patientstory",
    ),
    (
        "Pasien dari Desa Wonosari, 7 tahun, RT 2 RW 4",
        "Pasien dari Desa W***, x tahun, RT * RW *",
    ),
    # hostile text: markup around identifiers is kept as it is, only the identifier is masked
    ("<b>Ibu Sulastri</b>'; DROP TABLE posts;--", "<b>Ibu S***</b>'; DROP TABLE posts;--"),
]

# Look-alikes: numbers and capitalised words that identify nobody stay exactly as written.
UNCHANGED_EXAMPLES: list[str] = [
    "Paracetamol 500 mg 3x sehari selama 3 hari.",
    "Promo scaling Rp 150.000 (diskon 20%) sampai 31 Desember!",
    "Seminar Sabtu, 12 Oktober 2024 pukul 09.00-12.00 WIB di Hotel Tentrem, Yogyakarta.",
    "Terima kasih 5000+ pasien yang sudah mempercayakan perawatannya.",
    "Sudah 10 tahun praktik di Yogyakarta.",
    "Vaksin HPV untuk anak usia 9-14 tahun.",
    "Skrining gratis untuk usia di atas 40 tahun.",
    "Vaksin pneumonia untuk usia 60 tahun ke atas.",
    "Seorang pasien 40-an datang dengan batuk 2 minggu.",
    "Selamat Hari Ibu Indonesia!",
    "Kelas Ibu Hamil setiap Kamis di Puskesmas.",
    "Materi dari Kemenkes dan WHO.",
    "Minum obat TB selama 6 bulan tanpa putus.",
    "Happy 5th anniversary to our clinic!",
    "Screening for adults over 40 years.",
    "Thank you from Jakarta!",
    "An Indonesian study followed 1200 mothers for 2 years.",
    "Bapak/Ibu sekalian, jangan lupa cuci tangan.",
    "dr. Andi Wijaya, Sp.PD praktik Senin-Jumat.",
    "Gula darah 180 mg/dL, tensi 140/90 mmHg, BMI 27,5.",
    "Kasus ini terjadi 2 tahun lalu.",
    "Asal Usul Penyakit Kaki Gajah",
    "Bed rest 3 hari, kontrol ke poli.",
    "Terima kasih Pak Menteri dan Ibu Dirut RSUP atas kunjungannya.",
    "Ibu-ibu, yuk periksa payudara sendiri (SADARI) setiap bulan.",
    "BB 3200 gram, lahir 12/03/2024 pukul 08.15, Apgar 8/9.",
    "Usia kehamilan 32 minggu, gerak janin aktif.",
    "Terima kasih untuk IDI Cabang Sleman dan Pak RT atas dukungannya.",
    "HUT ke-75 tahun RSUP Dr. Sardjito.",
    "Ikuti kami di Instagram @klinik.sehat atau kunjungi www.kliniksehat.id",
    # already masked: masking is idempotent
    "Pasien saya, Ibu S*** (4x th), RM **-**-**, alhamdulillah sudah pulih.",
    "Tn. A*, 6x tahun, asal S***, WA ****-****-****, s***@gmail.com",
]


@pytest.mark.parametrize(("caption", "expected"), MASKED_EXAMPLES)
def test_identifiers_are_masked_exactly(caption: str, expected: str) -> None:
    assert mask_identifiers(caption) == expected


@pytest.mark.parametrize("caption", UNCHANGED_EXAMPLES)
def test_look_alikes_stay_unchanged(caption: str) -> None:
    assert mask_identifiers(caption) == caption
    assert find_identifiers(caption) == []
    assert contains_identifier(caption) is False


@pytest.mark.parametrize(("caption", "expected"), MASKED_EXAMPLES)
def test_masking_masked_text_changes_nothing(caption: str, expected: str) -> None:
    assert mask_identifiers(expected) == expected
    assert contains_identifier(caption) is True
    assert contains_identifier(expected) is False


def test_find_identifiers_reports_kind_and_offsets_in_the_original_text() -> None:
    text = "Ibu Sulastri (45 th), RM 00-12-34, asal Sleman, WA 0812 3456 7890, NIK 3404012345670001"
    assert find_identifiers(text) == [
        Span(4, 12, "name"),
        Span(14, 16, "age"),
        Span(25, 33, "record"),
        Span(40, 46, "place"),
        Span(51, 65, "phone"),
        Span(71, 87, "nik"),
    ]


def test_initials_and_name_spans_have_their_own_kind() -> None:
    assert find_identifiers("Tn. AS dan Ny. Rina") == [Span(4, 6, "initials"), Span(15, 19, "name")]


def test_the_examples_in_the_privacy_doc_are_what_the_code_does() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "privacy.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(.+?)` \| `(.+?)` \|$", doc, flags=re.MULTILINE)
    assert len(rows) >= 15
    assert [mask_identifiers(original) for original, _ in rows] == [masked for _, masked in rows]


def test_empty_text_stays_empty() -> None:
    assert mask_identifiers("") == ""
    assert find_identifiers("") == []


# --- properties over generated captions -------------------------------------------------------

NAMES = ["Sulastri", "Wahyuningsih", "Kartono", "Bambang", "Yohanes", "Margaretha", "Rusdiyanto"]
HONORIFICS = ["Ibu", "Bu", "Bapak", "Pak", "Tn.", "Ny.", "Nn.", "Sdr.", "Mrs", "Mr.", "Ms"]
TEMPLATES = [
    "Pasien saya, {hon} {name} ({age} th), RM {rm}, HP {phone}.",
    "{hon} {name}, {age} tahun, No. RM {rm}, NIK {nik}, keluarga: {phone}",
    "Case: {hon} {name} aged {age}, MRN {rm}, contact {phone}, ID {nik}",
    "Alhamdulillah {hon} {name} usia {age} sudah pulang. RM: {rm} / WA {phone} / NIK: {nik}",
]


def _digits(n: int, rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _phone(rng: random.Random) -> tuple[str, list[str]]:
    """A phone number in one of the common Indonesian spellings, and its digit groups."""
    groups = ["8" + _digits(2, rng), _digits(4, rng), _digits(rng.choice([3, 4]), rng)]
    prefix, sep = rng.choice([("0", "-"), ("0", " "), ("+62 ", "-"), ("0", ""), ("62", ".")])
    return prefix + sep.join(groups), groups


def _record(rng: random.Random) -> tuple[str, list[str]]:
    """A medical record number with or without separators, and its digit groups."""
    if rng.random() < 0.5:
        groups = [_digits(2, rng) for _ in range(3)]
        return rng.choice(["-", "."]).join(groups), groups
    plain = _digits(rng.choice([5, 6, 8]), rng)
    return plain, [plain]


def _generated_cases(count: int) -> list[tuple[str, list[str], str]]:
    """Captions with their secret digit groups and the name whose tail must not survive."""
    rng = random.Random(20240901)
    cases = []
    for _ in range(count):
        phone, phone_groups = _phone(rng)
        rm, rm_groups = _record(rng)
        nik = rng.choice("123456789") + _digits(15, rng)
        name = rng.choice(NAMES)
        caption = rng.choice(TEMPLATES).format(
            hon=rng.choice(HONORIFICS),
            name=name,
            age=rng.randint(18, 99),
            rm=rm,
            phone=phone,
            nik=nik,
        )
        cases.append((caption, [*phone_groups, *rm_groups, nik], name))
    return cases


def test_no_digit_group_of_a_record_phone_or_nik_survives() -> None:
    for caption, secret_groups, _name in _generated_cases(300):
        masked = mask_identifiers(caption)
        surviving = set(re.findall(r"\d+", masked))
        assert surviving.isdisjoint(secret_groups), (caption, masked)


def test_no_masked_name_tail_survives() -> None:
    for caption, _groups, name in _generated_cases(300):
        masked = mask_identifiers(caption)
        assert name[1:] not in masked, (caption, masked)
        assert name[0] + "***" in masked, (caption, masked)


def test_generated_captions_mask_idempotently_and_keep_every_other_word() -> None:
    for caption, _groups, _name in _generated_cases(300):
        once = mask_identifiers(caption)
        assert mask_identifiers(once) == once
        # identifiers are masked in place: no word is added or dropped
        assert len(once.split()) == len(caption.split()), (caption, once)


# Pieces of captions, cues and masked text glued at random, with and without spaces: masked
# digits ("*"), masked ages ("x") and masked names must never create a new match.
JUNK_PIECES = [
    *["Ibu ", "Tn. ", "Pak ", "Mrs ", "asal ", "dari ", "from ", "Desa ", "Kec. ", "Jl. ", "No. "],
    *["RM ", "bed ", "kamar ", "bangsal Melati ", "usia ", "aged ", "tahun ", "th ", "years old "],
    *["y.o. ", "named ", "bernama ", "Nama: ", "lives in ", "NIK ", "BPJS ", "RT ", "RT/RW "],
    *[
        "Sulastri ",
        "Sari ",
        "sulastri ",
        "AS ",
        "M.F. ",
        "Bantul ",
        "pasien ",
        "(45 th) ",
        "03/05 ",
    ],
    *["0812 ", "3456 ", "+62 ", "0274 ", "(0274) ", "3404012345670001 ", "budi.s@mail.id "],
    *["S*** ", "4x ", "x ", "(", ")", "45", "7", "-", ".", ",", " ", "@", "x", "*", "/", "\n"],
]


def test_masking_is_idempotent_on_glued_fragments() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(JUNK_PIECES) for _ in range(rng.randint(1, 40)))
        once = mask_identifiers(text)
        assert mask_identifiers(once) == once, (text, once)
