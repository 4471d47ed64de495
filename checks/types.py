"""The data the checks read and the rows they produce (the contract between stages and checks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from medsos_audit.compact import reduce_slots

CheckName = Literal["promotion", "testimonial_repost", "personal_mixing", "patient_privacy"]
Severity = Literal["ringan", "sedang", "berat"]

CHECK_NAMES: tuple[CheckName, ...] = (
    "promotion",
    "testimonial_repost",
    "personal_mixing",
    "patient_privacy",
)
SEVERITIES: tuple[Severity, ...] = ("ringan", "sedang", "berat")


@dataclass(frozen=True, slots=True)
class PostForCheck:
    """The fields of one post that rules may read (all text raw, as Instagram served it)."""

    shortcode: str
    owner_id: str | None
    caption: str | None = None
    accessibility_caption: str | None = None
    is_sponsored: bool | None = None
    sponsor_users: tuple[str, ...] = ()
    tagged_users: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    location: str | None = None
    typename: str | None = None


@dataclass(frozen=True, slots=True)
class ProfileForCheck:
    """The fields of an account's profile that profile rules may read."""

    owner_id: str
    username: str
    full_name: str | None = None
    biography: str | None = None
    external_url: str | None = None
    business_category: str | None = None
    is_business_account: bool | None = None


@dataclass(frozen=True, slots=True)
class Flag:
    """One rule that fired on one subject: a post (shortcode) or a profile (shortcode None)."""

    shortcode: str | None
    owner_id: str | None
    check_name: CheckName
    rule_id: str
    severity: Severity
    evidence: str  # the words or field that fired; masked where it may identify a patient
    fatwa_ref: str
    rule_version: str
    risk_score: int = 0  # 0-100 for the whole subject, the same on each of its flags
    evidence_field: str = "caption"  # caption, accessibility_caption, is_sponsored, biography, ...
    span_start: int | None = None  # offsets of the evidence in the original (unmasked) field text
    span_end: int | None = None

    __reduce__ = reduce_slots


@dataclass(frozen=True, slots=True)
class AccountSignal:
    """An account-level finding over a window of ISO weeks (one row of ``account_signals``)."""

    owner_id: str
    signal: str  # e.g. 'personal_share'
    window_start: str  # ISO week 'YYYY-Www', inclusive
    window_end: str
    value: float  # e.g. the share of personal posts, 0-1
    threshold: float
    posts: int
    check_name: CheckName
    severity: Severity
    rule_id: str
    rule_version: str
    fatwa_ref: str
