"""Where the site lives: one answer for JSON-LD, feeds, the sitemap, comments and checks.

``SITE_ORIGIN`` is the site's public origin (``http://127.0.0.1:8000`` in development,
``SITEURL`` when published; ``settings.py`` sets it from ``SITEURL`` when a site does
not). Feeds are published at Pelican's ``FEED_DOMAIN`` when it is set, else at the
origin. Nothing else in the plugins works an absolute URL out by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit


def site_origin(settings: Mapping) -> str:
    """``https://host[:port][/prefix]`` without a trailing slash ("" if unknown)."""
    return (settings.get("SITE_ORIGIN") or settings.get("SITEURL") or "").rstrip("/")


def feed_origin(settings: Mapping) -> str:
    """Where feeds are published: FEED_DOMAIN, else the site's origin."""
    return (settings.get("FEED_DOMAIN") or site_origin(settings)).rstrip("/")


def absolute_url(settings: Mapping, path: str, *, feed: bool = False) -> str:
    """``path`` (a site-relative URL like ``posts/x/``) as an absolute URL; a URL that
    already has a scheme is returned as it is."""
    if urlsplit(path).scheme:
        return path
    origin = feed_origin(settings) if feed else site_origin(settings)
    return f"{origin}/{path.lstrip('/')}"


def site_host(settings: Mapping) -> str:
    """The host name of the site's origin ("" if unknown)."""
    return urlsplit(site_origin(settings)).hostname or ""
