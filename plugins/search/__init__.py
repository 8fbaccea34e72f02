"""Site search: Pagefind indexes the finished site; the search page searches it in the browser.

After every build (``invoke build``, ``invoke publish``, ``pelican content``, livereload)
the posts, pages and open roles the build selected (``selection.py``) are indexed into
``OUTPUT_PATH/pagefind/``: once the content is read, each selected page's document
(``documents.py``: its title, body, filters, sort date and result metadata) goes to
Pagefind, which indexes while Pelican writes; the build waits for it at ``finalized``
(``index.py``). The search page (``theme/templates/search.html``, a template page) and
its script (``theme/static/js/search.js``) are the only place the index is loaded.
"""

from __future__ import annotations

import logging
import os

from pelican import signals

from plugins.buildcache import file_version
from plugins.strict_content import problems

from . import settings
from .documents import page_document, post_document, role_document
from .index import Indexing, IndexPlan, SearchIndexError, start_index
from .selection import Selection, select

logger = logging.getLogger(__name__)

_TEMPLATE = "search.html"


class SearchBuild:
    """The search side of one Pelican object: its settings and the index being made."""

    def __init__(self, site_settings: dict) -> None:
        self.settings = site_settings
        self.selection: Selection | None = None
        self.indexing: Indexing | None = None

    def plan(self, selection: Selection) -> IndexPlan:
        site = self.settings
        lang = site.get("DEFAULT_LANG") or "en"
        date_format = site.get("DEFAULT_DATE_FORMAT") or ""
        documents = (
            *(post_document(post, lang) for post in selection.posts),
            *(page_document(page, lang) for page in selection.pages),
            *(role_document(role, lang, date_format) for role in selection.roles),
        )
        return IndexPlan(
            output_path=site["OUTPUT_PATH"],
            index_path=site["SEARCH_INDEX_PATH"].strip("/"),
            documents=tuple(sorted(documents, key=lambda document: document.path)),
            exclude_selectors=tuple(site.get("SEARCH_EXCLUDE_SELECTORS") or ()),
        )


# The search side of each Pelican object, by its settings: made at ``initialized``
# (sent once per Pelican object; ``pelican -r`` runs the same object again and again),
# started at ``all_generators_finalized``, emptied once the index is written.
_builds: dict[int, SearchBuild] = {}


def configure(pelican) -> None:
    site = pelican.settings
    settings.apply_defaults(site)
    if not site["SEARCH_ENABLED"]:
        _builds.pop(id(site), None)
        return
    pages = dict(site.get("TEMPLATE_PAGES") or {})
    pages.setdefault(_TEMPLATE, site["SEARCH_SAVE_AS"])
    site["TEMPLATE_PAGES"] = pages
    static = os.path.join(site["THEME"], "static")
    site["SEARCH_SCRIPT_VERSION"] = file_version(os.path.join(static, site["SEARCH_SCRIPT"]))
    site["SEARCH_STYLESHEET_VERSION"] = file_version(
        os.path.join(static, site["SEARCH_STYLESHEET"])
    )
    _builds[id(site)] = SearchBuild(site)


def start_indexing(generators) -> None:
    build = _builds.get(id(generators[0].settings)) if generators else None
    if build is None:
        return
    if build.indexing is not None:  # a run that ended before ``finalized``
        build.indexing.cancel()
    build.selection = select(list(generators), build.settings)
    build.indexing = start_index(build.plan(build.selection), build.settings)


def write_index(pelican) -> None:
    build = _builds.get(id(pelican.settings))
    if build is None or build.indexing is None:
        return
    selection, indexing = build.selection, build.indexing
    build.selection = build.indexing = None
    try:
        outcome = indexing.finish()
    except SearchIndexError as error:
        logger.error("search: %s; the search page has no up-to-date index", error)
        return
    if outcome.indexed:
        logger.info(
            "search: indexed %d page(s) (%d posts, %d pages, %d roles) in %.2f s; "
            "%d file(s) written, %d deleted",
            outcome.pages,
            len(selection.posts),
            len(selection.pages),
            len(selection.roles),
            outcome.seconds,
            outcome.written,
            outcome.deleted,
        )


def build_stopped(sender) -> None:
    """Content problems stopped the build: Pagefind stops, its scratch folder goes."""
    for build in _builds.values():
        if build.indexing is not None:
            build.indexing.cancel()
            build.selection = build.indexing = None


def register() -> None:
    problems.build_stopped.connect(build_stopped)
    signals.initialized.connect(configure)
    signals.all_generators_finalized.connect(start_indexing)
    signals.finalized.connect(write_index)
