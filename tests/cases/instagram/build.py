"""Writes the recorded Instagram responses under tests/cases/instagram/ (run it to regenerate).

The responses are written by hand-made rules in the shapes instaloader 4.16 parses (see
README.md next to this file): the logged-out profile page with its embedded query results,
the GraphQL timeline pages (logged out and logged in), per-post metadata, the profile query,
the mobile profile info, the start page and Instagram's error bodies. The doctors are
fictional. ``tests/extract/collect/test_cases_fresh.py`` fails when the committed files differ
from what this script writes, so an edit here must be followed by running it:

    .venv/bin/python -m tests.cases.instagram.build
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from instaloader import Post

HERE = Path(__file__).parent
OUT = HERE  # where main() writes; the freshness test points it elsewhere
NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)  # the clock every test runs at
PAGE = 12  # posts per timeline page, as Instagram serves them
IG_EPOCH_MS = 1314220021721  # media ids carry their creation time from this epoch
CDN = "https://scontent-cgk1-1.cdninstagram.com"
DOC_POSTS_LOGGED_OUT = "28904005159232689"
DOC_POSTS_LOGGED_IN = "29104886249145907"
DOC_MEDIA = "27128499623469141"
DOC_PROFILE = "27937681195819736"
VIEWER_QUERY_HASH = "d6f4427fbe92d846298cf93df0b937d3"

CAPTIONS = [
    "Kenali tanda awal dermatitis atopik pada anak. #kesehatankulit #edukasi",
    "Jadwal praktik minggu ini di RSUD. Pendaftaran lewat loket.",
    "Webinar IDI cabang: etika dokter di media sosial. Terbuka untuk sejawat.",
    "Mengapa tabir surya tetap perlu saat hujan? Penjelasan singkat di sini.",
    "Hari ini jaga IGD. Tetap jaga kesehatan, sejawat! #dokterindonesia",
    "Mitos dan fakta seputar jerawat. Konsultasikan keluhan Anda ke dokter.",
    "Materi seminar kemarin bisa diunduh di tautan profil.",
]


@dataclass(frozen=True)
class Media:
    """One post of a fictional account: when it was taken and what it says."""

    owner: Account
    days_ago: float
    seq: int
    pinned: bool = False

    @property
    def taken_at(self) -> int:
        return int((NOW - timedelta(days=self.days_ago)).timestamp()) - self.seq * 7

    @property
    def pk(self) -> int:
        ms = self.taken_at * 1000 - IG_EPOCH_MS
        return (ms << 23) | ((self.owner.pk % 8192) << 10) | (self.seq % 1024)

    @property
    def code(self) -> str:
        return str(Post.mediaid_to_shortcode(self.pk))

    @property
    def caption(self) -> str:
        return CAPTIONS[(self.owner.pk + self.seq) % len(CAPTIONS)]

    @property
    def image(self) -> str:
        return f"{CDN}/v/t51.29350-15/{self.pk}_n.jpg?stp=dst-jpg_e35&_nc_cat=1"


@dataclass
class Account:
    """A fictional doctor's professional account as Instagram would serve it."""

    username: str
    pk: int
    full_name: str
    biography: str
    is_private: bool = False
    embeds_posts: bool = True  # False: a page without its posts query (a changed page)
    media: list[Media] = field(default_factory=list)  # feed order: pinned first, then newest first

    @property
    def page_id(self) -> str:
        return f"1784140{self.pk:010d}"

    def post(self, days_ago: float, *, pinned: bool = False) -> Account:
        self.media.append(Media(self, days_ago, len(self.media) + 1, pinned))
        return self

    def feed(self) -> list[Media]:
        pinned = [m for m in self.media if m.pinned]
        rest = sorted((m for m in self.media if not m.pinned), key=lambda m: -m.taken_at)
        return pinned + rest

    def pages(self) -> list[list[Media]]:
        feed = self.feed()
        return [feed[i : i + PAGE] for i in range(0, len(feed), PAGE)] or [[]]

    def cursor(self, page_no: int) -> str:
        return f"QVFD{self.pk}x{page_no:02d}Y2Fyc29y"


