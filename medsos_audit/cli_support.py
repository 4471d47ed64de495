"""What every command shares: exit codes and settings from the common options."""

from __future__ import annotations

import argparse

from medsos_audit.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with the command's --warehouse taking precedence."""
    return Settings.from_env(warehouse=getattr(args, "warehouse", None))
