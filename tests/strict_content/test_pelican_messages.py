"""Pelican's own lines that strict_content replaces: dropped only when replaced.

The filter matches Pelican 4.12's message texts; these tests use Pelican's real
duplicate-slug code path, so a Pelican upgrade that rewords a message fails here.
"""

from __future__ import annotations

import logging
import os

import pytest
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import process_translations

from plugins import strict_content
from plugins.strict_content import problems


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def pelican_lines(tmp_path):
    problems.reset(str(tmp_path))
    logger = logging.getLogger("pelican.utils")
    handler = _Lines()
    logger.addHandler(handler)
    logger.addFilter(strict_content._filter)
    strict_content._filter.held.clear()
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.removeFilter(strict_content._filter)
        problems.reset(str(tmp_path))


def _two_posts_with_one_slug(tmp_path) -> list[Article]:
    settings = dict(DEFAULT_CONFIG)
    posts = []
    for name in ("one.md", "two.md"):
        path = os.path.join(str(tmp_path), "content", "posts", name)
        posts.append(
            Article("Body", {"title": name, "slug": "same"}, settings=settings, source_path=path)
        )
    return posts


def test_same_slug_warnings_give_way_to_the_problem_line(tmp_path, pelican_lines):
    posts = _two_posts_with_one_slug(tmp_path)
    process_translations(posts, translation_id="slug")  # Pelican warns about the two files
    assert pelican_lines == []  # held back until the slug check has run
    assert len(strict_content._filter.held) == 2  # Pelican did warn, twice
    problems.report(posts[1].source_path, "slug", "'same' is also used by content/posts/one.md")
    strict_content._filter.release({p.path for p in problems.collected()})
    assert pelican_lines == []


def test_same_slug_warnings_are_passed_on_when_nothing_replaced_them(tmp_path, pelican_lines):
    process_translations(_two_posts_with_one_slug(tmp_path), translation_id="slug")
    strict_content._filter.release(set())
    assert len(pelican_lines) == 2
    assert all("same" in line and "two.md" in line for line in pelican_lines)