def user_small(acc: Account) -> dict[str, Any]:
    return {"pk": str(acc.pk), "username": acc.username, "id": acc.page_id}


def polaris_node(m: Media) -> dict[str, Any]:
    """A post as the logged-out profile page and its pagination list it: no date, no counts."""
    return {
        "__typename": "XIGPolarisImageMedia",
        "pk": str(m.pk),
        "id": f"{m.pk}_{m.owner.pk}",
        "code": m.code,
        "media_type": 1,
        "product_type": "feed",
        "caption": {"text": m.caption, "pk": str(m.pk + 1)},
        "accessibility_caption": f"Photo by {m.owner.full_name}.",
        "display_uri": m.image,
        "carousel_media_count": None,
        "user": user_small(m.owner),
    }


def media_item(m: Media) -> dict[str, Any]:
    """A post as the media web-info query and the logged-in timeline return it."""
    acc = m.owner
    return {
        "code": m.code,
        "pk": str(m.pk),
        "id": f"{m.pk}_{acc.pk}",
        "taken_at": m.taken_at,
        "media_type": 1,
        "product_type": "feed",
        "caption": {
            "pk": str(m.pk + 1),
            "text": m.caption,
            "created_at": m.taken_at,
            "user_id": str(acc.pk),
        },
        "user": {
            "pk": str(acc.pk),
            "id": str(acc.pk),
            "username": acc.username,
            "full_name": acc.full_name,
            "is_private": acc.is_private,
            "is_verified": False,
            "profile_pic_url": f"{CDN}/v/t51.2885-19/{acc.pk}_s150.jpg",
        },
        "like_count": 40 + m.seq,
        "comment_count": m.seq % 5,
        "has_liked": False,
        "image_versions2": {"candidates": [{"url": m.image, "width": 1080, "height": 1350}]},
        "original_width": 1080,
        "original_height": 1350,
        "accessibility_caption": f"Photo by {acc.full_name}.",
        "usertags": {"in": []},
        "location": None,
        "carousel_media": None,
        "video_versions": None,
        "is_paid_partnership": False,
        "sponsor_tags": None,
        "coauthor_producers": [],
        "timeline_pinned_user_ids": [acc.pk] if m.pinned else [],
    }


def profile_user(acc: Account) -> dict[str, Any]:
    """The profile as the GraphQL profile query (by user id) returns it."""
    return {
        "pk": str(acc.pk),
        "id": str(acc.pk),
        "username": acc.username,
        "full_name": acc.full_name,
        "biography": acc.biography,
        "is_private": acc.is_private,
        "is_verified": False,
        "is_business": True,
        "category": "Doctor",
        "external_url": None,
        "follower_count": 1000 + acc.pk % 1000,
        "following_count": 150,
        "media_count": len(acc.media),
        "profile_pic_url": f"{CDN}/v/t51.2885-19/{acc.pk}_s150.jpg",
        "hd_profile_pic_url_info": {"url": f"{CDN}/v/t51.2885-19/{acc.pk}_s320.jpg"},
        "friendship_status": {
            "following": False,
            "followed_by": False,
            "blocking": False,
            "incoming_request": False,
            "outgoing_request": False,
            "is_private": acc.is_private,
        },
    }


def relay_script(query: str, data: dict[str, Any]) -> dict[str, Any]:
    """One ``<script type="application/json">`` body carrying a preloaded query result."""
    preloader = f"adp_{query}RelayPreloader_{zlib.crc32(query.encode()):08x}"
    result = {"data": data, "extensions": {"is_final": True}}
    cache = [
        "RelayPrefetchedStreamCache",
        "next",
        [],
        [preloader, {"__bbox": {"complete": True, "result": result, "sequence_number": 0}}],
    ]
    return {"require": [["ScheduledServerJS", "handle", None, [{"__bbox": {"require": [cache]}}]]]}


