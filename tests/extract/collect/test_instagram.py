"""The collector mirrors a few of instaloader 4.16's queries; fail loudly if instaloader moved."""

from __future__ import annotations

import inspect

import instaloader
from instaloader import Profile

from extract.collect import instagram


def test_pinned_instaloader_is_the_one_whose_queries_are_mirrored():
    assert instaloader.__version__ == "4.16"
    get_posts = inspect.getsource(Profile.get_posts)
    assert instagram.DOC_POSTS_LOGGED_OUT in get_posts
    assert instagram.DOC_POSTS_LOGGED_IN in get_posts
    for key in instagram._LOGGED_IN_VARIABLES:
        assert f'"{key}"' in get_posts, key
    assert "polaris_ordered_timeline_connection" in get_posts
    assert "xdt_api__v1__feed__user_timeline_graphql_connection" in get_posts
    from_username = inspect.getsource(Profile.from_username)
    assert "xig_user_by_username" in from_username and 'id=user["pk"]' in from_username
