"""Pelican's hot spots made cheap by plugins/fastbuild/speedups.py give Pelican's answers."""

from __future__ import annotations

import datetime
import random
from zoneinfo import ZoneInfo

import pelican.utils
import pytest
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG

from plugins.fastbuild import speedups

FORMATS = [
    "%-d %B %Y", "%Y-%m-%d", "%a, %d %b %Y %H:%M:%S %z", "%-m/%-d/%y %%", "%Q %-Q x",
    "%A %-I:%M %p %Z", "%j %U %W %G-%V-%u", "", "%", "abc", "%-%", "%-", "100%s",
]  # fmt: skip


@pytest.fixture
def active():
    speedups.install()
    speedups.activate(True)
    yield
    speedups.activate(False)


def _outcome(function, *args):
    try:
        return "ok", function(*args)
    except Exception as error:  # the same failure counts as the same answer
        return "error", type(error).__name__


def test_strftime_same_text_and_same_errors(active):
    rng = random.Random(4)
    zones = [None, ZoneInfo("Europe/London"), datetime.UTC]
    for _ in range(300):
        date = pelican.utils.SafeDatetime(
            rng.randint(1, 2100), rng.randint(1, 12), rng.randint(1, 28),
            rng.randint(0, 23), rng.randint(0, 59), tzinfo=rng.choice(zones),
        )  # fmt: skip
        plain = datetime.datetime(date.year, date.month, date.day, date.hour)
        for date_format in FORMATS:
            for value in (date, plain):
                expected = _outcome(speedups._original_strftime, value, date_format)
                assert _outcome(pelican.utils.strftime, value, date_format) == expected


def test_relative_source_path_is_remembered_and_follows_changes(active):
    settings = {**DEFAULT_CONFIG, "PATH": "/site/content"}
    article = Article("x", {"title": "T"}, settings=settings, source_path="/site/content/a/b.md")
    assert article.get_relative_source_path() == "a/b.md"
    article.source_path = "/site/content/c.md"
    assert article.get_relative_source_path() == "c.md"
    assert article.get_relative_source_path("/site/content/d/e.md") == "d/e.md"


def test_article_list_membership_matches_a_list():
    settings = dict(DEFAULT_CONFIG)
    made = [Article(str(i), {"title": str(i)}, settings=settings) for i in range(5)]
    members = speedups.ArticleList(made[:3])
    assert [item in members for item in made] == [True, True, True, False, False]
    members.append(made[3])
    members.remove(made[0])
    assert [item in members for item in made] == [False, True, True, True, False]
    assert "not content" not in members


PATTERNS = [
    "posts/{slug}/", "{date:%Y}/{date:%m}/{slug}.html", "{category}/{slug}", "{path}",
    "{lang}/{slug}", "{author}/{slug}", "{series}/{slug}", "{slug}-{date:%H}",
]  # fmt: skip


def test_url_patterns_give_pelican_s_urls(active):
    london, utc = ZoneInfo("Europe/London"), datetime.UTC
    for pattern in PATTERNS:
        settings = {**DEFAULT_CONFIG, "PATH": "/site/content", "ARTICLE_URL": pattern}
        made = []
        for index, zone in enumerate([london, utc, london]):
            metadata = {
                "title": f"Post {index}",
                "slug": f"post-{index % 2}",
                "date": pelican.utils.SafeDatetime(2020, 6, 1, 23, 30, tzinfo=zone),
                "series": "one" if index else "two",
            }
            made.append(
                Article("x", metadata, settings=settings, source_path=f"/site/content/{index}.md")
            )
        for article in made:
            expected = speedups._original_expand_settings(article, "url", "article")
            assert article.url == expected, pattern
            assert article.url == expected, pattern  # remembered the second time
