"""One measured phase of the benchmark, run in its own process; prints one JSON line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def _baseline(snapshot: str, database: str) -> dict[str, object]:
    from bench.baseline import run_baseline

    started = time.perf_counter()
    hits = run_baseline(Path(snapshot), Path(database))
    return {"seconds": round(time.perf_counter() - started, 3), "regex_hits": hits}


def _pipeline(snapshot: str, registry: str, warehouse: str) -> dict[str, object]:
    from bench.synthetic import RUN_DAY
    from medsos_audit.pipeline import run_snapshot
    from medsos_audit.settings import Settings

    settings = Settings.from_env(warehouse=warehouse, env={})
    started = time.perf_counter()
    # the e-mail stage is left out: the issue times import -> normalise -> checks -> audit tables
    # (the gate and the analysts' copy are part of every run, so they are timed too)
    _, _, summary = run_snapshot(
        settings, Path(registry), Path(snapshot), send_alerts=False, today=RUN_DAY
    )
    return {"seconds": round(time.perf_counter() - started, 3), **summary.counts()}


def _dagparse(folder: str) -> dict[str, float]:
    import airflow  # noqa: F401 - "parse time" is measured with Airflow already imported
    from airflow.dag_processing.dagbag import DagBag

    times = {}
    for path in sorted(Path(folder).glob("*.py")):
        if path.name.startswith("_"):
            continue
        started = time.perf_counter()
        DagBag(dag_folder=str(path))
        times[path.name] = round(time.perf_counter() - started, 3)
    return times


def main() -> int:
    from bench.memory import PeakTreeRss, own_peak_mb

    name, *args = sys.argv[1:]
    if name == "dagparse":
        print(json.dumps(_dagparse(*args)))
        return 0
    with PeakTreeRss(interval=0.05) as tree:
        result = _baseline(*args) if name == "baseline" else _pipeline(*args)
    result["peak_rss_mb"] = tree.peak_mb  # main process and its workers together, at one moment
    result["main_process_peak_rss_mb"] = own_peak_mb()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
