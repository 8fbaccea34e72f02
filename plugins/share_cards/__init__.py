"""Share cards: a 1200×630 image per post and per role, for LinkedIn, X, Facebook and JSON-LD.

Each post gets ``article.share_card`` and the openings generator ``share_cards[ref]``
(a ``ShareImage``: absolute URL, size, type, alt text) that the page head and the
JSON-LD show. A post's own ``Image:`` wins over its card. Every role keeps a card
whatever its state, so an old share of a closed role still shows its image.
The build process only works out each card's text and file name (the digest of what
is drawn); ``drawer.py`` gets the files into the output, drawing beside the build.
"""

from __future__ import annotations

import logging
import os

from pelican import signals

from plugins.buildcache import code_digest
from plugins.strict_content import problems
from plugins.strict_content.problems import display_path

from . import settings
from .drawer import STORE_FOLDER, CardWork, Fonts
from .model import Cards, own_image

logger = logging.getLogger(__name__)


class Build:
    """The cards of the build that is running (made at ``initialized``)."""

    current: Build | None = None

    def __init__(self, site_settings: dict) -> None:
        self.settings = site_settings
        fonts = site_settings["SHARE_CARD_FONTS"]
        self.fonts = Fonts(tuple(fonts["bold"]), tuple(fonts["regular"]))
        self.cards = Cards(site_settings, drawing_key(self.fonts))
        store = None
        if site_settings.get("CACHE_CONTENT") and site_settings.get("CACHE_PATH"):
            store = os.path.join(site_settings["CACHE_PATH"], STORE_FOLDER)
        folders = tuple(f"{self.cards.folder}/{kind}" for kind in ("posts", "openings"))
        self.work = CardWork(site_settings["OUTPUT_PATH"], store, self.fonts, folders)
        self.parallel = bool(site_settings.get("SHARE_CARDS_PARALLEL"))


def drawing_key(fonts: Fonts) -> str:
    """What else a card's pixels depend on: the drawing code, libraries, font files."""
    parts = [code_digest(__file__, ("pillow", "isal", "fonttools"))]
    for path in dict.fromkeys(fonts.bold + fonts.regular):
        status = os.stat(path)
        parts.append(f"{path}:{status.st_size}:{status.st_mtime_ns}")
    return "\n".join(parts)


def start_build(pelican) -> None:
    site_settings = pelican.settings
    settings.apply_defaults(site_settings)
    if Build.current is not None:  # an earlier build that stopped half-way
        Build.current.work.stop()
        Build.current = None
    if not site_settings["SHARE_CARDS"]:
        return
    fonts = site_settings["SHARE_CARD_FONTS"]
    absent = [p for p in (*fonts["bold"], *fonts["regular"]) if not os.path.isfile(p)]
    if absent:
        logger.error(
            "share cards: not drawn: no font file %s (install fonts-dejavu-core and "
            "fonts-droid-fallback: ./dev does; or set SHARE_CARD_FONTS)",
            ", ".join(sorted(set(absent))),
        )
        return
    Build.current = Build(site_settings)


def cards_for_posts(generator) -> None:
    build = Build.current
    if build is None:
        return
    jobs = []
    for article in [*generator.articles, *generator.translations]:
        image = own_image(article, build.settings)
        if image is None:
            text = build.cards.post_text(article)
            job = build.cards.job("posts", article.slug, text, article.source_path)
            jobs.append(job)
            image = build.cards.image(job)
        article.share_card = image
    build.work.add(jobs, build.parallel)


def cards_for_roles(generators) -> None:
    build = Build.current
    if build is None:
        return
    for generator in generators:
        if not isinstance(getattr(generator, "share_cards", None), dict):
            continue
        jobs = []
        for opening in getattr(generator, "openings", []):
            text = build.cards.role_text(opening)
            job = build.cards.job("openings", opening.slug, text, opening.source_path)
            jobs.append(job)
            generator.share_cards[opening.ref] = build.cards.image(job)
        build.work.add(jobs, build.parallel)


def sources_checked(pelican) -> None:
    """Reached only when no content problem stopped the build: cards may be written."""
    if Build.current is not None:
        Build.current.work.allow_writing()


def finish_build(pelican) -> None:
    build, Build.current = Build.current, None
    if build is None:
        return
    outcome = build.work.finish()
    for source, field, characters in sorted(set(outcome.missing)):
        logger.info(
            "%s: %s: the share card leaves out %s (no glyph in the card fonts)",
            display_path(source),
            field,
            " ".join(sorted(set(characters))),
        )
    for source, why in sorted(set(outcome.failed)):
        logger.error("share cards: %s%s", f"{display_path(source)}: " if source else "", why)
    logger.debug(
        "share cards: %d (%d drawn by the build process), %d no longer shown removed",
        len(build.work.order),
        outcome.drawn,
        outcome.removed,
    )


def build_stopped(sender) -> None:
    """Content problems stopped the build: the drawing process stops, nothing is written."""
    build, Build.current = Build.current, None
    if build is not None:
        build.work.stop()


def register() -> None:
    problems.build_stopped.connect(build_stopped)
    signals.initialized.connect(start_build)
    signals.article_generator_finalized.connect(cards_for_posts)
    signals.all_generators_finalized.connect(cards_for_roles)
    signals.get_writer.connect(sources_checked)
    signals.finalized.connect(finish_build)
