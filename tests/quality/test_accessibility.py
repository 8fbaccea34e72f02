"""Gate 2: axe-core finds 0 violations on the key pages, light and dark, phone and desktop.

One Chromium for the whole module; the demo build is served on a loopback port and
every request to another origin is blocked (and reported if it is not loopback).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.quality.conftest import node_tool
from tests.quality.pages import GATE_PAGES, page_path, url_path
from tests.serving import serve

SCHEMES = ("light", "dark")
WIDTHS = (375, 1280)
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def axe_source() -> str:
    return node_tool("axe-core/axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site_url(demo_site):
    with serve(demo_site.output) as base:
        yield base


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            target = " ".join(json.dumps(t) for t in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())[:240]
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


class Tabs:
    """One browser context and tab per (colour scheme, width), reused for every page."""

    def __init__(self, browser, site_url: str):
        self.browser = browser
        self.site_url = site_url
        self.contexts: dict[tuple[str, int], object] = {}
        self.external: list[str] = []

    def _only_this_site(self, route) -> None:
        url = route.request.url
        if url.startswith(self.site_url + "/"):
            route.continue_()
            return
        if urlsplit(url).hostname not in LOOPBACK and not url.startswith("data:"):
            self.external.append(url)
        route.abort()

    def tab(self, scheme: str, width: int):
        key = (scheme, width)
        if key not in self.contexts:
            context = self.browser.new_context(
                viewport={"width": width, "height": 800},
                color_scheme=scheme,
                reduced_motion="reduce",
            )
            context.route("**/*", self._only_this_site)
            context.new_page()
            self.contexts[key] = context
        return self.contexts[key].pages[0]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def tabs(browser, site_url):
    opened = Tabs(browser, site_url)
    yield opened
    opened.close()


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", GATE_PAGES)
def test_no_axe_violations(tabs, axe_source, site_url, demo_site, name, scheme, width):
    relative = page_path(demo_site.output, name)
    tabs.external.clear()
    page = tabs.tab(scheme, width)
    response = page.goto(site_url + url_path(relative), wait_until="load")
    assert response is not None and response.ok, f"{relative}: HTTP {response and response.status}"
    page.add_script_tag(content=axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = results["violations"]
    assert not violations, (
        f"{relative} ({scheme}, {width}px): {len(violations)} axe violation(s):\n"
        + format_violations(violations)
    )
    assert not tabs.external, f"{relative} requested other hosts: {tabs.external}"


# The search page with a query that finds posts and roles: results, marks, live status.
SEARCH_WITH_RESULTS = "/search/?q=interview"


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
@pytest.mark.parametrize("scheme", SCHEMES)
def test_search_results_have_no_axe_violations(tabs, axe_source, site_url, scheme, width):
    tabs.external.clear()
    page = tabs.tab(scheme, width)
    response = page.goto(site_url + SEARCH_WITH_RESULTS, wait_until="load")
    assert response is not None and response.ok, f"search: HTTP {response and response.status}"
    page.wait_for_function("() => document.querySelectorAll('.search-result mark').length > 0")
    status = page.locator("[data-search-status]").inner_text()
    assert "result" in status and not status.startswith("No "), status
    page.add_script_tag(content=axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = results["violations"]
    assert not violations, (
        f"{SEARCH_WITH_RESULTS} ({scheme}, {width}px): {len(violations)} axe violation(s):\n"
        + format_violations(violations)
    )
    assert not tabs.external, f"the search page requested other hosts: {tabs.external}"
