"""Comments: archived comment files rendered into the page, live comments through Isso.

Reads ``content/comments/<slug>/*.md`` once, validates them at the edge (problems go
to ``strict_content.problems``), attaches threaded comments to each article, adds an
optional snapshot of approved live comments, and writes a comments feed per article.
"""

from __future__ import annotations

import logging
import os
import unicodedata
from urllib.parse import urlsplit

from pelican import signals

from plugins.buildcache.output import write_through
from plugins.site_extras.urls import absolute_url
from plugins.strict_content import problems

from . import feeds, model, settings, snapshot
from .archive_cache import read_archive_cached

logger = logging.getLogger(__name__)


def configure(pelican) -> None:
    settings.apply_defaults(pelican.settings)


def thread_uri(article, site_settings: dict) -> str:
    """Isso's thread id for an article: its URL path, e.g. ``/posts/<slug>/``."""
    prefix = urlsplit(site_settings.get("SITEURL") or "").path.rstrip("/")
    return f"{prefix}/{article.url}"


def _articles(generator) -> list:
    """Every article that owns comments: listed, hidden and drafts (not translations)."""
    return (
        list(generator.articles)
        + list(getattr(generator, "hidden_articles", []))
        + list(generator.drafts)
    )


def attach_comments(generator) -> None:
    site_settings = generator.settings
    tz = model.site_timezone(site_settings.get("TIMEZONE"))
    articles = _articles(generator)
    known_slugs = {a.slug for a in articles} | {a.slug for a in generator.translations}
    reading = read_archive_cached(
        site_settings,
        os.path.join(site_settings["PATH"], site_settings["COMMENTS_PATH"]),
        known_slugs,
        tz,
        site_settings["COMMENTS_FIELDS"],
        site_settings.get("IGNORE_FILES", []),
        site_settings["COMMENTS_MAX_FILE_BYTES"],
    )
    for problem in reading.problems:
        problems.report(problem.path, problem.field, problem.message)

    server = (site_settings.get("COMMENTS_URL") or "").rstrip("/")
    live_articles = [a for a in articles if server and a.status != "draft"]
    live_ids = {id(a) for a in live_articles}
    live = _snapshot(server, live_articles, site_settings, tz)

    for article in articles:
        archived = reading.by_slug.get(article.slug, [])
        uri = thread_uri(article, site_settings)
        live_thread = _without_archived(live.by_uri.get(uri, []), archived)
        # The "Author" badge comes only from By_author: yes, a field the recruiter writes in
        # her own archived files: never from a name, which anyone can type into Isso. A
        # reader who types her name is shown as a reader, visibly.
        own_name = _name_key(str(getattr(article, "author", "") or ""))
        for comment in model.walk(archived + live_thread):
            comment.uses_author_name = (
                not comment.by_page_author and _name_key(comment.author) == own_name
            )
        article.comments = archived
        article.live_comments = live_thread
        article.comment_count = model.count(archived) + model.count(live_thread)
        article.comments_live = id(article) in live_ids
        article.comments_server = server
        article.isso_thread_uri = uri
        feed_path = site_settings["COMMENTS_FEED_ATOM"].format(slug=article.slug)
        article.comments_feed = feed_path if article.status != "draft" else ""
        article.comments_feed_url = absolute_url(site_settings, feed_path, feed=True)
    for article in generator.translations:
        article.comments, article.live_comments, article.comment_count = [], [], 0
        article.comments_live, article.comments_feed = False, ""


def _snapshot(server: str, live_articles: list, site_settings: dict, tz) -> snapshot.Snapshot:
    if not (server and site_settings.get("COMMENTS_SNAPSHOT") and live_articles):
        return snapshot.Snapshot()
    if problems.collected():  # the build stops anyway; don't wait for the network
        return snapshot.Snapshot()
    uris = [thread_uri(a, site_settings) for a in live_articles]
    result = snapshot.fetch_snapshot(
        server, uris, tz, float(site_settings["COMMENTS_SNAPSHOT_TIMEOUT"])
    )
    # Info, not warning: the site is still right without (some of) the snapshot.
    if not result.ok:
        logger.info("comments: no live comment snapshot, building without it: %s", result.error)
    elif result.incomplete:
        logger.info("comments: live comment snapshot incomplete: %s", result.incomplete)
    return result


def _without_archived(live: list, archived: list) -> list:
    """Live comments already exported to the archive (``isso-<id>.md``) show once."""
    exported = {c.name for c in model.walk(archived)}
    if not exported:
        return live
    kept = [c for c in model.walk(live) if c.name not in exported]
    roots, _ = model.thread(kept, orphans="promote")
    return roots


def write_feeds(generator, writer) -> None:
    """article_writer_finalized: each post's comments feed, through the build's writer."""
    site_settings = generator.settings
    if not site_settings.get("COMMENTS_FEED_ATOM"):
        return
    for article in list(generator.articles) + list(getattr(generator, "hidden_articles", [])):
        if not getattr(article, "comments_feed", ""):
            continue
        xml = feeds.render_comments_feed(
            article_title=getattr(article, "title_text", None) or str(article.title),
            article_url=absolute_url(site_settings, article.url),
            feed_url=article.comments_feed_url,
            article_date=article.date,
            comments=article.comments + article.live_comments,
            language=getattr(article, "lang", None) or site_settings.get("DEFAULT_LANG", "en"),
        )
        write_through(writer, article.comments_feed, xml, generator.context)


def _name_key(name: str) -> str:
    """Names compared as a reader sees them: case, width and spacing do not count."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def register() -> None:
    signals.initialized.connect(configure)
    signals.article_generator_finalized.connect(attach_comments)
    signals.article_writer_finalized.connect(write_feeds)
