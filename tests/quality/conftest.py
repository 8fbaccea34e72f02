"""Fixtures for the quality gates: Node tools, Debian's Chromium, the served demo site."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.sitebuild import ROOT, require

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NODE_MODULES = ROOT / "node_modules"
# Flags for headless Chromium in CI containers: no sandbox, no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def node_tool(relative: str) -> Path:
    """A file installed by ``npm ci`` (package.json at the repository root)."""
    path = NODE_MODULES / relative
    require(path.exists(), f"{relative} is missing: run `npm ci` (./dev test does)")
    return path


def java() -> str:
    found = shutil.which("java")
    require(found is not None, "java is not installed (apt-get install default-jre-headless)")
    return found


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium for every page a test module visits."""
    require(Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            instance.close()


def import_or_require(name: str):
    """A module another engineer owns: skipped locally while it is missing, failed in CI."""
    import importlib
    import importlib.util

    try:
        found = importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        found = False
    require(found, f"{name} is not there yet")
    return importlib.import_module(name)
