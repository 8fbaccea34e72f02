"""A reader in headless Chromium: archived comments without JavaScript, then a live
comment posted through Isso's form, approved from the terminal side, seen after reload.

The page is served with a strict Content-Security-Policy (no inline script or style),
and every request that would leave the loopback interface is blocked and reported.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from sitekit.comments.moderation import approve_comment, pending_comments
from tests.browser import launch_chromium
from tests.sitebuild import build

pytestmark = [pytest.mark.browser, pytest.mark.server]

SLUG = "still-friends-after-no"
LIVE_TEXT = "Staying in touch worked for me: a short note every few months."


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium for every page a test module visits."""
    with launch_chromium() as instance:
        yield instance


@pytest.fixture
def article_url(tmp_path, isso, site_port, serve_site) -> str:
    """The demo site built against the test Isso server, served with a strict CSP."""
    site = build(tmp_path, COMMENTS_URL=isso.url, STATS_COUNTING=False)  # its CSP: Isso only
    assert site.report.ok, site.report.problems
    csp = (
        "default-src 'none'; "
        f"script-src 'self' {isso.url}; connect-src {isso.url}; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    base = serve_site(site.output, site_port, {"Content-Security-Policy": csp})
    return f"{base}/posts/{SLUG}/"


class Watch:
    """Records what a page asked for: outside requests (blocked), CSP violations, errors."""

    def __init__(self, context):
        self.outside: list[str] = []
        self.requests: list[str] = []
        self.problems: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
            self.outside.append(url)
            route.abort()
        else:
            route.continue_()

    def page(self, context):
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        return page

    def _console(self, message):
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(message.text)


def test_archived_comments_are_readable_without_javascript(browser, article_url):
    context = browser.new_context(java_script_enabled=False)
    watch = Watch(context)
    page = watch.page(context)
    page.goto(article_url)
    first = page.locator("#comment-priya-runner-up")
    assert first.is_visible()
    assert "Priya Raman" in first.inner_text()
    reply = page.locator("#comment-priya-runner-up ~ ol #comment-maren-reply-priya")
    assert reply.is_visible() and "Author" in reply.inner_text()
    assert page.locator("#comments article.comment").count() == 5
    # (Chromium's "JavaScript off" still parses <noscript> as text, so read it, not see it)
    assert "Writing one needs JavaScript" in page.locator("#isso-thread noscript").inner_text()
    assert page.locator(".isso-postbox").count() == 0
    assert not [u for u in watch.requests if "embed.min.js" in u]
    assert watch.outside == [] and watch.problems == []
    context.close()


def test_a_reader_posts_a_live_comment_that_appears_after_approval(
    browser, article_url, isso, client
):
    context = browser.new_context(viewport={"width": 900, "height": 600})
    watch = Watch(context)
    page = watch.page(context)
    page.goto(article_url)
    page.wait_for_load_state("load")
    # the client is not loaded before the comments come near the viewport
    far_below = page.evaluate(
        "document.getElementById('isso-thread').getBoundingClientRect().top"
        " > window.innerHeight + 600"
    )
    assert far_below, "the demo article is long: its comments start below the fold"
    assert not [u for u in watch.requests if "embed.min.js" in u]

    page.locator("#isso-thread").scroll_into_view_if_needed()
    postbox = page.locator("#isso-thread .isso-postbox")
    postbox.locator("textarea").wait_for(state="visible")
    assert [u for u in watch.requests if u == f"{isso.url}/js/embed.min.js"]
    postbox.locator("textarea").fill(LIVE_TEXT)
    postbox.locator("#isso-postbox-author").fill("Browser Reader")
    postbox.locator("input[type=submit]").click()

    mine = page.locator("#isso-root .isso-comment", has_text=LIVE_TEXT)
    mine.wait_for(state="visible")
    assert "moderation" in mine.locator(".isso-note").inner_text()
    # pending: nobody else can see it
    uri = f"/posts/{SLUG}/"
    assert LIVE_TEXT not in str(client.public_thread(uri))

    [pending] = [c for c in pending_comments(isso.database) if c.text == LIVE_TEXT]
    assert pending.thread_uri == uri and pending.author == "Browser Reader"
    approve_comment(isso.database, pending.id)

    page.reload()
    page.locator("#isso-thread").scroll_into_view_if_needed()
    live = page.locator(f"#isso-root #isso-{pending.id}")
    live.wait_for(state="visible")
    assert LIVE_TEXT in live.inner_text() and "Browser Reader" in live.inner_text()
    assert live.locator(".isso-note").inner_text().strip() == ""
    assert page.locator("#isso-root .isso-comment", has_text=LIVE_TEXT).count() == 1
    assert page.locator("#comments article.comment").count() == 5  # archived ones stay
    assert watch.outside == [], watch.outside
    assert watch.problems == [], watch.problems
    context.close()


# Names typed into Isso's form, and what the live widget must show (the same rules as
# plugins/comments/sanitize.author_name and the archived "a reader, not the author" mark).
LIVE_NAMES = {
    "Maren Okafor\u200b": ("Maren Okafor", True),  # zero-width space: looks like the author
    "  maren   OKAFOR ": ("maren OKAFOR", True),  # case and spacing
    "\uff2d\uff41\uff52\uff45\uff4e Okafor": ("\uff2d\uff41\uff52\uff45\uff4e Okafor", True),
    "Ma\u2060ren\ufeff Oka\u200dfor": ("Maren Okafor", True),  # word joiner, BOM, ZWJ
    "\u202eronakO neraM\u202c": ("ronakO neraM", False),  # a right-to-left override
    "Dana \u2067Reyes\u2069 \u200f": ("Dana Reyes", False),
    "x" * 5000: ("x" * 79 + "\u2026", False),  # one word, no spaces
}


def test_live_widget_cleans_names_and_marks_readers_using_the_authors(
    browser, article_url, isso, client
):
    uri = f"/posts/{SLUG}/"
    posted = {}
    for name in LIVE_NAMES:
        answer = client.post(uri, f"A comment signed {len(posted)}.", author=name)
        assert answer.status == 202, answer
        approve_comment(isso.database, answer.json()["id"])
        posted[answer.json()["id"]] = name

    context = browser.new_context(viewport={"width": 390, "height": 800})
    watch = Watch(context)
    page = watch.page(context)
    page.goto(article_url)
    page.locator("#isso-thread").scroll_into_view_if_needed()
    for ident, typed in posted.items():
        shown, marked = LIVE_NAMES[typed]
        comment = page.locator(f"#isso-root #isso-{ident}")
        comment.wait_for(state="visible")
        author = comment.locator(".isso-comment-header > .isso-author")
        assert author.text_content() == shown, (typed[:20], author.text_content()[:100])
        mark = comment.locator(".isso-comment-header > .comment-badge-reader")
        assert mark.count() == (1 if marked else 0), typed[:20]
        if marked:
            assert mark.is_visible() and mark.inner_text() == "a reader, not the author"
    # the 5,000-letter name no longer widens the phone page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert watch.outside == [] and watch.problems == [], (watch.outside, watch.problems)
    context.close()
