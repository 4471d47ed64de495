"""Logging in from an instaloader session file found by --session-file, env or Airflow."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

from extract.collect import RequestCounter
from extract.collect.budget import CountingRateController
from extract.collect.errors import SessionUnusableError
from extract.collect.login import (
    FATAL_STATUS_CODES,
    SessionSource,
    find_session,
    log_in,
    make_instaloader,
    read_cookies,
)
from tests.extract.collect.recorded import SESSION_COOKIES, RecordedContext, load_routes

URI = "instagram://idi.monitor@?session_file=%2Fsecrets%2Fsession-idi.monitor"


def session_file(folder: Path, name: str = "session-idi.monitor", data: object = None) -> Path:
    path = folder / name
    path.write_bytes(pickle.dumps(dict(SESSION_COOKIES) if data is None else data))
    path.chmod(0o600)
    return path


def test_session_is_found_by_option_then_environment_then_airflow(tmp_path):
    opt, env = tmp_path / "a", tmp_path / "b"
    assert find_session(opt, env, lambda _: URI) == SessionSource(opt, None, "--session-file")
    assert find_session(None, env, lambda _: URI) == SessionSource(
        env, None, "MEDSOS_INSTAGRAM_SESSION"
    )
    assert find_session(None, None, lambda _: URI) == SessionSource(
        Path("/secrets/session-idi.monitor"), "idi.monitor", "instagram_default"
    )
    assert find_session(None, None, lambda _: None) is None


def test_logging_in_makes_no_request_and_never_logs_the_cookies(tmp_path, caplog):
    ctx = RecordedContext(load_routes())
    path = session_file(tmp_path)
    path.chmod(0o644)
    with caplog.at_level(logging.DEBUG):
        name = log_in(ctx, SessionSource(path, None, "--session-file"))
    assert (name, ctx.is_logged_in, ctx.requests) == ("idi.monitor", True, [])
    assert "readable by others" in caplog.text
    assert SESSION_COOKIES["sessionid"] not in caplog.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (Path("/etc/passwd"), "not an instaloader session file"),  # a pickled class: refused
        (["sessionid"], "no Instagram session cookies"),
        ({"csrftoken": "x"}, "no Instagram session cookies"),
    ],
)
def test_a_file_that_is_not_a_session_is_refused_without_unpickling_code(tmp_path, data, message):
    with pytest.raises(SessionUnusableError, match=message):
        read_cookies(session_file(tmp_path, data=data))


def test_a_missing_session_file_is_named_without_its_content(tmp_path):
    with pytest.raises(SessionUnusableError, match="cannot read the session file"):
        read_cookies(tmp_path / "nope")


def test_the_instaloader_counts_and_fails_fast(tmp_path):
    counter = RequestCounter(10)
    loader = make_instaloader(
        counter, SessionSource(session_file(tmp_path), None, "--session-file")
    )
    assert isinstance(loader.context._rate_controller, CountingRateController)
    assert loader.context._rate_controller.counter is counter
    assert loader.context.fatal_status_codes == FATAL_STATUS_CODES
    assert loader.context.is_logged_in
