"""`collect` end to end on a real warehouse: land, log, load with the snapshot importer, evidence,
state; then the next run. Instagram is the recorded context (the command's only seam)."""

from __future__ import annotations

import pytest

from extract.collect import RequestCounter
from extract.collect.budget import counting
from extract.collect.login import FATAL_STATUS_CODES
from extract.evidence import verify
from extract.registry import load_registry
from medsos_audit.cli import main
from medsos_audit.collect_flow import CollectSummary, UsageError
from medsos_audit.collect_flow import collect_once as collect_run
from tests.conftest import write_registry
from tests.extract.collect.harness import NOW, START_PAGE, media, page
from tests.extract.collect.recorded import RecordedContext, load_routes, log_in
from warehouse.db import connect

DOCTORS = {
    "dr.alya": ("310001", "IDI Cabang Bandung", "Sp.KK"),
    "dr.budi": ("310002", "IDI Cabang Bandung", "Sp.PD"),
    "dr.citra": ("310003", "IDI Cabang Bandung", "Dokter Umum"),
    "dr.dewi": ("310004", "IDI Cabang Bandung", "Dokter Umum"),
    "dr.eko": ("310005", "IDI Cabang Semarang", "Sp.A"),
    "dr.fajar": ("310006", "IDI Cabang Semarang", "Dokter Umum"),
    "dr.gita": ("310007", "IDI Cabang Semarang", "Dokter Umum"),
    "dr.hadi": ("310008", "IDI Cabang Semarang", "Dokter Umum"),
}


def registry(tmp_path, *usernames):
    rows = [
        (npa, f"dr. {u[3:].title()}", branch, spec, u, "2025-01-01", "etik@idi-cabang.example")
        for u, (npa, branch, spec) in DOCTORS.items()
        if u in usernames
    ]
    return load_registry(write_registry(tmp_path / "registry.csv", rows))


def collect(
    settings, reg, accounts, *, budget=None, overrides=None, logged_in=False, only=None, args=None
):
    counter = RequestCounter(budget)
    ctx = RecordedContext(
        load_routes(*accounts, overrides=overrides),
        rate_controller=counting(counter, sleep=lambda s: pytest.fail("slept")),
        fatal_status_codes=list(FATAL_STATUS_CODES),
    )
    if logged_in:
        log_in(ctx)
    summary = collect_run(settings, reg, ctx, counter, only=only, now=NOW, args=args)
    assert ctx.adapter.refused == [] and len(ctx.requests) == counter.total
    return summary, ctx.requests


def log_rows(settings, run_id):
    con = connect(settings.warehouse)
    try:
        rows = con.execute(
            "SELECT username, owner_id, requests, new_posts, status, error FROM collect_log "
            "WHERE run_id = ? ORDER BY started_at, username",
            [run_id],
        ).fetchall()
        return [tuple(r) for r in rows]
    finally:
        con.close()


def query(settings, text, params=()):
    con = connect(settings.warehouse)
    try:
        return [tuple(r) for r in con.execute(text, list(params)).fetchall()]
    finally:
        con.close()


DEWI_GONE = "ProfileNotExistsException: Profile dr.dewi does not exist."
WORLD = ["dr.alya@v1", "dr.citra@v1", "dr.dewi@gone", "dr.hadi@v1"]


def test_first_run_loads_what_it_landed_and_the_second_fetches_nothing_new(settings, tmp_path):
    reg = registry(tmp_path, "dr.alya", "dr.citra", "dr.dewi", "dr.hadi")
    first, _ = collect(settings, reg, WORLD)
    assert (first.exit_code, first.result.requests, first.result.stopped) == (0, 24, None)
    # Never tried before: alphabetical. The start page is fetched once, by the first account
    # that needs it.
    assert log_rows(settings, first.run_id) == [
        ("dr.alya", "5101", 19, 14, "ok", None),
        ("dr.citra", "5103", 1, 0, "private", None),
        ("dr.dewi", None, 1, 0, "not_found", DEWI_GONE),
        ("dr.hadi", "5108", 3, 2, "ok", None),
    ]  # fmt: skip
    assert first.load is not None and first.load.load.new_posts == 16
    posts = query(settings, "SELECT owner_id, count(*) FROM posts GROUP BY 1 ORDER BY 1")
    assert posts == [("5101", 14), ("5108", 2)]
    assert query(settings, "SELECT count(*) FROM collect_skipped") == [(2,)]
    assert query(settings, "SELECT status FROM runs WHERE run_id = ?", [first.run_id]) == [
        ("partial",)  # dr.dewi was not found
    ]

    second, requests = collect(settings, reg, WORLD)
    assert requests == [page("dr.alya"), page("dr.citra"), page("dr.dewi"), page("dr.hadi")]
    assert [(r[0], r[2], r[3], r[4]) for r in log_rows(settings, second.run_id)] == [
        ("dr.alya", 1, 0, "unchanged"),
        ("dr.citra", 1, 0, "private"),
        ("dr.dewi", 1, 0, "not_found"),
        ("dr.hadi", 1, 0, "unchanged"),
    ]
    assert query(settings, "SELECT count(*) FROM posts") == [(16,)]
    report = verify(connect(settings.warehouse), settings.home)
    # Each run: the posts it landed plus a profile file per account that has a page.
    assert (report.ok, report.manifests, report.files) == (True, 2, 19 + 3)


