"""Posts -> open roles sharing a tag with them, computed once per build."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from .model import Opening


def related_openings(
    articles: Iterable,
    openings: list[Opening],
    tag_slug: Callable[[str], str],
    limit: int,
) -> dict[str, list[Opening]]:
    """Map each article's source_path to the open roles sharing most tags with it.

    Ties go to the newest role. Walks a tag index, so the cost follows shared tags.
    """
    by_tag: dict[str, list[Opening]] = defaultdict(list)
    for opening in openings:
        for slug in {tag_slug(tag) for tag in opening.tags}:
            by_tag[slug].append(opening)
    related: dict[str, list[Opening]] = {}
    for article in articles:
        shared: dict[str, int] = defaultdict(int)
        found: dict[str, Opening] = {}
        for tag in getattr(article, "tags", None) or []:
            for opening in by_tag.get(tag.slug, ()):
                shared[opening.ref] += 1
                found[opening.ref] = opening
        ranked = sorted(
            found.values(),
            key=lambda o: (-shared[o.ref], -o.date.timestamp(), o.slug),
        )
        related[article.source_path] = ranked[:limit]
    return related
