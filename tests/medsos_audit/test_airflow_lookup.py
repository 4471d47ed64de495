"""Looking up an Airflow connection from a process Airflow did not start (the command line, a
test) imports Airflow, whose first import configures logging for the whole process; the
process keeps its own logging set-up instead."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from medsos_audit.settings import REPO_ROOT

LOOKUP = """
import json, logging, sys
from medsos_audit.settings import airflow_connection_uri

root = logging.getLogger()
before = [repr(h) for h in root.handlers], root.level
uri = airflow_connection_uri("smtp_default")
after = [repr(h) for h in root.handlers], root.level
print(json.dumps({"imported": "airflow.sdk" in sys.modules, "uri": uri,
                  "before": before, "after": after}))
"""


def test_an_airflow_lookup_leaves_the_logging_of_a_plain_process_as_it_was(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MEDSOS"))}
    env |= {"AIRFLOW_HOME": str(tmp_path / "airflow"), "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", LOOKUP], env=env, capture_output=True, text=True, check=True
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found == {
        "imported": True,
        "uri": None,
        "before": [[], 30],
        "after": [[], 30],
    }
