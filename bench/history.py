"""What a run pays to find the new files of a snapshot when the warehouse holds years of history.

    python -m bench.history [--history 1000000 5000000] [--scan 200000]

`import_files` keeps one row per file ever read and is never purged (CONTRACT.md: loading the
same input twice changes no row), so after a year at 200,000 posts a week it holds ten million
rows. Each run compares its scan against that history (transform.load.unread_files). For each
history size this script fills a fresh warehouse with that many rows, then times the comparison
of a scan of ``--scan`` files, half of them already read, in a process of its own, and prints the
seconds and the process's peak RSS. A script, not a test: the figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_FILL = """
INSERT INTO import_files
SELECT '/srv/snapshot/dr.' || lpad((i % 2000)::VARCHAR, 5, '0') || '/' || i::VARCHAR
           || '_UTC.json.xz',
       2000 + i % 997, 1700000000000000000 + i, 'post', 'loaded', NULL, NULL, NULL, 'history',
       TIMESTAMP '2025-01-01'
FROM range($rows) AS t(i)
"""


def _measure(database: str, history: int, scanned: int) -> dict[str, float]:
    from extract.snapshot import SnapshotFile
    from transform.load import unread_files
    from warehouse.db import connect

    con = connect(Path(database))
    # the newest half of the scan is in the history, the other half is new
    first = history - scanned // 2
    files = [
        SnapshotFile(
            f"/srv/snapshot/dr.{i % 2000:05d}/{i}_UTC.json.xz",
            f"dr.{i % 2000:05d}",
            "post",
            2000 + i % 997,
            1700000000000000000 + i,
        )
        for i in range(first, first + scanned)
    ]
    started = time.perf_counter()
    todo = unread_files(con, files)
    seconds = time.perf_counter() - started
    con.close()
    assert len(todo) == scanned - scanned // 2, len(todo)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 3), "peak_rss_mb": round(peak, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__)
    parser.add_argument("--history", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--scan", type=int, default=200_000)
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.measure:
        database, history, scanned = args.measure
        print(json.dumps(_measure(database, int(history), int(scanned))))
        return 0
    from warehouse.db import connect

    print(f"{'history rows':>13} {'scan files':>10} {'seconds':>8} {'peak RSS MB':>11}")
    for history in args.history:
        with tempfile.TemporaryDirectory() as tmp:
            database = str(Path(tmp) / "history.duckdb")
            con = connect(Path(database))
            con.execute(_FILL, {"rows": history})
            con.close()
            command = [sys.executable, "-m", "bench.history", "--measure", database]
            out = subprocess.run(
                [*command, str(history), str(args.scan)],
                check=True,
                capture_output=True,
                text=True,
                cwd=REPO,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{history:>13,} {args.scan:>10,} {result['seconds']:>8} {result['peak_rss_mb']:>11}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
