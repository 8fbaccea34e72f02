"""JobPosting JSON-LD: exactly one block on open roles, checked field by field; none elsewhere."""

from __future__ import annotations

import re

import pytest

from tests.openings.conftest import job_postings, jsonld_blocks, soup

ORIGIN = "http://127.0.0.1:8000"
IDENTIFIER_NAME = "Okafor Talent Partners"


def posting(site, slug: str) -> dict:
    page = soup(site, f"openings/{slug}/index.html")
    scripts = page.find_all("script", type="application/ld+json")
    assert len(scripts) == 1, scripts
    [data] = job_postings(page)
    return data


def test_hybrid_role_with_salary(kinds_site):
    data = posting(kinds_site, "platform-engineer")
    assert data["@context"] == "https://schema.org"
    assert data["title"] == "Platform Engineer"
    assert data["description"].startswith("<p>Run the platform.")
    assert "<h2" in data["description"]  # HTML, not plain text
    assert data["datePosted"] == "2026-11-10T09:00:00+00:00"
    assert data["validThrough"] == "2027-01-31T23:59:59+00:00"
    assert data["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Northwind Haulage",
        "sameAs": "https://northwind.example/",
    }
    assert data["jobLocation"] == {
        "@type": "Place",
        "address": {
            "@type": "PostalAddress",
            "addressLocality": "Leeds",
            "addressRegion": "West Yorkshire",
            "addressCountry": "GB",
        },
    }
    assert "jobLocationType" not in data and "applicantLocationRequirements" not in data
    assert data["employmentType"] == "FULL_TIME"
    assert data["baseSalary"] == {
        "@type": "MonetaryAmount",
        "currency": "GBP",
        "value": {
            "@type": "QuantitativeValue",
            "minValue": 60000,
            "maxValue": 75000.5,
            "unitText": "YEAR",
        },
    }
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "name": IDENTIFIER_NAME,
        "value": "FIX-001",
    }
    assert data["directApply"] is False  # the form is on the employer's site
    assert data["url"] == f"{ORIGIN}/openings/platform-engineer/"


def test_remote_role_with_applicant_countries(kinds_site):
    data = posting(kinds_site, "backend-developer")
    assert data["jobLocationType"] == "TELECOMMUTE"
    assert data["applicantLocationRequirements"] == [
        {"@type": "Country", "name": "United Kingdom"},
        {"@type": "Country", "name": "Ireland"},
    ]
    assert "jobLocation" not in data
    assert data["employmentType"] == ["FULL_TIME", "CONTRACTOR"]
    assert "baseSalary" not in data and "validThrough" not in data
    assert data["hiringOrganization"] == {"@type": "Organization", "name": "Lantern Apps"}
    assert data["identifier"]["value"] == "FIX-002"
    assert data["directApply"] is False


def test_onsite_confidential_role_in_two_places(kinds_site):
    data = posting(kinds_site, "design-lead")
    assert data["hiringOrganization"] == {"@type": "Organization", "name": "Confidential"}
    assert [place["address"] for place in data["jobLocation"]] == [
        {
            "@type": "PostalAddress",
            "addressLocality": "Manchester",
            "addressRegion": "Greater Manchester",
            "addressCountry": "GB",
        },
        {
            "@type": "PostalAddress",
            "addressLocality": "Berlin",
            "addressRegion": "Berlin",
            "addressCountry": "DE",
        },
    ]
    assert all(place["@type"] == "Place" for place in data["jobLocation"])
    assert data["baseSalary"]["currency"] == "EUR"
    assert data["baseSalary"]["value"] == {
        "@type": "QuantitativeValue",
        "minValue": 45,
        "unitText": "HOUR",
    }
    assert data["datePosted"] == "2026-10-01T00:00:00+01:00"
    assert data["employmentType"] == "PART_TIME"


def test_an_apply_form_on_this_site_is_direct_apply(tmp_path):
    from tests.openings.conftest import OPENINGS_FIXTURES, build_openings

    content = tmp_path / "src"
    (content / "openings").mkdir(parents=True)
    source = (OPENINGS_FIXTURES / "kinds/openings/hybrid-salary.md").read_text()
    (content / "openings/own-form.md").write_text(
        source.replace(
            "https://jobs.northwind.example/platform-engineer", f"{ORIGIN}/apply/platform-engineer/"
        ),
        encoding="utf-8",
    )
    site = build_openings(tmp_path, content)
    assert posting(site, "platform-engineer")["directApply"] is True


def test_json_cannot_break_out_of_its_script_element(kinds_site):
    html = kinds_site.page("openings/tester/index.html")
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert "<" not in block and ">" not in block and "&" not in block.replace("\\u0026", "")
    data = posting(kinds_site, "tester")
    assert data["title"] == "Tester </script><script>alert(1)</script>"
    assert data["hiringOrganization"]["name"] == "Quote & Bracket <Ltd>"
    page = soup(kinds_site, "openings/tester/index.html")
    injected = [
        script
        for script in page.find_all("script")
        if script.get("type") != "application/ld+json" and "alert" in (script.string or "")
    ]
    assert injected == []  # the title did not open a script element
    assert page.h1.get_text() == "Tester </script><script>alert(1)</script>"


@pytest.mark.parametrize(
    "slug", ["qa-lead", "data-analyst", "mobile-developer", "technical-writer"]
)
def test_closed_expired_and_paused_roles_carry_no_job_posting(kinds_site, slug):
    page = soup(kinds_site, f"openings/{slug}/index.html")
    assert job_postings(page) == []
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"


@pytest.mark.parametrize(
    "relative",
    [
        "openings/index.html",
        "openings/closed/index.html",
        "openings/remote/index.html",
        "openings/category/engineering/index.html",
        "openings/location/united-kingdom/index.html",
        "openings/type/full-time/index.html",
        "index.html",
    ],
)
def test_listing_and_filter_pages_carry_no_job_posting(kinds_site, relative):
    assert job_postings(soup(kinds_site, relative)) == []


def test_every_open_role_of_the_sample_has_exactly_one_job_posting(sample_site):
    for path in sorted(sample_site.output.glob("openings/*/index.html")):
        page = soup(sample_site, str(path.relative_to(sample_site.output)))
        article = page.find(attrs={"data-opening-status": True})
        if article is None:
            assert job_postings(page) == [], path  # a filter or archive page
            continue
        expected = 1 if article["data-opening-status"] == "open" else 0
        assert len(job_postings(page)) == expected, path
        assert all(block.get("@type") == "JobPosting" for block in jsonld_blocks(page))
