"""Fixtures: a private copy of the sample warehouse per test, and a real SMTP server."""

from tests.medsos_audit.mail.smtp_server import smtp, smtp_auth, smtp_down
from tests.medsos_audit.report.sample import home, sample_warehouse_file, wh

__all__ = ["home", "sample_warehouse_file", "smtp", "smtp_auth", "smtp_down", "wh"]
