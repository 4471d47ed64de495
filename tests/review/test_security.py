"""Security of the desk on the real ASGI app: login required, branch isolation, CSRF,
throttling, passwords never kept or logged in clear, hostile text inert."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from starlette.testclient import TestClient

from medsos_audit.review.app import create_app
from medsos_audit.review.store import open_store
from medsos_audit.settings import Settings
from tests.review.conftest import (
    ANI,
    BUDI,
    MEDAN_FLAGS,
    MKEK,
    STAFF,
    YOGYA_FLAGS,
    Staff,
    csrf_of,
    decide,
    login,
    queue_flags,
    sign_in,
)

PAGES = ["/queue", "/rules", "/log", "/flags/promotion/CTgHPwDimU6"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_strangers_to_the_login_page(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_a_decision_without_a_session_is_refused_and_not_logged(
    client: TestClient, desk_settings: Settings
) -> None:
    response = client.post(
        "/flags/promotion/CTgHPwDimU6",
        data={"action": "dismiss", "state": "open", "reason": "educational", "csrf": "x"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert _log_count(desk_settings) == 0


def test_a_forged_session_cookie_is_no_session(client: TestClient) -> None:
    client.cookies.set("medsos_session", "made-up-token")
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_a_reviewer_sees_only_the_own_branch(client: TestClient, desk_settings: Settings) -> None:
    sign_in(client, desk_settings, ANI)
    assert queue_flags(client.get("/queue").text) == YOGYA_FLAGS
    every_state = client.get("/queue?status=").text
    assert queue_flags(every_state) == YOGYA_FLAGS
    assert "IDI Cabang Medan" not in every_state and "agus.internist" not in every_state


@pytest.mark.parametrize("flag", sorted(MEDAN_FLAGS))
def test_another_branchs_finding_is_not_found_for_reading_or_deciding(
    client: TestClient, desk_settings: Settings, flag: str
) -> None:
    sign_in(client, desk_settings, ANI)
    assert client.get(f"/flags/{flag}").status_code == 404
    csrf = csrf_of(client.get("/queue").text)
    response = client.post(
        f"/flags/{flag}",
        data={"csrf": csrf, "action": "dismiss", "state": "open", "reason": "educational"},
    )
    assert response.status_code == 404
    assert _log_count(desk_settings) == 0


def test_mkek_staff_see_every_branch(client: TestClient, desk_settings: Settings) -> None:
    sign_in(client, desk_settings, MKEK)
    everything = queue_flags(client.get("/queue").text)
    assert everything >= YOGYA_FLAGS | MEDAN_FLAGS
    assert len(everything) == 14


def test_a_form_without_the_sessions_csrf_token_is_rejected(
    client: TestClient, desk_settings: Settings
) -> None:
    sign_in(client, desk_settings, ANI)
    flag = "promotion/CTgHPwDimU6"
    fields = {"action": "dismiss", "state": "open", "reason": "educational"}
    assert client.post(f"/flags/{flag}", data=fields).status_code == 403
    assert client.post(f"/flags/{flag}", data={**fields, "csrf": "guess"}).status_code == 403
    # another session's token is no better
    other = TestClient(client.app)
    sign_in(other, desk_settings, MKEK)
    foreign = csrf_of(other.get("/queue").text)
    assert client.post(f"/flags/{flag}", data={**fields, "csrf": foreign}).status_code == 403
    assert _log_count(desk_settings) == 0
    assert decide(client, flag, action="dismiss", reason="educational") == 303
    assert _log_count(desk_settings) == 1


def test_a_form_posted_from_another_site_is_rejected(
    client: TestClient, desk_settings: Settings
) -> None:
    sign_in(client, desk_settings, ANI)
    page = client.get("/flags/promotion/CTgHPwDimU6")
    response = client.post(
        "/flags/promotion/CTgHPwDimU6",
        data={
            "csrf": csrf_of(page.text),
            "action": "escalate",
            "state": "open",
            "escalate_to": "mkek_pusat",
        },
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_the_login_form_needs_its_own_csrf_token(client: TestClient) -> None:
    response = client.post(
        "/login", data={"email": ANI.email, "password": ANI.password}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "medsos_session" not in response.cookies


def test_logout_ends_the_session_on_the_server(client: TestClient) -> None:
    assert login(client, ANI) == 303
    token = client.cookies["medsos_session"]
    csrf = csrf_of(client.get("/queue").text)
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    client.cookies.set("medsos_session", token)  # a copied cookie is dead too
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_failed_logins_are_throttled_even_with_the_right_password_after(
    client: TestClient,
) -> None:
    for _ in range(5):
        assert login(client, ANI, password="salah-sekali-lagi") == 401
    assert login(client, ANI) == 429
    page = client.get("/login")
    assert login(client, BUDI) == 303  # another account is not locked by Ani's failures
    assert "medsos_session" in client.cookies and page.status_code == 200


def test_an_unknown_address_is_throttled_like_a_known_one(client: TestClient) -> None:
    nobody = Staff("nobody@idi.example", "x" * 12, "", None, "reviewer")
    statuses = [login(client, nobody) for _ in range(6)]
    assert statuses == [401, 401, 401, 401, 401, 429]  # the same as for Ani's address


def test_an_unknown_email_fails_like_a_wrong_password(client: TestClient) -> None:
    assert login(client, ANI, password="salah-sekali-lagi") == 401
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": "nobody@idi.example", "password": "x" * 12, "csrf": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "Surel atau kata sandi salah." in response.text


def test_a_disabled_user_cannot_log_in(client: TestClient, desk_settings: Settings) -> None:
    from medsos_audit.review.users import disable_user

    assert login(client, ANI) == 303
    con = open_store(desk_settings.review_db)
    disable_user(con, ANI.email)
    con.close()
    assert client.get("/queue", follow_redirects=False).status_code == 303
    assert login(client, ANI) == 401


def test_passwords_are_never_stored_or_logged_in_clear(
    client: TestClient, desk_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    typo = "Yogya-rahasia-2027"
    assert login(client, ANI, password=typo) == 401
    # people type their password into the e-mail field; that must not be logged either
    page = client.get("/login")
    client.post("/login", data={"email": typo, "password": "x", "csrf": csrf_of(page.text)})
    assert login(client, ANI) == 303
    assert decide(client, "promotion/CTgHPwDimU6", action="dismiss", reason="educational") == 303
    secrets = [typo, *(s.password for s in STAFF)]
    stored = b"".join(
        p.read_bytes() for p in desk_settings.review_db.parent.iterdir() if p.is_file()
    )
    logged = caplog.text
    for secret in secrets:
        assert secret.encode() not in stored
        assert secret not in logged
    assert "login ok" in logged and "login failed" in logged
    con = open_store(desk_settings.review_db)
    hashes = [r[0] for r in con.execute("SELECT password_hash FROM users")]
    con.close()
    assert all(re.fullmatch(r"scrypt\$32768\$8\$3\$[\w-]{22}\$[\w-]{43}", h) for h in hashes)
    assert len(set(hashes)) == len(STAFF)


def test_store_files_are_private(client: TestClient, desk_settings: Settings) -> None:
    sign_in(client, desk_settings, ANI)
    folder = desk_settings.review_db.parent
    assert folder.stat().st_mode & 0o777 == 0o700
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path.name


def test_every_page_forbids_scripts_and_framing(client: TestClient) -> None:
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp  # so scripts fall back to 'none'
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


HOSTILE_NAME = "dr. <script>alert('nama')</script> Jahat"
HOSTILE_EVIDENCE = "<img src=x onerror=alert('bukti')> diskon 50% \"><svg onload=alert(1)>"
HOSTILE_USER = "x\"><script>alert('u')</script>"


@pytest.fixture
def hostile_client(tmp_path: Path, sample_warehouse: Path, staff_store: Path) -> TestClient:
    """A desk over a warehouse whose doctor name, username and evidence carry markup."""
    source = tmp_path / "hostile.duckdb"
    shutil.copy(sample_warehouse, source)
    con = duckdb.connect(str(source))
    con.execute("UPDATE doctors SET full_name = ? WHERE npa = '310245'", [HOSTILE_NAME])
    con.execute("UPDATE accounts SET username = ? WHERE npa = '310245'", [HOSTILE_USER])
    con.execute("UPDATE flags SET evidence = ? WHERE shortcode = 'CFabW3wbLGl'", [HOSTILE_EVIDENCE])
    con.close()
    settings = Settings.from_env(
        env={"MEDSOS_HOME": str(tmp_path / "var"), "MEDSOS_REVIEW_SOURCE": str(source)}
    )
    settings.review_db.parent.mkdir(parents=True, mode=0o700)
    shutil.copy(staff_store, settings.review_db)
    return TestClient(create_app(settings, refresh_interval=0))


def test_hostile_text_renders_as_text(hostile_client: TestClient) -> None:
    settings = hostile_client.app.state.desk.settings  # type: ignore[attr-defined]
    sign_in(hostile_client, settings, ANI)
    pages = [
        hostile_client.get("/queue").text,
        hostile_client.get("/flags/promotion/CFabW3wbLGl").text,
    ]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg" not in html
        assert "&lt;script&gt;alert(&#39;nama&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(&#39;bukti&#39;)&gt;" in pages[1]
    # a username that is not a username never becomes a link
    assert "instagram.com/x" not in pages[0]


def _log_count(settings: Settings) -> int:
    con = open_store(settings.review_db)
    try:
        return int(con.execute("SELECT count(*) FROM review_log").fetchone()[0])
    finally:
        con.close()
