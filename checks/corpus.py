"""Reads a labeled corpus (posts.jsonl with `labels` + registry.csv) into posts for the checks."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from instaloader.structures import _hashtag_regex, _mention_regex

from checks.types import CHECK_NAMES, PostForCheck

POSTS_FILE = "posts.jsonl"
REGISTRY_FILE = "registry.csv"


class CorpusError(ValueError):
    """A corpus file is missing or malformed; the message names the file and line."""


class CorpusMissingError(CorpusError):
    """The corpus folder or one of its two files does not exist (a usage error)."""


@dataclass(frozen=True, slots=True)
class LabeledPost:
    """One corpus post with its expected checks."""

    post: PostForCheck
    labels: frozenset[str]
    account: str
    why: str = ""


@dataclass(frozen=True, slots=True)
class Corpus:
    """The labeled posts and the registered usernames of a corpus folder."""

    posts: tuple[LabeledPost, ...]
    registered: frozenset[str]


def caption_tags(caption: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(hashtags, mentions) of a caption, lower-cased, exactly as instaloader derives them."""
    if not caption:
        return (), ()
    lowered = caption.lower()
    return tuple(_hashtag_regex.findall(lowered)), tuple(_mention_regex.findall(lowered))


def post_from_record(rec: Mapping[str, Any]) -> PostForCheck:
    """The PostForCheck of one corpus record (the dev corpus format)."""
    caption = rec.get("caption")
    hashtags, mentions = caption_tags(caption)
    return PostForCheck(
        shortcode=str(rec["shortcode"]),
        owner_id=str(rec["owner_id"]) if rec.get("owner_id") is not None else None,
        caption=caption,
        accessibility_caption=rec.get("accessibility_caption"),
        is_sponsored=rec.get("is_sponsored"),
        sponsor_users=tuple(rec.get("sponsor_users") or ()),
        tagged_users=tuple(rec.get("tagged_users") or ()),
        hashtags=hashtags,
        mentions=mentions,
        location=rec.get("location"),
        typename=rec.get("typename"),
    )


def read_posts(path: Path) -> tuple[LabeledPost, ...]:
    """The labeled posts of a posts.jsonl file."""
    out: list[LabeledPost] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                labels = rec.get("labels") or []
                unknown = set(labels) - set(CHECK_NAMES)
                if unknown:
                    raise CorpusError(f"{path}:{number}: unknown label(s) {sorted(unknown)}")
                out.append(
                    LabeledPost(
                        post=post_from_record(rec),
                        labels=frozenset(labels),
                        account=str(rec.get("account", "")),
                        why=str(rec.get("why", "")),
                    )
                )
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                raise CorpusError(f"{path}:{number}: not a corpus post ({exc})") from exc
    return tuple(out)


def read_registry(path: Path) -> frozenset[str]:
    """The Instagram usernames (lower case) listed in a registry.csv."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "instagram_username" not in reader.fieldnames:
            raise CorpusError(f"{path}: needs an 'instagram_username' column")
        return frozenset(
            row["instagram_username"].strip().lower()
            for row in reader
            if (row.get("instagram_username") or "").strip()
        )


def read_corpus(folder: Path) -> Corpus:
    """The corpus in ``folder`` (posts.jsonl + registry.csv)."""
    if not folder.is_dir():
        raise CorpusMissingError(f"{folder}: no such corpus folder")
    for name in (POSTS_FILE, REGISTRY_FILE):
        if not (folder / name).is_file():
            raise CorpusMissingError(f"{folder}: missing {name}")
    return Corpus(read_posts(folder / POSTS_FILE), read_registry(folder / REGISTRY_FILE))