def profile_page(acc: Account) -> str:
    """The HTML of https://www.instagram.com/<username>/ as a logged-out visitor receives it."""
    details = {
        "pk": str(acc.pk),
        "id": acc.page_id,
        "username": acc.username,
        "full_name": acc.full_name,
        "biography": acc.biography,
        "is_private": acc.is_private,
        "is_verified": False,
        "is_unpublished": False,
        "is_memorialized": False,
        "profile_pic_url": f"{CDN}/v/t51.2885-19/{acc.pk}_s150.jpg",
        "hd_profile_pic_url_info": {"url": f"{CDN}/v/t51.2885-19/{acc.pk}_s320.jpg"},
        "follower_count": 1000 + acc.pk % 1000,
        "following_count": 150,
        "all_media_count": None,
        "account_badges": [],
        "bio_links": [],
        "pronouns": [],
        "latest_reel_media": None,
        "has_any_clips": False,
    }
    scripts = [
        relay_script(
            "PolarisLoggedOutDesktopWWWProfileRootContentQuery", {"xig_user_by_username": details}
        )
    ]
    if not acc.is_private and acc.embeds_posts:
        first = acc.pages()[0]
        posts = {
            "pk": str(acc.pk),
            "id": acc.page_id,
            "polaris_ordered_timeline_connection": {
                "edges": [{"node": polaris_node(m), "cursor": m.code} for m in first],
                "page_info": {"end_cursor": acc.cursor(1), "has_next_page": len(acc.pages()) > 1},
            },
        }
        scripts.append(
            relay_script(
                "PolarisLoggedOutDesktopWWWProfilePostsTabContentQuery",
                {"xig_user_by_username": posts},
            )
        )
    body = "\n".join(
        '<script type="application/json" data-sjs>'
        + json.dumps(s, ensure_ascii=False, indent=1)
        + "</script>"
        for s in scripts
    )
    return (
        '<!DOCTYPE html><html lang="en" class="_9dls"><head><meta charset="utf-8">'
        f"<title>{acc.full_name} (@{acc.username}) &#x2022; Instagram photos and videos</title>\n"
        f'{body}\n</head><body><div id="mount_0_0_x"></div></body></html>\n'
    )


def logged_out_feed_page(acc: Account, page_no: int) -> dict[str, Any]:
    pages = acc.pages()
    return {
        "data": {
            "node": {
                "__typename": "XDTUserDict",
                "id": acc.page_id,
                "polaris_ordered_timeline_connection": {
                    "edges": [
                        {"node": polaris_node(m), "cursor": m.code} for m in pages[page_no - 1]
                    ],
                    "page_info": {
                        "end_cursor": acc.cursor(page_no),
                        "has_next_page": page_no < len(pages),
                    },
                },
            }
        },
        "extensions": {"is_final": True},
    }


def logged_in_feed_page(acc: Account, page_no: int) -> dict[str, Any]:
    pages = acc.pages()
    return {
        "data": {
            "xdt_api__v1__feed__user_timeline_graphql_connection": {
                "edges": [{"node": media_item(m), "cursor": m.code} for m in pages[page_no - 1]],
                "page_info": {
                    "end_cursor": acc.cursor(page_no),
                    "has_next_page": page_no < len(pages),
                    "has_previous_page": page_no > 1,
                    "start_cursor": None,
                },
            }
        },
        "extensions": {"is_final": True},
    }


def media_response(m: Media) -> dict[str, Any]:
    # "status" is what graphql/query (logged in) adds; the web app's api/graphql omits it.
    return {
        "data": {"xdt_api__v1__media__shortcode__web_info": {"items": [media_item(m)]}},
        "extensions": {"is_final": True},
        "status": "ok",
    }


def iphone_info(acc: Account) -> dict[str, Any]:
    user = profile_user(acc)
    user["pk"] = acc.pk
    return {"user": user, "status": "ok"}


