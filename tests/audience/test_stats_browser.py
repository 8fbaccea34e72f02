"""Reading stats end to end: the built site in headless Chromium, the real audience server
(gunicorn, two workers), ``invoke stats --json`` on its database, the snapshot build.

Chromium is given ordinary browser user agents (its own says "HeadlessChrome", which
is, rightly, never counted). Every request that would leave loopback is answered by the
test (the employer's apply page) or refused.
"""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from sitekit.audience import commands
from sitekit.audience.server import start_audience, stop_audience
from tests.audience.conftest import audience_env, wait_for
from tests.audience.test_stats import CHROME, SAFARI
from tests.browser import launch_chromium
from tests.serving import serve
from tests.sitebuild import FIXTURES, ROOT, build, free_port

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

POST = "/posts/a-first-post/"
ROLE = "/openings/senior-platform-engineer/"
APPLY_URL = "https://careers.harrowgate-freight.example/roles/senior-platform-engineer"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


class World:
    def __init__(self, tmp, smtp):
        self.tmp = tmp
        self.content = tmp / "content"
        shutil.copytree(FIXTURES / "minimal", self.content)
        for folder in ("images", "extra"):
            shutil.copytree(ROOT / "content" / folder, self.content / folder)
        (self.content / "openings").mkdir()
        shutil.copy(
            ROOT / "content" / "openings" / "senior-platform-engineer.md", self.content / "openings"
        )
        self.site_port, audience_port = free_port(), free_port()
        self.site_url = f"http://127.0.0.1:{self.site_port}"
        self.audience_url = f"http://127.0.0.1:{audience_port}"
        self.site_dir = tmp / "site"
        self.build_site("first")
        self.env = audience_env(
            tmp,
            smtp,
            self.audience_url,
            AUDIENCE_SITE_URL=self.site_url + "/",
            AUDIENCE_SITE_ROOT=str(self.site_dir),
            AUDIENCE_STATS_FLUSH_SECONDS="0.1",
        )
        self.server = start_audience(
            "127.0.0.1", audience_port, env=self.env, log_path=tmp / "audience.log"
        )

    def build_site(self, name: str, **settings):
        site = build(
            self.tmp / name,
            self.content,
            AUDIENCE_URL=self.audience_url,
            SITE_ORIGIN=self.site_url,
            FEED_DOMAIN=self.site_url,
            BUILD_TODAY="2026-11-30",
            OPENINGS_TODAY="2026-11-30",
            COMMENTS_URL="",
            **settings,
        )
        assert site.report.ok, site.report.problems + site.report.errors
        shutil.rmtree(self.site_dir, ignore_errors=True)
        shutil.copytree(site.output, self.site_dir)
        return site

    def views(self, path: str) -> tuple[int, int]:
        with sqlite3.connect(self.server.database) as con:
            row = con.execute(
                "SELECT COALESCE(SUM(views), 0), COALESCE(SUM(visitors), 0) FROM page_days "
                "WHERE path = ?",
                (path,),
            ).fetchone()
        return tuple(row)

    def apply_clicks(self, path: str) -> int:
        with sqlite3.connect(self.server.database) as con:
            return con.execute(
                "SELECT COALESCE(SUM(count), 0) FROM event_days WHERE path = ?", (path,)
            ).fetchone()[0]


@pytest.fixture(scope="module")
def world(tmp_path_factory, smtp):
    world = World(tmp_path_factory.mktemp("stats-browser"), smtp)
    with serve(world.site_dir, port=world.site_port):
        yield world
    stop_audience(world.server)


@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as instance:
        yield instance


def reader(browser, world, user_agent, *, beacons_fail=False, **options):
    """A browser context that may reach the site and the audience server only."""
    context = browser.new_context(user_agent=user_agent, **options)
    outside: list[str] = []
    ours = (world.site_url + "/", world.audience_url + "/")

    def route(route):
        url = route.request.url
        if url.startswith(APPLY_URL):
            route.fulfill(status=200, content_type="text/html", body="<title>Apply</title>Form")
        elif url.startswith(ours):  # only the failing beacons are routed here
            route.abort()
        else:
            outside.append(url)
            route.abort()

    # Requests to the site and the audience server go straight through: no handler in this
    # process has to run for a beacon to arrive while the test waits for the database.
    failing = world.audience_url + "/count"
    context.route(
        lambda url: not url.startswith(ours) or (beacons_fail and url.startswith(failing)),
        route,
    )
    context.outside = outside
    return context


