"""The desk's fixed vocabularies: review states, actions, roles and the lists staff pick from.

Codes are what the store and the warehouse keep; their labels live in ``i18n.py``.
"""

from __future__ import annotations

from typing import Final

STATES: Final = ("open", "confirmed", "dismissed", "escalated")
ACTIONS: Final = ("confirm", "dismiss", "escalate", "reopen")
ROLES: Final = ("reviewer", "admin")

# Which state each action leads to, and from which states it may be taken.
TO_STATE: Final = {
    "confirm": "confirmed",
    "dismiss": "dismissed",
    "escalate": "escalated",
    "reopen": "open",
}
FROM_STATES: Final = {
    "confirm": ("open", "escalated"),
    "dismiss": ("open", "escalated"),
    "escalate": ("open",),
    "reopen": ("confirmed", "dismissed", "escalated"),
}

# MKEK sanction categories (Pedoman Organisasi dan Tatalaksana Kerja MKEK), from guidance only
# to permanent loss of membership.
SANCTIONS: Final = ("kategori_1", "kategori_2", "kategori_3", "kategori_4")
# The category a confirmed flag's severity suggests; staff may choose another.
SUGGESTED_SANCTION: Final = {"ringan": "kategori_1", "sedang": "kategori_2", "berat": "kategori_3"}

DISMISS_REASONS: Final = (
    "educational",  # professional education, no promotion or exposure
    "not_patient_data",  # what looked like a patient identifier is not one
    "institutional",  # an official campaign or institution's post the doctor may share
    "wrong_account",  # the post or account is not the doctor's
    "duplicate",  # the same case is decided on another flag
    "rule_misread",  # the rule misread the context (irony, quotation, another language)
    "other",  # free text required
)
ESCALATE_TO: Final = ("mkek_wilayah", "mkek_pusat")

NOTE_MAX_CHARS: Final = 2000
