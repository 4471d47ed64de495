"""Logins, sessions and throttling for the desk (server-side sessions in the desk store)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from medsos_audit.review.passwords import dummy_hash, needs_rehash, verify_password
from medsos_audit.review.store import from_text, to_text, write_transaction
from medsos_audit.review.users import User, find_user, password_hash, rehash_password

log = logging.getLogger("medsos_audit.review")

SESSION_IDLE = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
KEEP_ATTEMPTS = timedelta(days=1)


@dataclass(frozen=True)
class Session:
    """A logged-in user's session: who, and the token every form of the session must carry."""

    user: User
    csrf_token: str
    token_hash: str


@dataclass(frozen=True)
class LoginOutcome:
    """The result of a login attempt: a new session token, or why there is none."""

    token: str | None = None
    throttled_for: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.token is not None


# Ties login attempts to what was typed as the e-mail without keeping it; a restart starts the
# per-address counts afresh (the per-client counts stay).
_ATTEMPT_KEY = secrets.token_bytes(32)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def attempt_subject(email: str) -> str:
    """The key login attempts on one typed e-mail share (an HMAC; the text is never stored)."""
    typed = email.strip().lower().encode("utf-8")
    return hmac.new(_ATTEMPT_KEY, typed, hashlib.sha256).hexdigest()


def throttled_for(
    con: sqlite3.Connection, email: str, client: str, now: datetime
) -> timedelta | None:
    """How long logins as this e-mail or from this client stay refused; None when allowed.

    An address with no account is throttled exactly like one with an account, so the answer
    tells nobody which addresses exist.
    """
    since = to_text(now - THROTTLE_WINDOW)
    waits = []
    for column, value, limit in (
        ("subject", attempt_subject(email), MAX_FAILURES_PER_EMAIL),
        ("client", client, MAX_FAILURES_PER_CLIENT),
    ):
        rows = con.execute(
            f"SELECT at FROM login_attempts WHERE {column} = ? AND ok = 0 AND at >= ? "
            "ORDER BY at DESC LIMIT ?",
            [value, since, limit],
        ).fetchall()
        if len(rows) >= limit:
            # refused until the oldest of the last `limit` failures leaves the window
            waits.append(from_text(rows[-1]["at"]) + THROTTLE_WINDOW - now)
    return max(waits) if waits else None


def attempt_login(
    con: sqlite3.Connection, email: str, password: str, client: str, now: datetime
) -> LoginOutcome:
    """Checks the password (unless throttled), records the attempt, opens a session if right.

    Neither the typed e-mail nor the password is stored or logged: attempts are kept by an
    HMAC of the typed e-mail, the user id (NULL for an unknown address) and client address.
    """
    user = find_user(con, email=email)
    user_id = user.id if user is not None else None
    wait = throttled_for(con, email, client, now)
    if wait is not None:
        log.warning("login refused (throttled) user_id=%s client=%s", user_id, client)
        return LoginOutcome(throttled_for=wait)
    usable = user is not None and user.active
    stored = password_hash(con, user.id) if user is not None and usable else dummy_hash()
    right = verify_password(password, stored) and usable
    with write_transaction(con):
        con.execute(
            "INSERT INTO login_attempts (subject, user_id, client, at, ok) VALUES (?, ?, ?, ?, ?)",
            [attempt_subject(email), user_id, client, to_text(now), int(right)],
        )
        con.execute("DELETE FROM login_attempts WHERE at < ?", [to_text(now - KEEP_ATTEMPTS)])
        con.execute("DELETE FROM sessions WHERE expires_at < ?", [to_text(now)])
    if not right or user is None:
        log.info("login failed user_id=%s client=%s", user_id, client)
        return LoginOutcome()
    if needs_rehash(stored):
        rehash_password(con, user.id, password)
    log.info("login ok user_id=%d client=%s", user.id, client)
    return LoginOutcome(token=create_session(con, user.id, now))


def create_session(con: sqlite3.Connection, user_id: int, now: datetime) -> str:
    """Opens a session for the user; returns the cookie value (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    with write_transaction(con):
        con.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
            [
                _digest(token),
                user_id,
                secrets.token_urlsafe(32),
                to_text(now),
                to_text(now),
                to_text(now + SESSION_MAX),
            ],
        )
    return token


def load_session(con: sqlite3.Connection, token: str | None, now: datetime) -> Session | None:
    """The live session for a cookie value; None when unknown, expired, idle or user disabled."""
    if not token:
        return None
    row = con.execute("SELECT * FROM sessions WHERE token_hash = ?", [_digest(token)]).fetchone()
    if row is None:
        return None
    last_seen = from_text(row["last_seen_at"])
    if from_text(row["expires_at"]) <= now or last_seen + SESSION_IDLE <= now:
        end_session(con, token)
        return None
    user = find_user(con, user_id=int(row["user_id"]))
    if user is None or not user.active:
        end_session(con, token)
        return None
    if now - last_seen >= TOUCH_EVERY:
        with write_transaction(con):
            con.execute(
                "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
                [to_text(now), row["token_hash"]],
            )
    return Session(user=user, csrf_token=str(row["csrf_token"]), token_hash=str(row["token_hash"]))


def end_session(con: sqlite3.Connection, token: str) -> None:
    """Forgets a session (logout, expiry)."""
    with write_transaction(con):
        con.execute("DELETE FROM sessions WHERE token_hash = ?", [_digest(token)])
