"""Filter pages of open roles: by category, work mode, location and employment type.

Each facet is a static page (filters work without JavaScript); the listing's
script filters the same cards in place using the facet ``group`` and ``value``,
which match the data attributes of each card.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .model import (
    EMPLOYMENT_TYPES,
    WORK_MODES,
    Opening,
    country_name,
    employment_type_label,
    employment_type_slug,
    work_mode_label,
)

ANYWHERE = "*"
_SETTING_PREFIX = {
    "category": "OPENINGS_CATEGORY",
    "mode": "OPENINGS_WORK_MODE",
    "location": "OPENINGS_LOCATION",
    "type": "OPENINGS_TYPE",
}


@dataclass(frozen=True)
class Facet:
    group: str  # category | mode | location | type
    value: str  # matches the card's data-<group> attribute
    label: str
    url: str
    save_as: str
    openings: tuple[Opening, ...]

    @property
    def count(self) -> int:
        return len(self.openings)

    @property
    def heading(self) -> str:
        return f"Open roles: {self.label}"


@dataclass(frozen=True)
class FacetGroup:
    key: str
    label: str
    facets: tuple[Facet, ...]


def build_facet_groups(
    openings: list[Opening], settings: dict, slugify: Callable[[str], str]
) -> list[FacetGroup]:
    """Every filter that has at least one open role, in a stable order."""

    def facet(group: str, value: str, label: str, slug: str, members) -> Facet:
        setting = _SETTING_PREFIX[group]
        return Facet(
            group=group,
            value=value,
            label=label,
            url=settings[f"{setting}_URL"].format(slug=slug),
            save_as=settings[f"{setting}_SAVE_AS"].format(slug=slug),
            openings=tuple(members),
        )

    categories: dict[str, str] = {}
    for opening in openings:
        categories.setdefault(opening.category_slug, opening.category)
    by_category = [
        facet("category", slug, name, slug, (o for o in openings if o.category_slug == slug))
        for slug, name in sorted(categories.items(), key=lambda item: item[1].lower())
    ]
    by_mode = [
        facet(
            "mode", mode, work_mode_label(mode), mode, (o for o in openings if o.work_mode == mode)
        )
        for mode in WORK_MODES
        if any(o.work_mode == mode for o in openings)
    ]
    codes = sorted(
        {key for o in openings for key in o.country_keys if key != ANYWHERE},
        key=lambda code: country_name(code.upper()),
    )
    by_location = [
        facet(
            "location",
            code,
            country_name(code.upper()),
            slugify(country_name(code.upper())),
            (o for o in openings if code in o.country_keys or ANYWHERE in o.country_keys),
        )
        for code in codes
    ]
    by_type = [
        facet(
            "type",
            employment_type_slug(kind),
            employment_type_label(kind),
            employment_type_slug(kind),
            (o for o in openings if kind in o.employment_types),
        )
        for kind in EMPLOYMENT_TYPES
        if any(kind in o.employment_types for o in openings)
    ]
    groups = [
        FacetGroup("category", "Category", tuple(by_category)),
        FacetGroup("mode", "Work mode", tuple(by_mode)),
        FacetGroup("location", "Location", tuple(by_location)),
        FacetGroup("type", "Employment type", tuple(by_type)),
    ]
    return [group for group in groups if group.facets]


def facet_values(opening: Opening) -> dict[str, tuple[str, ...]]:
    """The filter values of one role, per group: what its card's data attributes hold."""
    return {
        "category": (opening.category_slug,),
        "mode": (opening.work_mode,),
        "location": opening.country_keys,
        "type": opening.employment_type_slugs,
    }


def all_facets(groups: Iterable[FacetGroup]) -> list[Facet]:
    return [facet for group in groups for facet in group.facets]


def reserved_slugs(settings: dict) -> set[str]:
    """Opening slugs that would land on a filter or archive page's address."""
    prefix = settings["OPENING_URL"].split("{slug}")[0]
    reserved: set[str] = set()
    for name, values in (
        ("OPENINGS_CATEGORY_URL", ()),
        ("OPENINGS_WORK_MODE_URL", WORK_MODES),
        ("OPENINGS_LOCATION_URL", ()),
        ("OPENINGS_TYPE_URL", tuple(employment_type_slug(t) for t in EMPLOYMENT_TYPES)),
        ("OPENINGS_CLOSED_URL", ()),
    ):
        url = settings[name]
        if not url.startswith(prefix):
            continue
        segment = url[len(prefix) :].split("/")[0]
        if segment == "{slug}":
            reserved.update(values)
        elif segment and "{" not in segment:
            reserved.add(segment)
    return reserved
