"""Headers and addresses from hostile text."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from medsos_audit.mail.compose import clean_header, new_message, valid_addresses


def test_a_subject_stays_on_one_line() -> None:
    assert clean_header("Promo\r\nBcc: x@evil.example\u2028\x00 end") == (
        "Promo Bcc: x@evil.example end"
    )
    assert len(clean_header("kata " * 100)) == 180


def test_only_plain_addresses_are_used() -> None:
    assert valid_addresses(
        [
            "etik.medan@idi-cabang.example",
            " etik.medan@idi-cabang.example ",
            "a@b.example\r\nBcc: x@evil.example",
            "Name <a@b.example>",
            "a@b.example, c@d.example",
            None,
            "",
            "no-at-sign",
        ]
    ) == ("etik.medan@idi-cabang.example",)


def test_a_message_with_hostile_subject_parses_back_with_one_subject_and_no_bcc() -> None:
    msg = new_message(
        "robot@idi.example",
        ["etik@idi.example"],
        "Temuan <script>\r\nBcc: x@evil.example",
        "teks",
        "<p>html</p>",
    )
    parsed = BytesParser(policy=policy.default).parsebytes(msg.as_bytes())
    assert parsed["Subject"] == "Temuan <script> Bcc: x@evil.example"
    assert parsed["Bcc"] is None and parsed["Auto-Submitted"] == "auto-generated"
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
