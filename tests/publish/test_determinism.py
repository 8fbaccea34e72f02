"""Unchanged content gives an unchanged site, so a re-publish uploads nothing."""

from __future__ import annotations

from tests.publish.conftest import site_files


def test_building_the_same_content_twice_gives_byte_identical_files(published_site, rebuilt_site):
    first, second = site_files(published_site.output), site_files(rebuilt_site.output)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == [], f"these files change from one build to the next: {differing}"
