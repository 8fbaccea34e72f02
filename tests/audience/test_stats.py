"""Reading stats on the server: what a beacon counts, what it never counts, and that
counts survive a normal stop. Against the real server (gunicorn, audience.wsgi).

The module's server runs one worker, so a beacon counted after the ones under test
is written in the same or a later batch: once it is in the database, the earlier
ones would be too, had they been counted.
"""

from __future__ import annotations

import datetime
import itertools
import json
import sqlite3
import urllib.error
import urllib.request

import pytest

from audience.stats import (
    Counts,
    Origin,
    Reader,
    VisitorLedger,
    crawler_check,
    traffic_origin,
    why_not_counted,
)
from audience.store import Store
from sitekit.audience.server import start_audience, stop_audience
from tests.audience.conftest import audience_env, http, wait_for
from tests.sitebuild import free_port

pytestmark = [pytest.mark.server]

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
HEADLESS = CHROME.replace("Chrome/", "HeadlessChrome/")
PAGES = ["index.html", "posts/one/index.html", "openings/platform/index.html"]
PAGES += [f"posts/p{n}/index.html" for n in range(12)]
_addresses = itertools.count(1)


def new_reader_address() -> str:
    n = next(_addresses)
    return f"192.0.2.{n % 250 + 1}" if n < 250 else f"198.51.100.{n % 250 + 1}"


