"""Feeds of open roles: valid, newest first, stable ids from the ref, dates from the content."""

from __future__ import annotations

import datetime

import feedparser
import pytest

from sitekit.feedrules import check_feed_bytes

ORIGIN = "http://127.0.0.1:8000"
ID_PREFIX = "tag:127.0.0.1,2026:openings"
SAMPLE_REFS = ["OTP-2026-035", "OTP-2026-034", "OTP-2026-031", "OTP-2026-029", "OTP-2026-027"]


def parse(site, relative: str):
    feed = feedparser.parse(site.output.joinpath(relative).read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_feed_lists_open_roles_newest_first_with_ids_from_the_ref(sample_site, kind):
    feed = parse(sample_site, f"feeds/openings.{kind}.xml")
    ids = [entry.id for entry in feed.entries]
    assert ids == [f"{ID_PREFIX}:{ref}" for ref in SAMPLE_REFS]
    assert [entry.link for entry in feed.entries][:2] == [
        f"{ORIGIN}/openings/data-engineer-contract/",
        f"{ORIGIN}/openings/backend-developer-python/",
    ]
    published = [datetime.datetime(*entry.published_parsed[:6]) for entry in feed.entries]
    assert published == sorted(published, reverse=True)


def test_atom_feed_dates_are_timezone_aware_and_from_the_content(sample_site):
    text = sample_site.page("feeds/openings.atom.xml")
    # the feed is as new as its newest entry: never the build's clock
    assert "<updated>2026-11-25T14:00:00+00:00</updated>" in text.split("<entry>")[0]
    feed = parse(sample_site, "feeds/openings.atom.xml")
    design = next(e for e in feed.entries if e.id.endswith("OTP-2026-027"))
    assert design.published == "2026-10-28T08:15:00+00:00"
    assert design.updated == "2026-11-05T12:00:00+00:00"  # the modified date


def test_rss_feed_has_an_explicit_last_build_date(sample_site):
    text = sample_site.page("feeds/openings.rss.xml")
    assert "<lastBuildDate>Wed, 25 Nov 2026 14:00:00 +0000</lastBuildDate>" in text
    feed = parse(sample_site, "feeds/openings.rss.xml")
    assert all(entry.guidislink is False for entry in feed.entries)


def test_entries_carry_the_full_description_and_how_to_apply(sample_site):
    feed = parse(sample_site, "feeds/openings.atom.xml")
    entry = next(e for e in feed.entries if e.id.endswith("OTP-2026-031"))
    content = entry.content[0].value
    assert "Harrowgate Freight Systems" in content and "£68,000–£82,000 a year" in content
    assert "<h2" in content and "How the process works" in content  # the whole body
    assert 'href="https://careers.harrowgate-freight.example/' in content
    assert entry.summary.startswith("Look after the platform")
    assert [tag.term for tag in entry.tags] == ["Engineering"]


def test_links_inside_entries_are_absolute(kinds_site):
    feed = parse(kinds_site, "feeds/openings.atom.xml")
    entry = next(e for e in feed.entries if e.id.endswith("FIX-001"))
    content = entry.content[0].value
    assert f'href="{ORIGIN}/about/"' in content
    assert f'href="{ORIGIN}/openings/platform-engineer/#apply"' in content


def test_one_feed_pair_per_category(sample_site):
    feeds_dir = sample_site.output / "feeds/openings"
    names = sorted(path.name for path in feeds_dir.iterdir())
    assert names == sorted(
        f"{slug}.{kind}.xml"
        for slug in ("data", "design", "documentation", "engineering", "leadership")
        for kind in ("atom", "rss")
    )
    engineering = parse(sample_site, "feeds/openings/engineering.atom.xml")
    assert [e.id.rsplit(":", 1)[-1] for e in engineering.entries] == [
        "OTP-2026-034",
        "OTP-2026-031",
    ]
    # a category whose only role is paused still has a (valid, empty) feed
    documentation = parse(sample_site, "feeds/openings/documentation.rss.xml")
    assert documentation.entries == []


def test_closed_expired_and_paused_roles_are_not_in_any_feed(kinds_site):
    for path in sorted(kinds_site.output.glob("feeds/openings*/**/*.xml")) + sorted(
        kinds_site.output.glob("feeds/openings.*.xml")
    ):
        text = path.read_text(encoding="utf-8")
        for ref in ("FIX-010", "FIX-011", "FIX-012", "FIX-014"):
            assert ref not in text, (path, ref)


@pytest.mark.parametrize(
    "relative",
    [
        "feeds/openings.atom.xml",
        "feeds/openings.rss.xml",
        "feeds/openings/engineering.atom.xml",
        "feeds/openings/engineering.rss.xml",
        "feeds/openings/documentation.atom.xml",
    ],
)
def test_feeds_follow_the_feed_rules(sample_site, relative):
    data = sample_site.output.joinpath(relative).read_bytes()
    assert check_feed_bytes(data, relative, f"{ORIGIN}/{relative}") == []
