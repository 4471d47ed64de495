"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, parsed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.medsos_audit.report.sample import free_port

USER, PASSWORD = "etik-robot", "S3cr3t-p@ss:word/42"


@dataclass
class Received:
    """One delivered message: envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage

    def part(self, subtype: str) -> str:
        body = self.message.get_body((subtype,))
        assert body is not None, subtype
        return str(body.get_content()).replace("\r\n", "\n")


@dataclass
class Inbox:
    """What the server received, in order."""

    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw, msg))
        return "250 OK"


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?from_email=etik-robot@idi.example"

    def start(self, **kwargs: Any) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _authenticate(inbox: Inbox) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        inbox.logins.append((data.login, data.password))
        ok = data.login == USER.encode() and data.password == PASSWORD.encode()
        # handled=False: aiosmtpd then answers 535 itself (its default True would send nothing).
        return AuthResult(success=ok, handled=False)

    return check


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A running server on a free port."""
    server = SmtpServer(free_port(), Inbox())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    """A port where nothing listens yet; ``start()`` brings the server up later."""
    server = SmtpServer(free_port(), Inbox())
    yield server
    server.stop()


@pytest.fixture
def smtp_auth() -> Iterator[SmtpServer]:
    """A server that wants a login (plain AUTH allowed on loopback without TLS)."""
    server = SmtpServer(free_port(), Inbox())
    server.start(authenticator=_authenticate(server.inbox), auth_require_tls=False)
    yield server
    server.stop()
