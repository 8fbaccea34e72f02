"""A tiny site built with the real settings and the real Pagefind, for the search tests.

Its content (tests/search/content/) has words and titles found in one page only: a
published post ("quokka"), a draft ("zeppelin"), a closed role ("Lighthouse Keeper
Liaison"), and one remote and one on-site open role.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import launch_chromium
from tests.serving import serve
from tests.sitebuild import BuiltSite, build

CONTENT = Path(__file__).resolve().parent / "content"
TODAY = "2026-11-30"
# What the fixture's index holds: its published posts and page, its two open roles.
INDEXED_URLS = {
    "/posts/marsupial-interviews/",
    "/posts/salary-bands/",
    "/about/",
    "/openings/remote-python-developer/",
    "/openings/platform-engineer-leeds/",
}


def build_search_site(tmp_path: Path, **overrides) -> BuiltSite:
    """The search fixture built like ``invoke build``, with today pinned."""
    overrides.setdefault("OPENINGS_TODAY", TODAY)
    overrides.setdefault("BUILD_TODAY", TODAY)
    overrides.setdefault("COMMENTS_URL", "")  # no live comment widget to load
    overrides.setdefault("STATS_COUNTING", False)  # no beacon to the audience server
    site = build(tmp_path, content=CONTENT, **overrides)
    assert site.report.ok, site.report.problems + site.report.errors
    return site


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session")
def search_site(tmp_path_factory) -> BuiltSite:
    return build_search_site(tmp_path_factory.mktemp("search"))


@pytest.fixture(scope="session")
def search_url(search_site):
    with serve(search_site.output) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    """One Chromium per module: Playwright allows one running at a time in a process."""
    with launch_chromium() as instance:
        yield instance