def test_budget_spent_then_the_next_run_goes_on_without_refetching(settings, tmp_path):
    reg = registry(tmp_path, "dr.alya", "dr.hadi")
    first, r1 = collect(settings, reg, ["dr.alya@v1", "dr.hadi@v1"], budget=8)
    assert [(r[0], r[2], r[3], r[4]) for r in log_rows(settings, first.run_id)] == [
        ("dr.alya", 8, 5, "budget_exhausted")
    ]
    assert first.counts()["accounts_not_tried"] == 1 and first.exit_code == 0
    second, r2 = collect(settings, reg, ["dr.alya@v1", "dr.hadi@v1"])
    # dr.alya was stopped by the budget, not by itself: it is still first in line.
    assert [(r[0], r[2], r[3], r[4]) for r in log_rows(settings, second.run_id)] == [
        ("dr.alya", 13, 9, "ok"),
        ("dr.hadi", 3, 2, "ok"),
    ]
    assert set(r1) & set(r2) == {page("dr.alya"), START_PAGE}
    assert query(settings, "SELECT count(*) FROM posts WHERE owner_id = '5101'") == [(14,)]


GITA_5TH = "DKLmz13z8wF"
TOO_MANY = {"status": 429, "file": "common/not_found.html"}


def test_429_mid_run_then_resume_loses_nothing_and_refetches_nothing(settings, tmp_path):
    reg = registry(tmp_path, "dr.gita", "dr.hadi")
    gita_ok = {"file": "accounts/dr.gita/v1/media.json", "pick": GITA_5TH}
    overrides = {media(GITA_5TH): [TOO_MANY, gita_ok]}
    first, r1 = collect(settings, reg, ["dr.gita@v1", "dr.hadi@v1"], overrides=overrides)
    assert [(r[0], r[2], r[3], r[4]) for r in log_rows(settings, first.run_id)] == [
        ("dr.gita", 7, 4, "rate_limited"),
        ("dr.hadi", 3, 2, "ok"),
    ]
    second, r2 = collect(settings, reg, ["dr.gita@v1", "dr.hadi@v1"])
    assert [(r[0], r[2], r[3], r[4]) for r in log_rows(settings, second.run_id)] == [
        ("dr.gita", 4, 1, "ok"),
        ("dr.hadi", 1, 0, "unchanged"),
    ]
    assert set(r1) & set(r2) - {START_PAGE, page("dr.gita"), page("dr.hadi")} == {media(GITA_5TH)}
    assert query(settings, "SELECT count(*) FROM posts WHERE owner_id = '5107'") == [(5,)]


def test_a_renamed_account_is_followed_and_then_asked_for_by_its_new_name(settings, tmp_path):
    reg = registry(tmp_path, "dr.eko")
    collect(settings, reg, ["dr.eko@v1"])
    renamed, _ = collect(settings, reg, ["dr.eko@gone", "dr.eko.sp@v1"])
    assert [(r[0], r[1], r[3], r[4]) for r in log_rows(settings, renamed.run_id)] == [
        ("dr.eko.sp", "5105", 1, "renamed")
    ]
    assert query(settings, "SELECT owner_id, username FROM accounts") == [("5105", "dr.eko.sp")]
    names = query(settings, "SELECT username FROM account_usernames ORDER BY first_seen")
    assert names == [("dr.eko",), ("dr.eko.sp",)]
    third, requests = collect(settings, reg, ["dr.eko@gone", "dr.eko.sp@v1"])
    assert requests == [page("dr.eko.sp")]
    assert [r[4] for r in log_rows(settings, third.run_id)] == ["unchanged"]


