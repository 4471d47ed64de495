"""The collector against recorded responses: what lands, what is remembered, exactly what is asked.

Each scenario runs logged out and logged in. Request lists name what was asked in order:
the profile page, the web app's start page (once per run, for the tokens its GraphQL queries
need), post metadata (logged out, one per new post) or timeline pages (logged in, twelve posts
with their metadata each).
"""

from __future__ import annotations

import pytest

from extract.collect import CollectOptions, Target
from extract.collect.errors import (
    NOT_RETRYABLE,
    AccountNotFoundError,
    CheckpointRequiredError,
    RateLimitedError,
    Status,
)
from tests.extract.collect.harness import (
    START_PAGE,
    after,
    fresh,
    landed,
    media,
    page,
    run_pass,
)

LOGGED_OUT_POSTS = (
    "POST www.instagram.com/api/graphql doc_id=28904005159232689 id=17841400000005101"
)
ALYA_TIMELINE = "POST www.instagram.com/api/graphql doc_id=29104886249145907 username=dr.alya"

# dr.alya@v1, in feed order: a pinned post from 470 days ago, 14 posts 3..68 days old (inside
# the 12-week window), then 10 older ones. v2 adds posts 1 and 0.5 days old.
ALYA_PINNED = "C3eROYnz7QB"
ALYA_IN_WINDOW = [
    "DKQwcJ7z7QC", "DKD4c7Pz7QD", "DJ3Adsjz7QE", "DJqIed3z7QF", "DJdQfPLz7QG", "DJQYgAfz7QH",
    "DJDggxzz7QI", "DI2ohjHz7QJ", "DIpwiUbz7QK", "DIc4jFvz7QL", "DIQAj3Dz7QM", "DIDIkoXz7QN",
    "DH2QlZrz7QO", "DHpYmK_z7QP",
]  # fmt: skip
ALYA_FIRST_OLD = "DGwvGETz7QQ"  # 90 days old, position 16: where a first collection stops
ALYA_NEW = ["DKXMF-vz7Qb", "DKV5tZbz7Qa"]
ALYA_FILES_V1 = sorted(
    [f"2025-{d}_UTC.json.xz" for d in (
        "05-30_02-59-46", "05-25_02-59-39", "05-20_02-59-32", "05-15_02-59-25", "05-10_02-59-18",
        "05-05_02-59-11", "04-30_02-59-04", "04-25_02-58-57", "04-20_02-58-50", "04-15_02-58-43",
        "04-10_02-58-36", "04-05_02-58-29", "03-31_02-58-22", "03-26_02-58-15",
    )] + ["dr.alya_5101.json.xz"]
)  # fmt: skip


def test_first_collection_pages_until_the_window_ends_logged_out(tmp_path):
    p = run_pass(tmp_path / "r1", ["dr.alya@v1"], fresh("dr.alya"))
    o = p.outcome("dr.alya")
    assert (o.status, o.owner_id, o.requests, o.new_posts) == (Status.OK, "5101", 19, 14)
    assert landed(p, "dr.alya") == ALYA_FILES_V1
    assert p.requests == (
        [page("dr.alya"), START_PAGE, media(ALYA_PINNED)]
        + [media(c) for c in ALYA_IN_WINDOW[:11]]
        + [f"{LOGGED_OUT_POSTS} after=QVFD5101x01Y2Fyc29y"]
        + [media(c) for c in ALYA_IN_WINDOW[11:]]
        + [media(ALYA_FIRST_OLD)]
    )
    # The stale pinned post and the first post older than the window are remembered, not landed.
    assert [c for c, _ in o.remembered] == [ALYA_PINNED, ALYA_FIRST_OLD]
    assert o.newest is not None and o.newest[1] == ALYA_IN_WINDOW[0]


