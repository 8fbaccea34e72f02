"""Subscriptions, the site's side: sign-up forms, the check-your-inbox page, the manifest.

The forms post to the audience server (``AUDIENCE_URL``; empty = no forms, nothing
else changes). The build writes ``feeds/updates.json``, the manifest of published
posts and open roles that ``invoke send-updates`` mails to subscribers, so mail never
scrapes pages: it reads the same values the pages were made from.
"""

from __future__ import annotations

from pelican import signals
from pelican.generators import Generator

from plugins.buildcache.output import write_through

from . import settings
from .manifest import build_manifest, manifest_json

_CHECK_INBOX_TEMPLATE = "subscribe_check_inbox.html"
_SUBSCRIBE_TEMPLATE = "subscribe.html"


def configure(pelican) -> None:
    site = pelican.settings
    settings.apply_defaults(site)
    site["AUDIENCE_URL"] = (site.get("AUDIENCE_URL") or "").rstrip("/")
    if site["AUDIENCE_URL"]:
        pages = dict(site.get("TEMPLATE_PAGES") or {})
        pages.setdefault(_SUBSCRIBE_TEMPLATE, site["SUBSCRIBE_SAVE_AS"])
        pages.setdefault(_CHECK_INBOX_TEMPLATE, site["SUBSCRIBE_CHECK_INBOX_SAVE_AS"])
        site["TEMPLATE_PAGES"] = pages


class _Sources:
    """The generators of the build that is running (set at all_generators_finalized)."""

    generators: list = []


def remember_generators(generators) -> None:
    _Sources.generators = list(generators)


class ManifestGenerator(Generator):
    """The manifest of what the site offers subscribers, written by Pelican's writer."""

    def generate_context(self) -> None:
        """Nothing to read: the manifest lists what the other generators read."""

    def generate_output(self, writer) -> None:
        write_manifest(self.settings, writer, self.context)


def manifest_generator(pelican):
    return ManifestGenerator


def write_manifest(site: dict, writer, context: dict) -> None:
    if not site.get("AUDIENCE_URL") or not site.get("SUBSCRIBE_MANIFEST_SAVE_AS"):
        return
    articles, roles = [], []
    for generator in _Sources.generators:
        if hasattr(generator, "articles") and hasattr(generator, "drafts"):
            articles.extend(generator.articles)
        today = getattr(generator, "today", None)
        if today is not None and hasattr(generator, "openings"):
            roles.extend(o for o in generator.openings if o.is_open(today))
    _Sources.generators = []
    manifest = manifest_json(build_manifest(articles, roles, site))
    write_through(writer, site["SUBSCRIBE_MANIFEST_SAVE_AS"], manifest, context)


def register() -> None:
    signals.initialized.connect(configure)
    signals.all_generators_finalized.connect(remember_generators)
    signals.get_generators.connect(manifest_generator)
