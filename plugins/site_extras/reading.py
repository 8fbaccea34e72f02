"""Reading time and related posts, computed once per build for the templates."""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from itertools import chain, combinations


def minutes_for(words: int, words_per_minute: int) -> int:
    return max(1, math.ceil(words / words_per_minute))


def related_by_tags(articles: list, limit: int) -> dict:
    """Map each article to the articles sharing most tags with it (newest first on ties).

    Linear in practice: posts sharing two or more tags come from intersections of tag
    indexes (done in C), posts sharing one tag from the newest of each index, so no
    post is compared with every post of a big tag (that is N² when tags are few).
    """
    slugs = {id(a): Counter(tag.slug for tag in getattr(a, "tags", []) or []) for a in articles}
    order = sorted(articles, key=lambda a: (-a.date.timestamp(), a.slug))
    rank = {id(a): position for position, a in enumerate(order)}
    members: dict[str, list] = defaultdict(list)  # slug -> articles, newest first
    for article in order:
        for slug in slugs[id(article)]:
            members[slug].append(article)
    sets = {slug: set(found) for slug, found in members.items()}
    repeated = {
        slug: {a for a in found if slugs[id(a)][slug] > 1} for slug, found in members.items()
    }
    related = {}
    for article in articles:
        mine = slugs[id(article)]
        own = list(mine)
        if not own or limit <= 0:
            related[article.source_path] = []
            continue
        if any(count > 1 or repeated[slug] for slug, count in mine.items()):
            several = _sharing_several_exact(article, mine, slugs, sets, repeated)
        else:  # each tag once: k shared tags put a post in k(k-1)/2 pairwise intersections
            several = Counter(
                chain.from_iterable(sets[a] & sets[b] for a, b in combinations(own, 2))
            )
            several.pop(article, None)
        ranked = heapq.nsmallest(limit, several, key=lambda o: (-several[o], rank[id(o)]))
        if len(ranked) < limit:  # then the newest posts sharing exactly one tag
            for other in heapq.merge(*(members[slug] for slug in own), key=lambda a: rank[id(a)]):
                if other is not article and other not in several and other not in ranked:
                    ranked.append(other)
                    if len(ranked) == limit:
                        break
        related[article.source_path] = ranked
    return related


def _sharing_several_exact(article, mine: Counter, slugs, sets, repeated) -> Counter:
    """Posts sharing two or more tags, counted exactly, when a tag is given twice."""
    candidates: set = set()
    own = list(mine)
    for index, slug in enumerate(own):
        candidates |= repeated[slug]
        if mine[slug] > 1:
            candidates |= sets[slug]
        for other_slug in own[index + 1 :]:
            candidates |= sets[slug] & sets[other_slug]
    candidates.discard(article)
    shared = Counter()
    for other in candidates:
        theirs = slugs[id(other)]
        shared[other] = sum(count * theirs[slug] for slug, count in mine.items())
    return shared