def test_first_collection_logged_in_takes_twelve_posts_per_request(tmp_path):
    p = run_pass(tmp_path / "r1", ["dr.alya@v1"], fresh("dr.alya"), logged_in=True)
    o = p.outcome("dr.alya")
    assert (o.status, o.requests, o.new_posts) == (Status.OK, 4, 14)
    assert landed(p, "dr.alya") == ALYA_FILES_V1
    assert p.requests == [
        page("dr.alya"),
        START_PAGE,
        ALYA_TIMELINE,
        f"{ALYA_TIMELINE} after=QVFD5101x01Y2Fyc29y",
    ]
    assert [c for c, _ in o.remembered] == [ALYA_PINNED, ALYA_FIRST_OLD]


@pytest.mark.parametrize("logged_in", [False, True])
def test_unchanged_account_costs_one_request_and_lands_only_its_profile(tmp_path, logged_in):
    first = run_pass(tmp_path / "r1", ["dr.alya@v1"], fresh("dr.alya"), logged_in=logged_in)
    p = run_pass(
        tmp_path / "r2", ["dr.alya@v1"], after(first, fresh("dr.alya")), logged_in=logged_in
    )
    o = p.outcome("dr.alya")
    assert (o.status, o.requests, o.new_posts, o.remembered) == (Status.UNCHANGED, 1, 0, [])
    assert p.requests == [page("dr.alya")]
    assert landed(p, "dr.alya") == ["dr.alya_5101.json.xz"]


@pytest.mark.parametrize(("logged_in", "requests"), [(False, 4), (True, 3)])
def test_new_posts_are_the_only_posts_fetched(tmp_path, logged_in, requests):
    first = run_pass(tmp_path / "r1", ["dr.alya@v1"], fresh("dr.alya"), logged_in=logged_in)
    p = run_pass(
        tmp_path / "r2", ["dr.alya@v2"], after(first, fresh("dr.alya")), logged_in=logged_in
    )
    o = p.outcome("dr.alya")
    assert (o.status, o.requests, o.new_posts) == (Status.OK, requests, 2)
    assert sorted(f.shortcode for f in o.files if f.shortcode) == sorted(ALYA_NEW)
    if logged_in:
        assert p.requests == [page("dr.alya"), START_PAGE, ALYA_TIMELINE]
    else:
        assert p.requests == [page("dr.alya"), START_PAGE] + [media(c) for c in ALYA_NEW]
    assert o.newest is not None and o.newest[1] == ALYA_NEW[0]


# dr.budi pins three posts: 20 days old, 400 days old (stale) and 50 days old; v2 adds a post
# 0.2 days old, which shows at position 4, below the pinned ones.
BUDI_PINNED = ["DJk-8Inz7gB", "C6Sg2x7z7gC", "DIXvELPz7gD"]
BUDI_NEW = "DKX9mULz7gW"


@pytest.mark.parametrize("logged_in", [False, True])
def test_pinned_posts_neither_stop_the_walk_nor_are_fetched_twice(tmp_path, logged_in):
    first = run_pass(tmp_path / "r1", ["dr.budi@v1"], fresh("dr.budi"), logged_in=logged_in)
    o1 = first.outcome("dr.budi")
    # The in-window pinned posts landed, the stale one is remembered, and the walk went on
    # past all three to the 12 regular posts of the window.
    landed_codes = {f.shortcode for f in o1.files if f.shortcode}
    assert {BUDI_PINNED[0], BUDI_PINNED[2]} <= landed_codes
    assert BUDI_PINNED[1] not in landed_codes
    assert (o1.new_posts, o1.remembered[0][0]) == (14, BUDI_PINNED[1])
    p = run_pass(
        tmp_path / "r2", ["dr.budi@v2"], after(first, fresh("dr.budi")), logged_in=logged_in
    )
    o = p.outcome("dr.budi")
    assert (o.status, o.new_posts, [f.shortcode for f in o.files if f.shortcode]) == (
        Status.OK,
        1,
        [BUDI_NEW],
    )
    timeline = "POST www.instagram.com/api/graphql doc_id=29104886249145907 username=dr.budi"
    fetch = [timeline] if logged_in else [media(BUDI_NEW)]
    assert p.requests == [page("dr.budi"), START_PAGE, *fetch]
    assert o.remembered == []


