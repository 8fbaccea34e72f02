"""Page keys: the same inputs give the same digest in any process and any order, and a
change one step away (a neighbour's title) changes it."""

from __future__ import annotations

import datetime
import itertools

from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG

from plugins.fastbuild.fingerprint import Digester


def articles(count: int = 4) -> list[Article]:
    made = []
    for index in range(count):
        made.append(
            Article(
                f"<p>Body {index}</p>",
                {"title": f"Post {index}", "date": datetime.datetime(2020, 1, index + 1)},
                settings=dict(DEFAULT_CONFIG),
                source_path=f"/content/posts/post-{index}.md",
            )
        )
    for before, after in itertools.pairwise(made):  # neighbours point at each other
        before.next_article, after.prev_article = after, before
    for article in made:
        article.related_posts = [other for other in made if other is not article][:2]
    return made


def test_digest_does_not_depend_on_what_was_digested_first():
    site = articles()
    expected = [Digester().value(article) for article in site]
    for order in itertools.permutations(range(len(site))):
        digester = Digester()
        seen = {index: digester.value(site[index]) for index in order}
        assert [seen[index] for index in range(len(site))] == expected


def test_a_neighbour_s_title_is_part_of_the_key():
    site = articles()
    before = Digester().value(site[1])
    site[2].title = "Renamed"
    assert Digester().value(site[1]) != before


def test_two_steps_away_is_not_part_of_the_key():
    site = articles(6)
    before = Digester().value(site[0])
    site[5].title = "Renamed"  # neither a neighbour nor related to post 0
    assert Digester().value(site[0]) == before


def test_equal_values_equal_digests_across_instances():
    assert Digester().value({"a": [1, "x", None]}) == Digester().value({"a": [1, "x", None]})
    assert Digester().value([1, 2]) != Digester().value([2, 1])
    assert Digester().value("1") != Digester().value(1)
