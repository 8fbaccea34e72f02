"""Feeds for all posts, per category and per tag: parse cleanly and follow the Atom rules."""

from __future__ import annotations

import feedparser
import pytest
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = [
    "feeds/all.atom.xml",
    "feeds/all.rss.xml",
    "feeds/category/candidates.atom.xml",
    "feeds/category/candidates.rss.xml",
    "feeds/tag/keeping-in-touch.atom.xml",
    "feeds/tag/keeping-in-touch.rss.xml",
]


@pytest.mark.parametrize("relative", FEEDS)
def test_feed_parses_without_errors_and_links_are_absolute(published_site, relative):
    parsed = feedparser.parse((published_site.output / relative).read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.entries
    for entry in parsed.entries:
        assert entry.link.startswith("https://okafor-talent.example/posts/")
        assert entry.get("id")


def test_all_feed_has_every_post_newest_first_with_full_content(published_site):
    parsed = feedparser.parse((published_site.output / "feeds/all.atom.xml").read_bytes())
    titles = [entry.title for entry in parsed.entries]
    assert len(titles) == 5
    assert titles[0] == "A CV that gets read in thirty seconds"
    assert titles[-1].startswith("I know it feels like a breakup")
    source = next(e for e in parsed.entries if "still-friends" in e.link)
    assert "Why I keep your number" in source.content[0].value


def test_atom_feed_meets_the_atom_rules(published_site):
    tree = etree.parse(str(published_site.output / "feeds/all.atom.xml"))
    feed = tree.getroot()
    for tag in ("id", "title", "updated"):
        assert feed.find(ATOM + tag) is not None and feed.find(ATOM + tag).text
    selfs = [link for link in feed.findall(ATOM + "link") if link.get("rel") == "self"]
    assert selfs and selfs[0].get("href") == "https://okafor-talent.example/feeds/all.atom.xml"
    ids = []
    for entry in feed.findall(ATOM + "entry"):
        for tag in ("id", "title", "updated"):
            assert entry.find(ATOM + tag).text
        assert entry.find(f"{ATOM}author/{ATOM}name").text == "Maren Okafor"
        ids.append(entry.find(ATOM + "id").text)
    assert len(ids) == len(set(ids))


def test_rss_channel_has_description_and_self_link(published_site):
    parsed = feedparser.parse((published_site.output / "feeds/all.rss.xml").read_bytes())
    assert parsed.feed.subtitle
    assert any(link.rel == "self" for link in parsed.feed.links)


def test_tag_feed_holds_only_that_tag(published_site):
    parsed = feedparser.parse(
        (published_site.output / "feeds/tag/keeping-in-touch.atom.xml").read_bytes()
    )
    links = sorted(entry.link for entry in parsed.entries)
    assert links == [
        "https://okafor-talent.example/posts/cv-that-gets-read/",
        "https://okafor-talent.example/posts/still-friends-after-no/",
    ]
