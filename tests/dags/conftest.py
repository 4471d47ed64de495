"""A throw-away Airflow installation: its own AIRFLOW_HOME, SQLite metadata DB, pools."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medsos_audit.settings import REPO_ROOT
from tests.medsos_audit.mail.smtp_server import smtp

__all__ = ["smtp"]

DAGS = REPO_ROOT / "dags"
BIN = Path(sys.executable).parent


def airflow_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of an Airflow process using ``home`` and this repo's dags/ folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MEDSOS"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        PYTHONPATH=str(REPO_ROOT),
    )
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An Airflow home with a migrated metadata DB and the pools the DAGs use."""
    home = tmp_path_factory.mktemp("airflow")
    env = airflow_env(home)
    subprocess.run([BIN / "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    for pool, slots in (("warehouse", "1"), ("instagram", "2")):
        subprocess.run(
            [BIN / "airflow", "pools", "set", pool, slots, pool],
            env=env,
            check=True,
            capture_output=True,
        )
    yield home


RUN_DAG = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
assert not bag.import_errors, bag.import_errors
run = bag.get_dag(sys.argv[2]).test(run_conf=json.loads(sys.argv[3]))
tis = {ti.task_id + ("" if ti.map_index < 0 else f"[{ti.map_index}]"): str(ti.state)
       for ti in run.get_task_instances()}
print("RESULT " + json.dumps({"state": str(run.state), "tasks": tis}))
"""


def run_dag(home: Path, dag_id: str, conf: dict[str, Any], **env: str) -> dict[str, Any]:
    """Runs one DAG with dag.test() in its own process; returns the run's state per task."""
    out = subprocess.run(
        [BIN / "python", "-c", RUN_DAG, str(DAGS / f"{dag_id}.py"), dag_id, json.dumps(conf)],
        env=airflow_env(home, **env),
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, f"dag.test() did not finish:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return dict(json.loads(lines[-1][len("RESULT ") :]))
