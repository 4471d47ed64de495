"""E-mail messages built with the stdlib's EmailMessage: clean headers, text + HTML parts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime

_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
# A plain address: no display name, no spaces, nothing a header parser would read as syntax.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
SUBJECT_MAX = 180


@dataclass(frozen=True)
class Inline:
    """A picture shown inside the HTML part (referenced there as cid:<cid>)."""

    cid: str
    data: bytes
    subtype: str = "png"


@dataclass(frozen=True)
class Attachment:
    """A file attached to the message."""

    filename: str
    data: bytes
    maintype: str
    subtype: str


def clean_header(text: str, limit: int = SUBJECT_MAX) -> str:
    """``text`` on one line: control characters (CR, LF, ...) become spaces, then trimmed."""
    one_line = " ".join(_CONTROL.sub(" ", text).split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def valid_addresses(values: Iterable[str | None]) -> tuple[str, ...]:
    """The plain e-mail addresses among ``values``, in order, once each; anything else dropped."""
    seen: dict[str, None] = {}
    for value in values:
        if value and _ADDRESS.fullmatch(value.strip()):
            seen.setdefault(value.strip(), None)
    return tuple(seen)


def new_message(
    sender: str,
    recipients: Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    *,
    inline: Sequence[Inline] = (),
    attachments: Sequence[Attachment] = (),
    now: datetime | None = None,
) -> EmailMessage:
    """A multipart message: text part, optional HTML part (with inline pictures), attachments."""
    msg = EmailMessage(policy=default)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients) if recipients else "undisclosed-recipients:;"
    msg["Subject"] = clean_header(subject)
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to the robot
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
        # add_alternative made the message multipart/alternative: its last part is the HTML.
        html_part = next(iter(reversed(list(msg.iter_parts()))))
        assert isinstance(html_part, EmailMessage)
        for pic in inline:
            html_part.add_related(
                pic.data, maintype="image", subtype=pic.subtype, cid=f"<{pic.cid}>"
            )
    for att in attachments:
        msg.add_attachment(
            att.data, maintype=att.maintype, subtype=att.subtype, filename=att.filename
        )
    return msg