def write(path: Path, content: str) -> None:
    path = OUT / path.relative_to(HERE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


def dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def write_account(acc: Account, version: str) -> None:
    """Writes one account version's responses and its routes (request key -> response)."""
    base = f"accounts/{acc.username}/{version}"
    out = HERE / base
    routes: dict[str, dict[str, Any]] = {}
    write(out / "page.html", profile_page(acc))
    routes[f"GET www.instagram.com/{acc.username}/"] = {"file": f"{base}/page.html"}
    profile = {
        "data": {"user": profile_user(acc)},
        "extensions": {"is_final": True},
        "status": "ok",
    }
    write(out / "profile.json", dump(profile))
    write(out / "iphone_info.json", dump(iphone_info(acc)))
    # Profile.from_id (logged out, web app endpoint) and the logged-in profile query.
    routes[f"POST www.instagram.com/api/graphql doc_id={DOC_PROFILE} id={acc.pk}"] = {
        "file": f"{base}/profile.json"
    }
    routes[f"POST www.instagram.com/graphql/query doc_id={DOC_PROFILE} id={acc.pk}"] = {
        "file": f"{base}/profile.json"
    }
    routes[f"GET i.instagram.com/api/v1/users/{acc.pk}/info/"] = {
        "file": f"{base}/iphone_info.json"
    }
    if not acc.is_private:
        media = {m.code: media_response(m) for m in acc.feed()}
        write(out / "media.json", dump(media))
        for code in media:
            for endpoint in ("api/graphql", "graphql/query"):
                key = f"POST www.instagram.com/{endpoint} doc_id={DOC_MEDIA} shortcode={code}"
                routes[key] = {"file": f"{base}/media.json", "pick": code}
        pages = acc.pages()
        for no in range(1, len(pages) + 1):
            write(out / f"feed.logged_in.{no}.json", dump(logged_in_feed_page(acc, no)))
            after = "" if no == 1 else f" after={acc.cursor(no - 1)}"
            graphql = "POST www.instagram.com/api/graphql"
            key = f"{graphql} doc_id={DOC_POSTS_LOGGED_IN} username={acc.username}{after}"
            routes[key] = {"file": f"{base}/feed.logged_in.{no}.json"}
            if no > 1:
                write(out / f"feed.logged_out.{no}.json", dump(logged_out_feed_page(acc, no)))
                key = f"{graphql} doc_id={DOC_POSTS_LOGGED_OUT} id={acc.page_id}{after}"
                routes[key] = {"file": f"{base}/feed.logged_out.{no}.json"}
    write(out / "routes.json", dump(dict(sorted(routes.items()))))


def write_gone(username: str) -> None:
    """A username that no longer exists: its page answers 404."""
    base = f"accounts/{username}/gone"
    routes = {
        f"GET www.instagram.com/{username}/": {"status": 404, "file": "common/not_found.html"}
    }
    write(HERE / base / "routes.json", dump(routes))


def start_page(logged_in: bool) -> str:
    # The web app's tokens, as instaloader reads them from the start page (instaloadercontext.py).
    tokens = '["LSD",[],{"token":"AVqRecordedLsd"},323]'
    eimu = '"IG_USER_EIMU":"17841400000009001"' if logged_in else '"IG_USER_EIMU":"0"'
    if logged_in:
        tokens += ',["DTSGInitialData",[],{"token":"NAcMRecordedDtsg:17:1748800000"},258]'
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Instagram</title>'
        f'<script>requireLazy(["ServerJSDefine"],function(m){{m.handleDefines([{tokens}])}});</script>'
        f'<script type="application/json" data-sjs>{{"define":[[{eimu}]]}}</script>'
        "</head><body></body></html>\n"
    )


