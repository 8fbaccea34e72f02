"""The manifest of what the site holds, for the subscribers' mail (``audience.updates``).

A view of the same Article and Opening values the pages show: published posts and open
roles only, absolute links, plain-text summaries, and each role's filter values (the
ones the openings filter pages use), so alerts match exactly what a filter page lists.
No Pelican import: ``build_manifest`` takes the values and the settings.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

from plugins.openings.facets import facet_values
from plugins.site_extras.urls import absolute_url

FORMAT = 1
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def plain_text(markup: str) -> str:
    """A summary as text: tags dropped, entities decoded, spaces collapsed."""
    return _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", str(markup or "")))).strip()


def post_item(article, settings: dict) -> dict:
    return {
        "key": f"post:{article.slug}",
        "kind": "post",
        "title": plain_text(article.title),
        "url": absolute_url(settings, article.url),
        "summary": plain_text(getattr(article, "summary", "")),
        "date": article.date.isoformat(),
        "category": str(getattr(article, "category", "") or ""),
        "tags": [str(tag) for tag in getattr(article, "tags", []) or []],
    }


def role_item(opening, settings: dict) -> dict:
    location = opening.location_label
    if opening.is_remote:  # "from Ireland or Germany": the work mode says "Remote" already
        location = location.removeprefix("from ")
        location = location[:1].upper() + location[1:]
    return {
        "key": f"role:{opening.ref}",
        "kind": "role",
        "title": opening.title,
        "url": absolute_url(settings, opening.url),
        "summary": plain_text(opening.summary),
        "date": opening.date.isoformat(),
        "category": opening.category,
        "company": opening.employer_name,
        "location": location,
        "work_mode": opening.work_mode_label,
        "employment_type": opening.employment_type_label,
        "salary": opening.salary.text if opening.salary else None,
        "facets": {group: list(values) for group, values in facet_values(opening).items()},
    }


def build_manifest(articles: Iterable, open_roles: Iterable, settings: dict) -> dict:
    """Posts newest first, then roles newest first: stable, so an unchanged site is equal."""
    posts = sorted(articles, key=lambda a: (a.date, a.slug), reverse=True)
    roles = sorted(open_roles, key=lambda o: (o.date, o.ref), reverse=True)
    return {
        "version": FORMAT,
        "site": {
            "name": settings.get("SITENAME", ""),
            "url": absolute_url(settings, ""),
            "author": settings.get("AUTHOR", ""),
        },
        "items": [post_item(a, settings) for a in posts] + [role_item(o, settings) for o in roles],
    }


def manifest_json(manifest: dict) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
