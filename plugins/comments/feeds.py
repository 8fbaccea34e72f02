"""Per-article comments feed (Atom, feedgen): one more view of the same comments.

Reproducible: every timestamp comes from a comment or the article, never the clock.
"""

from __future__ import annotations

import datetime

from feedgen.feed import FeedGenerator

from .model import Comment, walk


def render_comments_feed(
    *,
    article_title: str,
    article_url: str,
    feed_url: str,
    article_date: datetime.datetime,
    comments: list[Comment],
    language: str = "en",
) -> bytes:
    """Atom XML for one article's comments, oldest first."""
    readable = sorted(
        (c for c in walk(comments) if not c.is_deleted), key=lambda c: (c.date, c.name)
    )
    updated = max((c.date for c in readable), default=article_date)

    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(f"Comments on “{article_title}”")
    feed.link(href=article_url, rel="alternate", type="text/html")
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.language(language)
    feed.updated(updated)
    feed.generator("feedgen")
    for comment in readable:
        entry = feed.add_entry(order="append")
        link = f"{article_url}#{comment.anchor}"
        entry.id(link)
        entry.title(f"{comment.author} on “{article_title}”")
        entry.link(href=link, rel="alternate", type="text/html")
        entry.author(
            {"name": comment.author, **({"uri": comment.website} if comment.website else {})}
        )
        entry.published(comment.date)
        entry.updated(comment.date)
        entry.content(str(comment.html), type="html")
    return feed.atom_str(pretty=True)
