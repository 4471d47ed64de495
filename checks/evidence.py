"""The one place where flag evidence is masked before it leaves the checks."""

from __future__ import annotations

from checks import masking

REDACTED = "[bukti disamarkan / evidence masked]"


def mask_evidence(text: str) -> str:
    """``text`` with patient identifiers masked.

    Until the masking change lands, ``mask_identifiers`` raises NotImplementedError; the
    evidence is then withheld entirely rather than shown unmasked.
    """
    try:
        return masking.mask_identifiers(text)
    except NotImplementedError:
        return REDACTED
