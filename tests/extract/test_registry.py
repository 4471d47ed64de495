from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from extract.registry import (
    RegisteredAccount,
    RegistryError,
    is_valid_username,
    load_registry,
    normalise_username,
)
from tests.conftest import SEEDS, write_registry

GOOD = ("1001", "dr. A", "IDI Cabang X", "Sp.A", "dr.a", "2025-01-02", "x@idi.example")


def test_embedded_registry_loads_good_rows_and_reports_the_bad_one() -> None:
    reg = load_registry(SEEDS / "registry.csv")
    assert [a.username for a in reg.accounts] == [
        "dr.ratna.kulit",
        "dokteryusuf.anak",
        "nuraini.md",
        "sinta.dokterumum",
        "drg.bayu.senyum",
        "theresia.obgyn",
        "agus.internist",
    ]
    assert [str(p).split("/")[-1] for p in reg.problems] == [
        "registry.csv:9: instagram_username 'dr..hasan' is not a valid Instagram username "
        "(1-30 of a-z, 0-9, '.', '_'; no leading, trailing or double '.')"
    ]


def test_usernames_are_trimmed_lowercased_and_lose_the_at_sign() -> None:
    assert normalise_username("  @Dr.Lukman_Hakim ") == "dr.lukman_hakim"


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("dr.a", True),
        ("a" * 30, True),
        ("a" * 31, False),
        (".dr", False),
        ("dr.", False),
        ("dr..a", False),
        ("dr-a", False),
        ("dr a", False),
        ("", False),
        ("dr_a.b9", True),
    ],
)
def test_instagram_username_rules(name: str, ok: bool) -> None:
    assert is_valid_username(name) is ok


def test_each_bad_row_is_reported_with_its_line_and_good_rows_still_load(tmp_path: Path) -> None:
    path = write_registry(
        tmp_path / "reg.csv",
        [
            GOOD,
            ("1002", "dr. B", "IDI Cabang X", "", "dr b", "2025-01-02", ""),
            ("1003", "dr. C", "IDI Cabang X", "", "dr.c", "02/01/2025", ""),
            ("1004", "dr. D", "IDI Cabang X", "", "dr.d", "2025-01-02", "not-an-email"),
            ("1005", "dr. E", "IDI Cabang X", "", "DR.A", "2025-01-02", ""),
            ("1006", "", "IDI Cabang X", "", "dr.f", "", ""),
            ("1007", "dr. G", "IDI Cabang X"),
            ("1008", "dr. H", "IDI Cabang Y", "", "dr.h", "", ""),
        ],
    )
    reg = load_registry(path)
    assert reg.accounts == [
        RegisteredAccount("1001", "dr.a", date(2025, 1, 2), 2),
        RegisteredAccount("1008", "dr.h", None, 9),
    ]
    assert [(p.line, p.reason.split(" ")[0]) for p in reg.problems] == [
        (3, "instagram_username"),
        (4, "registered_on"),
        (5, "branch_email"),
        (6, "instagram_username"),
        (7, "full_name"),
        (8, "expected"),
    ]
    assert "already registered on line 2" in reg.problems[3].reason


def test_one_doctor_may_have_several_accounts_but_one_branch(tmp_path: Path) -> None:
    second = ("1001", "dr. A", "IDI Cabang X", "Sp.A", "dr.a.personal", "", "")
    other_branch = ("1001", "dr. A", "IDI Cabang Z", "Sp.A", "dr.a.third", "", "")
    reg = load_registry(write_registry(tmp_path / "r.csv", [GOOD, second, other_branch]))
    assert [a.username for a in reg.accounts] == ["dr.a", "dr.a.personal"]
    assert list(reg.doctors) == ["1001"]
    assert "already registered in 'IDI Cabang X'" in reg.problems[0].reason


def test_non_utf8_line_is_reported_and_the_rest_loads(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    text = "npa,full_name,branch,specialty,instagram_username,registered_on,branch_email\n"
    path.write_bytes(
        text.encode() + b"1001,dr. \xff,IDI Cabang X,,dr.x,,\n" + ",".join(GOOD).encode() + b"\n"
    )
    reg = load_registry(path)
    assert [a.username for a in reg.accounts] == ["dr.a"]
    assert [(p.line, p.reason) for p in reg.problems] == [(2, "not UTF-8 text (byte 10)")]


def test_a_file_without_the_columns_is_an_error_naming_them(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("npa,name\n1,x\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"r.csv:1: missing column\(s\) full_name, branch"):
        load_registry(path)


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read registry"):
        load_registry(tmp_path / "absent.csv")


def test_a_large_registry_loads(tmp_path: Path) -> None:
    rows = [
        (str(100000 + i), f"dr. {i}", f"IDI Cabang {i % 40}", "", f"dr.{i}", "", "")
        for i in range(100_000)
    ]
    reg = load_registry(write_registry(tmp_path / "big.csv", rows))
    assert len(reg.accounts) == 100_000
    assert reg.problems == []
