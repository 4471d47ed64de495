"""Collection split the way the DAG runs it: plan -> land each chunk (maybe retried) -> finish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract.collect import RequestCounter
from extract.collect.budget import counting
from extract.collect.login import FATAL_STATUS_CODES
from medsos_audit.collect_flow import (
    daily_quota,
    finish_collection,
    land_chunk,
    plan_collection,
    work_dir,
)
from tests.extract.collect.harness import NOW, START_PAGE, page
from tests.extract.collect.recorded import RecordedContext, load_routes
from tests.extract.collect.test_collect_run import log_rows, query, registry

WORLD = ["dr.alya@v1", "dr.citra@v1", "dr.hadi@v1"]


def _context(
    accounts: list[str], budget: int | None = None
) -> tuple[RecordedContext, RequestCounter]:
    counter = RequestCounter(budget)
    ctx = RecordedContext(
        load_routes(*accounts),
        rate_controller=counting(counter, sleep=lambda s: pytest.fail("slept")),
        fatal_status_codes=list(FATAL_STATUS_CODES),
    )
    return ctx, counter


def test_plan_writes_chunks_most_overdue_first_outside_the_raw_folder(settings, tmp_path):
    reg = registry(tmp_path, "dr.alya", "dr.citra", "dr.hadi")
    plan = plan_collection(settings, reg, chunk_size=2)
    assert plan.accounts == 3
    names = [
        [t["username"] for t in json.loads(Path(c).read_text())["targets"]] for c in plan.chunks
    ]
    assert names == [["dr.alya", "dr.citra"], ["dr.hadi"]]
    assert all(Path(c).is_relative_to(work_dir(settings, plan.run_id)) for c in plan.chunks)
    assert plan_collection(settings, reg, limit=1).accounts == 1


def test_chunks_landed_separately_then_one_finish_load_everything(settings, tmp_path):
    reg = registry(tmp_path, "dr.alya", "dr.citra", "dr.hadi")
    plan = plan_collection(settings, reg, chunk_size=2)
    for chunk in plan.chunks:
        ctx, counter = _context(WORLD)
        land_chunk(settings, plan.run_id, chunk, ctx, counter, now=NOW)
        assert ctx.adapter.refused == []
    assert query(settings, "SELECT count(*) FROM posts") == [(0,)]  # landing never loads
    summary = finish_collection(settings, reg, plan.run_id)
    assert [(r[0], r[3], r[4]) for r in log_rows(settings, plan.run_id)] == [
        ("dr.alya", 14, "ok"),
        ("dr.citra", 0, "private"),
        ("dr.hadi", 2, "ok"),
    ]
    assert query(settings, "SELECT count(*) FROM posts") == [(16,)]
    # 16 posts and a profile file for each of the three accounts (the private one too)
    assert summary.manifest is not None and summary.manifest.files == 16 + 3
    # finishing again (a retried Airflow task) records nothing twice
    tables = ("collect_log", "evidence_files", "evidence_manifests", "posts")
    before = [query(settings, f"SELECT count(*) FROM {t}") for t in tables]
    finish_collection(settings, reg, plan.run_id)
    assert [query(settings, f"SELECT count(*) FROM {t}") for t in tables] == before
    assert query(settings, "SELECT status FROM runs") == [("success",)]


def test_a_retried_chunk_does_not_fetch_again_what_the_first_try_landed(settings, tmp_path):
    reg = registry(tmp_path, "dr.alya", "dr.hadi")
    plan = plan_collection(settings, reg)
    ctx, counter = _context(["dr.alya@v1", "dr.hadi@v1"], budget=8)
    land_chunk(settings, plan.run_id, plan.chunks[0], ctx, counter, now=NOW, attempt=1)
    first_try = list(ctx.requests)
    ctx, counter = _context(["dr.alya@v1", "dr.hadi@v1"])
    land_chunk(settings, plan.run_id, plan.chunks[0], ctx, counter, now=NOW, attempt=2)
    posts_first = {r for r in first_try if "shortcode=" in r}
    assert len(posts_first) == 6  # the budget of 8 bought the start page, the page and 6 posts
    assert posts_first & set(ctx.requests) == set()  # none of them fetched again
    assert {page("dr.alya"), START_PAGE} <= set(ctx.requests)
    finish_collection(settings, reg, plan.run_id)
    rows = log_rows(settings, plan.run_id)
    assert [(r[0], r[4]) for r in rows] == [
        ("dr.alya", "budget_exhausted"),
        ("dr.alya", "ok"),
        ("dr.hadi", "ok"),
    ]
    assert sum(r[2] for r in rows) == 8 + counter.total
    assert query(settings, "SELECT count(*) FROM posts") == [(16,)]


def test_daily_quota_visits_everyone_within_six_days() -> None:
    assert [daily_quota(n) for n in (1, 6, 7, 600, 601)] == [1, 1, 2, 100, 101]
