"""Debian's headless Chromium, driven by Playwright: one way to start it for every test."""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

from tests.sitebuild import require

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags for headless Chromium in CI containers: no sandbox, no background traffic
# (this machine's closed network refuses it, and tests must make no outside requests).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@contextlib.contextmanager
def launch_chromium() -> Iterator:
    """A headless Chromium; skipped locally when missing, a failure in CI."""
    require(Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    require(importlib.util.find_spec("playwright") is not None, "playwright is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            instance.close()
