"""Defaults of the search plugin (a site's own settings win)."""

from __future__ import annotations

# Off switch: no index, no search page, no search box in the header.
SEARCH_ENABLED = True
# The search page (a Pelican template page, theme/templates/search.html).
SEARCH_URL = "search/"
SEARCH_SAVE_AS = "search/index.html"
# Where Pagefind's bundle goes, under OUTPUT_PATH; the search page loads it from there.
SEARCH_INDEX_PATH = "pagefind"
# Pages never indexed, by URL (shell patterns, as in ARTICLE_URL: "contact/", "posts/old-*").
SEARCH_EXCLUDE: tuple[str, ...] = ()
# Never indexed inside a page's body (CSS selectors), e.g. (".no-search",). The page's
# navigation, footer, author box, related posts and forms are never part of what
# Pagefind reads (plugins/search/documents.py), so they need no selector.
SEARCH_EXCLUDE_SELECTORS: tuple[str, ...] = ()
# The search page's script, relative to the theme's static folder.
SEARCH_SCRIPT = "js/search.js"
# The search page's own styles (results, filters), loaded on that page only.
SEARCH_STYLESHEET = "css/search.css"
# Results shown at once; "Show more results" adds as many again.
SEARCH_RESULTS_PER_PAGE = 10


def apply_defaults(settings: dict) -> None:
    for name, value in globals().items():
        if name.startswith("SEARCH_"):
            settings.setdefault(name, value)
