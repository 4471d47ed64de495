"""Desk users: who may log in, for which branch (or all branches) and with which role."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from medsos_audit.review.passwords import check_strength, hash_password
from medsos_audit.review.store import to_text, write_transaction
from medsos_audit.review.vocab import ROLES
from medsos_audit.runs import utcnow

_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


class UserError(ValueError):
    """A user cannot be added or changed as asked (bad field, duplicate e-mail, unknown user)."""


@dataclass(frozen=True)
class User:
    """One desk user as the app needs it (never with the password hash)."""

    id: int
    email: str
    name: str
    branch: str | None  # None: all branches (MKEK staff)
    role: str
    active: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def sees(self, branch: str | None) -> bool:
        """True when this user may see and decide findings of doctors in ``branch``."""
        return self.branch is None or (branch is not None and branch == self.branch)


def _user(row: sqlite3.Row) -> User:
    return User(
        id=int(row["id"]),
        email=str(row["email"]),
        name=str(row["name"]),
        branch=row["branch"],
        role=str(row["role"]),
        active=bool(row["active"]),
    )


def add_user(
    con: sqlite3.Connection, *, email: str, name: str, branch: str | None, role: str, password: str
) -> User:
    """Creates a user with a hashed password; ``branch`` None gives all branches."""
    email = email.strip()
    if not _EMAIL.match(email):
        raise UserError(f"not an e-mail address: {email!r}")
    if not name.strip():
        raise UserError("a user needs a name")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if branch is not None and not branch.strip():
        raise UserError("branch is empty (use --all-branches for MKEK staff)")
    try:
        check_strength(password)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    hashed = hash_password(password)
    try:
        with write_transaction(con):
            cur = con.execute(
                "INSERT INTO users (email, name, branch, role, password_hash, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    email,
                    name.strip(),
                    branch.strip() if branch else None,
                    role,
                    hashed,
                    to_text(utcnow()),
                ],
            )
    except sqlite3.IntegrityError as exc:
        raise UserError(f"a user with e-mail {email} already exists") from exc
    user = find_user(con, user_id=int(cur.lastrowid or 0))
    assert user is not None
    return user


def find_user(
    con: sqlite3.Connection, *, email: str | None = None, user_id: int | None = None
) -> User | None:
    """The user with this e-mail (any case) or id, active or not; None when there is none."""
    if user_id is not None:
        row = con.execute("SELECT * FROM users WHERE id = ?", [user_id]).fetchone()
    else:
        row = con.execute("SELECT * FROM users WHERE email = ?", [(email or "").strip()]).fetchone()
    return None if row is None else _user(row)


def password_hash(con: sqlite3.Connection, user_id: int) -> str:
    """The stored hash of a user's password (only the login check reads it)."""
    return str(con.execute("SELECT password_hash FROM users WHERE id = ?", [user_id]).fetchone()[0])


def set_password(con: sqlite3.Connection, email: str, password: str) -> User:
    """Replaces a user's password and ends their sessions."""
    user = find_user(con, email=email)
    if user is None:
        raise UserError(f"no user with e-mail {email}")
    try:
        check_strength(password)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    hashed = hash_password(password)
    with write_transaction(con):
        con.execute("UPDATE users SET password_hash = ? WHERE id = ?", [hashed, user.id])
        con.execute("DELETE FROM sessions WHERE user_id = ?", [user.id])
    return user


def rehash_password(con: sqlite3.Connection, user_id: int, password: str) -> None:
    """Stores the password again with today's hash parameters (after a successful login)."""
    hashed = hash_password(password)
    with write_transaction(con):
        con.execute("UPDATE users SET password_hash = ? WHERE id = ?", [hashed, user_id])


def disable_user(con: sqlite3.Connection, email: str) -> User:
    """Disables a user and ends their sessions; the review log keeps their name."""
    user = find_user(con, email=email)
    if user is None:
        raise UserError(f"no user with e-mail {email}")
    with write_transaction(con):
        con.execute(
            "UPDATE users SET active = 0, disabled_at = coalesce(disabled_at, ?) WHERE id = ?",
            [to_text(utcnow()), user.id],
        )
        con.execute("DELETE FROM sessions WHERE user_id = ?", [user.id])
    return User(user.id, user.email, user.name, user.branch, user.role, False)


def list_users(con: sqlite3.Connection) -> list[User]:
    """Every user, active first, then by branch and e-mail."""
    rows = con.execute(
        "SELECT * FROM users ORDER BY active DESC, coalesce(branch, ''), email"
    ).fetchall()
    return [_user(r) for r in rows]
