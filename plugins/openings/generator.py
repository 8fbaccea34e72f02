"""OpeningsGenerator: reads content/openings once, then writes every view of it.

Views: the listing (open roles plus recently closed), one filter page per
category / work mode / location / employment type, an archive of closed roles,
one page per role (JobPosting JSON-LD while open), and Atom + RSS feeds.
"""

from __future__ import annotations

import datetime
import logging
import os
from dataclasses import replace
from functools import partial

from pelican.cache import FileStampDataCacher
from pelican.generators import CachingGenerator
from pelican.readers import MarkdownReader
from pelican.urlwrappers import Tag
from pelican.utils import slugify

from plugins.buildcache.output import write_through
from plugins.site_extras.jsonld import script_safe_json
from plugins.strict_content import problems
from plugins.strict_content.today import build_today

from . import feeds
from .facets import all_facets, build_facet_groups, reserved_slugs
from .jsonld import render_job_posting
from .model import Opening, parse_opening
from .reader import OpeningReader, SourceFileProblem

logger = logging.getLogger(__name__)


def today_for_build(settings: dict) -> datetime.date:
    """OPENINGS_TODAY, else BUILD_TODAY when set (reproducible builds), else today."""
    return build_today(settings, "OPENINGS_TODAY")


def _newest_first(opening: Opening):
    return (-opening.date.timestamp(), opening.title.lower(), opening.ref)


