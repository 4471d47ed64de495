"""End to end in a real browser: Debian's chromium driven by Playwright against the desk served
by uvicorn on 127.0.0.1, over a warehouse audited from the embedded sample."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import uvicorn

from medsos_audit.review.app import create_app
from medsos_audit.review.store import open_store
from medsos_audit.review.sync import import_decisions
from medsos_audit.settings import Settings
from tests.review.conftest import ANI, YOGYA_FLAGS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    """Debian's chromium; CI (MEDSOS_REQUIRE_BROWSER=1) fails instead of skipping without it."""
    if not CHROMIUM.exists():
        if os.environ.get("MEDSOS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and MEDSOS_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(desk_settings: Settings) -> Iterator[str]:
    """The desk served by a real uvicorn on a free 127.0.0.1 port; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(desk_settings, refresh_interval=0),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _shots_dir(tmp_path: Path) -> Path:
    """Where screenshots go: $MEDSOS_SCREENSHOTS when set (to look at them), else tmp."""
    folder = Path(os.environ.get("MEDSOS_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_reviewer_confirms_and_dismisses_in_a_browser_and_the_pipeline_learns_it(
    chromium_path: Path,
    served: str,
    desk_settings: Settings,
    sample_warehouse: Path,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import Dialog, expect, sync_playwright

    shots = _shots_dir(tmp_path)
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()

            def on_dialog(dialog: Dialog) -> None:  # a script that runs would show up here
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page.goto(f"{served}/queue")
            expect(page).to_have_url(f"{served}/login?next=%2Fqueue")
            page.get_by_label("Surel").fill(ANI.email)
            page.get_by_label("Kata sandi").fill(ANI.password)
            page.get_by_role("button", name="Masuk").click()
            expect(page).to_have_url(f"{served}/queue")
            cards = page.locator("article[data-flag]")
            shown = {cards.nth(i).get_attribute("data-flag") for i in range(cards.count())}
            assert shown == YOGYA_FLAGS
            page.screenshot(path=str(shots / "queue.png"), full_page=True)

            # confirm the highest-risk finding: the patient-privacy post
            cards.first.get_by_role("link", name="Tinjau").click()
            expect(page.get_by_role("heading", name="Konfirmasi pelanggaran")).to_be_visible()
            page.screenshot(path=str(shots / "flag.png"), full_page=True)
            confirm = page.locator("form", has=page.locator("input[value=confirm]"))
            confirm.get_by_label("Tingkat pelanggaran").select_option("berat")
            confirm.get_by_label("Kategori 2 — penginsafan tanpa pemberhentian").check()
            confirm.get_by_role("button", name="Konfirmasi pelanggaran").click()
            expect(page.get_by_role("status")).to_contain_text("Keputusan tersimpan")

            # dismiss a promotion finding with a reason and a note
            page.locator('article[data-flag="promotion/CFabW3wbLGl"]').get_by_role(
                "link", name="Tinjau"
            ).click()
            dismiss = page.locator("form", has=page.locator("input[value=dismiss]"))
            dismiss.get_by_label("Aturan salah membaca konteks").check()
            dismiss.get_by_role("textbox").fill("Diskon untuk seminar ilmiah, bukan layanan.")
            dismiss.get_by_role("button", name="Tolak temuan").click()
            expect(page.get_by_role("status")).to_contain_text("Keputusan tersimpan")
            left = {cards.nth(i).get_attribute("data-flag") for i in range(cards.count())}
            assert left == YOGYA_FLAGS - {
                "patient_privacy/CTP3WZs-x8U",
                "promotion/CFabW3wbLGl",
            }

            # the same pages in English on a phone
            phone = context.new_page()  # same browser context: same session cookie
            phone.set_viewport_size({"width": 390, "height": 844})
            phone.goto(f"{served}/queue?status=&lang=en")
            expect(phone.get_by_role("heading", name="Findings queue")).to_be_visible()
            phone.screenshot(path=str(shots / "queue-phone-en.png"), full_page=True)
            phone.goto(f"{served}/flags/promotion/CFabW3wbLGl")
            expect(phone.get_by_role("heading", name="History of this finding")).to_be_visible()
            phone.screenshot(path=str(shots / "flag-phone-en.png"), full_page=True)
        finally:
            browser.close()
    assert dialogs == []

    store = open_store(desk_settings.review_db)
    logged = [
        tuple(r)
        for r in store.execute(
            "SELECT user_email, subject_key, check_name, action, from_state, to_state, severity, "
            "sanction, dismiss_reason, note, branch FROM review_log ORDER BY seq"
        )
    ]
    store.close()
    assert logged == [
        (
            ANI.email,
            "CTP3WZs-x8U",
            "patient_privacy",
            "confirm",
            "open",
            "confirmed",
            "berat",
            "kategori_2",
            None,
            None,
            "IDI Cabang Yogyakarta",
        ),
        (
            ANI.email,
            "CFabW3wbLGl",
            "promotion",
            "dismiss",
            "open",
            "dismissed",
            None,
            None,
            "rule_misread",
            "Diskon untuk seminar ilmiah, bukan layanan.",
            "IDI Cabang Yogyakarta",
        ),
    ]

    # the pipeline imports the decisions into its warehouse: the dismissed finding is gone
    # from what alerts and reports read, the confirmed one carries its sanction
    shutil.copy(sample_warehouse, desk_settings.warehouse)
    con = duckdb.connect(str(desk_settings.warehouse))
    try:
        from warehouse import migrate

        migrate.apply(con)
        assert import_decisions(con, desk_settings) == 2
        effective = con.execute(
            "SELECT DISTINCT subject_key, check_name, review_status, sanction "
            "FROM flags_effective WHERE subject_key IN ('CTP3WZs-x8U', 'CFabW3wbLGl')"
        ).fetchall()
        raw = con.execute("SELECT count(*) FROM flags WHERE shortcode = 'CFabW3wbLGl'").fetchall()[
            0
        ][0]
    finally:
        con.close()
    assert effective == [("CTP3WZs-x8U", "patient_privacy", "confirmed", "kategori_2")]
    assert raw > 0
