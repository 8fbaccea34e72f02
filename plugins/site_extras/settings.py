"""Defaults for site_extras; override in pelicanconf.py."""

WORDS_PER_MINUTE = 220
RELATED_POSTS_MAX = 3
SITEMAP_SAVE_AS = "sitemap.xml"
# Origin used for canonical links and structured data; publishconf sets the real one.
SITE_ORIGIN = "http://127.0.0.1:8000"


def apply_defaults(settings: dict) -> None:
    for name in ("WORDS_PER_MINUTE", "RELATED_POSTS_MAX", "SITEMAP_SAVE_AS"):
        settings.setdefault(name, globals()[name])
    settings.setdefault("SITE_ORIGIN", settings.get("SITEURL") or SITE_ORIGIN)
