"""The report as staff see it: rendered by a real Chromium, on screen and printed on A4.

CI installs Debian's chromium (.ci/run) and sets MEDSOS_REQUIRE_BROWSER=1, so a missing browser
fails there; on a laptop without chromium these tests are skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from medsos_audit.report import build_reports
from medsos_audit.settings import Settings
from tests.medsos_audit.report.sample import WEEK

pytestmark = pytest.mark.slow
A4_POINTS = (595, 842)


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("MEDSOS_REQUIRE_BROWSER") == "1":
            pytest.fail("MEDSOS_REQUIRE_BROWSER=1 but chromium is not installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return exe


def headless(tmp_path: Path, *args: str) -> None:
    exe = chromium()
    subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            *args,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_chromium_draws_the_report(
    home: Settings, wh: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    (files,) = build_reports(wh, home, WEEK, branches=["IDI Cabang Yogyakarta"])
    shot = tmp_path / "report.png"
    headless(tmp_path, f"--screenshot={shot}", "--window-size=900,2400", files.html.as_uri())
    image = Image.open(shot).convert("RGB")
    assert image.size == (900, 2400)
    dark = sum(image.convert("L").histogram()[:200])
    assert dark > 0.02 * 900 * 2400  # text, tiles and the chart, not a blank page
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200
    # the chart's bars (promotion's orange) were drawn: the embedded picture loaded
    orange = (0xC2, 0x41, 0x0C)
    assert any(
        sum(abs(x - y) for x, y in zip(colour, orange, strict=True)) < 16
        for _, colour in colours
        if isinstance(colour, tuple)
    )


def test_the_report_prints_on_a4(
    home: Settings, wh: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    (files,) = build_reports(wh, home, WEEK, branches=["IDI Cabang Yogyakarta"])
    pdf = tmp_path / "report.pdf"
    headless(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", files.html.as_uri())
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
    assert boxes, "no page in the PDF"
    assert {(round(float(w)), round(float(h))) for w, h in boxes} == {A4_POINTS}
    assert 2 <= len(boxes) <= 8
