"""Listing, filter, detail and archive pages, the home page box, related roles, sitemap."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from tests.openings.conftest import soup
from tests.sitebuild import ROOT

SAMPLE_OPEN = [  # newest first
    "data-engineer-contract",
    "backend-developer-python",
    "senior-platform-engineer",
    "engineering-manager-payments",
    "product-design-lead",
]


def card_links(page: BeautifulSoup, selector: str = "[data-openings-list]") -> list[str]:
    container = page.select_one(selector)
    return [a["href"].rstrip("/").rsplit("/", 1)[-1] for a in container.select(".card-title a")]


def test_the_placeholder_page_is_gone_and_the_listing_took_its_place(sample_site):
    assert not (ROOT / "content/pages/openings.md").exists()
    page = soup(sample_site, "openings/index.html")
    assert page.h1.get_text() == "Open roles"
    assert page.select_one("nav[aria-label=Main] a[aria-current=page]").get_text() == "Openings"


def test_listing_shows_open_roles_newest_first_with_their_facts(sample_site):
    page = soup(sample_site, "openings/index.html")
    assert card_links(page) == SAMPLE_OPEN
    cards = page.select("[data-openings-list] .card")
    text = [" ".join(card.get_text(" ").split()) for card in cards]
    assert "Brightwell Energy Co-operative · Remote · from United Kingdom" in text[0]
    assert "Contract · £550–£650 a day · Posted 25 November 2026" in text[0]
    assert "Hybrid · Leeds, United Kingdom" in text[2]
    assert "Full-time · £68,000–£82,000 a year" in text[2]
    assert "Confidential client · On-site · Manchester or Sheffield, United Kingdom" in text[4]
    assert "Full-time · Posted 28 October 2026" in text[4]  # no salary given
    assert cards[0].find("time")["datetime"] == "2026-11-25T14:00:00+00:00"
    assert page.select_one("[data-openings-count]").get_text() == "5 open roles"


def test_paused_roles_are_hidden_but_keep_their_page(sample_site):
    listing = sample_site.page("openings/index.html")
    assert "technical-writer" not in listing
    assert "technical-writer" not in sample_site.page("index.html")
    assert "technical-writer" not in sample_site.page("feeds/openings.atom.xml")
    page = soup(sample_site, "openings/technical-writer/index.html")
    notice = page.select_one(".notice").get_text(" ")
    assert "This role is on hold" in notice
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert page.select(".apply") == []
    assert page.select_one("[data-opening-status]")["data-opening-status"] == "paused"


@pytest.mark.parametrize(
    ("slug", "state", "banner"),
    [
        ("qa-lead", "filled", "This role is closed: it has been filled."),
        ("mobile-developer-part-time", "expired", "This role is closed."),
    ],
)
def test_closed_roles_keep_their_page_with_a_banner(sample_site, slug, state, banner):
    page = soup(sample_site, f"openings/{slug}/index.html")
    notice = page.select_one(".notice")
    assert banner in " ".join(notice.get_text(" ").split())
    assert [a["href"] for a in notice.select("a")][0] == "../../openings/"
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert page.select(".apply") == []  # no apply button
    assert page.select_one("[data-opening-status]")["data-opening-status"] == state


def test_recently_closed_section_and_archive(sample_site):
    page = soup(sample_site, "openings/index.html")
    section = page.select_one(".closed-openings")
    assert card_links(page, ".closed-openings") == ["mobile-developer-part-time", "qa-lead"]
    assert "Filled" in section.get_text() and "Closed" in section.get_text()
    assert section.find("a", href="../openings/closed/")
    archive = soup(sample_site, "openings/closed/index.html")
    assert archive.h1.get_text() == "Closed roles"
    assert card_links(archive, ".opening-list") == ["mobile-developer-part-time", "qa-lead"]
    assert archive.find("meta", attrs={"name": "robots"})["content"] == "noindex"


def test_detail_page_has_everything_a_candidate_needs(sample_site):
    page = soup(sample_site, "openings/senior-platform-engineer/index.html")
    assert page.h1.get_text() == "Senior Platform Engineer"
    facts = {
        dt.get_text(): " ".join(dd.get_text(" ").split())
        for dt, dd in zip(
            page.select(".opening-facts dt"), page.select(".opening-facts dd"), strict=True
        )
    }
    assert facts["Employer"] == "Harrowgate Freight Systems"
    assert facts["Work mode"] == "Hybrid"
    assert facts["Location"] == "Leeds, West Yorkshire, United Kingdom"
    assert facts["Employment type"] == "Full-time"
    assert facts["Salary"] == "£68,000–£82,000 a year"
    assert facts["Posted"] == "12 November 2026"
    assert facts["Apply by"] == "31 January 2027"
    assert facts["Reference"] == "OTP-2026-031"
    buttons = page.select(".apply a.button")
    assert buttons and {b["href"] for b in buttons} == {
        "https://careers.harrowgate-freight.example/roles/senior-platform-engineer"
    }
    assert page.select(".prose h2")  # the description
    share = {a.get_text(): a["href"] for a in page.select(".share a")}
    assert "openings%2Fsenior-platform-engineer" in share["LinkedIn"].replace("/", "%2F")
    assert "Senior%20Platform%20Engineer" in share["X"]
    back = [a for a in page.select("a") if "See all current openings" in a.get_text()]
    assert back and back[0]["href"] == "../../openings/"


def test_email_apply_button_subject_carries_title_and_ref(sample_site):
    page = soup(sample_site, "openings/backend-developer-python/index.html")
    hrefs = {a["href"] for a in page.select(".apply a.button")}
    assert hrefs == {
        "mailto:apply@okafor-talent.example?subject=Application%3A%20Backend%20Developer"
        "%20%28Python%29%20%28ref%20OTP-2026-034%29"
    }


def test_confidential_client_is_never_named(sample_site):
    page = soup(sample_site, "openings/product-design-lead/index.html")
    assert "Confidential client" in page.select_one(".opening-facts").get_text()
    assert page.select(".opening-facts dd")[0].find("a") is None  # no employer link
    assert "Confidential client" in page.select(".post-header .meta")[-1].get_text()


FILTER_PAGES = {
    "openings/remote/index.html": ["data-engineer-contract", "backend-developer-python"],
    "openings/hybrid/index.html": ["senior-platform-engineer", "engineering-manager-payments"],
    "openings/onsite/index.html": ["product-design-lead"],
    "openings/category/engineering/index.html": [
        "backend-developer-python",
        "senior-platform-engineer",
    ],
    "openings/category/leadership/index.html": ["engineering-manager-payments"],
    "openings/location/ireland/index.html": ["backend-developer-python"],
    "openings/location/germany/index.html": ["engineering-manager-payments"],
    "openings/location/united-kingdom/index.html": [
        "data-engineer-contract",
        "backend-developer-python",
        "senior-platform-engineer",
        "product-design-lead",
    ],
    "openings/type/contractor/index.html": ["data-engineer-contract"],
}


@pytest.mark.parametrize(("relative", "expected"), FILTER_PAGES.items())
def test_static_filter_pages_work_without_javascript(sample_site, relative, expected):
    page = soup(sample_site, relative)
    assert card_links(page, ".opening-list") == expected
    assert page.select_one('.facets a[aria-current="page"]')  # the current filter is marked
    assert not page.find("script", src=True), "filter pages need no script"
    canonical = page.find("link", rel="canonical")["href"]
    assert canonical.endswith("/" + relative.removesuffix("index.html"))


def test_every_filter_link_on_the_listing_leads_to_a_built_page(sample_site):
    page = soup(sample_site, "openings/index.html")
    links = page.select(".facets a[data-facet]")
    assert {a["data-facet"] for a in links} == {"category", "mode", "location", "type"}
    for link in links:
        target = link["href"].removeprefix("../") + "index.html"
        assert (sample_site.output / target).is_file(), link
    # the script filters on data attributes that the cards carry
    cards = page.select("[data-opening]")
    for link in links:
        facet, value = link["data-facet"], link["data-value"]
        if value:
            assert any(value in card[f"data-{facet}"].split() for card in cards), value


def test_listing_loads_one_deferred_self_hosted_script_and_no_inline_script(sample_site):
    page = soup(sample_site, "openings/index.html")
    [script] = page.find_all("script", src=True)
    assert script.has_attr("defer")
    assert re.fullmatch(r"\.\./theme/js/openings-filter\.js\?v=[0-9a-f]{10}", script["src"])
    assert (sample_site.output / "theme/js/openings-filter.js").is_file()
    for path in sample_site.output.glob("openings/**/index.html"):
        html = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for element in html.find_all("script", src=False):
            assert element.get("type") == "application/ld+json", path
        assert not html.find(attrs={"onclick": True}) and not html.find(style=True), path


def test_home_page_shows_the_latest_open_roles(sample_site):
    page = soup(sample_site, "index.html")
    box = page.select_one(".latest-openings")
    assert card_links(page, ".latest-openings") == SAMPLE_OPEN[:3]
    assert box.find("a", href="./openings/")


def test_posts_link_to_open_roles_sharing_a_tag(kinds_site):
    page = soup(kinds_site, "posts/remote-teams/index.html")
    section = page.select_one(".related-openings")
    assert section.h2.get_text() == "Open roles related to this post"
    hrefs = [a["href"] for a in section.select("li a")]
    # design-lead shares two tags; then newest first; closed and paused roles never
    assert hrefs == [
        "../../openings/design-lead/",
        "../../openings/backend-developer/",
        "../../openings/platform-engineer/",
    ]
    assert not soup(kinds_site, "posts/unrelated/index.html").select(".related-openings")


def test_sample_posts_link_to_sample_roles(sample_site):
    page = soup(sample_site, "posts/remote-first-hiring/index.html")
    hrefs = [a["href"] for a in page.select(".related-openings li a")]
    assert "../../openings/backend-developer-python/" in hrefs
    assert not any("technical-writer" in href or "qa-lead" in href for href in hrefs)


def test_sitemap_lists_open_roles_with_lastmod_and_leaves_out_the_rest(sample_site):
    sitemap = BeautifulSoup(sample_site.page("sitemap.xml"), "xml")
    entries = {
        u.loc.string: (u.lastmod.string if u.lastmod else None) for u in sitemap.find_all("url")
    }
    base = "http://127.0.0.1:8000/openings/"
    assert entries[base] == "2026-11-25T14:00:00+00:00"
    assert entries[base + "senior-platform-engineer/"] == "2026-11-12T09:00:00+00:00"
    assert entries[base + "product-design-lead/"] == "2026-11-05T12:00:00+00:00"  # modified
    assert entries[base + "remote/"] == "2026-11-25T14:00:00+00:00"
    for hidden in ("technical-writer/", "qa-lead/", "mobile-developer-part-time/", "closed/"):
        assert base + hidden not in entries


def test_openings_pages_link_their_feeds(sample_site):
    def feeds(relative):
        page = soup(sample_site, relative)
        return {
            link["href"].removeprefix("http://127.0.0.1:8000/")
            for link in page.head.find_all("link", rel="alternate")
        }

    assert {"feeds/openings.atom.xml", "feeds/openings.rss.xml"} <= feeds("openings/index.html")
    detail = feeds("openings/senior-platform-engineer/index.html")
    assert {"feeds/openings/engineering.atom.xml", "feeds/openings/engineering.rss.xml"} <= detail
    category = feeds("openings/category/data/index.html")
    assert "feeds/openings/data.rss.xml" in category


def test_every_openings_page_has_one_h1_and_a_canonical_link(sample_site):
    for path in sorted(sample_site.output.glob("openings/**/index.html")):
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        assert len(page.find_all("h1")) == 1, path
        assert len(page.find_all("link", rel="canonical")) == 1, path
