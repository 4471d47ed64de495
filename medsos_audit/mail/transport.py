"""Where e-mail goes: MEDSOS_SMTP_URL, else Airflow's `smtp_default`, else the file outbox.

The password lives only in the SmtpConfig object (never repr'd) and in the SMTP login call;
every error text that leaves this module passes through :meth:`SmtpConfig.redact`.
"""

from __future__ import annotations

import json
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from ipaddress import ip_address
from urllib.parse import parse_qs, quote, unquote, urlsplit

from medsos_audit.settings import Settings, airflow_connection_uri

DEFAULT_FROM = "medsos-audit@localhost"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class MailConfigError(ValueError):
    """The SMTP setting cannot be used (the message never quotes the URL: it may hold secrets)."""


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the SMTP server; ``source`` says which setting it came from."""

    host: str
    port: int
    source: str  # 'MEDSOS_SMTP_URL' or 'airflow:smtp_default'
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    implicit_tls: bool = False  # SMTPS (port 465 style)
    starttls: bool = False
    verify_tls: bool = True
    from_email: str = DEFAULT_FROM
    timeout: float = 30.0

    def redact(self, text: str) -> str:
        """``text`` with the password (plain or URL-encoded) replaced by '***'."""
        if self.password:
            for form in {self.password, quote(self.password, safe=""), quote(self.password)}:
                if form:
                    text = text.replace(form, "***")
        return text

    def describe(self) -> str:
        """Where mail goes, for logs and summaries (no credentials)."""
        tls = "smtps" if self.implicit_tls else ("starttls" if self.starttls else "plain")
        return f"smtp {self.host}:{self.port} ({tls}, from {self.source})"


def _flag(query: dict[str, list[str]], name: str, default: bool) -> bool:
    if name not in query:
        return default
    value = query[name][-1].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise MailConfigError(f"SMTP setting {name} must be true or false")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def parse_smtp_url(url: str, source: str) -> SmtpConfig:
    """Reads 'smtp[s]://[user:pass@]host[:port][?starttls=true&from_email=...]'.

    Airflow's form is understood too: ``disable_ssl``/``disable_tls`` (Airflow defaults to SSL
    on), ``from_email``, ``timeout``, ``ssl_context=none``. Unlike Airflow, 'false' means false.
    """
    try:
        parts = urlsplit(url.strip())
        port_raw = parts.port
    except ValueError:
        raise MailConfigError(f"{source} is not a valid smtp:// URL") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailConfigError(f"{source} must look like smtp://user:pass@host:port?starttls=true")
    query = parse_qs(parts.query, keep_blank_values=True)
    if "__extra__" in query:  # Airflow writes nested extras as one JSON parameter
        try:
            extra = json.loads(query.pop("__extra__")[-1])
        except ValueError:
            raise MailConfigError(f"{source}: __extra__ is not JSON") from None
        if isinstance(extra, dict):
            query.update({str(k): [str(v)] for k, v in extra.items()})
    airflow = source.startswith("airflow:")
    if airflow:
        implicit = parts.scheme == "smtps" or not _flag(query, "disable_ssl", False)
        starttls = not implicit and not _flag(query, "disable_tls", False)
    else:
        implicit = parts.scheme == "smtps" or _flag(query, "ssl", False)
        starttls = not implicit and _flag(query, "starttls", False)
    host = parts.hostname
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if (user or password) and not (implicit or starttls) and not _is_loopback(host):
        raise MailConfigError(
            f"{source}: refusing to send a password without TLS to {host}; "
            "add starttls=true (or use smtps://)"
        )
    timeout_raw = query.get("timeout", ["30"])[-1]
    try:
        timeout = float(timeout_raw)
    except ValueError:
        raise MailConfigError(f"{source}: timeout must be a number of seconds") from None
    sender = (query.get("from_email") or query.get("from") or [DEFAULT_FROM])[-1]
    return SmtpConfig(
        host=host,
        port=port_raw or (465 if implicit else (587 if starttls else 25)),
        source=source,
        user=user,
        password=password,
        implicit_tls=implicit,
        starttls=starttls,
        verify_tls=query.get("ssl_context", ["default"])[-1] != "none",
        from_email=sender,
        timeout=timeout,
    )


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP server to use, or None for the file outbox (nothing configured)."""
    if settings.smtp_url:
        return parse_smtp_url(settings.smtp_url, "MEDSOS_SMTP_URL")
    uri = airflow_connection_uri("smtp_default")
    if uri:
        return parse_smtp_url(uri, "airflow:smtp_default")
    return None


def sender_address(settings: Settings) -> str:
    """The From address of new messages (from the SMTP setting, else a local default)."""
    try:
        config = smtp_config(settings)
    except MailConfigError:
        return DEFAULT_FROM
    return config.from_email if config else DEFAULT_FROM


@contextmanager
def smtp_session(config: SmtpConfig) -> Iterator[smtplib.SMTP]:
    """A connected, logged-in SMTP client; closed on exit."""
    context = ssl.create_default_context()
    if not config.verify_tls:  # only when the connection says ssl_context=none (a lab server)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    client: smtplib.SMTP
    if config.implicit_tls:
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        client.ehlo()
        if config.starttls:
            client.starttls(context=context)
            client.ehlo()
        if config.user:
            client.login(config.user, config.password or "")
        yield client
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
