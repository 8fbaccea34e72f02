"""Scheduled posts: a post dated after the build's day is left out until that day.

Left out everywhere at once (pages, feeds, sitemap, tag and category lists, search,
the mail manifest), because it is taken out of the article lists before Pelican
builds any of them. A daily build (``deploy/systemd/site-publish.timer``) makes it go
live on its day. Drafts are not touched: ``Status: draft`` stays a draft.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from pelican import signals

from plugins.strict_content.problems import display_path
from plugins.strict_content.today import build_today

from . import settings

logger = logging.getLogger(__name__)


def _local_day(content, timezone: ZoneInfo):
    date = content.date
    return (date.astimezone(timezone) if date.tzinfo else date).date()


def hold_back_scheduled(generator) -> None:
    """Takes future-dated posts (and their translations) out before taxonomies are built."""
    site = generator.settings
    settings.apply_defaults(site)
    if not site.get("SCHEDULE_FUTURE_POSTS"):
        return
    today = build_today(site)
    timezone = ZoneInfo(site.get("TIMEZONE") or "UTC")
    held = []
    for name in ("articles", "translations"):
        kept = []
        for article in getattr(generator, name):
            if _local_day(article, timezone) > today:
                held.append(article)
            else:
                kept.append(article)
        setattr(generator, name, kept)
    for article in sorted(held, key=lambda a: (a.date, a.source_path)):
        when = article.date.astimezone(timezone) if article.date.tzinfo else article.date
        logger.info(
            "scheduled: %s goes live %s",
            display_path(article.source_path),
            when.strftime("%Y-%m-%d %H:%M"),
        )
    generator.scheduled_articles = held


def register() -> None:
    signals.article_generator_pretaxonomy.connect(hold_back_scheduled)