def test_checkpoint_loads_what_was_fetched_and_exits_1(settings, tmp_path):
    reg = registry(tmp_path, "dr.alya", "dr.gita", "dr.hadi")
    checkpoint = {"status": 400, "file": "common/checkpoint.json"}
    blocked = "POST www.instagram.com/api/graphql doc_id=29104886249145907 username=dr.gita"
    summary, _ = collect(
        settings,
        reg,
        ["dr.alya@v1", "dr.gita@v1", "dr.hadi@v1"],
        overrides={blocked: checkpoint},
        logged_in=True,
    )
    assert [(r[0], r[4]) for r in log_rows(settings, summary.run_id)] == [
        ("dr.alya", "ok"),
        ("dr.gita", "checkpoint"),
    ]
    assert summary.exit_code == 1
    assert query(settings, "SELECT count(*) FROM posts") == [(14,)]
    assert query(settings, "SELECT status FROM runs") == [("partial",)]
    # CONTRACT: a challenged session is reported to the operator, once per run
    notices = query(settings, "SELECT eml_path FROM outbox WHERE kind = 'operator'")
    assert len(notices) == 1
    text = (settings.home / notices[0][0]).read_text(encoding="utf-8")
    assert "Instagram session challenged" in text and summary.run_id in text


def test_a_logged_in_run_meeting_a_login_wall_tells_the_operator(settings, tmp_path):
    reg = registry(tmp_path, "dr.hadi")
    wall = {
        "status": 302,
        "location": "https://www.instagram.com/accounts/login/?next=%2Fdr.hadi%2F",
    }
    summary, _ = collect(
        settings,
        reg,
        ["dr.hadi@v1"],
        overrides={page("dr.hadi"): wall},
        logged_in=True,
        args={"logged_in": True},  # what the command records when it logs in
    )
    assert summary.statuses["login_required"] == 1
    notices = query(settings, "SELECT eml_path FROM outbox WHERE kind = 'operator'")
    assert len(notices) == 1
    assert "session expired" in (settings.home / notices[0][0]).read_text(encoding="utf-8")


def test_a_failed_load_keeps_the_evidence_and_the_next_run_finishes_the_job(settings, tmp_path):
    reg = registry(tmp_path, "dr.hadi")
    broken = settings.with_(rules_dir=tmp_path / "no-rules")
    with pytest.raises(Exception):  # noqa: B017 - whatever the importer raises for missing rules
        collect(broken, reg, ["dr.hadi@v1"])
    assert query(settings, "SELECT count(*) FROM evidence_files") == [(3,)]
    assert query(settings, "SELECT count(*) FROM collect_state") == [(0,)]
    assert query(settings, "SELECT status FROM runs") == [("failed",)]
    # The import stage had loaded the posts before the checks failed: they are known, so the
    # next run asks only for the page, and its load checks them.
    _, requests = collect(settings, reg, ["dr.hadi@v1"])
    assert requests == [page("dr.hadi")]
    assert query(settings, "SELECT count(*) FROM posts WHERE checked_rule_version IS NULL") == [
        (0,)
    ]
    assert query(settings, "SELECT newest_shortcode FROM collect_state") == [("DKGdRgnz9AB",)]
    assert verify(connect(settings.warehouse), settings.home).ok


def test_unknown_accounts_are_a_usage_error_before_any_request(settings, tmp_path):
    reg = registry(tmp_path, "dr.hadi")
    with pytest.raises(UsageError, match=r"not a registered account: dr\.nobody"):
        collect(settings, reg, [], only=["dr.hadi", "dr.nobody"])
    assert query(settings, "SELECT count(*) FROM runs") == [(0,)]


def test_accounts_option_limits_the_run(settings, tmp_path):
    reg = registry(tmp_path, "dr.alya", "dr.hadi")
    summary, requests = collect(settings, reg, ["dr.hadi@v1"], only=["@dr.hadi"])
    assert isinstance(summary, CollectSummary) and requests[0] == page("dr.hadi")
    assert [r[0] for r in log_rows(settings, summary.run_id)] == ["dr.hadi"]


