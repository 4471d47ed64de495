"""One typed settings object, read once from the environment (see CONTRACT.md "Settings").

This is the only module that may look up Airflow connections, and only lazily, when Airflow is
importable: stages never import Airflow.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
SEVERITIES = ("ringan", "sedang", "berat")


class SettingsError(ValueError):
    """A setting has a value the pipeline cannot use."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _date(env: Mapping[str, str], name: str) -> date | None:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise SettingsError(f"{name} must be a date YYYY-MM-DD, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Where the pipeline writes and how it behaves; every path is absolute."""

    home: Path
    warehouse: Path
    tz: str = "Asia/Jakarta"
    smtp_url: str | None = field(default=None, repr=False)  # may hold a password: never repr'd
    operator_email: str | None = None
    instagram_session: Path | None = None
    alert_min_severity: str = "sedang"
    retention_weeks: int = 26
    lookback_weeks: int = 12
    rules_dir: Path = SEEDS_DIR / "rules"
    registry: Path = SEEDS_DIR / "registry.csv"
    lang: str = "id"
    # The warehouse file the review desk reads (None: the published copy, else the warehouse).
    review_source: Path | None = None
    # The day a run is dated by (None: today in `tz`). Pins the week in progress for a re-run
    # of a past week or a test on fixed data; the wall clock otherwise moves the gate's
    # "last complete week" past the data.
    today: date | None = None

    @classmethod
    def from_env(
        cls, warehouse: Path | str | None = None, env: Mapping[str, str] | None = None
    ) -> Settings:
        """Settings from the environment; an explicit ``--warehouse`` wins over MEDSOS_WAREHOUSE."""
        env = os.environ if env is None else env
        wh_raw = str(warehouse) if warehouse is not None else env.get("MEDSOS_WAREHOUSE")
        if env.get("MEDSOS_HOME"):
            home = Path(env["MEDSOS_HOME"])
        elif wh_raw:
            home = Path(wh_raw).parent
        else:
            home = Path.cwd() / "var"
        home = home.expanduser().resolve()
        wh = Path(wh_raw).expanduser().resolve() if wh_raw else home / "warehouse.duckdb"
        severity = env.get("MEDSOS_ALERT_MIN_SEVERITY", "sedang")
        if severity not in SEVERITIES:
            raise SettingsError(f"MEDSOS_ALERT_MIN_SEVERITY must be one of {SEVERITIES}")
        session = env.get("MEDSOS_INSTAGRAM_SESSION")
        rules = env.get("MEDSOS_RULES_DIR")
        registry = env.get("MEDSOS_REGISTRY")
        review_source = env.get("MEDSOS_REVIEW_SOURCE")
        return cls(
            home=home,
            warehouse=wh,
            tz=env.get("MEDSOS_TZ", "Asia/Jakarta"),
            smtp_url=env.get("MEDSOS_SMTP_URL") or None,
            operator_email=env.get("MEDSOS_OPERATOR_EMAIL") or None,
            instagram_session=Path(session).expanduser() if session else None,
            alert_min_severity=severity,
            retention_weeks=_int(env, "MEDSOS_RETENTION_WEEKS", 26),
            lookback_weeks=_int(env, "MEDSOS_LOOKBACK_WEEKS", 12),
            rules_dir=Path(rules).resolve() if rules else SEEDS_DIR / "rules",
            registry=Path(registry).resolve() if registry else SEEDS_DIR / "registry.csv",
            lang=env.get("MEDSOS_LANG", "id"),
            review_source=Path(review_source).expanduser().resolve() if review_source else None,
            today=_date(env, "MEDSOS_TODAY"),
        )

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests and commands use it for overrides)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def raw_dir(self) -> Path:
        return self.home / "raw"

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def published_path(self) -> Path:
        return self.home / "published" / "warehouse.duckdb"

    @property
    def dq_dir(self) -> Path:
        return self.home / "dq"

    @property
    def review_db(self) -> Path:
        """The review desk's own store (users, sessions, review log); never the warehouse."""
        return self.home / "review" / "review.sqlite"


def airflow_connection_uri(conn_id: str) -> str | None:
    """The URI of an Airflow connection, or None when Airflow is absent or has no such connection.

    Imported lazily: importing Airflow costs about a second and stages must run without it.
    """
    env_name = f"AIRFLOW_CONN_{conn_id.upper()}"
    if os.environ.get(env_name):
        return os.environ[env_name]
    connection = _airflow_connection_class()
    if connection is None:
        return None
    try:
        return str(connection.get(conn_id).get_uri())
    except Exception:  # Airflow raises its own "not found" types, which differ by context
        return None


def _airflow_connection_class() -> Any:
    """Airflow's ``Connection``, or None; this process's logging set-up is left as it was.

    Airflow's first import configures logging for a process it runs: a root handler on the
    ``sys.stdout`` of that moment, root level INFO. In a process Airflow did not start (the
    command line, a test) every INFO record would then go to stdout, and to a stream that may
    since have been closed (a test's captured output: '--- Logging error ---' on each record).
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    ours = "airflow" not in sys.modules  # inside an Airflow task, Airflow's set-up is the right one
    try:
        from airflow.sdk import Connection
    except ImportError:
        return None
    finally:
        if ours:
            root.handlers[:] = handlers
            root.setLevel(level)
    return Connection