def visit(context, url: str):
    page = context.new_page()
    page.goto(url, wait_until="load")
    return page


def test_views_visitors_apply_clicks_sources_report_and_snapshot(
    world, browser, capsys, monkeypatch
):
    # One browser, three visits on one day: 3 views, 1 visitor (whichever worker answers).
    first = reader(browser, world, CHROME)
    for _ in range(3):
        visit(first, world.site_url + POST).close()
    wait_for(lambda: world.views(POST) == (3, 1), what="3 views by 1 visitor")

    # The publish build reads the counts once and shows them under the post.
    site = world.build_site("snapshot", VIEWS_SNAPSHOT=True, VIEWS_SNAPSHOT_TIMEOUT=5)
    assert "Views: 3" in site.page("posts/a-first-post/index.html")
    assert not any("no view counts" in line for line in site.report.infos), site.report.infos

    # Another browser (another user agent): a second visitor.
    second = reader(browser, world, SAFARI)
    visit(second, world.site_url + POST).close()
    wait_for(lambda: world.views(POST) == (4, 2), what="a second visitor")

    # From a LinkedIn share, then "Apply": counted, and the browser is on the apply page.
    page = visit(first, world.site_url + ROLE + "?utm_source=linkedin")
    page.locator("a[data-apply]").first.click()
    page.wait_for_url(APPLY_URL)
    assert page.title() == "Apply"
    wait_for(lambda: world.apply_clicks(ROLE) == 1, what="the apply click")

    # When the beacon fails the click still goes to the apply link, and nothing counts.
    failing = reader(browser, world, FIREFOX, beacons_fail=True)
    page = visit(failing, world.site_url + ROLE)
    page.locator("a[data-apply]").first.click()
    page.wait_for_url(APPLY_URL)
    assert page.title() == "Apply"

    # The author's own browser, after the opt-out page: not counted.
    author = reader(browser, world, CHROME.replace("131", "130"))
    page = visit(author, world.site_url + "/stats/opt-out/?stats=off")
    assert page.locator("#stats-state").inner_text() == "not counted"
    visit(author, world.site_url + POST).close()

    # A reader without JavaScript is counted by the <noscript> image.
    no_script = reader(browser, world, FIREFOX, java_script_enabled=False)
    visit(no_script, world.site_url + ROLE).close()
    wait_for(lambda: world.views(ROLE) == (2, 2), what="the view without JavaScript")
    for context in (first, second, failing, author, no_script):
        assert context.outside == [], context.outside
        context.close()

    # `invoke stats --json` reports exactly that.
    for name in ("AUDIENCE_DB", "AUDIENCE_SITE_URL", "AUDIENCE_PUBLIC_URL"):
        monkeypatch.setenv(name, world.env[name])
    stop_audience(world.server)  # a normal stop: every count is written
    capsys.readouterr()
    assert commands.stats(30, as_json=True) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pages"] == [
        {"path": POST, "kind": "post", "views": 4, "visitors": 2, "previous_views": 0}
    ]
    assert report["roles"] == [
        {
            "path": ROLE,
            "kind": "role",
            "views": 2,
            "visitors": 2,
            "previous_views": 0,
            "apply_clicks": 1,
            "apply_rate": 0.5,
        }
    ]
    assert report["referrers"] == [{"source": "LinkedIn", "views": 1, "previous_views": 0}]
    assert report["campaigns"] == []
    assert report["totals"]["views"] == 6
    assert report["totals"]["visitors"] == 3  # Chrome, Safari, Firefox without JavaScript
    assert report["totals"]["apply_clicks"] == 1

    # The text report names the same things, within 80 columns.
    assert commands.stats(30) == 0
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 80
    assert POST in text and ROLE in text and "LinkedIn" in text

    # Nothing that identifies a reader is in any table of the database.
    assert_nothing_personal(world.server.database, ["127.0.0.1", CHROME, SAFARI, FIREFOX])


def assert_nothing_personal(database, secrets: list[str]) -> None:
    fragments = set(secrets)
    for agent in secrets[1:]:
        fragments |= {
            part for part in agent.replace("(", " ").replace(")", " ").split() if len(part) > 6
        }
    with sqlite3.connect(database) as con:
        tables = [
            row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        assert "page_days" in tables
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from the db
                for cell in row:
                    text = cell.decode("latin-1") if isinstance(cell, bytes) else str(cell)
                    found = [f for f in fragments if f in text]
                    assert not found, f"{table}: {found} in {row}"
