"""Sites built once per module for the openings tests, with "today" pinned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.sitebuild import FIXTURES, BuiltSite, build

TODAY = "2026-11-30"
OPENINGS_FIXTURES = FIXTURES / "openings"


def build_openings(tmp_path: Path, content: Path | None = None, **overrides) -> BuiltSite:
    """A real build (real settings) with OPENINGS_TODAY pinned unless overridden."""
    overrides.setdefault("OPENINGS_TODAY", TODAY)
    # Served under test policies that name no audience server (stats: tests/audience/).
    overrides.setdefault("STATS_COUNTING", False)
    return build(tmp_path, content=content, **overrides)


def soup(site: BuiltSite, relative: str) -> BeautifulSoup:
    return BeautifulSoup(site.page(relative), "html.parser")


def jsonld_blocks(page: BeautifulSoup) -> list:
    return [
        json.loads(script.string) for script in page.find_all("script", type="application/ld+json")
    ]


def job_postings(page: BeautifulSoup) -> list[dict]:
    return [block for block in jsonld_blocks(page) if block.get("@type") == "JobPosting"]


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> BuiltSite:
    """The demo content (content/) with today pinned."""
    site = build_openings(tmp_path_factory.mktemp("openings-sample"))
    assert site.report.ok, site.report.problems + site.report.errors
    return site


@pytest.fixture(scope="session")
def kinds_site(tmp_path_factory) -> BuiltSite:
    """One opening of every kind: hybrid, remote, onsite, filled, closed, expired, paused."""
    site = build_openings(tmp_path_factory.mktemp("openings-kinds"), OPENINGS_FIXTURES / "kinds")
    assert site.report.ok, site.report.problems + site.report.errors
    return site
