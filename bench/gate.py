"""`python -m bench.gate [--posts N]`: what the data-quality gate and publishing cost in a run.

Runs the pipeline over the benchmark's synthetic snapshot (generated as `make bench` does, and
reused from var/bench/) on a fresh warehouse and again over the unchanged snapshot, timing the
raw-batch gate, the warehouse gate and publishing inside the run. Prints one JSON document,
with the gate's seconds per 100,000 posts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.synthetic import RUN_DAY, generate

REPO = Path(__file__).resolve().parent.parent
_spent: dict[str, float] = {}


def _timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _spent[name] = _spent.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def _run(snapshot: Path, registry: Path, warehouse: Path) -> dict[str, float]:
    from medsos_audit import pipeline
    from medsos_audit.settings import Settings

    _spent.clear()
    settings = Settings.from_env(warehouse=warehouse, env={})
    started = time.perf_counter()
    pipeline.run_snapshot(settings, registry, snapshot, today=RUN_DAY)
    total = time.perf_counter() - started
    return {"run_seconds": round(total, 2), **{k: round(v, 2) for k, v in _spent.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.gate", description=__doc__)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench")
    args = parser.parse_args(argv)
    data = args.out / f"data-{args.posts}"
    snapshot = data / "snapshot"
    registry = data / "snapshot-registry.csv"
    if not (data / "complete").exists():
        shutil.rmtree(data, ignore_errors=True)
        generate(snapshot, args.posts)
        (data / "complete").write_text("ok")
    work = data / "gate-work"
    shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    import great_expectations  # noqa: F401 - its import time is reported on its own

    import_seconds = time.perf_counter() - started
    from medsos_audit import pipeline

    for name in ("gate_raw_batch", "gate_warehouse", "publish"):
        setattr(pipeline, name, _timed(name, getattr(pipeline, name)))
    first = _run(snapshot, registry, work / "warehouse.duckdb")
    again = _run(snapshot, registry, work / "warehouse.duckdb")
    per_100k = 100_000 / args.posts
    result = {
        "posts": args.posts,
        "great_expectations_import_seconds": round(import_seconds, 2),
        "first_run": first,
        "rerun": again,
        "raw_gate_seconds_per_100k_posts": round(first["gate_raw_batch"] * per_100k, 2),
        "warehouse_gate_seconds_per_100k_posts": round(first["gate_warehouse"] * per_100k, 2),
        "gate_share_of_first_run": round(
            (first["gate_raw_batch"] + first["gate_warehouse"]) / first["run_seconds"], 3
        ),
    }
    print(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
