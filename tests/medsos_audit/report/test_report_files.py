"""The files staff get: HTML, XLSX and CSV per branch and week."""

from __future__ import annotations

import csv
import io
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl

from medsos_audit.report import build_reports
from medsos_audit.report.build import render_branch
from medsos_audit.report.data import FIGURE_COLUMNS
from medsos_audit.settings import Settings
from tests.conftest import table
from tests.medsos_audit.report.sample import (
    BRANCHES,
    HOSTILE,
    WEEK,
    add_posts,
    branch_markers,
    hostile_post,
)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def cells(path: Path) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    return [list(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]


def test_each_branch_gets_three_private_files(
    home: Settings, wh: duckdb.DuckDBPyConnection
) -> None:
    files = build_reports(wh, home, WEEK)
    assert [(f.branch, f.html.name, f.xlsx.name, f.csv.name) for f in files] == [
        (b, f"{slug}.html", f"{slug}.xlsx", f"{slug}.csv")
        for b, slug in zip(
            BRANCHES,
            ("idi-cabang-medan", "idi-cabang-semarang", "idi-cabang-yogyakarta"),
            strict=True,
        )
    ]
    folder = home.reports_dir / WEEK
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        n for f in files for n in (f.html.name, f.xlsx.name, f.csv.name)
    )
    for path in (home.reports_dir, folder, *folder.iterdir()):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


def test_the_html_is_self_contained_and_shows_the_audit_figures(
    home: Settings, wh: duckdb.DuckDBPyConnection
) -> None:
    rendered = render_branch(wh, "IDI Cabang Semarang", WEEK, home.tz, "id")
    doc = parse(rendered.html)
    # no request leaves the page: the chart is a data: URI, no script, no external link but posts
    assert [(t, (a["src"] or "")[:22]) for t, a in doc.tags if t == "img"] == [
        ("img", "data:image/png;base64,")
    ]
    assert not [t for t, _ in doc.tags if t in ("script", "link", "iframe", "object")]
    hrefs = {a["href"] for t, a in doc.tags if t == "a"}
    assert hrefs == {
        "https://www.instagram.com/p/CF7fR7Kprc9/",
        "https://www.instagram.com/p/CDgHJhKsPEl/",
    }
    row = next(
        r
        for r in table(wh, "audit_weekly_branch")
        if r["branch"] == "IDI Cabang Semarang" and r["post_week"] == WEEK
    )
    # every figure shown (tiles and table rows carry data-figure) is the audit table's number
    shown = {
        name: int(value)
        for name, value in re.findall(
            r'data-figure="(\w+)".*?(?:tile-num">|class="num">)(\d+)<', rendered.html, re.DOTALL
        )
    }
    assert shown == {c: row[c] for c in FIGURE_COLUMNS if c != "accounts_with_posts"}
    text = " ".join(doc.text)
    assert "Unggahan yang ditandai (2)" in text and "Keterangan" in text


def test_the_workbook_and_csv_hold_the_same_findings(
    home: Settings, wh: duckdb.DuckDBPyConnection
) -> None:
    (files,) = build_reports(wh, home, WEEK, branches=["IDI Cabang Medan"])
    wb = openpyxl.load_workbook(files.xlsx)
    assert wb.sheetnames == [
        "Ringkasan",
        "Tren",
        "Dokter",
        "Temuan",
        "Tidak diperiksa",
        "Keterangan",
    ]
    summary = {r[0]: r[1:] for r in wb["Ringkasan"].iter_rows(values_only=True) if r[0]}
    audit = {
        r["post_week"]: r
        for r in table(wh, "audit_weekly_branch")
        if r["branch"] == "IDI Cabang Medan"
    }
    assert summary["Unggahan diperiksa"] == (audit[WEEK]["posts"], audit["2026-W46"]["posts"], 1)
    assert summary["Unggahan ditandai"][:2] == (
        audit[WEEK]["flagged_posts"],
        audit["2026-W46"]["flagged_posts"],
    )
    flags = {
        (r["shortcode"], r["rule_id"])
        for r in table(wh, "flags")
        if r["post_week"] == WEEK and r["owner_id"] in ("7303387716", "7303310075")
    }
    with files.csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["shortcode"], r["rule_id"]) for r in rows} == flags
    assert {r["section"] for r in rows} == {"week"}
    findings = list(wb["Temuan"].iter_rows(values_only=True))[1:]
    assert sorted((str(r[5]).split("/p/")[1].strip("/"), r[9]) for r in findings) == sorted(flags)


