"""Logs name files, shortcodes and counts, never what doctors or patients wrote, and never a
secret: a whole run of the sample at DEBUG, every logger, with SMTP configured but down."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import quote

import pytest

from extract.snapshot import parse_files, scan
from medsos_audit.cli import main
from tests.conftest import SEEDS
from tests.medsos_audit.report.sample import free_port

PASSWORD = "Rahasia-SMTP/pw:7731"  # a test value that must never be logged
WORDS = 3  # any three consecutive words of a text in a log line count as a leak


def _sample_texts() -> list[str]:
    """Captions, accessibility captions and biographies of the sample, read as the import does."""
    found = scan(SEEDS / "snapshot")
    texts = []
    for parsed in parse_files(found.files, "Asia/Jakarta"):
        if parsed.post is not None:
            texts += [parsed.post.caption, parsed.post.accessibility_caption]
        if parsed.profile is not None:
            texts.append(parsed.profile.biography)
    return [t for t in texts if t]


def _fragments(text: str) -> set[str]:
    words = text.split()
    if len(words) <= WORDS:
        return {" ".join(words)}
    return {" ".join(words[i : i + WORDS]) for i in range(len(words) - WORDS + 1)}


@pytest.fixture
def debug_everywhere(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog at DEBUG on the root and on every logger known so far (restored afterwards)."""
    import great_expectations  # noqa: F401 -- its loggers exist before their levels are set

    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_a_run_logs_no_caption_and_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, debug_everywhere: pytest.LogCaptureFixture
) -> None:
    for name in [n for n in os.environ if n.startswith("MEDSOS_")]:
        monkeypatch.delenv(name)
    url = f"smtp://etik-robot:{quote(PASSWORD, safe='')}@127.0.0.1:{free_port()}?timeout=5"
    monkeypatch.setenv("MEDSOS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MEDSOS_SMTP_URL", url)
    argv = ["run", "--registry", str(SEEDS / "registry.csv"), "--snapshot", str(SEEDS / "snapshot")]
    assert main(argv) == 0

    records = debug_everywhere.records
    assert any(r.name.startswith("medsos_audit") for r in records)
    assert any("still queued" in r.getMessage() for r in records)  # the failed send was logged
    logged = [r.getMessage() for r in records] + [debug_everywhere.text]
    texts = _sample_texts()
    assert len(texts) > 30
    leaks = {f for text in texts for f in _fragments(text) if any(f in line for line in logged)}
    assert leaks == set()
    for secret in (PASSWORD, quote(PASSWORD, safe=""), url):
        assert not any(secret in line for line in logged)
