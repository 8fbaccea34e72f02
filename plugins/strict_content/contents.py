"""Every post and page Pelican's own generators hold, whatever their status."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

# The attributes of ArticlesGenerator and PagesGenerator that hold content objects.
CONTENT_LISTS = (
    "articles",
    "translations",
    "drafts",
    "hidden_articles",
    "pages",
    "hidden_pages",
    "draft_pages",
)


def all_contents(generators: Iterable) -> Iterator:
    """Posts and pages of every status, from every generator that has them."""
    for generator in generators:
        for attribute in CONTENT_LISTS:
            yield from getattr(generator, attribute, None) or []