@pytest.mark.parametrize("logged_in", [False, True])
def test_private_account_costs_one_request_and_lands_its_profile(tmp_path, logged_in):
    p = run_pass(tmp_path / "r1", ["dr.citra@v1"], fresh("dr.citra"), logged_in=logged_in)
    o = p.outcome("dr.citra")
    assert (o.status, o.owner_id, o.requests, o.error) == (Status.PRIVATE, "5103", 1, None)
    assert landed(p, "dr.citra") == ["dr.citra_5103.json.xz"]
    assert p.requests == [page("dr.citra")]


@pytest.mark.parametrize("logged_in", [False, True])
def test_unknown_account_is_not_found_and_the_run_goes_on(tmp_path, logged_in):
    p = run_pass(
        tmp_path / "r1",
        ["dr.dewi@gone", "dr.hadi@v1"],
        fresh("dr.dewi", "dr.hadi"),
        logged_in=logged_in,
    )
    o = p.outcome("dr.dewi")
    assert (o.status, o.requests, o.files) == (Status.NOT_FOUND, 1, [])
    assert o.error == "ProfileNotExistsException: Profile dr.dewi does not exist."
    assert p.outcome("dr.hadi").status == Status.OK
    assert p.requests[0] == page("dr.dewi")


@pytest.mark.parametrize(("logged_in", "requests"), [(False, 5), (True, 5)])
def test_renamed_account_is_followed_by_its_user_id(tmp_path, logged_in, requests):
    first = run_pass(tmp_path / "r1", ["dr.eko@v1"], fresh("dr.eko"), logged_in=logged_in)
    assert first.outcome("dr.eko").owner_id == "5105"
    p = run_pass(
        tmp_path / "r2",
        ["dr.eko@gone", "dr.eko.sp@v1"],
        after(first, fresh("dr.eko")),
        logged_in=logged_in,
    )
    o = p.outcome("dr.eko")
    assert (o.status, o.username, o.renamed_from, o.owner_id) == (
        Status.RENAMED,
        "dr.eko.sp",
        "dr.eko",
        "5105",
    )
    # Only the post made since: the three old ones are known under the account's id.
    assert [f.shortcode for f in o.files if f.shortcode] == ["DKV6AMjz8QE"]
    assert landed(p, "dr.eko") == ["2025-06-01_02-59-32_UTC.json.xz", "dr.eko.sp_5105.json.xz"]
    by_id = "www.instagram.com/{} doc_id=27937681195819736 id=5105"
    lookup = by_id.format("api/graphql")
    fetch = (
        "POST www.instagram.com/api/graphql doc_id=29104886249145907 username=dr.eko.sp"
        if logged_in
        else media("DKV6AMjz8QE")
    )
    assert p.requests == [page("dr.eko"), START_PAGE, f"POST {lookup}", page("dr.eko.sp"), fetch]
    assert o.requests == requests


def test_a_username_taken_by_someone_else_is_not_collected(tmp_path):
    first = run_pass(tmp_path / "r1", ["dr.eko@v1"], fresh("dr.eko"))
    p = run_pass(tmp_path / "r2", ["dr.eko@taken", "dr.eko.sp@v1"], after(first, fresh("dr.eko")))
    o = p.outcome("dr.eko")
    assert (o.status, o.username, o.owner_id) == (Status.RENAMED, "dr.eko.sp", "5105")
    # The stranger now called dr.eko (user 5199) had a page load, nothing landed of theirs.
    assert all(f.username == "dr.eko.sp" for f in o.files)


FAJAR_NEW = "DKV6BDPz8gD"
PLEASE_WAIT = {"status": 401, "file": "common/please_wait.json"}


