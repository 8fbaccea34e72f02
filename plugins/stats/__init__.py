"""Reading stats, the site's side: the counting script, the opt-out page, "Views: N".

Every page carries a small deferred script (``theme/static/js/stats.js``) that sends one
beacon per view to the audience server, and a ``<noscript>`` image for readers without
JavaScript; apply buttons carry ``data-apply`` so their clicks count for the role. With
``VIEWS_SNAPSHOT`` on, the build asks the server once for every page's views and the
templates show them (``views_by_url``, keyed by the page's URL as the site writes it).
"""

from __future__ import annotations

import logging

from pelican import signals

from plugins.strict_content import problems

from . import settings
from .snapshot import fetch_view_counts

logger = logging.getLogger(__name__)
_OPT_OUT_TEMPLATE = "stats_opt_out.html"


def configure(pelican) -> None:
    site = pelican.settings
    settings.apply_defaults(site)
    site["STATS_COUNTING"] = bool(site["STATS_COUNTING"] and site.get("AUDIENCE_URL"))
    if site["STATS_COUNTING"]:
        pages = dict(site.get("TEMPLATE_PAGES") or {})
        pages.setdefault(_OPT_OUT_TEMPLATE, site["STATS_OPT_OUT_SAVE_AS"])
        site["TEMPLATE_PAGES"] = pages


def add_view_counts(generators) -> None:
    """One request for the whole build; the context gets ``views_by_url`` (maybe empty)."""
    if not generators:
        return
    context = generators[0].context
    site = generators[0].settings
    server = (site.get("AUDIENCE_URL") or "").rstrip("/")
    context["views_by_url"] = {}
    if not (server and site.get("VIEWS_SNAPSHOT")) or problems.collected():
        return  # (a build with problems stops anyway: don't wait for the network)
    counts = fetch_view_counts(server, float(site["VIEWS_SNAPSHOT_TIMEOUT"]))
    if counts.error:
        # Info, not warning: the site is right without the counts, and publish goes on.
        logger.info("stats: no view counts, building without them: %s", counts.error)
    context["views_by_url"] = counts.by_url


def register() -> None:
    signals.initialized.connect(configure)
    signals.all_generators_finalized.connect(add_view_counts)
