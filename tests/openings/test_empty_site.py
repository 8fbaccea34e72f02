"""A site with no openings at all: the listing says so and how to keep in touch."""

from __future__ import annotations

import shutil

import feedparser
import pytest
from bs4 import BeautifulSoup

from tests.openings.conftest import OPENINGS_FIXTURES, build_openings, job_postings, soup


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("openings-empty")
    content = tmp_path / "src"
    shutil.copytree(OPENINGS_FIXTURES / "kinds" / "posts", content / "posts")
    site = build_openings(tmp_path, content)
    assert site.report.ok, site.report.problems
    assert site.report.warnings == []
    return site


def test_listing_says_there_are_no_open_roles_and_how_to_keep_in_touch(empty_site):
    page = soup(empty_site, "openings/index.html")
    notice = page.select_one(".openings-none")
    assert "There are no open roles right now." in notice.get_text()
    labels = [a.get_text() for a in notice.select(".touch-links a")]
    assert "Email" in labels and "LinkedIn" in labels
    assert page.select(".card") == [] and page.select(".facets") == []
    assert not page.find("script", src=True)
    assert job_postings(page) == []


def test_no_detail_filter_or_archive_pages(empty_site):
    built = sorted(
        str(p.relative_to(empty_site.output)) for p in empty_site.output.glob("openings/**/*")
    )
    assert built == ["openings/index.html"]


def test_home_page_and_posts_have_no_openings_boxes(empty_site):
    assert not soup(empty_site, "index.html").select(".latest-openings")
    assert not soup(empty_site, "posts/remote-teams/index.html").select(".related-openings")


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_the_feeds_exist_empty_and_valid(empty_site, kind):
    data = (empty_site.output / f"feeds/openings.{kind}.xml").read_bytes()
    feed = feedparser.parse(data)
    assert feed.bozo == 0 and feed.entries == []
    assert b"1970-01-01" in data or b"01 Jan 1970" in data  # never the clock


def test_sitemap_still_lists_the_listing(empty_site):
    sitemap = BeautifulSoup(empty_site.page("sitemap.xml"), "xml")
    locs = [loc.string for loc in sitemap.find_all("loc")]
    assert "http://127.0.0.1:8000/openings/" in locs


def test_a_missing_openings_folder_is_fine(tmp_path):
    content = tmp_path / "src"
    shutil.copytree(OPENINGS_FIXTURES / "kinds" / "posts", content / "posts")
    site = build_openings(tmp_path, content, OPENINGS_PATH="nowhere")
    assert site.report.ok
    assert (site.output / "openings/index.html").is_file()
