"""The search page in headless Chromium against the real index of the fixture site."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.search.conftest import INDEXED_URLS

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, search_url):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    outside: list[str] = []

    def only_this_site(route):
        if route.request.url.startswith(search_url + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_site)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    # The fixture has no images or favicon: only search's own files must all load.
    tab.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and ("/pagefind/" in r.url or "/theme/" in r.url)
            else None
        ),
    )
    yield tab
    context.close()
    assert not outside, outside
    assert not errors, errors


def search(page, base: str, query: str = "", **filters) -> str:
    """Open /search/ with ``query`` and ``filters``; the status once results are shown."""
    params = [f"q={quote(query)}"] + [f"{name}={quote(value)}" for name, value in filters.items()]
    page.goto(f"{base}/search/?{'&'.join(params)}")
    return wait_for_status(page)


def wait_for_status(page, not_this: str = "") -> str:
    page.wait_for_function(
        "(old) => { const t = document.querySelector('[data-search-status]').textContent.trim();"
        " return t && t !== old; }",
        arg=not_this,
    )
    return page.locator("[data-search-status]").inner_text()


def result_links(page) -> list[str]:
    return page.locator(".search-result-title a").evaluate_all("links => links.map(a => a.href)")


def test_a_word_from_one_post_finds_that_post_first(page, search_url):
    status = search(page, search_url, "quokka")
    assert status == "1 result for \u201cquokka\u201d."
    assert result_links(page)[0] == search_url + "/posts/marsupial-interviews/"
    first = page.locator(".search-result").first
    assert (
        first.locator(".meta").inner_text().startswith("Post \u00b7 4 March 2025 \u00b7 Interviews")
    )
    assert first.locator(".search-result-summary").inner_text().startswith("A holiday photo")
    marks = first.locator(".search-result-excerpt mark").all_inner_texts()
    assert marks and {mark.lower() for mark in marks} == {"quokka"}
    assert page.title().startswith("\u201cquokka\u201d \u00b7 Search")


def test_the_header_box_searches_from_any_page(page, search_url):
    page.goto(search_url + "/posts/salary-bands/")
    box = page.get_by_label("Search", exact=True)
    box.focus()
    page.keyboard.type("quokka")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=quokka$"))
    assert wait_for_status(page).startswith("1 result")
    assert page.locator("#search-q").input_value() == "quokka"


def test_a_role_title_finds_the_role_and_a_closed_one_finds_nothing(page, search_url):
    search(page, search_url, "Platform Engineer in Leeds")
    first = page.locator(".search-result").first
    assert first.locator("h2").inner_text() == "Platform Engineer in Leeds"
    assert first.locator(".meta").inner_text().startswith("Role \u00b7 12 November 2026")
    assert search(page, search_url, "Lighthouse Keeper Liaison") == (
        "No results for \u201cLighthouse Keeper Liaison\u201d."
    )
    assert search(page, search_url, "zeppelin").startswith("No results")  # a draft
    assert page.locator(".search-result").count() == 0


def test_the_remote_filter_narrows_results_to_remote_roles(page, search_url):
    before = search(page, search_url, "python")
    assert before == "2 results for \u201cpython\u201d."
    page.get_by_label("Work mode").select_option("remote")
    after = wait_for_status(page, not_this=before)
    assert after == "1 result for \u201cpython\u201d with these filters."
    assert result_links(page) == [search_url + "/openings/remote-python-developer/"]
    assert "mode=remote" in page.url and "q=python" in page.url
    # The address alone gives the same page, and a country filter counts "anywhere" roles.
    assert search(page, search_url, "", mode="remote", location="ie").startswith("1 result")
    assert search(page, search_url, "", type="post") == "2 results with these filters."


def test_every_result_link_resolves(page, search_url):
    links = set()
    for query in ("the", "python", "interview", "salary", "about"):
        search(page, search_url, query)
        links.update(result_links(page))
    assert {link.removeprefix(search_url) for link in links} <= INDEXED_URLS
    for link in links:
        assert page.request.get(link).status == 200, link


def test_show_more_adds_results_and_moves_focus_to_them(page, search_url):
    def two_at_a_time(route):
        response = route.fetch()
        html = response.text().replace('data-page-size="10"', 'data-page-size="2"')
        route.fulfill(response=response, body=html)

    page.route(search_url + "/search/?*", two_at_a_time)
    status = search(page, search_url, "the")
    total = int(status.split()[0])
    assert total > 2
    assert page.locator(".search-result").count() == 2
    more = page.get_by_role("button", name="Show more results")
    more.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.search-result').length > 2")
    assert page.evaluate("document.activeElement.href") == result_links(page)[2]
    assert page.locator(".search-result").count() == min(4, total)


def test_a_query_with_markup_is_shown_as_text(page, search_url):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    query = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    status = search(page, search_url, query)
    assert f"\u201c{query}\u201d" in status
    assert page.locator("main script, main img[src=x]").count() == 0
    assert not dialogs
    assert page.locator("#search-q").input_value() == query


def test_without_javascript_the_page_says_so_and_offers_links(browser, search_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(search_url + "/search/?q=quokka")
        notice = tab.locator("noscript .notice, .notice:has-text('needs JavaScript')").first
        assert notice.is_visible()
        assert "Search needs JavaScript" in notice.inner_text()
        hrefs = notice.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert {"/archives/", "/tags/", "/openings/"} <= {h.replace("..", "") for h in hrefs}
        assert "/openings/remote/" in {h.replace("..", "") for h in hrefs}
        assert tab.locator(".search-result").count() == 0
    finally:
        context.close()


def test_a_one_word_search_is_light(page, search_url):
    search(page, search_url, "quokka")
    sizes = page.evaluate(
        "() => performance.getEntriesByType('resource').concat(performance.getEntriesByType"
        "('navigation')).map(e => [e.name, e.encodedBodySize])"
    )
    total = sum(size for _, size in sizes)
    search_files = [name for name, _ in sizes if "/pagefind/" in name]
    assert any(name.endswith("/pagefind/pagefind.js") for name in search_files)
    assert not any("worker" in name or "pagefind-ui" in name for name in search_files)
    print(f"one-word search on the fixture site: {total:,} bytes in {len(sizes)} files")
    assert total < 250_000, sizes