@pytest.mark.parametrize("logged_in", [False, True])
def test_please_wait_401_is_named_and_the_next_account_is_collected(tmp_path, logged_in):
    first = run_pass(tmp_path / "r1", ["dr.fajar@v1"], fresh("dr.fajar"), logged_in=logged_in)
    blocked = (
        "POST www.instagram.com/api/graphql doc_id=29104886249145907 username=dr.fajar"
        if logged_in
        else media(FAJAR_NEW)
    )
    p = run_pass(
        tmp_path / "r2",
        ["dr.fajar@v2", "dr.hadi@v1"],
        after(first, fresh("dr.fajar", "dr.hadi")),
        logged_in=logged_in,
        overrides={blocked: PLEASE_WAIT},
    )
    o = p.outcome("dr.fajar")
    assert (o.status, o.requests, o.new_posts) == (Status.PLEASE_WAIT, 3, 0)
    assert o.error is not None and '"401 Unauthorized"' in o.error
    assert p.requests[:3] == [page("dr.fajar"), START_PAGE, blocked]
    assert p.outcome("dr.hadi").status == Status.OK
    assert p.result.stopped is None


def test_please_wait_401_with_instaloaders_default_retries_costs_three_attempts(tmp_path):
    first = run_pass(tmp_path / "r1", ["dr.fajar@v1"], fresh("dr.fajar"))
    p = run_pass(
        tmp_path / "r2",
        ["dr.fajar@v2"],
        after(first, fresh("dr.fajar")),
        overrides={media(FAJAR_NEW): PLEASE_WAIT},
        production=False,
    )
    o = p.outcome("dr.fajar")
    assert (o.status, o.requests) == (Status.PLEASE_WAIT, 5)
    assert p.requests[2:] == [media(FAJAR_NEW)] * 3
    assert o.error is not None and "Please wait a few minutes" in o.error


# dr.gita has five posts 1..5 days old and one 100 days old.
GITA = ["DKV6Cwnz8wB", "DKTVPB7z8wC", "DKQwbTPz8wD", "DKOLnkjz8wE", "DKLmz13z8wF"]
GITA_OLD = "DGW_R3Lz8wG"
TOO_MANY = {"status": 429, "file": "common/not_found.html"}


@pytest.mark.parametrize("production", [True, False])
def test_429_mid_run_keeps_what_was_fetched_and_the_resume_fetches_only_the_rest(
    tmp_path, production
):
    p1 = run_pass(
        tmp_path / "r1",
        ["dr.gita@v1", "dr.hadi@v1"],
        fresh("dr.gita", "dr.hadi"),
        overrides={
            media(GITA[4]): [TOO_MANY, {"file": "accounts/dr.gita/v1/media.json", "pick": GITA[4]}]
        },
        production=production,
    )
    o1 = p1.outcome("dr.gita")
    assert (o1.status, o1.requests, o1.new_posts) == (Status.RATE_LIMITED, 7, 4)
    assert [f.shortcode for f in o1.files if f.shortcode] == GITA[:4]
    # One 429 is not a storm: the next account was collected.
    assert (p1.outcome("dr.hadi").status, p1.result.stopped) == (Status.OK, None)
    p2 = run_pass(tmp_path / "r2", ["dr.gita@v1"], after(p1, fresh("dr.gita")))
    o2 = p2.outcome("dr.gita")
    assert (o2.status, o2.new_posts) == (Status.OK, 1)
    # Nothing fetched in the first run is fetched again, and the walk did not stop at the known
    # post in position 4: that pass was interrupted, so its posts are above the high-water mark.
    assert p2.requests == [page("dr.gita"), START_PAGE, media(GITA[4]), media(GITA_OLD)]


