"""sitemap.xml (with lastmod from content dates, never the clock) and robots.txt."""

from __future__ import annotations

import datetime
from xml.sax.saxutils import escape

from .urls import absolute_url


def collect_entries(generators, settings: dict) -> list[tuple[str, datetime.datetime | None]]:
    """Every public page: posts, pages, the home page, plus what other plugins add.

    A generator contributes by having a ``sitemap_entries()`` method returning
    ``(url_path, lastmod)`` pairs.
    """
    entries: dict[str, datetime.datetime | None] = {}
    newest = None
    for generator in generators:
        for article in getattr(generator, "articles", []) or []:
            lastmod = getattr(article, "modified", None) or article.date
            entries[article.url] = lastmod
            newest = lastmod if newest is None or lastmod > newest else newest
        for page in getattr(generator, "pages", []) or []:
            entries[page.url] = getattr(page, "modified", None) or getattr(page, "date", None)
        if hasattr(generator, "sitemap_entries"):
            for url, lastmod in generator.sitemap_entries():
                entries[url] = lastmod
    entries[""] = newest
    if settings.get("ARCHIVES_SAVE_AS"):
        entries[settings["ARCHIVES_URL"]] = newest
    return sorted(entries.items())


def render_sitemap(entries, settings: dict) -> str:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url, lastmod in entries:
        lines.append("  <url>")
        lines.append(f"    <loc>{escape(absolute_url(settings, url))}</loc>")
        if lastmod is not None:
            lines.append(f"    <lastmod>{lastmod.isoformat(timespec='seconds')}</lastmod>")
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def render_robots(settings: dict) -> str:
    sitemap_url = absolute_url(settings, settings["SITEMAP_SAVE_AS"])
    return f"User-agent: *\nDisallow: /drafts/\n\nSitemap: {sitemap_url}\n"
