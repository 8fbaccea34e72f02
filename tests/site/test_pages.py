"""The demo site, built with the real settings: every page, link target and head tag."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup

POST_SLUGS = [
    "still-friends-after-no",
    "counter-offer-math",
    "interview-debrief",
    "remote-first-hiring",
    "cv-that-gets-read",
]
EXPECTED_PAGES = [
    "index.html",
    "404.html",
    "about/index.html",
    "contact/index.html",
    "archives/index.html",
    "tags/index.html",
    "categories/index.html",
    "authors/index.html",
    "author/maren-okafor/index.html",
    "category/careers/index.html",
    "tag/keeping-in-touch/index.html",
    "sitemap.xml",
    "robots.txt",
    "feeds/all.atom.xml",
    "feeds/all.rss.xml",
    "feeds/category/careers.atom.xml",
    "feeds/category/careers.rss.xml",
    "feeds/tag/keeping-in-touch.atom.xml",
    "feeds/tag/keeping-in-touch.rss.xml",
] + [f"posts/{slug}/index.html" for slug in POST_SLUGS]


def soup(site, relative: str) -> BeautifulSoup:
    return BeautifulSoup(site.page(relative), "html.parser")


def html_pages(site) -> list[Path]:
    return sorted(site.output.rglob("*.html"))


def test_clean_build_prints_no_warnings(demo_site, published_site):
    assert demo_site.report.warnings == []
    assert published_site.report.warnings == []
    assert demo_site.report.errors == [] and published_site.report.errors == []


@pytest.mark.parametrize("relative", EXPECTED_PAGES)
def test_every_expected_page_exists(demo_site, relative):
    assert (demo_site.output / relative).is_file()


def test_posts_live_at_pretty_urls_and_never_as_flat_files(demo_site):
    assert not list(demo_site.output.glob("posts/*.html"))
    assert not (demo_site.output / "still-friends-after-no.html").exists()


def test_source_article_is_from_2008_and_links_to_the_authors_website(demo_site):
    page = soup(demo_site, "posts/still-friends-after-no/index.html")
    assert page.find("time")["datetime"].startswith("2008-03-14")
    hrefs = [a["href"] for a in page.select(".prose a")]
    assert "https://okafor-talent.example/" in hrefs
    assert len(page.select(".prose p")) >= 5


def test_every_page_has_lang_title_description_and_canonical(published_site):
    for path in html_pages(published_site):
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        name = path.relative_to(published_site.output)
        assert page.html.get("lang") == "en", name
        assert page.title and page.title.get_text(strip=True), name
        assert page.find("meta", attrs={"name": "description"})["content"].strip(), name
        canonical = page.find("link", rel="canonical")["href"]
        assert canonical.startswith("https://okafor-talent.example/"), name


def test_canonical_of_a_post_is_its_own_absolute_url(published_site):
    page = soup(published_site, "posts/counter-offer-math/index.html")
    assert (
        page.find("link", rel="canonical")["href"]
        == "https://okafor-talent.example/posts/counter-offer-math/"
    )


def test_every_page_has_landmarks_a_skip_link_and_alt_text(demo_site):
    for path in html_pages(demo_site):
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        name = path.relative_to(demo_site.output)
        assert page.find("header") and page.find("main", id="main"), name
        assert page.find("footer") and page.find("nav", attrs={"aria-label": "Main"}), name
        assert page.find("a", class_="skip-link")["href"] == "#main", name
        for image in page.find_all("img"):
            if "stats-pixel" in (image.get("class") or []):  # the counting image: no content
                assert image.parent.name == "noscript" and image["alt"] == "", name
                continue
            assert image.get("alt", "").strip(), f"{name}: {image}"
            assert image.get("width") and image.get("height"), f"{name}: {image}"
        assert len(page.find_all("h1")) == 1, name


def test_nav_has_blog_openings_about_contact_and_marks_current(demo_site):
    page = soup(demo_site, "about/index.html")
    labels = [a.get_text(strip=True) for a in page.select("nav[aria-label=Main] a")]
    assert labels == ["Blog", "Openings", "About", "Contact"]
    assert page.select_one("nav a[aria-current=page]").get_text() == "About"


def test_autodiscovery_links_in_every_page_head(published_site):
    for path in html_pages(published_site):
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        types = {link["type"] for link in page.head.find_all("link", rel="alternate")}
        assert {"application/atom+xml", "application/rss+xml"} <= types, path


def test_post_has_author_box_share_links_reading_time_and_neighbours(demo_site):
    page = soup(demo_site, "posts/interview-debrief/index.html")
    box = page.select_one(".author-box")
    box_links = [a.get_text() for a in box.select("a")]
    assert box_links == ["Email", "LinkedIn", "Facebook", "Twitter/X", "RSS"]
    share = {a.get_text(): a["href"] for a in page.select(".share a")}
    assert share["LinkedIn"].startswith("https://www.linkedin.com/sharing/")
    assert "interview-debrief" in share["X"] and share["Email"].startswith("mailto:")
    assert re.search(r"\d+ min read", page.select_one(".post-header .meta").get_text())
    assert page.select_one(".prev-next a[rel=prev]")["href"].endswith("counter-offer-math/")
    assert page.select_one(".prev-next a[rel=next]")["href"].endswith("remote-first-hiring/")
    for script in page.find_all("script", src=True):  # only deferred, self-hosted extras
        assert script.has_attr("defer") and "//" not in script["src"], script


def test_related_posts_share_tags(demo_site):
    page = soup(demo_site, "posts/still-friends-after-no/index.html")
    related = [a["href"] for a in page.select(".related a")]
    # shares "candidate experience" with the debrief post, "keeping in touch" with the CV post
    assert any("interview-debrief" in href for href in related)
    assert any("cv-that-gets-read" in href for href in related)
    assert not any("still-friends-after-no" in href for href in related)


def test_open_graph_and_twitter_cards(published_site):
    page = soup(published_site, "posts/remote-first-hiring/index.html")
    og = {m["property"]: m["content"] for m in page.find_all("meta", property=True)}
    assert og["og:type"] == "article"
    assert og["og:url"] == "https://okafor-talent.example/posts/remote-first-hiring/"
    assert og["og:image"].startswith(
        "https://okafor-talent.example/cards/posts/remote-first-hiring-"
    )
    assert og["og:title"].startswith("Hiring across time zones")
    twitter = {m["name"]: m["content"] for m in page.find_all("meta", attrs={"name": True})}
    assert twitter["twitter:card"] == "summary_large_image"  # tests/share_cards: the card
    assert (published_site.output / "images/share-card.png").is_file()


def _jsonld(page: BeautifulSoup) -> list[dict]:
    return [json.loads(s.string) for s in page.find_all("script", type="application/ld+json")]


def test_blog_posting_jsonld(published_site):
    page = soup(published_site, "posts/still-friends-after-no/index.html")
    [data] = [d for d in _jsonld(page) if d["@type"] == "BlogPosting"]
    assert data["headline"].startswith("I know it feels like a breakup")
    assert data["datePublished"].startswith("2008-03-14T09:30:00")
    assert data["dateModified"].startswith("2008-03-16")
    assert data["author"]["name"] == "Maren Okafor"
    assert data["mainEntityOfPage"]["@id"].endswith("/posts/still-friends-after-no/")
    assert "keeping in touch" in data["keywords"]


def test_person_jsonld_on_about(published_site):
    [data] = _jsonld(soup(published_site, "about/index.html"))
    assert data["@type"] == "Person" and data["name"] == "Maren Okafor"
    assert "https://www.linkedin.com/in/maren-okafor-example" in data["sameAs"]


def test_contact_page_lists_every_channel(demo_site):
    text = soup(demo_site, "contact/index.html").select_one(".contact-list").get_text()
    for label in ("Email", "Phone", "LinkedIn", "Facebook", "Twitter/X"):
        assert label in text


def test_sitemap_lists_posts_with_lastmod_and_robots_points_to_it(published_site):
    sitemap = BeautifulSoup(published_site.page("sitemap.xml"), "xml")
    entries = {
        u.loc.string: u.lastmod.string if u.lastmod else None for u in sitemap.find_all("url")
    }
    url = "https://okafor-talent.example/posts/counter-offer-math/"
    assert entries[url].startswith("2012-09-03")
    assert "https://okafor-talent.example/about/" in entries
    assert not any("404" in loc for loc in entries)
    robots = published_site.page("robots.txt")
    assert "Sitemap: https://okafor-talent.example/sitemap.xml" in robots


def test_no_third_party_requests_from_any_page(published_site):
    own = {"", "okafor-talent.example"}
    counting = {"audience.okafor-talent.example"}  # the site's own server: the counting image
    for path in html_pages(published_site):
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for tag, attribute in (
            ("script", "src"),
            ("link", "href"),
            ("img", "src"),
            ("iframe", "src"),
            ("source", "src"),
        ):
            for element in page.find_all(tag):
                if tag == "link" and set(element.get("rel", [])) & {"alternate", "canonical"}:
                    continue
                host = urlparse(element.get(attribute, "")).hostname or ""
                if "stats-pixel" in (element.get("class") or []):
                    assert host in counting, f"{path.name}: {element}"
                    continue
                assert host in own, f"{path.name}: {element}"


def test_css_is_small_and_uses_no_web_fonts(demo_site):
    css_files = list((demo_site.output / "theme").rglob("*.css"))
    assert css_files
    total = sum(path.stat().st_size for path in css_files)
    assert total < 15 * 1024, total
    for path in css_files:
        text = path.read_text()
        assert "@font-face" not in text and "@import" not in text
        assert "prefers-color-scheme: dark" in text


def test_pagination_has_pretty_urls(tmp_path):
    from tests.sitebuild import build

    site = build(tmp_path, DEFAULT_PAGINATION=2)
    assert site.report.ok
    assert (site.output / "page/2/index.html").is_file()
    assert (site.output / "page/3/index.html").is_file()
    page2 = (site.output / "page/2/index.html").read_text()
    assert 'rel="next"' in page2 and 'rel="prev"' in page2
