"""Openings: the roles the recruiter is hiring for, from content/openings/*.md.

Adds OpeningsGenerator (listing, filter pages, one page per role with JobPosting
JSON-LD, Atom/RSS feeds, sitemap entries) and links posts to open roles that
share a tag with them. Problems in a source stop the build through strict_content.
"""

from __future__ import annotations

import os

from pelican import signals

from plugins.buildcache import file_version
from plugins.strict_content import problems
from plugins.strict_content.contents import all_contents

from . import settings
from .generator import OpeningsGenerator
from .related import related_openings


def configure(pelican) -> None:
    settings.apply_defaults(pelican.settings)
    script = os.path.join(
        pelican.settings["THEME"], "static", pelican.settings["OPENINGS_FILTER_JS"]
    )
    pelican.settings["OPENINGS_FILTER_JS_VERSION"] = file_version(script)


def get_generators(pelican):
    return OpeningsGenerator


def _openings_generator(generators) -> OpeningsGenerator | None:
    return next((g for g in generators if isinstance(g, OpeningsGenerator)), None)


def check_output_collisions(generators) -> None:
    """A page or post writing where an openings page goes would lose one of them."""
    openings = _openings_generator(generators)
    if openings is None:
        return
    ours = openings.output_paths()
    others = [generator for generator in generators if generator is not openings]
    for content in all_contents(others):
        save_as = getattr(content, "save_as", None)
        if save_as in ours:
            problems.report(
                content.source_path,
                "slug",
                f"{content.slug!r} would write {save_as}, which belongs to "
                f"{ours[save_as]} (remove this file or change its slug)",
            )


def link_posts_to_open_roles(generators) -> None:
    """article.related_openings: open roles sharing a tag with the post, most shared first."""
    openings = _openings_generator(generators)
    if openings is None:
        return
    limit = openings.settings["OPENINGS_RELATED_MAX"]
    for generator in generators:
        if not hasattr(generator, "articles"):
            continue
        everything = [
            *generator.articles,
            *getattr(generator, "translations", []),
            *getattr(generator, "hidden_articles", []),
            *getattr(generator, "drafts", []),
        ]
        related = related_openings(everything, openings.listed, openings.tag_slug, limit)
        for article in everything:
            article.related_openings = related.get(article.source_path, [])


def register() -> None:
    signals.initialized.connect(configure)
    signals.get_generators.connect(get_generators)
    signals.all_generators_finalized.connect(check_output_collisions)
    signals.all_generators_finalized.connect(link_posts_to_open_roles)
