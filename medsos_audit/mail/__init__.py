"""E-mail: the outbox, SMTP or .eml delivery, alerts, weekly reports and operator notices."""

from medsos_audit.mail.alerts import Delivery, queue_alerts, queue_and_send_alerts
from medsos_audit.mail.operator import queue_operator_notice
from medsos_audit.mail.outbox import SendResult, send_outbox
from medsos_audit.mail.transport import MailConfigError, SmtpConfig, parse_smtp_url, smtp_config
from medsos_audit.mail.weekly import queue_weekly_reports

__all__ = [
    "Delivery",
    "MailConfigError",
    "SendResult",
    "SmtpConfig",
    "parse_smtp_url",
    "queue_alerts",
    "queue_and_send_alerts",
    "queue_operator_notice",
    "queue_weekly_reports",
    "send_outbox",
    "smtp_config",
]
