"""Shared fixtures: the demo site built once per session, in dev and production mode."""

from __future__ import annotations

import pytest

from tests.sitebuild import BuiltSite, build


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> BuiltSite:
    """The demo content built once with development settings."""
    site = build(tmp_path_factory.mktemp("demo"))
    assert site.report.ok, site.report.problems + site.report.errors
    return site


@pytest.fixture(scope="session")
def published_site(tmp_path_factory) -> BuiltSite:
    """The demo content built once with production settings (absolute URLs)."""
    site = build(tmp_path_factory.mktemp("published"), settings="publishconf.py")
    assert site.report.ok, site.report.problems + site.report.errors
    return site
