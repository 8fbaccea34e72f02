"""The author's report: which page is which, trends, 80 columns, the chart."""

from __future__ import annotations

import datetime

import pytest

from audience.stats import Counts, Origin
from audience.store import Store
from sitekit.audience import commands
from sitekit.audience.stats import (
    Period,
    build_report,
    format_report,
    site_page_kinds,
    trend,
    write_chart,
)

TODAY = datetime.date(2026, 12, 2)


@pytest.fixture
def filled_store(tmp_path):
    store = Store(tmp_path / "audience.db")
    store.migrate()
    counts = Counts()
    long_path = "/posts/" + "a-very-long-slug-about-counter-offers-and-what-they-mean" * 2 + "/"
    for offset, views in ((0, 5), (1, 3), (40, 2)):  # two days in the period, one before
        day = (TODAY - datetime.timedelta(days=offset)).isoformat()
        for n in range(views):
            counts.view(day, "/posts/one/", n == 0, n == 0, Origin("LinkedIn", "spring"))
            counts.view(day, long_path, True, False, Origin("www.example.org", None))
            counts.view(day, "/openings/platform/", n < 2, False, Origin(None, None))
            counts.view(day, "/openings/remote/", True, False, Origin(None, None))
        counts.event(day, "/openings/platform/", "apply")
    store.add_stats(counts)
    yield store
    store.close()


def test_trend():
    assert trend(12, 10) == "+20%"
    assert trend(5, 10) == "−50%"
    assert trend(10, 10) == "±0%"
    assert trend(3, 0) == "new"
    assert trend(0, 0) == "–"


def test_posts_roles_and_filter_pages_are_told_apart():
    kinds = site_page_kinds()
    assert kinds.kind("/posts/still-friends-after-no/") == "post"
    assert kinds.kind("/openings/senior-platform-engineer/") == "role"
    assert kinds.kind("/openings/remote/") == "page"  # a filter page, not a role
    assert kinds.kind("/openings/category/engineering/") == "page"
    assert kinds.kind("/about/") == "page"
    assert kinds.kind("/") == "page"


def test_report_counts_and_trends(filled_store):
    report = build_report(filled_store, Period.ending(TODAY, 30), site_page_kinds())
    assert report["period"] == {
        "from": "2026-11-03",
        "to": "2026-12-02",
        "days": 30,
        "timezone": "UTC",
    }
    assert report["totals"]["views"] == 32 and report["totals"]["apply_clicks"] == 2
    assert report["totals"]["previous"]["views"] == 8
    role = report["roles"][0]
    assert (role["path"], role["views"], role["visitors"]) == ("/openings/platform/", 8, 4)
    assert (role["apply_clicks"], role["apply_rate"], role["previous_views"]) == (2, 0.5, 2)
    assert {row["path"] for row in report["pages"]} >= {"/posts/one/", "/openings/remote/"}
    assert report["referrers"][0] == {"source": "LinkedIn", "views": 8, "previous_views": 2}
    assert report["campaigns"] == [{"source": "LinkedIn", "campaign": "spring", "views": 8}]
    text = format_report(report)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "/posts/one/" in text and "+300%" in text and "50%" in text
    assert "…" in text  # the long path is shortened, not wrapped


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml")])
def test_the_chart(filled_store, tmp_path, suffix, magic):
    target = write_chart(filled_store, Period.ending(TODAY, 90), tmp_path / f"chart{suffix}")
    assert target.read_bytes().startswith(magic)


def test_bad_days_and_a_missing_database_are_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUDIENCE_DB", str(tmp_path / "none.db"))
    assert commands.stats(0) == 1
    assert capsys.readouterr().err.strip() == "error: --days: 0 is out of range (1 to 3660)"
    assert commands.stats(30) == 1
    assert "no audience database yet" in capsys.readouterr().err
    assert commands.stats_chart(30, tmp_path / "chart.gif") == 1
    assert "a .png or .svg file" in capsys.readouterr().err