def test_a_429_storm_stops_the_run_cleanly(tmp_path):
    throttled = {page(u): TOO_MANY for u in ("dr.alya", "dr.budi", "dr.citra")}
    p = run_pass(
        tmp_path / "r1",
        ["dr.hadi@v1", "dr.alya@v1", "dr.budi@v1", "dr.citra@v1", "dr.gita@v1"],
        fresh("dr.hadi", "dr.alya", "dr.budi", "dr.citra", "dr.gita"),
        overrides=throttled,
    )
    statuses = [(o.requested, o.status, o.requests) for o in p.result.outcomes]
    assert statuses == [
        ("dr.hadi", Status.OK, 4),
        ("dr.alya", Status.RATE_LIMITED, 1),
        ("dr.budi", Status.RATE_LIMITED, 1),
        ("dr.citra", Status.RATE_LIMITED, 1),
    ]
    assert p.result.stopped == Status.RATE_LIMITED
    assert p.result.stop_reason == "3 accounts in a row throttled (rate_limited)"
    assert [t.username for t in p.result.not_attempted] == ["dr.gita"]
    assert len(p.outcome("dr.hadi").files) == 3


def test_storm_threshold_is_configurable(tmp_path):
    p = run_pass(
        tmp_path / "r1",
        ["dr.alya@v1", "dr.hadi@v1"],
        fresh("dr.alya", "dr.hadi"),
        overrides={page("dr.alya"): TOO_MANY},
        options=CollectOptions(storm_after=1),
    )
    assert (p.result.stopped, len(p.result.outcomes), p.requests) == (
        Status.RATE_LIMITED,
        1,
        [page("dr.alya")],
    )


def test_spent_budget_stops_the_run_and_the_next_run_resumes_without_refetching(tmp_path):
    p1 = run_pass(
        tmp_path / "r1", ["dr.alya@v1", "dr.hadi@v1"], fresh("dr.alya", "dr.hadi"), budget=8
    )
    o1 = p1.outcome("dr.alya")
    assert (o1.status, o1.requests, o1.new_posts) == (Status.BUDGET_EXHAUSTED, 8, 5)
    assert p1.requests == [page("dr.alya"), START_PAGE, media(ALYA_PINNED)] + [
        media(c) for c in ALYA_IN_WINDOW[:5]
    ]
    assert (p1.result.stopped, [t.username for t in p1.result.not_attempted]) == (
        Status.BUDGET_EXHAUSTED,
        ["dr.hadi"],
    )
    # The next run: hadi was not tried, alya goes on from where the budget ran out.
    p2 = run_pass(
        tmp_path / "r2", ["dr.alya@v1", "dr.hadi@v1"], after(p1, fresh("dr.alya", "dr.hadi"))
    )
    o2 = p2.outcome("dr.alya")
    assert (o2.status, o2.requests, o2.new_posts) == (Status.OK, 13, 9)
    fetched_twice = set(p1.requests) & set(p2.requests) - {page("dr.alya"), START_PAGE}
    assert fetched_twice == set()
    assert p2.outcome("dr.hadi").status == Status.OK


def test_a_budget_spent_exactly_between_accounts_tries_no_further_account(tmp_path):
    p = run_pass(
        tmp_path / "r1", ["dr.citra@v1", "dr.hadi@v1"], fresh("dr.citra", "dr.hadi"), budget=1
    )
    assert [(o.requested, o.status) for o in p.result.outcomes] == [("dr.citra", Status.PRIVATE)]
    assert (p.result.stopped, p.result.stop_reason) == (
        Status.BUDGET_EXHAUSTED,
        "request budget of 1 spent",
    )


CHECKPOINT = {"status": 400, "file": "common/checkpoint.json"}


@pytest.mark.parametrize("logged_in", [False, True])
def test_checkpoint_stops_the_run_keeping_what_was_fetched(tmp_path, logged_in):
    blocked = ALYA_TIMELINE if logged_in else media(ALYA_IN_WINDOW[0])
    p = run_pass(
        tmp_path / "r1",
        ["dr.hadi@v1", "dr.alya@v1", "dr.budi@v1"],
        fresh("dr.hadi", "dr.alya", "dr.budi"),
        logged_in=logged_in,
        overrides={blocked: CHECKPOINT},
    )
    assert [(o.requested, o.status) for o in p.result.outcomes] == [
        ("dr.hadi", Status.OK),
        ("dr.alya", Status.CHECKPOINT),
    ]
    assert p.outcome("dr.hadi").new_posts == 2
    assert p.requests[-1] == blocked
    assert [t.username for t in p.result.not_attempted] == ["dr.budi"]
    assert "checkpoint_required" in (p.outcome("dr.alya").error or "")
    with pytest.raises(CheckpointRequiredError):
        p.result.raise_if_blocked()


