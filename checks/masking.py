"""Masks patient identifiers in evidence text (privacy issue #9): names and initials with their
context, ages, towns, record/bed numbers and phone numbers."""

from __future__ import annotations


def mask_identifiers(text: str) -> str:
    """The text with every patient identifier masked; the rest of the wording unchanged."""
    raise NotImplementedError("implemented in the privacy-masking change")