@pytest.fixture(scope="module")
def site_root(tmp_path_factory):
    """A published site's folder, as far as the server looks at it: its pages."""
    root = tmp_path_factory.mktemp("published")
    for page in PAGES:
        (root / page).parent.mkdir(parents=True, exist_ok=True)
        (root / page).write_text("<!doctype html><title>page</title>", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def counter(tmp_path_factory, smtp, site_root):
    tmp = tmp_path_factory.mktemp("stats")
    port = free_port()
    env = audience_env(
        tmp,
        smtp,
        f"http://127.0.0.1:{port}",
        AUDIENCE_PROXY_COUNT="1",
        AUDIENCE_SITE_ROOT=str(site_root),
        AUDIENCE_STATS_FLUSH_SECONDS="0.1",
    )
    server = start_audience("127.0.0.1", port, env=env, log_path=tmp / "audience.log", workers=1)
    yield server
    stop_audience(server)


def beacon(server, body, user_agent=CHROME, address=None, headers=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {
        "Content-Type": "text/plain;charset=UTF-8",
        "User-Agent": user_agent,
        "X-Forwarded-For": address or new_reader_address(),
        **(headers or {}),
    }
    return http("POST", server.url + "/count", data, sent)


def image(url: str, headers: dict) -> tuple[int, dict, bytes]:
    """The counting image as a browser fetches it: status, headers, the bytes."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def page_row(database, path: str) -> tuple[int, int] | None:
    with sqlite3.connect(database) as con:
        return con.execute(
            "SELECT SUM(views), SUM(visitors) FROM page_days WHERE path = ? HAVING COUNT(*)",
            (path,),
        ).fetchone()


def written(server, path: str, views: int) -> None:
    wait_for(
        lambda: (page_row(server.database, path) or (0, 0))[0] >= views,
        what=f"{views} view(s) of {path} in the database",
    )


# -- what is counted ---------------------------------------------------------------------


def test_views_and_visitors_of_one_page(counter):
    address = new_reader_address()
    for _ in range(3):
        answer = beacon(counter, {"p": "/posts/one/"}, address=address)
        assert answer.status == 204
        # sent from the site's origin: a same-origin policy would be an error in its console
        assert answer.header("Cross-Origin-Resource-Policy") == "cross-origin"
        assert answer.header("Set-Cookie") is None
    assert beacon(counter, {"p": "/posts/one/"}, SAFARI, address=address).status == 204
    written(counter, "/posts/one/", 4)
    assert page_row(counter.database, "/posts/one/") == (4, 2)


def test_an_apply_click_counts_once_per_visitor_and_day(counter):
    address = new_reader_address()
    for _ in range(2):
        beacon(counter, {"p": "/openings/platform/", "e": "apply"}, address=address)
    beacon(counter, {"p": "/openings/platform/", "e": "apply"}, SAFARI, address=address)
    beacon(counter, {"p": "/openings/platform/"}, address=address)
    written(counter, "/openings/platform/", 1)
    with sqlite3.connect(counter.database) as con:
        clicks = con.execute("SELECT SUM(count) FROM event_days WHERE event = 'apply'").fetchone()
    assert clicks == (2,)


def test_the_noscript_image_counts_a_view(counter):
    status, headers, body = image(counter.url + "/count.gif?p=/posts/p0/", {"User-Agent": SAFARI})
    assert status == 200
    assert headers["Content-Type"] == "image/gif"
    assert body.startswith(b"GIF89a")
    # the site's pages, on another origin, may show it; nothing else about it is shared
    assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "Set-Cookie" not in headers
    written(counter, "/posts/p0/", 1)


def test_sources_and_campaigns_are_grouped(counter):
    views = [
        {"p": "/posts/p1/", "r": "https://www.linkedin.com/feed/update/123"},
        {"p": "/posts/p1/", "r": "https://lnkd.in/abc"},
        {"p": "/posts/p1/", "q": "?utm_source=linkedin&utm_campaign=spring-roles"},
        {"p": "/posts/p1/", "r": "https://t.co/xyz"},
        {"p": "/posts/p1/", "q": "?utm_source=digest&utm_medium=email"},
        {"p": "/posts/p1/", "r": "http://127.0.0.1:8000/"},  # the site itself: no source
    ]
    for body in views:
        assert beacon(counter, body).status == 204
    written(counter, "/posts/p1/", len(views))
    with sqlite3.connect(counter.database) as con:
        sources = dict(
            con.execute(
                "SELECT source, SUM(views) FROM source_days WHERE path = '/posts/p1/' "
                "GROUP BY source"
            ).fetchall()
        )
        campaigns = con.execute("SELECT source, campaign, views FROM campaign_days").fetchall()
    assert sources == {"LinkedIn": 3, "X": 1, "Email": 1}
    assert ("LinkedIn", "spring-roles", 1) in campaigns


# -- what is never counted -----------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, user_agent",
    [
        ({"DNT": "1"}, CHROME),
        ({"Sec-GPC": "1"}, CHROME),
        ({"Sec-Purpose": "prefetch;prerender"}, CHROME),
        ({}, GOOGLEBOT),
        ({}, HEADLESS),
        ({}, "curl/8.5.0"),
        ({}, ""),
    ],
    ids=["dnt", "gpc", "prerender", "googlebot", "headless", "curl", "no-agent"],
)
def test_not_counted(counter, headers, user_agent, request):
    path = f"/posts/p{2 + request.node.callspec.indices['headers']}/"
    assert beacon(counter, {"p": path}, user_agent, headers=headers).status == 204
    status, _, _ = image(f"{counter.url}/count.gif?p={path}", {**headers, "User-Agent": user_agent})
    assert status == 200  # the image still shows: nothing about it says "not counted"
    barrier = "/posts/p11/"
    before = (page_row(counter.database, barrier) or (0, 0))[0]
    beacon(counter, {"p": barrier})
    written(counter, barrier, before + 1)
    assert page_row(counter.database, path) is None


@pytest.mark.parametrize(
    "path", ["/no-such-page/", "/404.html", "/wp-login.php", "/drafts/one/", "/posts/one/x/../"]
)
def test_paths_that_are_not_pages_of_the_site_count_nothing(counter, path):
    assert beacon(counter, {"p": path}).status == 204
    before = (page_row(counter.database, "/") or (0, 0))[0]
    beacon(counter, {"p": "/"})
    written(counter, "/", before + 1)
    assert page_row(counter.database, path) is None


MALFORMED = [
    b"",
    b"not json",
    b"[]",
    b'"just a string"',
    b'{"p": 5}',
    b'{"p": "posts/one/"}',
    b'{"p": "/posts/one/", "e": "buy"}',
    b'{"p": "/posts/one/", "extra": 1}',
    b'{"p": "/posts/\\u0000one/"}',
    b"\xff\xfe{",
    json.dumps({"p": "/posts/one/", "r": "x" * 1500}).encode(),
]


def test_malformed_and_oversized_beacons_are_refused_and_the_server_stays_up(counter):
    for body in MALFORMED:
        response = beacon(counter, body)
        assert response.status == 400, (body[:40], response.status)
        assert "Traceback" not in response.body
    huge = beacon(counter, b'{"p": "/posts/one/", "r": "' + b"x" * (1 << 20) + b'"}')
    assert huge.status == 413
    assert http("GET", counter.url + "/count").status == 405
    assert image(counter.url + "/count.gif", {"User-Agent": CHROME})[0] == 400
    assert http("GET", counter.url + "/health").status == 200
    before = (page_row(counter.database, "/posts/p10/") or (0, 0))[0]
    assert beacon(counter, {"p": "/posts/p10/"}).status == 204
    written(counter, "/posts/p10/", before + 1)


def test_views_for_the_build(counter):
    beacon(counter, {"p": "/posts/p9/"})
    written(counter, "/posts/p9/", 1)
    response = http("GET", counter.url + "/views", headers={"Accept": "application/json"})
    assert response.status == 200
    views = json.loads(response.body)["views"]
    assert views["/posts/p9/"] == 1
    assert all(isinstance(v, int) for v in views.values())


# -- batches: nothing accepted is lost on a normal stop ---------------------------------------


def test_counts_waiting_in_memory_are_written_when_the_server_stops(tmp_path, smtp):
    port = free_port()
    env = audience_env(
        tmp_path,
        smtp,
        f"http://127.0.0.1:{port}",
        AUDIENCE_PROXY_COUNT="1",
        AUDIENCE_STATS_FLUSH_SECONDS="60",  # only the stop writes them
    )
    server = start_audience("127.0.0.1", port, env=env, log_path=tmp_path / "audience.log")
    try:
        for n in range(40):
            assert beacon(server, {"p": f"/posts/batch-{n % 4}/"}).status == 204
        assert page_row(server.database, "/posts/batch-0/") is None  # still in memory
    finally:
        stop_audience(server)
    for n in range(4):
        assert page_row(server.database, f"/posts/batch-{n}/") == (10, 10)


# -- the parts, on their own ---------------------------------------------------------------


@pytest.mark.parametrize(
    "referrer, query, expected",
    [
        ("https://www.linkedin.com/", "", Origin("LinkedIn", None)),
        ("https://lnkd.in/e5x", "", Origin("LinkedIn", None)),
        ("https://t.co/abc", "", Origin("X", None)),
        ("https://x.com/someone/status/1", "", Origin("X", None)),
        ("https://l.facebook.com/l.php?u=x", "", Origin("Facebook", None)),
        ("https://www.google.com/", "", Origin("google.com", None)),
        ("", "?utm_source=LinkedIn&utm_campaign=Spring", Origin("LinkedIn", "spring")),
        ("https://t.co/abc", "?utm_source=newsletter", Origin("Email", None)),
        ("", "?utm_medium=email&utm_source=weekly", Origin("Email", None)),
        ("https://okafor-talent.example/posts/", "", Origin(None, None)),
        ("", "?utm_source=<script>", Origin(None, None)),
        ("not a url ::::", "", Origin(None, None)),
        ("", "", Origin(None, None)),
    ],
)
def test_traffic_origin(referrer, query, expected):
    assert traffic_origin(referrer, query, ("okafor-talent.example",)) == expected


@pytest.mark.parametrize(
    "reader, reason",
    [
        (Reader("a", CHROME), None),
        (Reader("a", SAFARI), None),
        (Reader("a", CHROME, do_not_track=True), "do not track"),
        (Reader("a", CHROME, prefetch=True), "prefetch or prerender"),
        (Reader("a", GOOGLEBOT), "bot"),
        (Reader("a", "LinkedInBot/1.0 (compatible; Mozilla/5.0)"), "bot"),
        (Reader("a", "python-requests/2.32"), "bot"),
        (Reader("a", HEADLESS), "no browser"),
        (Reader("a", ""), "no browser"),
    ],
)
def test_who_is_not_counted(reader, reason):
    assert why_not_counted(reader, crawler_check()) == reason


def test_the_salt_changes_with_the_utc_day_and_forgets_yesterday():
    ledger = VisitorLedger(slots=4096)
    monday, tuesday = datetime.date(2026, 11, 30), datetime.date(2026, 12, 1)
    reader = b"192.0.2.1\0agent\0okafor-talent.example"
    assert ledger.first_visits(monday, reader, ("/a/", "")) == [True, True]
    assert ledger.first_visits(monday, reader, ("/a/", "/b/")) == [False, True]
    salt = bytes(ledger._map[8:40])
    assert ledger.rotate(tuesday) is True
    assert bytes(ledger._map[8:40]) != salt
    assert ledger.rotate(tuesday) is False
    assert ledger.first_visits(tuesday, reader, ("/a/",)) == [True]


def test_a_full_ledger_counts_visitors_as_new_rather_than_failing():
    ledger = VisitorLedger(slots=1024)
    day = datetime.date(2026, 11, 30)
    firsts = [ledger.first_visits(day, f"{n}".encode(), ("/a/",))[0] for n in range(1200)]
    assert all(firsts)
    assert ledger.first_visits(day, b"0", ("/a/",)) == [False]  # seen before it filled up


def test_days_past_retention_are_deleted(tmp_path):
    store = Store(tmp_path / "audience.db")
    store.migrate()
    counts = Counts()
    for day in ("2024-01-01", "2026-11-30"):
        counts.view(day, "/posts/one/", True, True, Origin("LinkedIn", "spring"))
        counts.event(day, "/posts/one/", "apply")
    store.add_stats(counts)
    assert store.purge_stats(datetime.date(2024, 12, 1)) == 5
    assert store.views_by_path() == {"/posts/one/": 1}
    for table in Store.STATS_TABLES:
        days = {row[0] for row in store.connection.execute(f"SELECT day FROM {table}")}  # noqa: S608
        assert days == {"2026-11-30"}, table
    store.close()
