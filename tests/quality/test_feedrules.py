"""sitekit.feedrules: each rule a feed validator applies, on small Atom and RSS documents."""

from __future__ import annotations

import pytest

from sitekit.feedrules import (
    check_feed_bytes,
    check_site_feeds,
    feed_files,
    is_rfc3339,
    relative_links_in_html,
    rfc822_problem,
)

SELF = "https://example.org/feeds/all.atom.xml"
RSS_SELF = "https://example.org/feeds/all.rss.xml"


def atom(entries: str = "", head: str | None = None) -> bytes:
    head = (
        head
        if head is not None
        else (
            f"<title>Site</title><id>https://example.org/</id><updated>2024-01-02T03:04:05Z</updated>"
            f'<link href="https://example.org/" rel="alternate"/><link href="{SELF}" rel="self"/>'
            "<author><name>Maren</name></author>"
        )
    )
    return f'<feed xmlns="http://www.w3.org/2005/Atom">{head}{entries}</feed>'.encode()


def entry(
    id_: str = "tag:example.org,2024-01-02:/a/",
    link: str = "https://example.org/a/",
    updated: str = "2024-01-02T03:04:05+01:00",
    extra: str = "",
) -> str:
    return (
        f"<entry><title>A</title><id>{id_}</id><updated>{updated}</updated>"
        f'<link href="{link}" rel="alternate"/>{extra}</entry>'
    )


def rss(items: str = "", channel_extra: str | None = None) -> bytes:
    extra = (
        channel_extra
        if channel_extra is not None
        else (
            f'<atom:link href="{RSS_SELF}" rel="self"/>'
            "<lastBuildDate>Mon, 08 Feb 2021 10:00:00 +0000</lastBuildDate>"
        )
    )
    return (
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>Site</title><link>https://example.org/</link><description>d</description>"
        f"{extra}{items}</channel></rss>"
    ).encode()


def item(
    guid: str = "https://example.org/a/",
    permalink: str | None = None,
    pub_date: str = "Mon, 08 Feb 2021 10:00:00 +0000",
) -> str:
    attr = f' isPermaLink="{permalink}"' if permalink is not None else ""
    return (
        f"<item><title>A</title><link>https://example.org/a/</link>"
        f"<guid{attr}>{guid}</guid><pubDate>{pub_date}</pubDate></item>"
    )


def test_good_feeds_have_no_problems():
    assert check_feed_bytes(atom(entry()), "a.xml", SELF) == []
    assert check_feed_bytes(rss(item() + item("tag:x,2021:/b/", "false")), "r.xml", RSS_SELF) == []


@pytest.mark.parametrize(
    "value, ok",
    [
        ("2024-01-02T03:04:05Z", True),
        ("2024-01-02T03:04:05.123+01:00", True),
        ("2024-01-02", False),
        ("2024-01-02T03:04:05", False),
        ("2024-02-30T03:04:05Z", False),
        ("Mon, 08 Feb 2021 10:00:00 +0000", False),
    ],
)
def test_rfc3339(value, ok):
    assert is_rfc3339(value) is ok


@pytest.mark.parametrize(
    "value, why",
    [
        ("Mon, 08 Feb 2021 10:00:00 +0000", None),
        ("08 Feb 2021 10:00 GMT", None),
        ("2021-02-08T10:00:00Z", "is not an RFC 822 date"),
        ("Mon, 08 Feb 21 10:00:00 +0000", "is not an RFC 822 date"),
        ("Tue, 08 Feb 2021 10:00:00 +0000", "wrong day of the week (Mon)"),
        ("Mon, 30 Feb 2021 10:00:00 +0000", "day that does not exist"),
        ("Mon, 08 Feb 2021 25:00:00 +0000", "impossible time"),
    ],
)
def test_rfc822(value, why):
    problem = rfc822_problem(value)
    assert (problem is None) if why is None else (why in problem)


@pytest.mark.parametrize(
    "document, expected",
    [
        (atom(entry(updated="2024-01-02")), "entry 1 updated: '2024-01-02' is not an RFC 3339"),
        (atom(entry(link="/a/")), "entry 1 link: href '/a/' is not an absolute"),
        (atom(entry(id_="/a/")), "entry 1 id: '/a/' is not an absolute IRI"),
        (atom(entry() + entry()), "entry 2 id: 'tag:example.org,2024-01-02:/a/' repeats entry 1"),
        (atom(entry(), head="<title>S</title><id>https://e.org/</id>"), "feed updated: expected"),
        (
            atom(entry(extra='<content type="html">&lt;a href="../b/"&gt;b&lt;/a&gt;</content>')),
            "entry 1 content: relative link '../b/'",
        ),
        (
            atom(
                entry(),
                head=f"<title>S</title><id>https://e.org/</id><updated>2024-01-02T03:04:05Z</updated>"
                f'<link href="{SELF}" rel="self"/>',
            ),
            "entry 1 author: missing",
        ),
        (
            atom(
                entry(),
                head="<title>S</title><id>x:y</id><updated>2024-01-02T03:04:05Z</updated>"
                "<author><name>M</name></author>",
            ),
            'self link: expected one rel="self" link, found 0',
        ),
        (
            rss(item("tag:example.org,2021:/a/")),
            "item 1 guid: 'tag:example.org,2021:/a/' is not a URL",
        ),
        (rss(item() + item()), "item 2 guid: 'https://example.org/a/' repeats item 1"),
        (
            rss(item(pub_date="2021-02-08")),
            "item 1 pubDate: '2021-02-08' is not an RFC 822",
        ),
        (rss(item(), channel_extra=""), 'self link: expected one rel="self" link, found 0'),
        (rss(item(), channel_extra='<atom:link href="/x.xml" rel="self"/>'), "is not an absolute"),
        (b"<html/>", "root: <html> is neither Atom nor RSS 2.0"),
        (b"<feed", "xml: does not parse"),
    ],
)
def test_each_rule_is_reported_with_the_place(document, expected):
    problems = check_feed_bytes(document, "f.xml", None)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("f.xml: ") for p in problems)


def test_self_link_must_name_where_the_feed_is_published():
    [problem] = check_feed_bytes(atom(entry()), "f.xml", "https://example.org/other.xml")
    assert "is not where the feed is" in problem


def test_relative_links_in_html():
    html = (
        '<a href="https://e.org/x">x</a><a href="#fn1">1</a><img src="/i.png">'
        '<a href="mailto:a@b">m</a>'
    )
    assert relative_links_in_html(html) == ["#fn1", "/i.png"]


def test_site_walk_finds_feeds_but_not_sitemaps(tmp_path):
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "all.atom.xml").write_bytes(atom(entry()))
    (tmp_path / "sitemap.xml").write_text(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>'
    )
    assert [p.name for p in feed_files(tmp_path)] == ["all.atom.xml"]
    assert check_site_feeds(tmp_path, "https://example.org") == []
    assert check_site_feeds(tmp_path, "https://elsewhere.org") != []
