"""What a branch's report shows, read from the sample warehouse."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from checks import load_ruleset
from medsos_audit.report.data import FIGURE_COLUMNS, load_branch_report
from medsos_audit.report.i18n import FATWA_ITEMS, LABELS, LEGEND, STATUSES
from medsos_audit.settings import SEEDS_DIR, Settings
from tests.conftest import post_node, table
from tests.medsos_audit.report.sample import BRANCHES, WEEK, add_posts

TZ = "Asia/Jakarta"


def test_figures_are_the_audit_tables_rows(wh: duckdb.DuckDBPyConnection) -> None:
    rows = {(r["branch"], r["post_week"]): r for r in table(wh, "audit_weekly_branch")}
    for branch in BRANCHES:
        report = load_branch_report(wh, branch, WEEK, TZ)
        for figures in (report.current, report.previous):
            expected = rows[(branch, figures.week)]
            assert figures.values == {c: expected[c] for c in FIGURE_COLUMNS}
        assert len(report.posts) == report.current["flagged_posts"]
        # one trend value per week, ending with this week's row
        assert report.trend_weeks[-1] == WEEK and len(report.trend_weeks) == 12
        for check, values in report.trend.items():
            assert values[-2:] == (
                rows[(branch, "2026-W46")][f"{check}_posts"],
                rows[(branch, WEEK)][f"{check}_posts"],
            )
            assert set(values[:-3]) == {0}  # the sample starts in W45


def test_doctors_are_the_audit_account_rows_ranked_by_risk(wh: duckdb.DuckDBPyConnection) -> None:
    report = load_branch_report(wh, "IDI Cabang Yogyakarta", WEEK, TZ)
    accounts = {r["npa"]: r for r in table(wh, "audit_weekly_account") if r["post_week"] == WEEK}
    assert [
        (d.rank, d.npa, d.posts, d.flagged_posts, d.max_risk_score) for d in report.doctors
    ] == [
        (1, "310877", accounts["310877"]["posts"], 1, accounts["310877"]["max_risk_score"]),
        (2, "310245", accounts["310245"]["posts"], 2, accounts["310245"]["max_risk_score"]),
    ]
    # dr. Ratna had flagged posts in W46 and W47: a repeat offender; dr. Yusuf only in W47.
    assert [(d.npa, d.weeks_flagged, d.repeat) for d in report.doctors] == [
        ("310877", 1, False),
        ("310245", 2, True),
    ]


def test_flagged_posts_highest_risk_first_with_their_findings(
    wh: duckdb.DuckDBPyConnection,
) -> None:
    report = load_branch_report(wh, "IDI Cabang Yogyakarta", WEEK, TZ)
    assert [(p.shortcode, p.risk_score, p.checks, p.severity, p.repeat) for p in report.posts] == [
        ("CTP3WZs-x8U", 99, ("patient_privacy",), "berat", False),
        ("CTgHPwDimU6", 91, ("promotion",), "sedang", True),
        ("CFabW3wbLGl", 80, ("promotion",), "sedang", True),
    ]
    first = report.posts[0]
    assert first.link == "https://www.instagram.com/p/CTP3WZs-x8U/"
    assert (first.doctor, first.npa, first.username) == (
        "dr. Yusuf Hidayat, Sp.A",
        "310877",
        "dokteryusuf.anak",
    )
    assert {f.rule_id for f in first.findings} == {
        "patient_privacy.patient_photo",
        "patient_privacy.age_town_diagnosis",
        "patient_privacy.name_with_details",
        "patient_privacy.bed_number",
    }
    (caption,) = first.excerpts
    marked = [s.text for s in caption.segments if s.mark]
    assert marked == [
        "Pasien saya hari ini",
        "R*** (x thn) dari S***, dirawat",
        "bangsal Melati bed **",
    ]
    assert "Rafi" not in "".join(s.text for s in caption.segments)
    # the profile flag of dr. Ratna's bio is listed apart from the week's posts
    assert [(p.shortcode, p.username, p.checks) for p in report.profiles] == [
        (None, "dr.ratna.kulit", ("promotion",))
    ]
    assert report.profiles[0].link == "https://www.instagram.com/dr.ratna.kulit/"


def test_posts_found_late_and_accounts_not_checked(
    home: Settings, tmp_path: Path, wh: duckdb.DuckDBPyConnection
) -> None:
    wh.close()
    # Two W45 posts first seen on Wednesday of W47 (one flagged), one W47 post seen in W47.
    add_posts(
        home,
        tmp_path,
        [
            post_node(
                "CLateFlag01",
                owner_id="7301339902",
                username="dokteryusuf.anak",
                caption="PROMO vaksin diskon 30% hanya minggu ini, hubungi admin!",
                when="2026-11-03T03:00:00",
            ),
            post_node(
                "CLateClean1",
                owner_id="7301339902",
                username="dokteryusuf.anak",
                caption="Yuk cuci tangan pakai sabun sebelum makan.",
                when="2026-11-04T03:00:00",
            ),
        ],
        seen=datetime(2026, 11, 18, 5, 0),
    )
    con = duckdb.connect(str(home.warehouse))
    yusuf, ratna = ("dokteryusuf.anak", "7301339902"), ("dr.ratna.kulit", "7301224501")
    con.executemany(
        "INSERT INTO collect_log VALUES (?, ?, ?, ?, 1.0, 1, 0, ?, NULL)",
        [
            # dr. Yusuf: rate-limited on Tuesday, collected on Wednesday -> checked
            ["r1", *yusuf, "2026-11-17 01:00", "rate_limited"],
            ["r2", *yusuf, "2026-11-18 01:00", "ok"],
            # dr. Ratna: every attempt this week failed, the last one found a private account
            ["r1", *ratna, "2026-11-17 01:00", "rate_limited"],
            ["r2", *ratna, "2026-11-18 01:00", "private"],
            ["r0", *ratna, "2026-11-10 01:00", "ok"],  # last week's success does not count
        ],
    )
    report = load_branch_report(con, "IDI Cabang Yogyakarta", WEEK, TZ)
    assert [(p.shortcode, p.post_week, p.checks) for p in report.late_posts] == [
        ("CLateFlag01", "2026-W45", ("promotion",))
    ]
    assert report.late_unflagged == 1
    # late posts belong to their own week's figures, not this week's
    assert "CLateFlag01" not in {p.shortcode for p in report.posts}
    assert [(a.username, a.status, a.last_attempt, a.tries) for a in report.unchecked] == [
        ("nuraini.md", "never_seen", None, 0),
        ("dr.ratna.kulit", "private", datetime(2026, 11, 18, 1, 0), 2),
    ]
    # the next week's report no longer lists them as late
    later = load_branch_report(con, "IDI Cabang Yogyakarta", "2026-W49", TZ)
    assert "CLateFlag01" not in {p.shortcode for p in later.late_posts}
    con.close()


def test_every_label_exists_in_both_languages() -> None:
    for catalogue in (LABELS, LEGEND, STATUSES):
        assert set(catalogue["id"]) == set(catalogue["en"])
        for lang in ("id", "en"):
            assert all(isinstance(v, str) and v.strip() for v in catalogue[lang].values())


def test_the_legend_cites_the_rulings_the_rules_cite() -> None:
    cited: dict[str, set[str]] = {}
    for rule in load_ruleset(SEEDS_DIR / "rules").rules:
        cited.setdefault(rule.check, set()).add(rule.fatwa_ref)
    assert {name: set(ref.split("; ")) for name, ref in FATWA_ITEMS.items()} == cited