class OpeningsGenerator(CachingGenerator):
    """Reads opening sources with a Pelican Markdown reader and renders their views."""

    def __init__(self, *args, **kwargs):
        self.openings: list[Opening] = []  # every valid role, newest first
        self.listed: list[Opening] = []  # open roles, newest first
        self.closed: list[Opening] = []  # filled, closed, expired; latest closing first
        self.facet_groups = []
        self.categories: dict[str, str] = {}  # slug -> name, of every role
        self.today: datetime.date | None = None
        self.share_cards: dict = {}  # ref -> the role's share image (plugins/share_cards)
        super().__init__(*args, **kwargs)
        # Keep each role's parsed source between builds like Pelican's reader cache does
        # for posts (CONTENT_CACHING_LAYER covers only those): rebuilds re-read changed roles.
        FileStampDataCacher.__init__(
            self,
            self.settings,
            type(self).__name__,
            self.settings.get("CACHE_CONTENT", False),
            self.settings.get("LOAD_CONTENT_CACHE", False),
        )
        self.reader = OpeningReader(self.settings)
        self.env.filters.setdefault("jsonld", script_safe_json)

    # -- reading ------------------------------------------------------------------------

    def generate_context(self) -> None:
        self.today = today_for_build(self.settings)
        folder = self.settings["OPENINGS_PATH"]
        sources = sorted(self.get_files([folder], extensions=False)) if folder else []
        openings = [opening for path in sources if (opening := self._read(path))]
        openings = self._without_duplicates(openings)
        self.openings = sorted(openings, key=_newest_first)
        self.listed = [o for o in self.openings if o.state == "open"]
        self.closed = sorted(
            (o for o in self.openings if o.is_closed(self.today)),
            key=lambda o: (-o.closed_on.timestamp(), o.title.lower(), o.ref),
        )
        for opening in sorted(self.openings, key=lambda o: o.date):
            self.categories.setdefault(opening.category_slug, opening.category)
        self.facet_groups = build_facet_groups(self.listed, self.settings, self._slugify)
        self._log_expired()
        recent = self.settings["OPENINGS_RECENTLY_CLOSED_MAX"]
        self.context.update(
            {
                "openings": self.listed,
                "latest_openings": self.listed[: self.settings["OPENINGS_HOME_MAX"]],
                "closed_openings": self.closed,
                "recently_closed_openings": self.closed[:recent],
                "openings_facet_groups": self.facet_groups,
                "openings_today": self.today,
            }
        )
        self.save_cache()

    def _slugify(self, text: str) -> str:
        return slugify(text, regex_subs=self.settings.get("SLUG_REGEX_SUBSTITUTIONS", []))

    def tag_slug(self, name: str) -> str:
        """The slug Pelican gives a post tag of the same name (for related roles)."""
        return Tag(name, self.settings).slug

    def _read(self, relative: str) -> Opening | None:
        path = os.path.join(self.path, relative)
        extension = os.path.splitext(relative)[1].lstrip(".").lower()
        if extension not in MarkdownReader.file_extensions:
            logger.warning(
                "%s: file: skipped: openings are Markdown files (%s)",
                problems.display_path(path),
                ", ".join(f".{ext}" for ext in MarkdownReader.file_extensions),
            )
            return None
        source = self.get_cached_data(relative, None)
        if source is None:
            try:
                source = self.reader.read(path)
            except SourceFileProblem as problem:
                problems.report(path, "file", str(problem))
                return None
            except Exception as error:  # a Markdown extension failing on odd input
                problems.report(path, "file", f"cannot be read ({type(error).__name__}: {error})")
                return None
            self.cache_data(relative, source)
        description, raw = source
        shown_path = problems.display_path(path)
        result = parse_opening(
            raw,
            description,
            source_path=shown_path,
            timezone=self.settings.get("TIMEZONE") or "UTC",
            today=self.today,
            slugify=self._slugify,
            reserved_slugs=reserved_slugs(self.settings),
        )
        for problem in result.problems:
            problems.report(path, problem.field, problem.message)
        for warning in result.warnings:
            logger.warning("%s: %s: %s", shown_path, warning.field, warning.message)
        if result.opening is None:
            return None
        opening = result.opening
        return replace(
            opening,
            url=self.settings["OPENING_URL"].format(slug=opening.slug),
            save_as=self.settings["OPENING_SAVE_AS"].format(slug=opening.slug),
            state=opening.state_on(self.today),
        )

    def _without_duplicates(self, openings: list[Opening]) -> list[Opening]:
        """Slugs and refs are unique; the second file using one is the problem."""
        by_slug: dict[str, Opening] = {}
        by_ref: dict[str, Opening] = {}
        kept = []
        for opening in openings:
            duplicate = False
            other = by_slug.get(opening.slug)
            if other is not None:
                problems.report(
                    opening.source_path,
                    "slug",
                    f"{opening.slug!r} is also used by {other.source_path} "
                    "(each role needs its own page address)",
                )
                duplicate = True
            other = by_ref.get(opening.ref.casefold())
            if other is not None:
                problems.report(
                    opening.source_path,
                    "ref",
                    f"{opening.ref!r} is also used by {other.source_path} "
                    "(a ref is never reused, even after a role closes)",
                )
                duplicate = True
            by_slug.setdefault(opening.slug, opening)
            by_ref.setdefault(opening.ref.casefold(), opening)
            if not duplicate:
                kept.append(opening)
        return kept

    def _log_expired(self) -> None:
        expired = [o for o in self.openings if o.state == "expired"]
        if expired:
            logger.info(
                "openings: %d role(s) past valid_through, shown as closed: %s",
                len(expired),
                ", ".join(
                    f"{o.source_path} ({o.valid_through.date().isoformat()})" for o in expired
                ),
            )

    # -- what other parts of the site ask for ----------------------------------------------

    def output_paths(self) -> dict[str, str]:
        """{save_as: what writes it} for every page this generator writes."""
        paths = {self.settings["OPENINGS_SAVE_AS"]: "the openings listing"}
        if self.closed:
            paths[self.settings["OPENINGS_CLOSED_SAVE_AS"]] = "the closed roles archive"
        for facet in all_facets(self.facet_groups):
            paths[facet.save_as] = f"the {facet.label!r} filter page"
        for opening in self.openings:
            paths[opening.save_as] = opening.source_path
        return paths

    def sitemap_entries(self):
        """Listing, filter pages and open roles, with lastmod from the content."""
        newest = max((o.lastmod for o in self.listed), default=None)
        yield self.settings["OPENINGS_URL"], newest
        for facet in all_facets(self.facet_groups):
            yield facet.url, max(o.lastmod for o in facet.openings)
        for opening in self.listed:
            yield opening.url, opening.lastmod

    # -- writing ------------------------------------------------------------------------

    def generate_output(self, writer) -> None:
        self.generate_pages(writer)
        self._write_feeds(writer)

    def generate_pages(self, writer) -> None:
        """Every page of the openings (roles, listing, filters, archive); not the feeds.

        Named like Pelican's ArticlesGenerator step: plugins/fastbuild renders a step
        of this name in parallel on cold builds.
        """
        write = partial(
            writer.write_file,
            context=self.context,
            relative_urls=self.settings["RELATIVE_URLS"],
        )
        main_feeds = self._feed_links()
        for opening in self.openings:
            share_card = self.share_cards.get(opening.ref)
            job_posting = (
                render_job_posting(opening, self.settings, share_card)
                if opening.state == "open"
                else None
            )
            write(
                opening.save_as,
                self.get_template("openings/detail"),
                url=opening.url,
                opening=opening,
                share_card=share_card,
                job_posting=job_posting,
                openings_feed_links=main_feeds + self._feed_links(opening.category_slug),
            )
        write(
            self.settings["OPENINGS_SAVE_AS"],
            self.get_template("openings/listing"),
            url=self.settings["OPENINGS_URL"],
            listing_openings=self.listed,
            current_facet=None,
            openings_feed_links=main_feeds,
        )
        for facet in all_facets(self.facet_groups):
            category = facet.value if facet.group == "category" else None
            write(
                facet.save_as,
                self.get_template("openings/facet"),
                url=facet.url,
                listing_openings=list(facet.openings),
                current_facet=facet,
                openings_feed_links=main_feeds + self._feed_links(category),
            )
        if self.closed:
            write(
                self.settings["OPENINGS_CLOSED_SAVE_AS"],
                self.get_template("openings/closed"),
                url=self.settings["OPENINGS_CLOSED_URL"],
                openings_feed_links=main_feeds,
            )

    def _feed_links(self, category_slug: str | None = None) -> list[dict]:
        """Autodiscovery links: the feeds of all open roles, or of one category."""
        settings = self.settings
        if category_slug is None:
            label = "open roles"
            paths = (settings["OPENINGS_FEED_ATOM"], settings["OPENINGS_FEED_RSS"])
        else:
            label = f"open roles in {self.categories.get(category_slug, category_slug)}"
            paths = (
                _format(settings["OPENINGS_CATEGORY_FEED_ATOM"], category_slug),
                _format(settings["OPENINGS_CATEGORY_FEED_RSS"], category_slug),
            )
        links = []
        for path, kind, name in zip(
            paths,
            ("application/atom+xml", "application/rss+xml"),
            ("Atom", "RSS"),
            strict=True,
        ):
            if path:
                links.append({"type": kind, "path": path, "title": f"{label} ({name})"})
        return links

    def _write_feeds(self, writer) -> None:
        settings = self.settings
        prefix = feeds.id_prefix(settings)
        site = settings["SITENAME"]
        newest_any = max((o.lastmod for o in self.openings), default=None)
        outputs = feeds.render_feeds(
            self.listed,
            settings=settings,
            title=f"{site}: open roles",
            description=f"Roles {settings.get('AUTHOR') or site} is recruiting for now.",
            page_path=settings["OPENINGS_URL"],
            atom_path=settings["OPENINGS_FEED_ATOM"],
            rss_path=settings["OPENINGS_FEED_RSS"],
            feed_id=prefix,
            fallback_updated=newest_any,
        )
        for slug, name in sorted(self.categories.items()):
            members = [o for o in self.listed if o.category_slug == slug]
            newest_in_category = max(
                (o.lastmod for o in self.openings if o.category_slug == slug), default=None
            )
            facet_page = settings["OPENINGS_CATEGORY_URL"].format(slug=slug)
            outputs.update(
                feeds.render_feeds(
                    members,
                    settings=settings,
                    title=f"{site}: open roles in {name}",
                    description=f"{name} roles {settings.get('AUTHOR') or site} is "
                    "recruiting for now.",
                    page_path=facet_page if members else settings["OPENINGS_URL"],
                    atom_path=_format(settings["OPENINGS_CATEGORY_FEED_ATOM"], slug),
                    rss_path=_format(settings["OPENINGS_CATEGORY_FEED_RSS"], slug),
                    feed_id=f"{prefix}:category:{slug}",
                    fallback_updated=newest_in_category,
                )
            )
        for relative, data in sorted(outputs.items()):
            path = write_through(writer, relative, data, self.context)
            logger.debug("Writing %s", path)


def _format(pattern: str | None, slug: str) -> str | None:
    return pattern.format(slug=slug) if pattern else None
