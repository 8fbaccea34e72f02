"""Reading time and related posts, computed once per build for the templates."""

from __future__ import annotations

import math
import re
from collections import defaultdict

_TAG = re.compile(r"<[^>]+>")


def reading_minutes(html: str, words_per_minute: int) -> int:
    words = len(_TAG.sub(" ", html).split())
    return max(1, math.ceil(words / words_per_minute))


def related_by_tags(articles: list, limit: int) -> dict:
    """Map each article to the articles sharing most tags with it (newest first on ties).

    Walks a tag index instead of all pairs, so the cost follows shared tags, not N².
    """
    by_tag: dict[str, list] = defaultdict(list)
    for article in articles:
        for tag in getattr(article, "tags", []) or []:
            by_tag[tag.slug].append(article)
    related = {}
    for article in articles:
        shared: dict[int, int] = defaultdict(int)
        candidates = {}
        for tag in getattr(article, "tags", []) or []:
            for other in by_tag[tag.slug]:
                if other is not article:
                    shared[id(other)] += 1
                    candidates[id(other)] = other
        ranked = sorted(
            candidates.values(),
            key=lambda other: (-shared[id(other)], -other.date.timestamp(), other.slug),
        )
        related[article.source_path] = ranked[:limit]
    return related
