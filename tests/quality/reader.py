"""An analyst's process: queries the published copy over and over until told to stop.

    python -m tests.quality.reader poll|session PUBLISHED STOP_FILE REPORT_FILE

``poll`` opens the file read-only for each round and closes it again, as a dashboard would;
``session`` keeps one connection for the whole time, as a long notebook session would (DuckDB
shares one database instance among a process's connections to the same path, so such a
session keeps reading the copy it opened, whole, until it closes). Each round checks that the
copy is whole: the posts it holds match its publication record and the branch rows add up to
the account rows. The report (JSON) lists the run ids seen, the rounds, and every error.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

CHECKS = (
    "SELECT (SELECT run_id FROM published_info), "
    "(SELECT posts FROM published_info) = (SELECT count(*) FROM posts), "
    "(SELECT coalesce(sum(posts), 0) FROM audit_weekly_branch) "
    "= (SELECT coalesce(sum(posts), 0) FROM audit_weekly_account)"
)


def _write(report: Path, state: dict[str, object]) -> None:
    tmp = report.with_name(report.name + ".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(report)


def main(mode: str, published: Path, stop: Path, report: Path) -> None:
    seen: list[str] = []
    errors: list[str] = []
    rounds = 0
    while not published.exists():
        time.sleep(0.01)
    session = duckdb.connect(str(published), read_only=True) if mode == "session" else None
    while not stop.exists():
        try:
            con = session or duckdb.connect(str(published), read_only=True)
            try:
                run_id, posts_whole, audit_whole = con.execute(CHECKS).fetchall()[0]
            finally:
                if session is None:
                    con.close()
            if not (posts_whole and audit_whole):
                errors.append(f"inconsistent copy of run {run_id}")
            if run_id not in seen:
                seen.append(run_id)
                _write(report, {"seen": seen, "rounds": rounds, "errors": errors})
        except duckdb.Error as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        rounds += 1
    if session is not None:
        session.close()
    _write(report, {"seen": seen, "rounds": rounds, "errors": errors})


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
