"""Which pages the search index holds, decided once per build.

Published posts and pages and open roles are indexed, unless their URL matches
``SEARCH_EXCLUDE``. Nothing else is: drafts, hidden pages, paused and closed roles,
listings, filter pages, archives, tag and category pages (``documents.py`` makes what
Pagefind reads of each selected one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from plugins.openings.generator import OpeningsGenerator

# Published contents of Pelican's generators (translations are published too).
_PUBLISHED = ("articles", "translations", "pages")
# The facet groups of the openings plugin, as search filters: facet key -> filter name.
# ("type" is taken by post / page / role, so an employment type is "employment".)
ROLE_FILTER_NAMES = {
    "category": "category",
    "mode": "mode",
    "location": "location",
    "type": "employment",
}
# The role country key meaning "candidates may live anywhere" (Opening.country_keys).
ANYWHERE = "*"


@dataclass(frozen=True)
class Selection:
    """The contents to index, by kind: Pelican's posts and pages, the open roles."""

    posts: tuple = ()
    pages: tuple = ()
    roles: tuple = ()

    @property
    def count(self) -> int:
        return len(self.posts) + len(self.pages) + len(self.roles)


@dataclass(frozen=True)
class FilterOption:
    value: str
    label: str


@dataclass(frozen=True)
class FilterGroup:
    """One role filter of the search form: a select named ``name``."""

    name: str
    label: str
    options: tuple[FilterOption, ...]
    anywhere: str = ""  # a value every choice also matches ("*": roles open anywhere)


def is_excluded(url: str, patterns: Iterable[str]) -> bool:
    path = (url or "").lstrip("/")
    return any(fnmatchcase(path, pattern.lstrip("/")) for pattern in patterns)


def select(generators: list, settings: dict) -> Selection:
    """Decide what is indexed, and give the search page its role filters."""
    patterns = tuple(settings.get("SEARCH_EXCLUDE") or ())
    chosen: dict[str, list] = {"posts": [], "pages": [], "roles": []}
    seen: set[str] = set()
    for generator in generators:
        kind = "pages" if _is_page(generator) else "posts"
        for attribute in _PUBLISHED:
            for content in getattr(generator, attribute, None) or []:
                if content.save_as not in seen and not is_excluded(content.url, patterns):
                    seen.add(content.save_as)
                    chosen[kind].append(content)
        if isinstance(generator, OpeningsGenerator):
            chosen["roles"] += [
                opening for opening in generator.listed if not is_excluded(opening.url, patterns)
            ]
    for context in _contexts(generators):
        context["search_role_filters"] = role_filter_groups(
            context.get("openings_facet_groups") or ()
        )
    return Selection(**{kind: tuple(found) for kind, found in chosen.items()})


def role_filter_groups(facet_groups: Iterable) -> tuple[FilterGroup, ...]:
    """The search form's role filters: the openings plugin's facets, by filter name."""
    groups = []
    for group in facet_groups:
        name = ROLE_FILTER_NAMES.get(group.key)
        if name is None:
            continue
        options = tuple(FilterOption(facet.value, facet.label) for facet in group.facets)
        groups.append(
            FilterGroup(name, group.label, options, ANYWHERE if name == "location" else "")
        )
    return tuple(groups)


def _is_page(generator) -> bool:
    return hasattr(generator, "hidden_pages")


def _contexts(generators: list) -> list[dict]:
    seen: dict[int, dict] = {}
    for generator in generators:
        context = getattr(generator, "context", None)
        if isinstance(context, dict):
            seen.setdefault(id(context), context)
    return list(seen.values())