def test_hostile_captions_are_inert_in_every_file(
    home: Settings, tmp_path: Path, wh: duckdb.DuckDBPyConnection
) -> None:
    wh.close()
    add_posts(home, tmp_path, [hostile_post()])
    con = duckdb.connect(str(home.warehouse))
    (files,) = build_reports(con, home, WEEK, branches=["IDI Cabang Yogyakarta"])
    con.close()
    html = files.html.read_text(encoding="utf-8")
    doc = parse(html)
    assert not [t for t, _ in doc.tags if t == "script"]
    assert [t for t, _ in doc.tags if t == "img"] == ["img"]  # the chart only
    assert not [k for _, attrs in doc.tags for k in attrs if k.startswith("on")]
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script>alert('x')</script>" in "".join(doc.text)  # shown as text, as written
    # spreadsheets: the caption is text, never a formula
    xlsx_text = [c for row in cells(files.xlsx) for c in row if isinstance(c, str)]
    assert any(HOSTILE[:20] in c for c in xlsx_text)
    wb = openpyxl.load_workbook(files.xlsx)
    assert not [
        c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    with files.csv.open(encoding="utf-8-sig", newline="") as fh:
        hostile_rows = [r for r in csv.DictReader(fh) if r["shortcode"] == "CHostile001"]
    assert hostile_rows and all(not r["evidence"].startswith("=") for r in hostile_rows)


def test_a_formula_looking_caption_is_quoted_in_the_csv(
    home: Settings, tmp_path: Path, wh: duckdb.DuckDBPyConnection
) -> None:
    wh.close()
    post = hostile_post("CFormula001")
    post["edge_media_to_caption"]["edges"][0]["node"]["text"] = "=1+1 PROMO diskon 50% hari ini!"
    add_posts(home, tmp_path, [post])
    con = duckdb.connect(str(home.warehouse))
    rendered = render_branch(con, "IDI Cabang Yogyakarta", WEEK, home.tz, "id")
    con.close()
    rows = [r for r in csv.DictReader(io.StringIO(rendered.csv)) if r["shortcode"] == "CFormula001"]
    assert rows and {r["caption_excerpt"][:5] for r in rows} == {"'=1+1"}


def test_no_file_of_one_branch_names_anything_of_another(
    home: Settings, wh: duckdb.DuckDBPyConnection
) -> None:
    files = build_reports(wh, home, WEEK)
    markers = {b: branch_markers(wh, b) for b in BRANCHES}
    assert all(markers.values())
    for f in files:
        contents = [
            f.html.read_text(encoding="utf-8"),
            f.csv.read_text(encoding="utf-8-sig"),
            "\n".join(str(c) for row in cells(f.xlsx) for c in row if c is not None),
        ]
        own = [m for m in markers[f.branch] if any(m in c for c in contents)]
        assert own, f.branch  # the check can see a branch's own names
        for other in BRANCHES:
            if other != f.branch:
                leaked = [m for m in markers[other] | {other} if any(m in c for c in contents)]
                assert leaked == [], (f.branch, other)


def test_english_has_every_label_translated(home: Settings, wh: duckdb.DuckDBPyConnection) -> None:
    english = render_branch(wh, "IDI Cabang Yogyakarta", WEEK, home.tz, "en")
    text = " ".join(parse(english.html).text)
    for label in ("Flagged posts", "Doctors by risk", "12-week trend", "Legend", "REPEAT"):
        assert label in text
    for indonesian in ("Unggahan", "Ringkasan", "Keterangan", "BERULANG", "Diunggah", "Minggu ini"):
        assert indonesian not in text, indonesian
    assert openpyxl.load_workbook(io.BytesIO(english.xlsx)).sheetnames[0] == "Summary"
