"""Fixtures for the quality gates: Node tools, Debian's Chromium, the served demo site."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser import launch_chromium
from tests.sitebuild import ROOT, require

NODE_MODULES = ROOT / "node_modules"


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
    with launch_chromium() as instance:
        yield instance


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
