"""Turns instaloader Post/Profile structures into flat warehouse rows, never making a request.

Properties that instaloader resolves through ``Post._field``/``Profile._metadata`` fetch from
Instagram when their key is missing from the saved node; here such a field is read only when
the node holds it, and is NULL otherwise (CONTRACT.md "Import").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import instaloader

from medsos_audit.compact import reduce_slots


@dataclass(slots=True)
class PostRow:
    """One post as the warehouse stores it (posts table, minus load bookkeeping)."""

    shortcode: str
    media_id: str | None
    owner_id: str | None
    username: str | None
    posted_at: datetime  # naive, UTC
    post_week: str
    typename: str | None
    is_video: bool | None
    caption: str | None
    accessibility_caption: str | None
    is_sponsored: bool | None
    sponsor_users: list[str]
    tagged_users: list[str]
    hashtags: list[str]
    mentions: list[str]
    location: str | None
    likes: int | None
    comments: int | None
    content_hash: str

    __reduce__ = reduce_slots


@dataclass(slots=True)
class ProfileRow:
    """One profile as the warehouse stores it (profiles table, minus load bookkeeping)."""

    owner_id: str
    username: str
    full_name: str | None
    biography: str | None
    external_url: str | None
    business_category: str | None
    is_business_account: bool | None
    is_private: bool | None
    is_verified: bool | None
    followers: int | None
    followees: int | None
    content_hash: str

    __reduce__ = reduce_slots


POST_COLUMNS = tuple(f.name for f in fields(PostRow))
PROFILE_COLUMNS = tuple(f.name for f in fields(ProfileRow))


@cache
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def iso_week(moment_utc: datetime, tz: str) -> str:
    """The ISO week 'YYYY-Www' that a UTC moment falls in, with week edges drawn in ``tz``."""
    local = moment_utc.replace(tzinfo=UTC).astimezone(_zone(tz))
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def _has(node: dict[str, Any], *keys: str) -> bool:
    current: Any = node
    for key in keys:
        if not isinstance(current, dict) or key not in current:
            return False
        current = current[key]
    return True


def _hash(values: list[Any]) -> str:
    blob = json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def post_row(post: instaloader.Post, tz: str) -> PostRow:
    """The warehouse row for ``post``; fields missing from its saved node are None."""
    node: dict[str, Any] = post._node
    owner_id = str(post.owner_id) if _has(node, "owner", "id") else None
    username = post.owner_username.lower() if _has(node, "owner", "username") else None
    typename = post.typename if _has(node, "__typename") else None
    sponsored = _has(node, "edge_media_to_sponsor_user", "edges")
    sponsors = [p.username for p in post.sponsor_users] if sponsored else []
    location = node.get("location")
    # instaloader's Post.location is None whenever logged out; the saved node keeps the name.
    location_name = location.get("name") if isinstance(location, dict) else None
    likes = post.likes if _has(node, "edge_media_preview_like", "count") else None
    has_comments = _has(node, "edge_media_to_comment", "count") or _has(
        node, "edge_media_to_parent_comment", "count"
    )
    caption = post.caption
    access = post.accessibility_caption if _has(node, "accessibility_caption") else None
    tagged = post.tagged_users if _has(node, "edge_media_to_tagged_user", "edges") else []
    posted_at = post.date_utc
    content = [caption, access, sponsors, tagged, location_name, typename, sponsored]
    return PostRow(
        shortcode=post.shortcode,
        media_id=str(node["id"]) if "id" in node else None,
        owner_id=owner_id,
        username=username,
        posted_at=posted_at,
        post_week=iso_week(posted_at, tz),
        typename=typename,
        is_video=bool(node["is_video"]) if "is_video" in node else None,
        caption=caption,
        accessibility_caption=access,
        is_sponsored=post.is_sponsored if sponsored else None,
        sponsor_users=sponsors,
        tagged_users=tagged,
        hashtags=post.caption_hashtags,
        mentions=post.caption_mentions,
        location=location_name,
        likes=_opt_int(likes),
        comments=_opt_int(post.comments) if has_comments else None,
        content_hash=_hash(content),
    )


def profile_row(profile: instaloader.Profile) -> ProfileRow:
    """The warehouse row for ``profile``; fields missing from its saved node are None."""
    node: dict[str, Any] = profile._node

    def read(attr: str, *keys: str) -> Any:
        return getattr(profile, attr) if _has(node, *keys) else None

    row = ProfileRow(
        owner_id=str(node["id"]),
        username=profile.username,
        full_name=read("full_name", "full_name"),
        biography=read("biography", "biography"),
        external_url=read("external_url", "external_url"),
        business_category=read("business_category_name", "business_category_name"),
        is_business_account=read("is_business_account", "is_business_account"),
        is_private=read("is_private", "is_private"),
        is_verified=read("is_verified", "is_verified"),
        followers=_opt_int(read("followers", "edge_followed_by", "count")),
        followees=_opt_int(read("followees", "edge_follow", "count")),
        content_hash="",
    )
    row.content_hash = _hash(list(astuple(row))[1:8])
    return row
