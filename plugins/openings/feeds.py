"""Atom and RSS feeds of open roles, built with feedgen.

Reproducible: ids come from each role's ref, every date comes from the content
(the feed's updated date is its newest entry's), never from the clock.
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import urljoin, urlsplit

from feedgen.feed import FeedGenerator
from markupsafe import escape

from plugins.site_extras.urls import absolute_url, site_host

from .model import Opening

# href/src attributes in rendered Markdown, to make them absolute for feed readers.
_URL_ATTRIBUTE = re.compile(r"""(\s(?:href|src)=)(["'])(.*?)\2""", re.IGNORECASE)
# Used as "updated" only by a feed that never had an entry.
NEVER = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
ID_DATE = "2026"


def id_prefix(settings: dict) -> str:
    """The tag: URI every feed and entry id starts with."""
    if settings.get("OPENINGS_ID_PREFIX"):
        return settings["OPENINGS_ID_PREFIX"]
    return f"tag:{site_host(settings) or 'localhost'},{ID_DATE}:openings"


def entry_id(prefix: str, opening: Opening) -> str:
    return f"{prefix}:{opening.ref}"


def feed_url(settings: dict, path: str) -> str:
    """Where a feed is published: FEED_DOMAIN (as the theme's links use), else the origin."""
    return absolute_url(settings, path, feed=True)


def absolute_links(html: str, base: str) -> str:
    """A feed reader resolves links against nothing: make every href and src absolute."""

    def absolute(match: re.Match) -> str:
        prefix, quote, url = match.groups()
        if url.startswith("#") or urlsplit(url).scheme:
            url = url if not url.startswith("#") else base + url
            return f"{prefix}{quote}{url}{quote}"
        return f"{prefix}{quote}{urljoin(base, url)}{quote}"

    return _URL_ATTRIBUTE.sub(absolute, html)


def entry_html(opening: Opening, base: str) -> str:
    """The whole role for a feed reader: key facts, the description, how to apply."""
    facts = [
        ("Employer", opening.employer_name),
        ("Where", f"{opening.work_mode_label}, {opening.location_label}"),
        ("Employment type", opening.employment_type_label),
    ]
    if opening.salary is not None:
        facts.append(("Salary", opening.salary.text))
    if opening.valid_through is not None:
        facts.append(("Apply by", opening.valid_through.date().isoformat()))
    facts.append(("Reference", opening.ref))
    lines = "<br>\n".join(f"<strong>{escape(k)}:</strong> {escape(v)}" for k, v in facts)
    parts = [f"<p>{lines}</p>", absolute_links(opening.description, base)]
    if opening.apply_href:
        parts.append(f'<p><a href="{escape(opening.apply_href)}">How to apply</a></p>')
    return "\n".join(parts)


def render_feeds(
    openings: list[Opening],
    *,
    settings: dict,
    title: str,
    description: str,
    page_path: str,
    atom_path: str | None,
    rss_path: str | None,
    feed_id: str,
    fallback_updated: datetime.datetime | None = None,
) -> dict[str, bytes]:
    """{output path: bytes} for the Atom and RSS feeds of these roles (newest first)."""
    prefix = id_prefix(settings)
    updated = max((o.lastmod for o in openings), default=fallback_updated or NEVER)
    rendered = {}
    for path, kind in ((atom_path, "atom"), (rss_path, "rss")):
        if not path:
            continue
        feed = FeedGenerator()
        feed.id(feed_id)
        feed.title(title)
        feed.description(description)  # Atom subtitle, RSS channel description
        feed.link(href=absolute_url(settings, page_path), rel="alternate")
        feed.link(href=feed_url(settings, path), rel="self")
        feed.language(settings.get("DEFAULT_LANG", "en"))
        feed.author({"name": settings.get("AUTHOR") or settings["SITENAME"]})
        feed.generator("Pelican openings plugin")
        feed.updated(updated)
        feed.lastBuildDate(updated)
        for opening in openings:
            entry = feed.add_entry(order="append")
            entry.id(entry_id(prefix, opening))
            entry.guid(entry_id(prefix, opening), permalink=False)
            entry.title(opening.title)
            entry.link(href=absolute_url(settings, opening.url), rel="alternate")
            entry.published(opening.date)
            entry.updated(opening.lastmod)
            entry.category(term=opening.category)
            entry.summary(opening.summary)
            entry.content(entry_html(opening, absolute_url(settings, opening.url)), type="html")
        data = feed.atom_str(pretty=True) if kind == "atom" else feed.rss_str(pretty=True)
        rendered[path] = data
    return rendered