def test_command_line_usage_errors_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MEDSOS_HOME", str(tmp_path / "var"))
    reg = tmp_path / "registry.csv"
    write_registry(reg, [("1", "dr. H", "IDI Cabang X", "Umum", "dr.hadi", "2025-01-01", "a@b.id")])
    assert main(["collect", "--registry", str(reg), "--accounts", "dr.nobody"]) == 2
    missing = str(tmp_path / "session-x")
    assert main(["collect", "--registry", str(reg), "--session-file", missing]) == 2
    assert main(["collect", "--registry", str(reg), "--max-requests", "0"]) == 2
    out = capsys.readouterr().out
    assert "not a registered account: dr.nobody" in out
    assert "cannot read the session file" in out and "session-x" not in out


def test_verify_evidence_command_exits_1_naming_the_mismatch(
    settings, tmp_path, monkeypatch, capsys
):
    reg = registry(tmp_path, "dr.hadi")
    collect(settings, reg, ["dr.hadi@v1"])
    monkeypatch.setenv("MEDSOS_HOME", str(settings.home))
    assert main(["verify-evidence"]) == 0
    (path,) = query(settings, "SELECT path FROM evidence_files WHERE kind = 'profile'")[0]
    (settings.home / path).write_bytes(b"altered")
    assert main(["verify-evidence"]) == 1
    out = capsys.readouterr().out
    assert f"MISMATCH file_changed: {path}" in out and "1 mismatches" in out


def test_loaded_posts_and_their_evidence_belong_to_the_collect_run(settings, tmp_path):
    reg = registry(tmp_path, "dr.hadi")
    summary, _ = collect(settings, reg, ["dr.hadi@v1"])
    assert query(settings, "SELECT DISTINCT run_id FROM posts") == [(summary.run_id,)]
    assert query(settings, "SELECT DISTINCT run_id FROM evidence_files") == [(summary.run_id,)]
    sources = query(settings, "SELECT DISTINCT source FROM account_usernames")
    assert sources == [("collect",)]


@pytest.mark.parametrize("logged_in", [False, True])
def test_new_posts_pinned_posts_and_a_401_in_one_run(settings, tmp_path, logged_in):
    reg = registry(tmp_path, "dr.alya", "dr.budi", "dr.fajar")
    collect(settings, reg, ["dr.alya@v1", "dr.budi@v1", "dr.fajar@v1"], logged_in=logged_in)
    blocked = (
        "POST www.instagram.com/api/graphql doc_id=29104886249145907 username=dr.fajar"
        if logged_in
        else media("DKV6BDPz8gD")
    )
    second, _ = collect(
        settings,
        reg,
        ["dr.alya@v2", "dr.budi@v2", "dr.fajar@v2"],
        overrides={blocked: {"status": 401, "file": "common/please_wait.json"}},
        logged_in=logged_in,
    )
    rows = [(r[0], r[2], r[3], r[4]) for r in log_rows(settings, second.run_id)]
    # Logged out: the start page once (by dr.alya), then one request per new post; logged in:
    # the start page once, then one timeline page per changed account.
    assert rows == [
        ("dr.alya", 4 if not logged_in else 3, 2, "ok"),
        ("dr.budi", 2, 1, "ok"),
        ("dr.fajar", 2, 0, "please_wait"),
    ]
    error = log_rows(settings, second.run_id)[2][5]
    assert error.startswith("AbortDownloadException: Query to https://www.instagram.com/")
    assert '"401 Unauthorized"' in error
    assert query(settings, "SELECT count(*) FROM posts") == [(14 + 14 + 2 + 2 + 1,)]


def test_a_collect_run_that_left_input_out_is_partial_as_a_run_would_be(settings, tmp_path):
    """Every account went fine, but a registry row was left out: 'partial', not 'success'."""
    path = tmp_path / "registry.csv"
    registry(tmp_path, "dr.alya")
    with path.open("a", encoding="utf-8") as fh:
        fh.write("not-an-npa,dr. X,IDI Cabang X,,not a username!,2025-01-01,x@idi.example\n")
    reg = load_registry(path)
    assert reg.problems
    summary, _ = collect(settings, reg, WORLD)
    assert summary.statuses == {"ok": 1}
    assert query(settings, "SELECT status FROM runs WHERE run_id = ?", [summary.run_id]) == [
        ("partial",)
    ]
