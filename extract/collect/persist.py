"""Targets and outcomes as JSON files, so collection can be split across processes.

The planner writes each chunk's targets to a file, a landing task (an Airflow worker, maybe on
another machine with shared storage) reads them and writes its outcomes beside them, and the
single loader reads every chunk's outcomes. Nothing here touches the warehouse.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from extract.collect.collector import AccountOutcome, CollectResult, Target
from extract.collect.errors import Status
from extract.evidence import LandedFile
from warehouse.db import ensure_private_dir, write_private

FORMAT = "medsos-audit collect chunk 1"


def _dt(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _undt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _write(path: Path, doc: dict[str, Any]) -> Path:
    """Writes ``doc`` atomically (temp file + rename), readable by the service user only."""
    ensure_private_dir(path.parent)
    return write_private(path, json.dumps(doc, ensure_ascii=False).encode())


def _read(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT:
        raise ValueError(f"{path}: not a collect chunk file of this version")
    return dict(doc)


def write_targets(path: Path, targets: list[Target]) -> Path:
    """Writes one chunk's targets."""
    return _write(
        path,
        {
            "format": FORMAT,
            "targets": [
                {
                    "username": t.username,
                    "owner_id": t.owner_id,
                    "known": {code: _dt(at) for code, at in t.known.items()},
                    "high_water": _dt(t.high_water),
                }
                for t in targets
            ],
        },
    )


def read_targets(path: Path) -> list[Target]:
    """The targets of one chunk file."""
    return [
        Target(
            username=t["username"],
            owner_id=t["owner_id"],
            known={code: at for code, raw in t["known"].items() if (at := _undt(raw))},
            high_water=_undt(t["high_water"]),
        )
        for t in _read(path)["targets"]
    ]


def _file(f: LandedFile) -> dict[str, Any]:
    return {
        "path": str(f.path),
        "sha256": f.sha256,
        "size": f.size,
        "kind": f.kind,
        "username": f.username,
        "shortcode": f.shortcode,
        "posted_at": _dt(f.posted_at),
    }


def _unfile(d: dict[str, Any]) -> LandedFile:
    return LandedFile(
        Path(d["path"]),
        d["sha256"],
        d["size"],
        d["kind"],
        d["username"],
        d["shortcode"],
        _undt(d["posted_at"]),
    )


def write_result(path: Path, result: CollectResult) -> Path:
    """Writes one chunk's outcomes (every account tried, and those left untried)."""
    outcomes = [
        {
            "requested": o.requested,
            "username": o.username,
            "owner_id": o.owner_id,
            "started_at": _dt(o.started_at),
            "status": str(o.status),
            "error": o.error,
            "requests": o.requests,
            "duration_s": o.duration_s,
            "files": [_file(f) for f in o.files],
            "remembered": [[code, _dt(at)] for code, at in o.remembered],
            "newest": [_dt(o.newest[0]), o.newest[1]] if o.newest else None,
            "renamed_from": o.renamed_from,
        }
        for o in result.outcomes
    ]
    left = {
        "format": FORMAT,
        "run_dir": str(result.run_dir),
        "requests": result.requests,
        "stopped": str(result.stopped) if result.stopped else None,
        "stop_reason": result.stop_reason,
        "outcomes": outcomes,
        "not_attempted": [t.username for t in result.not_attempted],
    }
    return _write(path, left)


def read_result(path: Path) -> CollectResult:
    """One chunk's outcomes as the collector returned them (untried targets by name only)."""
    doc = _read(path)
    outcomes = []
    for o in doc["outcomes"]:
        started = _undt(o["started_at"])
        assert started is not None
        outcome = AccountOutcome(o["requested"], o["username"], o["owner_id"], started)
        outcome.status = Status(o["status"])
        outcome.error = o["error"]
        outcome.requests = o["requests"]
        outcome.duration_s = o["duration_s"]
        outcome.files = [_unfile(f) for f in o["files"]]
        outcome.remembered = [(code, at) for code, raw in o["remembered"] if (at := _undt(raw))]
        if o["newest"]:
            newest_at = _undt(o["newest"][0])
            assert newest_at is not None
            outcome.newest = (newest_at, o["newest"][1])
        outcome.renamed_from = o["renamed_from"]
        outcomes.append(outcome)
    return CollectResult(
        run_dir=Path(doc["run_dir"]),
        outcomes=outcomes,
        not_attempted=[Target(username=u) for u in doc["not_attempted"]],
        requests=doc["requests"],
        stopped=Status(doc["stopped"]) if doc["stopped"] else None,
        stop_reason=doc["stop_reason"],
    )
