"""A week's run on a warehouse that already holds a long history (a script, not a test).

    python -m bench.grown [--history 0 1000000 3000000]

`make bench` times a run on a fresh warehouse. A national rollout runs every week on a
warehouse holding years of posts, so this times the same new week on warehouses that already
hold ``--history`` posts:

1. the synthetic 200,000-post snapshot of `make bench` (generated if missing) is split, with
   hard links, into an "old" folder (accounts 500-1,999: 150,000 posts) and a "new" one
   (accounts 0-499: 50,000 posts);
2. a warehouse is built from the old folder by the pipeline, then grown in SQL to ``H`` posts
   by copies of its posts, flags, masked captions and file records, each copy 26 weeks older
   than the last, under new shortcodes and paths; an untimed run then rebuilds, gates and
   publishes every week, so the history is settled;
3. the pipeline runs over the new folder, timed, in a process of its own (bench.phase).

Printed: the history's size, the run's seconds and peak RSS of the process tree.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from bench.run import _phase, warm_cache
from bench.synthetic import generate

REPO = Path(__file__).resolve().parent.parent
SOURCE_POSTS = 200_000
NEW_ACCOUNTS = 500  # accounts 0-499 post the timed week; the others are the history
OLD_POSTS = 150_000

_COPY = """
INSERT INTO posts
SELECT * REPLACE (
    'H' || $k || '_' || shortcode AS shortcode,
    posted_at - to_weeks(26 * $k) AS posted_at,
    strftime(posted_at - to_weeks(26 * $k), '%G-W%V') AS post_week,
    'H' || $k || '_' || source_file AS source_file)
FROM posts WHERE shortcode NOT LIKE 'H%';

INSERT INTO flags
SELECT f.* REPLACE ('H' || $k || '_' || f.shortcode AS shortcode, p.post_week AS post_week)
FROM flags AS f JOIN posts AS p ON p.shortcode = 'H' || $k || '_' || f.shortcode
WHERE f.shortcode NOT LIKE 'H%';

INSERT INTO posts_masked
SELECT * REPLACE ('H' || $k || '_' || shortcode AS shortcode)
FROM posts_masked WHERE shortcode NOT LIKE 'H%';

INSERT INTO import_files
SELECT * REPLACE ('H' || $k || '_' || path AS path)
FROM import_files WHERE path NOT LIKE 'H%';
"""


def _split(snapshot: Path, into: Path) -> tuple[Path, Path]:
    """Hard-linked 'old' and 'new' folders of ``snapshot`` (same bytes and mtimes, no copy)."""
    old, new = into / "old", into / "new"
    if not (into / "complete").exists():
        shutil.rmtree(into, ignore_errors=True)
        for folder in sorted(snapshot.iterdir()):
            index = int(folder.name.removeprefix("dr.bench"))
            target = (new if index < NEW_ACCOUNTS else old) / folder.name
            target.mkdir(parents=True)
            for item in folder.iterdir():
                os.link(item, target / item.name)
        (into / "complete").write_text("ok")
    return old, new


def _grow(warehouse: Path, history: int) -> int:
    """Copies the loaded history until the warehouse holds about ``history`` posts."""
    from warehouse.db import connect

    con = connect(warehouse)
    try:
        copies = max(0, round(history / OLD_POSTS) - 1)
        for k in range(1, copies + 1):
            for statement in _COPY.split(";\n"):
                if statement.strip():
                    con.execute(statement, {"k": k})
        # every week owes an audit rebuild and the gate (all its rows): the settling run, untimed
        con.execute(
            "INSERT OR IGNORE INTO pending_weeks SELECT DISTINCT post_week, stage, now(), 'grown' "
            "FROM posts, (VALUES ('audit'), ('gate'), ('rows')) AS s(stage)"
        )
        return int(con.execute("SELECT count(*) FROM posts").fetchall()[0][0])
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.grown", description=__doc__)
    parser.add_argument("--history", type=int, nargs="+", default=[0, 1_050_000, 3_000_000])
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench")
    parser.add_argument("--keep", action="store_true", help="keep each grown warehouse")
    args = parser.parse_args(argv)
    data = args.out / f"data-{SOURCE_POSTS}"
    if not (data / "complete").exists():
        shutil.rmtree(data, ignore_errors=True)
        generate(data / "snapshot", SOURCE_POSTS)
        (data / "complete").write_text("ok")
    registry = data / "snapshot-registry.csv"
    old, new = _split(data / "snapshot", args.out / "grown")
    warm_cache(new)
    print(f"{'history posts':>13} {'new posts':>9} {'seconds':>8} {'peak RSS MB':>11}", flush=True)
    for history in args.history:
        work = args.out / "grown" / f"work-{history}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        warehouse = work / "warehouse.duckdb"
        held = 0
        if history > 0:
            _phase("pipeline", str(old), str(registry), str(warehouse))
            held = _grow(warehouse, history)
            empty = work / "empty"
            empty.mkdir()
            _phase("pipeline", str(empty), str(registry), str(warehouse))  # settle, untimed
            if args.keep:  # the settled warehouse, before the timed run, to look into
                shutil.copytree(work, work.with_name(work.name + "-settled"), dirs_exist_ok=True)
        result = _phase("pipeline", str(new), str(registry), str(warehouse))
        print(
            f"{held:>13,} {result['new_posts']:>9,} {result['seconds']:>8} "
            f"{result['peak_rss_mb']:>11.0f}",
            flush=True,
        )
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
