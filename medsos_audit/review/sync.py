"""Brings the desk's decisions into the warehouse, for reports, alerts and rule authors.

The pipeline (the warehouse's single writer) calls :func:`import_decisions` at the start of a
run. It reads the desk store read-only, so the desk keeps working meanwhile, and only appends:
rows already mirrored are never touched again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import duckdb
import pyarrow as pa

from checks.masking import mask_identifiers
from medsos_audit.review.decisions import row_hash
from medsos_audit.review.store import from_text, open_store, store_id
from medsos_audit.runs import utcnow
from medsos_audit.settings import Settings
from warehouse import sqlfiles
from warehouse.db import transaction

log = logging.getLogger("medsos_audit.review")


class ReviewSyncError(RuntimeError):
    """The desk's log does not continue the mirrored one (edited, truncated or re-chained)."""


_MIRROR = pa.schema(
    [
        ("store_id", pa.string()),
        ("seq", pa.int64()),
        ("logged_at", pa.timestamp("us")),
        ("user_id", pa.int64()),
        ("user_name", pa.string()),
        ("user_email", pa.string()),
        ("user_role", pa.string()),
        ("subject_key", pa.string()),
        ("shortcode", pa.string()),
        ("owner_id", pa.string()),
        ("check_name", pa.string()),
        ("npa", pa.string()),
        ("branch", pa.string()),
        ("action", pa.string()),
        ("from_state", pa.string()),
        ("to_state", pa.string()),
        ("severity", pa.string()),
        ("sanction", pa.string()),
        ("dismiss_reason", pa.string()),
        ("escalate_to", pa.string()),
        ("note", pa.string()),
        ("rule_ids", pa.list_(pa.string())),
        ("row_hash", pa.string()),
        ("imported_at", pa.timestamp("us")),
    ]
)


def _verify(rows: list[dict[str, Any]], mirrored: dict[int, str]) -> None:
    """Raises ReviewSyncError unless the desk's whole log chains by hash and every row the
    warehouse already holds is still the same row."""
    prev = None
    for row in rows:
        if row["prev_hash"] != prev or row_hash(prev, row) != row["row_hash"]:
            raise ReviewSyncError(
                f"review log row {row['seq']} breaks the hash chain: the desk store was edited "
                "outside the desk"
            )
        if mirrored.get(row["seq"], row["row_hash"]) != row["row_hash"]:
            raise ReviewSyncError(f"review log row {row['seq']} differs from its mirrored copy")
        prev = row["row_hash"]
    missing = set(mirrored) - {r["seq"] for r in rows}
    if missing:
        raise ReviewSyncError(f"review log rows {sorted(missing)[:5]} vanished from the desk store")


def import_decisions(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Appends the desk's review-log rows not yet in the warehouse; returns how many.

    Each row's hash is checked against the chain before anything is written; staff notes are
    masked (patient identifiers) on the way in, as every text in the warehouse is.
    """
    path = settings.review_db
    if not path.exists():
        return 0
    store = open_store(path, read_only=True)
    try:
        sid = store_id(store)
        # the whole log, every time: checking the chain end to end costs a few ms per 10k rows
        rows = [dict(r) for r in store.execute("SELECT * FROM review_log ORDER BY seq")]
    finally:
        store.close()
    mirrored = dict(sqlfiles.run(con, __file__, "mirror_hashes.sql", {"store_id": sid}))
    _verify(rows, mirrored)
    rows = [r for r in rows if r["seq"] not in mirrored]
    if not rows:
        return 0
    now = utcnow()
    mirror = pa.Table.from_pylist(
        [
            {
                **{k: r[k] for k in _MIRROR.names if k in r},
                "store_id": sid,
                "logged_at": from_text(r["logged_at"]),
                "note": mask_identifiers(r["note"]) if r["note"] else None,
                "rule_ids": json.loads(r["rule_ids"]),
                "imported_at": now,
            }
            for r in rows
        ],
        schema=_MIRROR,
    )
    with transaction(con):
        con.register("desk_rows", mirror)
        try:
            sqlfiles.run(con, __file__, "mirror_append.sql")
        finally:
            con.unregister("desk_rows")
    log.info(
        "review decisions imported: %d (store %s, up to seq %d)", len(rows), sid, rows[-1]["seq"]
    )
    return len(rows)
