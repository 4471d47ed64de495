"""Every DAG file parses cleanly and cheaply: no errors, tags, owners, retries, no I/O."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.dags.conftest import BIN, DAGS, airflow_env

PARSE = """
import json, sys
import airflow
from airflow.dag_processing.dagbag import DagBag
before = set(sys.modules)
report = {}
for path in sys.argv[1:]:
    bag = DagBag(dag_folder=path)
    report[path] = {
        "errors": {k: str(v) for k, v in bag.import_errors.items()},
        "dags": {
            dag_id: {
                "tags": sorted(dag.tags),
                "owners": sorted({t.owner for t in dag.tasks}),
                "retries": min(t.retries for t in dag.tasks),
                "max_active_runs": dag.max_active_runs,
                "doc": bool(dag.doc_md),
                "pools": sorted({t.pool for t in dag.tasks}),
            }
            for dag_id, dag in bag.dags.items()
        },
    }
heavy = ["duckdb", "great_expectations", "instaloader", "pandas", "pyarrow"]
report["heavy_imports"] = [m for m in heavy if m in sys.modules and m not in before]
print(json.dumps(report))
"""


def _parse(tmp_path: Path) -> dict[str, object]:
    home = tmp_path / "medsos"
    files = sorted(str(p) for p in DAGS.glob("*.py") if not p.name.startswith("_"))
    out = subprocess.run(
        [BIN / "python", "-c", PARSE, *files],
        env=airflow_env(tmp_path / "airflow", MEDSOS_HOME=str(home)),
        capture_output=True,
        text=True,
        check=True,
    )
    assert not home.exists(), "parsing a DAG file touched $MEDSOS_HOME"
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_every_dag_file_parses_with_tags_owners_retries_and_one_active_run(tmp_path: Path) -> None:
    report = _parse(tmp_path)
    assert report.pop("heavy_imports") == []
    dags = {}
    for path, found in report.items():
        assert found["errors"] == {}, path  # type: ignore[index]
        dags.update(found["dags"])  # type: ignore[index]
    assert sorted(dags) == ["collect_posts", "retention_purge", "weekly_audit"]
    for dag_id, info in dags.items():
        assert info["tags"] and "medsos-audit" in info["tags"], dag_id
        assert info["owners"] == ["medsos-audit"], dag_id
        assert info["retries"] >= 2, dag_id
        assert info["max_active_runs"] == 1, dag_id
        assert info["doc"], dag_id
    assert dags["collect_posts"]["pools"] == ["instagram", "warehouse"]
    assert dags["weekly_audit"]["pools"] == ["warehouse"]
