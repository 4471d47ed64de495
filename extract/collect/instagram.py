"""The few Instagram reads the collector makes, through instaloader 4.16's own classes.

instaloader's ``Profile.from_username`` and ``Profile.get_posts`` each load the profile page, and
the logged-out ``get_posts`` resolves every listed post (one request each) even when it is
already known. Here one page load gives both the profile and the first twelve posts' shortcodes,
and the caller decides which posts to resolve. The query ids and variables below are those of
``Profile.get_posts`` in instaloader 4.16 (pinned in pyproject.toml);
tests/extract/collect/test_instagram.py fails if the installed instaloader differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from instaloader import (
    BadResponseException,
    InstaloaderContext,
    NodeIterator,
    Post,
    Profile,
    ProfileNotExistsException,
    QueryReturnedNotFoundException,
)

# Profile.get_posts, logged out: further pages of the profile's posts, by the page's "id".
DOC_POSTS_LOGGED_OUT = "28904005159232689"
# Profile.get_posts, logged in: the posts with their full metadata, by username.
DOC_POSTS_LOGGED_IN = "29104886249145907"
_LOGGED_IN_VARIABLES: dict[str, Any] = {
    "data": {
        "count": 12,
        "include_reel_media_seen_timestamp": True,
        "include_relationship_info": True,
        "latest_besties_reel_media": True,
        "latest_reel_media": True,
    },
    "first": 12,
    "include_multi_captions": True,
    "__relay_internal__pv__PolarisMultiCaptionCarouselEnabledrelayprovider": True,
    "__relay_internal__pv__PolarisShortDramaEnabledrelayprovider": True,
    "__relay_internal__pv__PolarisSEOIsCrawlerrelayprovider": False,
    "__relay_internal__pv__PolarisThreadsStyleCommentsEnabledrelayprovider": False,
    "__relay_internal__pv__PolarisReelsRecoDebugOverlayEnabledrelayprovider": False,
}


@dataclass(frozen=True)
class ProfilePage:
    """What one load of instagram.com/<username>/ tells: the profile and its first posts."""

    profile: Profile
    timeline: dict[str, Any] | None  # the first page of posts; None for a private profile
    timeline_id: str | None  # the page's id for the profile, which further pages are queried by

    @property
    def is_private(self) -> bool:
        return bool(self.profile.is_private)


def load_profile_page(context: InstaloaderContext, username: str) -> ProfilePage:
    """The profile and first posts from the profile page; one request.

    Raises ProfileNotExistsException when the page has no such profile (404 or no user in it).
    """
    try:
        page = context.get_page_data(f"{username.lower()}/")
    except QueryReturnedNotFoundException:
        page = []
    user: dict[str, Any] = {}
    timeline: dict[str, Any] | None = None
    timeline_id: str | None = None
    # The page embeds two queries for the profile: its details, and its posts.
    for data in page:
        found = data.get("xig_user_by_username") or {}
        if "polaris_ordered_timeline_connection" in found:
            timeline = found["polaris_ordered_timeline_connection"]
            timeline_id = found.get("id")
        user.update({k: v for k, v in found.items() if k != "polaris_ordered_timeline_connection"})
    if not user.get("pk"):
        raise ProfileNotExistsException(f"Profile {username} does not exist.")
    # Without it, reading Profile.username would fetch the profile again.
    user.setdefault("username", username.lower())
    # As Profile.from_username: the page's "id" is not the user id, which is "pk".
    node = Profile._normalize_profile_data(dict(user, id=user["pk"]))
    profile = Profile(context, node)
    if profile.is_private:
        timeline = None
    elif timeline is None:
        # Else a changed page would make every account look unchanged, silently.
        raise BadResponseException(f"The page of profile {username} did not contain its posts.")
    return ProfilePage(profile, timeline, timeline_id)


def logged_out_posts(context: InstaloaderContext, page: ProfilePage) -> Iterator[dict[str, Any]]:
    """The profile's post nodes (shortcode, no date), page by page; a request per further page."""
    if page.timeline is None or page.timeline_id is None:
        return iter(())
    username = page.profile.username
    return NodeIterator(
        context=context,
        query_hash=None,
        edge_extractor=lambda d: d["data"]["node"]["polaris_ordered_timeline_connection"],
        node_wrapper=lambda n: n,
        query_variables={
            "id": page.timeline_id,
            "__relay_internal__pv__PolarisSEOIsCrawlerrelayprovider": False,
        },
        query_referer=f"https://www.instagram.com/{username}/",
        first_data=page.timeline,
        doc_id=DOC_POSTS_LOGGED_OUT,
        web_api=True,
    )


def logged_in_posts(context: InstaloaderContext, username: str) -> Iterator[Post]:
    """The profile's posts with full metadata, twelve per request (logged in only)."""
    return NodeIterator(
        context=context,
        query_hash=None,
        edge_extractor=lambda d: d["data"]["xdt_api__v1__feed__user_timeline_graphql_connection"],
        node_wrapper=lambda n: Post.from_iphone_struct(context, n),
        query_variables={**_LOGGED_IN_VARIABLES, "username": username},
        query_referer=f"https://www.instagram.com/{username}/",
        doc_id=DOC_POSTS_LOGGED_IN,
        web_api=True,
    )


def resolve_post(context: InstaloaderContext, shortcode: str) -> Post:
    """The post with its full metadata; one request."""
    return Post.from_shortcode(context, shortcode)


def current_username(context: InstaloaderContext, owner_id: str) -> str:
    """The username the account with this user id has now; one request.

    Raises ProfileNotExistsException when no account has that id any more.
    """
    return str(Profile.from_id(context, int(owner_id)).username)
