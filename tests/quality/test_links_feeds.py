"""Gate 4: no broken internal link or anchor, and every feed keeps the feed validator's rules.

Links are checked with the publishing pre-flight (``sitekit.checks``); feeds with
``sitekit.feedrules`` (ids, RFC 3339 / RFC 822 dates, rel="self", absolute links,
unique guids), on the development and the production build.
"""

from __future__ import annotations

import pytest
from pelican.settings import read_settings

from sitekit.feedrules import check_site_feeds, feed_files
from tests.quality.conftest import import_or_require
from tests.sitebuild import ROOT, require

BUILDS = {
    "demo": ("demo_site", "pelicanconf.py"),
    "published": ("published_site", "publishconf.py"),
}
# Every kind of feed the site publishes; each must exist in the demo build.
FEED_KINDS = {
    "posts": ("feeds/all.atom.xml", "feeds/all.rss.xml"),
    "categories": ("feeds/category/",),
    "tags": ("feeds/tag/",),
    "openings": ("feeds/openings.",),
    "comments": ("feeds/comments/",),
}


def settings_of(settings_file: str, site) -> dict:
    """The settings the build used (the test helper only moved its folders)."""
    return read_settings(str(ROOT / settings_file), override={"OUTPUT_PATH": str(site.output)})


@pytest.mark.parametrize("build_name", sorted(BUILDS))
def test_no_broken_internal_links_or_anchors(request, build_name):
    checks = import_or_require("sitekit.checks")
    fixture, settings_file = BUILDS[build_name]
    site = request.getfixturevalue(fixture)
    problems = checks.check_site(site.output, settings_of(settings_file, site), checks=["links"])
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("build_name", sorted(BUILDS))
def test_every_feed_keeps_the_feed_rules(request, build_name):
    fixture, settings_file = BUILDS[build_name]
    site = request.getfixturevalue(fixture)
    feed_domain = settings_of(settings_file, site)["FEED_DOMAIN"]
    assert len(feed_files(site.output)) >= 4
    problems = check_site_feeds(site.output, feed_domain)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", list(FEED_KINDS))
def test_every_kind_of_feed_is_published(demo_site, kind):
    names = [p.relative_to(demo_site.output).as_posix() for p in feed_files(demo_site.output)]
    found = [n for n in names if n.startswith(FEED_KINDS[kind])]
    require(bool(found), f"the demo build publishes no {kind} feed ({FEED_KINDS[kind]})")