@pytest.mark.parametrize("logged_in", [False, True])
def test_login_wall_is_named(tmp_path, logged_in):
    wall = {
        "status": 302,
        "location": "https://www.instagram.com/accounts/login/?next=%2Fdr.hadi%2F",
    }
    p = run_pass(tmp_path / "r1", ["dr.hadi@v1"], fresh("dr.hadi"), logged_in=logged_in,
                 overrides={page("dr.hadi"): wall})  # fmt: skip
    o = p.outcome("dr.hadi")
    assert (o.status, o.requests, o.files) == (Status.LOGIN_REQUIRED, 1, [])


def test_landed_files_are_instaloaders_own_and_private(tmp_path):
    import instaloader

    p = run_pass(tmp_path / "raw" / "run1", ["dr.hadi@v1"], fresh("dr.hadi"))
    files = p.outcome("dr.hadi").files
    ctx = instaloader.InstaloaderContext()
    for f in files:
        assert oct(f.path.stat().st_mode & 0o777) == "0o600"
        loaded = instaloader.load_structure_from_file(ctx, str(f.path))
        if f.kind == "post":
            assert isinstance(loaded, instaloader.Post)
            assert (loaded.shortcode, loaded.date_utc) == (f.shortcode, f.posted_at)
            assert loaded.owner_id == "5108"
        else:
            assert isinstance(loaded, instaloader.Profile)
            assert (loaded.userid, loaded.username) == (5108, "dr.hadi")
    for folder in (
        tmp_path / "raw",
        tmp_path / "raw" / "run1",
        tmp_path / "raw" / "run1" / "dr.hadi",
    ):
        assert oct(folder.stat().st_mode & 0o777) == "0o700"


def test_a_target_with_a_hostile_username_lands_nothing(tmp_path):
    p = run_pass(tmp_path / "r1", [], [Target("../etc")])
    o = p.outcome("../etc")
    assert (o.status, o.requests, o.error) == (
        Status.ERROR,
        0,
        "ValueError: not an Instagram username: '../etc'",
    )
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize("logged_in", [False, True])
def test_a_page_without_its_posts_is_an_error_not_an_unchanged_account(tmp_path, logged_in):
    p = run_pass(tmp_path / "r1", ["dr.hadi@nogrid"], fresh("dr.hadi"), logged_in=logged_in)
    o = p.outcome("dr.hadi")
    assert (o.status, o.requests, o.files) == (Status.ERROR, 1, [])
    assert o.error == (
        "BadResponseException: The page of profile dr.hadi did not contain its posts."
    )


def test_a_per_account_caller_gets_exceptions_that_say_whether_to_retry(tmp_path):
    p = run_pass(
        tmp_path / "r1",
        ["dr.dewi@gone", "dr.hadi@v1", "dr.citra@v1", "dr.gita@v1"],
        fresh("dr.dewi", "dr.hadi", "dr.citra", "dr.gita"),
        overrides={page("dr.gita"): TOO_MANY},
    )
    with pytest.raises(AccountNotFoundError) as not_found:
        p.outcome("dr.dewi").raise_for_status()
    assert isinstance(not_found.value, NOT_RETRYABLE)
    with pytest.raises(RateLimitedError) as throttled:
        p.outcome("dr.gita").raise_for_status()
    assert not isinstance(throttled.value, NOT_RETRYABLE)
    p.outcome("dr.hadi").raise_for_status()
    p.outcome("dr.citra").raise_for_status()
