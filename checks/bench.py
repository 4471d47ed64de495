"""Benchmark of the checks on one core (a script, not a test).

    python -m checks.bench [--posts 50000] [--corpus DIR ...] [--rules DIR]

Posts are the labeled corpora's captions, cycled and varied (a few random words and numbers
per post, so the token cache sees fresh vocabulary as a real week would), trimmed or padded to
about 300 characters. Prints posts per CPU-second (other processes on a shared machine do not
skew it) for check_posts alone and for the baseline the issue compares against: one regex scan
over the same captions.
"""

from __future__ import annotations

import argparse
import random
import re
import string
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from checks.corpus import read_posts
from checks.engine import check_posts
from checks.ruleset import load_ruleset
from checks.types import PostForCheck

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = (Path("/work/shared/corpus/dev"), REPO / "tests" / "checks" / "heldout")


def sample_posts(
    corpora: Sequence[Path], count: int, seed: int = 7, fresh_words: int = 4
) -> list[PostForCheck]:
    """``count`` posts built from the corpora, each varied and about 300 characters long."""
    base = [
        lp.post
        for c in corpora
        if (c / "posts.jsonl").is_file()
        for lp in read_posts(c / "posts.jsonl")
    ]
    if not base:
        raise SystemExit("no corpus found; pass --corpus DIR")
    rnd = random.Random(seed)  # noqa: S311 - reproducible noise words, not secrets
    out = []
    for i in range(count):
        post = base[i % len(base)]
        noise = " ".join(
            "".join(rnd.choices(string.ascii_lowercase, k=rnd.randint(3, 9)))
            for _ in range(fresh_words)
        )
        caption = f"{post.caption or ''} {noise} {rnd.randint(1, 999)}"
        while len(caption) < 280:
            caption += " " + (base[rnd.randrange(len(base))].caption or "sehat selalu")[:120]
        out.append(replace(post, shortcode=f"B{i}", caption=caption[:320]))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark and prints the figures."""
    parser = argparse.ArgumentParser(prog="python -m checks.bench")
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--corpus", type=Path, action="append", default=None)
    parser.add_argument("--rules", type=Path, default=REPO / "seeds" / "rules")
    parser.add_argument(
        "--fresh-words",
        type=int,
        default=4,
        help="random never-seen words added to each post (default 4: a cold token cache)",
    )
    args = parser.parse_args(argv)
    ruleset = load_ruleset(args.rules)
    posts = sample_posts(args.corpus or DEFAULT_CORPORA, args.posts, fresh_words=args.fresh_words)
    mean_len = sum(len(p.caption or "") for p in posts) / len(posts)

    check_posts(posts[:200], ruleset)  # compile the matcher outside the timing
    start = time.process_time()
    flags = check_posts(posts, ruleset)
    elapsed = time.process_time() - start

    one_regex = re.compile(r"diskon|promo|testimoni|liburan|pasien saya", re.IGNORECASE)
    start = time.process_time()
    hits = sum(1 for p in posts if one_regex.search(p.caption or ""))
    baseline = time.process_time() - start

    flagged = len({f.shortcode for f in flags})
    print(f"rules {ruleset.version}: {len(posts)} posts, mean caption {mean_len:.0f} chars")
    print(f"check_posts: {elapsed:.2f} s = {len(posts) / elapsed:,.0f} posts/s on one core")
    print(f"  {len(flags)} flags on {flagged} posts")
    print(f"one regex scan: {baseline:.3f} s = {len(posts) / baseline:,.0f} posts/s ({hits} hits)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
