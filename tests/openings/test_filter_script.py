"""The listing's filter script in a real browser, under a CSP without 'unsafe-inline'."""

from __future__ import annotations

import pytest

from tests.browser import launch_chromium
from tests.serving import serve

pytestmark = [pytest.mark.browser, pytest.mark.server]

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'"


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium for every page a test module visits."""
    with launch_chromium() as instance:
        yield instance


@pytest.fixture(scope="module")
def base_url(sample_site):
    with serve(sample_site.output, headers={"Content-Security-Policy": CSP}) as url:
        yield url


def visible_titles(page) -> list[str]:
    return page.locator("[data-openings-list] .card:visible .card-title").all_inner_texts()


def test_filters_apply_in_place_and_combine(browser, base_url):
    page = browser.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{base_url}/openings/")
    assert len(visible_titles(page)) == 5

    page.click(".facets a[data-facet=mode][data-value=remote]")
    assert page.url == f"{base_url}/openings/?mode=remote"
    assert visible_titles(page) == [
        "Data Engineer (six-month contract)",
        "Backend Developer (Python)",
    ]
    assert page.inner_text("[data-openings-count]") == "2 open roles match these filters"
    assert page.get_attribute(".facets a[data-value=remote]", "aria-current") == "true"

    page.click(".facets a[data-facet=category][data-value=engineering]")
    assert visible_titles(page) == ["Backend Developer (Python)"]

    page.click(".facets a[data-facet=location][data-value=de]")
    assert visible_titles(page) == []
    assert page.is_visible("[data-openings-none]")
    page.click("[data-openings-reset]")
    assert len(visible_titles(page)) == 5
    assert page.url == f"{base_url}/openings/"
    assert violations == []
    page.close()


def test_a_shared_filter_address_is_applied_on_load(browser, base_url):
    page = browser.new_page()
    page.goto(f"{base_url}/openings/?mode=hybrid&nonsense=1")
    assert visible_titles(page) == [
        "Senior Platform Engineer",
        "Engineering Manager, Payments",
    ]
    page.close()


def test_without_javascript_a_filter_opens_its_page(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/openings/")
    page.click(".facets a[data-facet=mode][data-value=remote]")
    page.wait_for_url(f"{base_url}/openings/remote/")
    assert page.inner_text("h1") == "Open roles: Remote"
    context.close()
