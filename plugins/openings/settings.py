"""Defaults for the openings plugin; override any of them in pelicanconf.py."""

from __future__ import annotations

# Where the opening sources live, relative to PATH. One Markdown file per role.
OPENINGS_PATH = "openings"

# The listing of open roles, one page per role, and the filter pages.
OPENINGS_URL = "openings/"
OPENINGS_SAVE_AS = "openings/index.html"
OPENING_URL = "openings/{slug}/"
OPENING_SAVE_AS = "openings/{slug}/index.html"
OPENINGS_CATEGORY_URL = "openings/category/{slug}/"
OPENINGS_CATEGORY_SAVE_AS = "openings/category/{slug}/index.html"
OPENINGS_WORK_MODE_URL = "openings/{slug}/"
OPENINGS_WORK_MODE_SAVE_AS = "openings/{slug}/index.html"
OPENINGS_LOCATION_URL = "openings/location/{slug}/"
OPENINGS_LOCATION_SAVE_AS = "openings/location/{slug}/index.html"
OPENINGS_TYPE_URL = "openings/type/{slug}/"
OPENINGS_TYPE_SAVE_AS = "openings/type/{slug}/index.html"
OPENINGS_CLOSED_URL = "openings/closed/"
OPENINGS_CLOSED_SAVE_AS = "openings/closed/index.html"

# Feeds of open roles (all, and one pair per category); paths relative to the output.
OPENINGS_FEED_ATOM = "feeds/openings.atom.xml"
OPENINGS_FEED_RSS = "feeds/openings.rss.xml"
OPENINGS_CATEGORY_FEED_ATOM = "feeds/openings/{slug}.atom.xml"
OPENINGS_CATEGORY_FEED_RSS = "feeds/openings/{slug}.rss.xml"
# Feed and entry ids are tag: URIs built from this prefix and each role's ref.
# Set it once and never change it. None: "tag:<host of SITE_ORIGIN>,2026:openings".
OPENINGS_ID_PREFIX = None

# "Today" for open/expired decisions: None = the current date in TIMEZONE.
# Tests and reproducible rebuilds pin it to a date ("2026-11-30").
OPENINGS_TODAY = None

# How many roles the home page, a post's "related roles" box and the listing's
# "recently closed" section show.
OPENINGS_HOME_MAX = 3
OPENINGS_RELATED_MAX = 3
OPENINGS_RECENTLY_CLOSED_MAX = 3

# The client-side filter script, relative to the theme's static folder.
OPENINGS_FILTER_JS = "js/openings-filter.js"


def apply_defaults(settings: dict) -> None:
    for name, value in globals().items():
        if name.startswith("OPENING"):
            settings.setdefault(name, value)
