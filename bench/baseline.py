"""The benchmark's baseline: only the unavoidable work over the same files.

Decompress and parse every file (in as many processes as the pipeline uses), bulk-load the
fields into DuckDB with one Arrow insert, and run one combined regular-expression scan over the
captions in DuckDB. No validation, no accounts, no rules engine, no audit tables.
"""

from __future__ import annotations

import json
import lzma
import multiprocessing
import os
from pathlib import Path

import duckdb
import pyarrow as pa

# One pattern standing for "the rules": the words the checks look for, in one RE2 scan.
COMBINED = (
    r"(promo|diskon|harga|rp ?[0-9]|kode|potongan|terbaik|dijamin|100 ?%|reseller|order|"
    r"testimoni|repost|makasih|bintang|liburan|holiday|makan|anniversary|pasien saya|"
    r"tahun dari|no\. ?rm|kamar [0-9]|tn\. |ny\. )"
)


def _decode(paths: list[str]) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {k: [] for k in ("shortcode", "owner_id", "ts", "caption")}
    for path in paths:
        with lzma.open(path, "rb") as fh:
            doc = json.loads(fh.read())
        node = doc["node"]
        if doc["instaloader"]["node_type"] != "Post":
            continue
        edges = node.get("edge_media_to_caption", {}).get("edges") or []
        out["shortcode"].append(node["shortcode"])
        out["owner_id"].append(str(node["owner"]["id"]))
        out["ts"].append(node["taken_at_timestamp"])
        out["caption"].append(edges[0]["node"]["text"] if edges else None)
    return out


def run_baseline(snapshot: Path, database: Path, workers: int | None = None) -> int:
    """Runs the baseline over ``snapshot`` into a new DuckDB file; returns the regex hit count."""
    workers = workers or min(os.cpu_count() or 1, 4)
    paths = sorted(str(p) for p in snapshot.glob("*/*.json.xz"))
    chunks = [paths[i : i + 512] for i in range(0, len(paths), 512)]
    columns: dict[str, list[object]] = {k: [] for k in ("shortcode", "owner_id", "ts", "caption")}
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for part in pool.imap(_decode, chunks):
            for key, values in part.items():
                columns[key].extend(values)
    con = duckdb.connect(str(database))
    con.register("batch", pa.table(columns))
    con.execute(
        "CREATE TABLE posts AS SELECT shortcode, owner_id, to_timestamp(ts) AS posted_at, "
        "caption FROM batch"
    )
    hits = con.execute(
        "SELECT count(*) FROM posts WHERE regexp_matches(lower(caption), ?)", [COMBINED]
    ).fetchall()[0][0]
    con.close()
    return int(hits)
