"""Site extras: reading time, related posts, JSON-LD, sitemap and robots.txt.

Everything here is computed once per build and handed to the templates, so the
templates only format.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from feedgenerator import get_tag_uri
from pelican import signals
from pelican.generators import Generator

from plugins.buildcache import file_version
from plugins.buildcache.output import write_through

from . import jsonld, reading, settings, sitemap, textstats, urls

_generators: list = []


def configure(pelican) -> None:
    settings.apply_defaults(pelican.settings)
    css = os.path.join(pelican.settings["THEME"], "static", "css", "site.css")
    pelican.settings["THEME_CSS_VERSION"] = file_version(css)


def add_template_helpers(generator) -> None:
    env = getattr(generator, "env", None)
    if env is None:
        return
    site_settings = generator.settings
    env.filters["jsonld"] = jsonld.script_safe_json
    env.globals["blog_posting_jsonld"] = lambda a: jsonld.blog_posting(a, site_settings)
    env.globals["person_jsonld"] = lambda: jsonld.person(site_settings)


def annotate_articles(generator) -> None:
    """Reading time, plain-text title/description and related posts for each article."""
    stats = textstats.TextStats(generator.settings)
    everything = list(generator.articles) + list(generator.translations)
    for article in everything + list(generator.drafts):
        article.title_text = " ".join(str(article.title).split())
        stats.annotate(article)
    stats.save()
    related = reading.related_by_tags(generator.articles, generator.settings["RELATED_POSTS_MAX"])
    for article in everything + list(generator.drafts):
        article.related_posts = related.get(article.source_path, [])
    _link_neighbours(generator.articles)


def _link_neighbours(articles: list) -> None:
    """Older/newer links in date order (Pelican lists articles newest first)."""
    ordered = sorted(articles, key=lambda a: (a.date, a.slug))
    for index, article in enumerate(ordered):
        article.prev_article = ordered[index - 1] if index > 0 else None
        article.next_article = ordered[index + 1] if index + 1 < len(ordered) else None


def annotate_pages(generator) -> None:
    for page in list(generator.pages) + list(generator.hidden_pages):
        page.title_text = " ".join(str(page.title).split())
        page.description_text = textstats.plain(getattr(page, "description", "") or page.summary)


def remember_generators(generators) -> None:
    _generators[:] = generators


class SiteFilesGenerator(Generator):
    """sitemap.xml and robots.txt, written with the pages by Pelican's writer."""

    def generate_context(self) -> None:
        """Nothing to read: the sitemap lists what the other generators read."""

    def generate_output(self, writer) -> None:
        site_settings = self.settings
        entries = sitemap.collect_entries(_generators, site_settings)
        xml = sitemap.render_sitemap(entries, site_settings)
        write_through(writer, site_settings["SITEMAP_SAVE_AS"], xml, self.context)
        write_through(writer, "robots.txt", sitemap.render_robots(site_settings), self.context)


def site_files_generator(pelican):
    return SiteFilesGenerator


def _absolute_feed_url(origin: str, url: str) -> str:
    return url if urlsplit(url).scheme else f"{origin}/{url.lstrip('/')}"


def make_feed_links_absolute(context, feed) -> None:
    """Feeds leave the site: links and ids stay absolute even in a RELATIVE_URLS build."""
    origin = urls.feed_origin(context)
    if not origin.startswith(("http://", "https://")):
        return
    feed.feed["link"] = _absolute_feed_url(origin, feed.feed["link"] or "/")
    if not urlsplit(feed.feed.get("id") or "").scheme:
        feed.feed["id"] = feed.feed["link"]
    for item in feed.items:
        if not urlsplit(item["link"]).scheme:
            item["link"] = _absolute_feed_url(origin, item["link"])
            item["unique_id"] = get_tag_uri(item["link"], item.get("pubdate"))


def mark_rss_guids_as_ids(context, feed) -> None:
    """Pelican's RSS guids are tag: URIs, not links: say so, as RSS 2.0 requires."""
    if getattr(feed, "content_type", "").startswith("application/rss+xml"):
        for item in feed.items:
            item["unique_id_is_permalink"] = False


def register() -> None:
    signals.initialized.connect(configure)
    signals.feed_generated.connect(make_feed_links_absolute)
    signals.feed_generated.connect(mark_rss_guids_as_ids)
    signals.generator_init.connect(add_template_helpers)
    signals.article_generator_finalized.connect(annotate_articles)
    signals.page_generator_finalized.connect(annotate_pages)
    signals.all_generators_finalized.connect(remember_generators)
    signals.get_generators.connect(site_files_generator)
