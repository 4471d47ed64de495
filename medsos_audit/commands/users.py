"""``medsos-audit users add|disable|list|password``: the review desk's staff accounts."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from medsos_audit.cli_support import EXIT_OK, EXIT_USAGE, settings_from
from medsos_audit.review.source import source_path
from medsos_audit.review.store import open_store
from medsos_audit.review.users import UserError, add_user, disable_user, list_users, set_password
from medsos_audit.review.vocab import ROLES
from medsos_audit.settings import Settings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "users",
        help="manage review desk users (add, disable, list, password)",
        description=(
            "Manage the review desk's staff accounts. A reviewer sees and decides only the "
            "findings of their branch; --all-branches is for MKEK staff. Passwords are read "
            "from the terminal (or one line of standard input with --password-stdin), never "
            "from the command line, and stored only as a scrypt hash."
        ),
    )
    actions = cmd.add_subparsers(dest="users_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a user")
    add.add_argument("--email", required=True, help="login e-mail address")
    add.add_argument("--name", required=True, help="the person's name as staff know it")
    scope = add.add_mutually_exclusive_group(required=True)
    scope.add_argument("--branch", help="IDI branch, exactly as in the registry")
    scope.add_argument("--all-branches", action="store_true", help="all branches (MKEK staff)")
    add.add_argument(
        "--role", choices=ROLES, default="reviewer", help="reviewer (default) or admin"
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    disable = actions.add_parser("disable", help="disable a user and end their sessions")
    disable.add_argument("email", help="the user's e-mail")
    listing = actions.add_parser("list", help="list users")
    password = actions.add_parser("password", help="set a new password and end the user's sessions")
    password.add_argument("email", help="the user's e-mail")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    for action in (add, disable, listing, password):
        # the action's own --warehouse, so it may also follow the action's other options
        action.add_argument(
            "--warehouse", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return cmd


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise UserError("the two passwords differ")
    return first


def known_branches(settings: Settings) -> list[str] | None:
    """The branches in the findings source, or None when it cannot be read right now."""
    path, _ = source_path(settings)
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None  # held by the pipeline: the branch is not checked
    try:
        return [
            r[0] for r in con.execute("SELECT DISTINCT branch FROM doctors ORDER BY 1").fetchall()
        ]
    except duckdb.Error:
        return None
    finally:
        con.close()


def run(args: argparse.Namespace) -> int:
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    settings = settings_from(args)
    con = open_store(settings.review_db)
    try:
        if args.users_action == "list":
            table = Table(title=f"users in {settings.review_db}")
            for col in ("email", "name", "branch", "role", "active"):
                table.add_column(col)
            for u in list_users(con):
                table.add_row(
                    u.email,
                    u.name,
                    u.branch or "(all branches)",
                    u.role,
                    "yes" if u.active else "no",
                )
            out.print(table)
            return EXIT_OK
        if args.users_action == "disable":
            user = disable_user(con, args.email)
            out.print(f"disabled {user.email}; their sessions are ended", markup=False)
            return EXIT_OK
        if args.users_action == "password":
            user = set_password(con, args.email, _read_password(args.password_stdin))
            out.print(f"new password set for {user.email}; their sessions are ended", markup=False)
            return EXIT_OK
        branch = None if args.all_branches else args.branch
        branches = known_branches(settings) if branch else None
        if branch and branches is not None and branch not in branches:
            err.print(
                f"users: no branch {branch!r} in the registry; known: {', '.join(branches)}",
                markup=False,
            )
            return EXIT_USAGE
        user = add_user(
            con,
            email=args.email,
            name=args.name,
            branch=branch,
            role=args.role,
            password=_read_password(args.password_stdin),
        )
        out.print(
            f"added {user.email} ({user.role}, {user.branch or 'all branches'})", markup=False
        )
        if branch and branches is None:
            out.print("note: the branch was not checked (no findings data readable yet)")
        return EXIT_OK
    except UserError as exc:
        err.print(f"users: {exc}", markup=False)
        return EXIT_USAGE
    finally:
        con.close()
