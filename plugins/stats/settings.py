"""Defaults of the stats plugin (a site's own settings win)."""

from __future__ import annotations

# Count page views and apply clicks through the audience server (AUDIENCE_URL, set by
# the subscriptions plugin): a small deferred script and a <noscript> image on every page.
# Empty AUDIENCE_URL, or False here: no script, no image, nothing counted.
STATS_COUNTING = True
# The counting script, relative to theme/static/.
STATS_SCRIPT = "js/stats.js"
# The page where the author switches counting off for her own browser.
STATS_OPT_OUT_URL = "stats/opt-out/"
STATS_OPT_OUT_SAVE_AS = "stats/opt-out/index.html"
# Read every page's views from the audience server at build time and show "Views: N"
# under posts and roles (publishconf: on). One request; no count when it fails.
VIEWS_SNAPSHOT = False
# Seconds for that one request; a server that is down costs at most this.
VIEWS_SNAPSHOT_TIMEOUT = 3.0


def apply_defaults(settings: dict) -> None:
    for name, value in globals().items():
        if name.isupper():
            settings.setdefault(name, value)
