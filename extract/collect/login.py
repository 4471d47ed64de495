"""The Instaloader the collect command uses: counted, failing fast, logged in from a session file.

The session file is instaloader's own (``instaloader --login USER`` writes it, or
``instaloader --load-cookies BROWSER`` from a browser's cookies): a pickled dict of cookies.
Its path comes from ``--session-file``, else MEDSOS_INSTAGRAM_SESSION, else the Airflow
connection ``instagram_default`` (login = Instagram username, extra ``session_file`` = path).
The cookies are a password in all but name: they are never logged, and only read with an
unpickler that accepts nothing but plain data.
"""

from __future__ import annotations

import io
import logging
import pickle
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from instaloader import Instaloader, InstaloaderContext

from extract.collect.budget import RequestCounter, counting
from extract.collect.errors import SessionUnusableError

log = logging.getLogger(__name__)

# 401 "please wait" and 429 end the account's pass at once: instaloader would otherwise retry a
# 401 twice more (two wasted requests) and answer a 429 with an 11-minute wait.
FATAL_STATUS_CODES = [401, 429]
# instaloader's own limiter waits up to ~11 minutes when a bucket is full (75 page loads per
# 11 minutes); such waits keep us within Instagram's limits, so they are allowed.
MAX_WAIT_S = 700.0
AIRFLOW_CONNECTION = "instagram_default"
_SESSION_NAME = re.compile(r"^session-([A-Za-z0-9._]+)$")


@dataclass(frozen=True)
class SessionSource:
    """Where the Instagram session comes from (the path, never its content)."""

    path: Path
    username: str | None
    origin: str  # --session-file, MEDSOS_INSTAGRAM_SESSION or the Airflow connection


class _PlainData(pickle.Unpickler):
    """Unpickles dicts, lists and strings only; a session file is nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing {module}.{name} in a session file")


def session_from_connection(uri: str | None) -> SessionSource | None:
    """The session named by an Airflow connection URI, e.g.
    ``instagram://idi.monitor@?session_file=%2Fsecrets%2Fsession-idi.monitor``."""
    if not uri:
        return None
    parts = urlsplit(uri)
    files = parse_qs(parts.query).get("session_file")
    if not files:
        return None
    username = unquote(parts.username) if parts.username else None
    return SessionSource(Path(files[0]).expanduser(), username, AIRFLOW_CONNECTION)


def find_session(
    session_file: Path | None,
    env_session: Path | None,
    connection_uri: Callable[[str], str | None],
) -> SessionSource | None:
    """The session to log in with, by precedence; None to collect logged out."""
    if session_file is not None:
        return SessionSource(session_file.expanduser(), None, "--session-file")
    if env_session is not None:
        return SessionSource(env_session, None, "MEDSOS_INSTAGRAM_SESSION")
    return session_from_connection(connection_uri(AIRFLOW_CONNECTION))


def read_cookies(path: Path) -> dict[str, str]:
    """The cookies in an instaloader session file; raises SessionUnusableError if it is not one."""
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except OSError as exc:
        raise SessionUnusableError(f"cannot read the session file ({exc.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the Instagram session file is readable by others; chmod 600 it")
    try:
        data = _PlainData(io.BytesIO(raw)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise SessionUnusableError(
            f"not an instaloader session file ({type(exc).__name__})"
        ) from None
    if not isinstance(data, dict) or not data.get("sessionid") or "csrftoken" not in data:
        raise SessionUnusableError("the session file holds no Instagram session cookies")
    return {str(k): str(v) for k, v in data.items()}


def log_in(context: InstaloaderContext, source: SessionSource) -> str:
    """Logs the context in with the session file; returns the username it is logged in as.

    No request is made: an expired session shows as a login-wall status on the first logged-in
    request, which the run records and the operator is told about.
    """
    cookies = read_cookies(source.path)
    match = _SESSION_NAME.match(source.path.name)
    username = source.username or (match.group(1) if match else None)
    # instaloader only needs a name to know it is logged in; the numeric id stands in for it.
    username = (username or f"user{cookies.get('ds_user_id', '')}").lower()
    context.load_session(username, cookies)
    return username


def make_instaloader(
    counter: RequestCounter,
    session: SessionSource | None,
    *,
    max_wait: float = MAX_WAIT_S,
) -> Instaloader:
    """An Instaloader whose every request is counted and budgeted; logged in given a session."""
    loader = Instaloader(
        quiet=True,
        download_pictures=False,
        download_videos=False,
        download_video_thumbnails=False,
        download_comments=False,
        save_metadata=True,
        compress_json=True,
        rate_controller=counting(counter, max_wait=max_wait),
        fatal_status_codes=list(FATAL_STATUS_CODES),
        resume_prefix=None,
    )
    if session is not None:
        log_in(loader.context, session)
    return loader