def accounts() -> dict[str, tuple[Account, ...]]:
    """Every account version the scenarios use, by '<username>@<version>'."""
    out: dict[str, tuple[Account, ...]] = {}

    def alya(new: tuple[float, ...] = ()) -> Account:
        acc = Account(
            "dr.alya", 5101, "dr. Alya Putri, Sp.KK", "Dokter spesialis kulit. Praktik di Bandung."
        )
        acc.post(470, pinned=True)  # a stale pinned post, far before the lookback window
        for i in range(14):
            acc.post(3 + 5 * i)
        for i in range(10):
            acc.post(90 + 10 * i)
        for days in new:
            acc.post(days)
        return acc

    def budi(new: tuple[float, ...] = ()) -> Account:
        acc = Account("dr.budi", 5102, "dr. Budi Santoso, Sp.PD", "Penyakit dalam. RSUD Kota.")
        acc.post(20, pinned=True).post(400, pinned=True).post(50, pinned=True)
        for i in range(12):
            acc.post(2 + 4 * i)
        for i in range(6):
            acc.post(95 + 15 * i)
        for days in new:
            acc.post(days)
        return acc

    def simple(username: str, pk: int, name: str, days: list[float]) -> Account:
        acc = Account(username, pk, name, "Dokter umum.")
        for d in days:
            acc.post(d)
        return acc

    out["dr.alya@v1"] = (alya(),)
    out["dr.alya@v2"] = (alya(new=(1, 0.5)),)
    out["dr.budi@v1"] = (budi(),)
    out["dr.budi@v2"] = (budi(new=(0.2,)),)
    out["dr.citra@v1"] = (Account("dr.citra", 5103, "dr. Citra", "Akun pribadi.", is_private=True),)
    out["dr.eko@v1"] = (simple("dr.eko", 5105, "dr. Eko Prasetyo", [10, 30, 60]),)
    # Another person took the name "dr.eko" after dr. Eko renamed his account.
    out["dr.eko@taken"] = (simple("dr.eko", 5199, "Eko Travel", [0.5]),)
    out["dr.eko.sp@v1"] = (simple("dr.eko.sp", 5105, "dr. Eko Prasetyo, Sp.A", [10, 30, 60, 1]),)
    out["dr.fajar@v1"] = (simple("dr.fajar", 5106, "dr. Fajar", [5, 40]),)
    out["dr.fajar@v2"] = (simple("dr.fajar", 5106, "dr. Fajar", [5, 40, 1]),)
    out["dr.gita@v1"] = (simple("dr.gita", 5107, "dr. Gita", [1, 2, 3, 4, 5, 100]),)
    out["dr.hadi@v1"] = (simple("dr.hadi", 5108, "dr. Hadi", [7, 14]),)
    no_grid = simple("dr.hadi", 5108, "dr. Hadi", [7, 14])
    no_grid.embeds_posts = False
    out["dr.hadi@nogrid"] = (no_grid,)
    return out


def main() -> None:
    write(HERE / "common/start_page.logged_out.html", start_page(logged_in=False))
    write(HERE / "common/start_page.logged_in.html", start_page(logged_in=True))
    write(
        HERE / "common/not_found.html",
        "<!DOCTYPE html><html><head><title>Page not found</title></head></html>\n",
    )
    write(HERE / "common/image.jpg.txt", "ffd8ffe000104a46494600010100000100010000ffd9\n")
    viewer = {"data": {"user": {"username": "idi.monitor", "id": "9001"}}, "status": "ok"}
    write(HERE / "common/viewer.json", dump(viewer))
    please_wait = {
        "message": "Please wait a few minutes before you try again.",
        "require_login": True,
        "status": "fail",
    }
    write(HERE / "common/please_wait.json", dump(please_wait))
    checkpoint = {
        "message": "checkpoint_required",
        "checkpoint_url": "https://www.instagram.com/challenge/?next=/api/graphql",
        "lock": False,
        "flow_render_type": 0,
        "status": "fail",
    }
    write(HERE / "common/checkpoint.json", dump(checkpoint))
    common = {
        "GET www.instagram.com/": {
            "file": "common/start_page.logged_out.html",
            "logged_in_file": "common/start_page.logged_in.html",
            "set_cookie": [
                "csrftoken=RecordedCsrfToken00000; Domain=.instagram.com; Path=/; Secure",
                "mid=ZRecordedMid; Domain=.instagram.com; Path=/; Secure; HttpOnly",
            ],
        },
        f"GET www.instagram.com/graphql/query query_hash={VIEWER_QUERY_HASH}": {
            "file": "common/viewer.json"
        },
        "GET cdn": {"file": "common/image.jpg.txt", "hex": True, "content_type": "image/jpeg"},
    }
    write(HERE / "common/routes.json", dump(common))
    for name, (acc,) in accounts().items():
        write_account(acc, name.split("@")[1])
    write_gone("dr.dewi")
    write_gone("dr.eko")


if __name__ == "__main__":
    main()
