"""``medsos-audit serve``: the review desk web app for branch staff."""

from __future__ import annotations

import argparse
import logging

from rich.console import Console

from medsos_audit.cli_support import EXIT_FAILED, EXIT_OK, settings_from
from medsos_audit.review.source import source_path
from medsos_audit.review.store import StoreError, open_store
from medsos_audit.review.users import list_users


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "serve",
        help="serve the review desk (web pages for branch staff)",
        description=(
            "Serve the review desk: branch staff log in, see their branch's findings ordered by "
            "risk and confirm, dismiss or escalate them. The desk keeps its own store "
            "($MEDSOS_HOME/review/review.sqlite) and reads findings from the published copy of "
            "the warehouse, so it never holds the warehouse the pipeline writes."
        ),
    )
    cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    cmd.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    return cmd


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from medsos_audit.review.app import create_app

    console = Console(highlight=False, soft_wrap=True)
    settings = settings_from(args)
    try:
        con = open_store(settings.review_db)
        try:
            users = [u for u in list_users(con) if u.active]
        finally:
            con.close()
    except StoreError as exc:
        console.print(f"serve: {exc}", markup=False)
        return EXIT_FAILED
    path, kind = source_path(settings)
    console.print(f"review store: {settings.review_db}", markup=False)
    console.print(f"findings read from: {path} ({kind})", markup=False)
    if not users:
        console.print(
            "no active user yet: add one with `medsos-audit users add --email ... --name ... "
            "--branch ... --role reviewer`",
            markup=False,
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="info",
        server_header=False,
        forwarded_allow_ips="127.0.0.1",
    )
    return EXIT_OK
