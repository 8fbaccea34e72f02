"""Related posts come from tag indexes in linear time and rank exactly like all pairs."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from types import SimpleNamespace

import pytest

from plugins.site_extras.reading import related_by_tags


class Post(SimpleNamespace):
    """Hashable by identity, like Pelican's Article."""

    __hash__ = object.__hash__
    __eq__ = object.__eq__


def reference(articles: list, limit: int) -> dict:
    """The obvious definition: every other post, ranked by shared tags, then newest."""
    related = {}
    for article in articles:
        shared = defaultdict(int)
        for tag in article.tags:
            for other in articles:
                if other is not article:
                    shared[id(other)] += sum(1 for t in other.tags if t.slug == tag.slug)
        candidates = [o for o in articles if shared[id(o)] > 0]
        candidates.sort(key=lambda o: (-shared[id(o)], -o.date.timestamp(), o.slug))
        related[article.source_path] = candidates[:limit]
    return related


def fake_site(seed: int, posts: int, tags: int, repeat_tags: bool) -> list:
    rng = random.Random(seed)
    start = datetime.datetime(2011, 1, 1, tzinfo=datetime.UTC)
    articles = []
    for index in range(posts):
        names = rng.sample(range(tags), rng.randint(0, min(4, tags)))
        if repeat_tags and names and rng.random() < 0.2:
            names.append(names[0])  # "Tags: cv, cv" — counted twice, as Pelican does
        articles.append(
            Post(
                tags=[SimpleNamespace(slug=f"t{n}") for n in names],
                date=start + datetime.timedelta(days=rng.randint(0, 40)),  # many ties
                slug=f"post-{index:03d}",
                source_path=f"/content/posts/post-{index:03d}.md",
            )
        )
    return articles


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("repeat_tags", [False, True])
def test_same_ranking_as_comparing_all_pairs(seed, repeat_tags):
    articles = fake_site(seed, posts=80, tags=3 + seed * 2, repeat_tags=repeat_tags)
    for limit in (0, 1, 3, 10):
        assert related_by_tags(articles, limit) == reference(articles, limit)
