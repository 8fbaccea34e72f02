"""Every speed-up is invisible: the fast build writes the same bytes as plain Pelican.

FAST_BUILD = False turns plugins/fastbuild off. Both builds cover the whole output
tree: the demo content, and a small synthetic site (posts, openings, comments) read
by worker processes. A rebuild from the cache after edits must match a fresh build
of the edited sources, and a rebuild without edits must not touch a single file.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from bench.synth import edit_post, generate_site
from sitekit.build import build_site
from tests.sitebuild import ROOT, assert_no_fallbacks

SETTINGS = ROOT / "pelicanconf.py"


def _build(content: Path, out: Path, *, fast: bool, load_cache: bool = False, **extra):
    overrides = {
        "PATH": str(content),
        "OUTPUT_PATH": str(out),
        "CACHE_PATH": str(out.parent / (out.name + "-cache")),
        "LOAD_CONTENT_CACHE": load_cache,
        "CACHE_CONTENT": True,
        "COMMENTS_SNAPSHOT": False,
        "OPENINGS_TODAY": "2026-11-30",
        "FAST_BUILD": fast,
        # Start worker processes even for a small site, so that path is compared too.
        "FASTBUILD_PARALLEL_MIN_FILES": 1,
        "FASTBUILD_WORKERS": 2,
        **extra,
    }
    if "plugins.fastbuild" not in _plugins():
        overrides["PLUGINS"] = [*_plugins(), "plugins.fastbuild"]
    report = build_site(SETTINGS, overrides)
    assert report.ok, report.problems + report.errors
    if fast:
        assert_no_fallbacks()
    return report


def _plugins() -> list[str]:
    from pelican.settings import read_settings

    return list(read_settings(str(SETTINGS))["PLUGINS"])


def tree(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def assert_same_tree(expected: Path, actual: Path) -> None:
    first, second = tree(expected), tree(actual)
    assert sorted(first.keys() ^ second.keys()) == []
    assert [name for name in first if first[name] != second[name]] == []


def modification_times(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synthetic")
    return generate_site(root, posts=60, openings=10, comments=30, seed=11).content


def test_demo_site_fast_equals_plain(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    _build(content, tmp_path / "plain", fast=False)
    _build(content, tmp_path / "fast", fast=True)
    assert_same_tree(tmp_path / "plain", tmp_path / "fast")


def test_synthetic_site_fast_equals_plain_cold_and_warm(tmp_path, synthetic):
    content = tmp_path / "content"
    shutil.copytree(synthetic, content)
    _build(content, tmp_path / "plain", fast=False)
    _build(content, tmp_path / "fast", fast=True)
    assert_same_tree(tmp_path / "plain", tmp_path / "fast")

    # A rebuild with nothing changed renders nothing and rewrites nothing.
    before = modification_times(tmp_path / "fast")
    _build(content, tmp_path / "fast", fast=True, load_cache=True)
    assert modification_times(tmp_path / "fast") == before

    # Edits the author makes while writing, then a rebuild from the cache.
    posts = sorted((content / "posts").glob("*.md"))
    edit_post(posts[3], 1)  # body only
    retitled = posts[10].read_text(encoding="utf-8").replace("Title: ", "Title: Renamed ", 1)
    posts[10].write_text(retitled, encoding="utf-8")  # a title shown on other pages
    thread = content / "comments" / posts[20].stem
    thread.mkdir(exist_ok=True)
    (thread / "late-reply.md").write_text(
        "Author: Jo Bloggs\nDate: 2026-11-01 10:00\n\nA *new* comment.\n", encoding="utf-8"
    )
    _build(content, tmp_path / "fast", fast=True, load_cache=True)
    _build(content, tmp_path / "plain-edited", fast=False)
    assert_same_tree(tmp_path / "plain-edited", tmp_path / "fast")


def test_changed_settings_do_not_reuse_the_cache(tmp_path, synthetic):
    content = tmp_path / "content"
    shutil.copytree(synthetic, content)
    _build(content, tmp_path / "fast", fast=True)
    _build(content, tmp_path / "fast", fast=True, load_cache=True, SITENAME="Another name")
    _build(content, tmp_path / "plain", fast=False, SITENAME="Another name")
    assert_same_tree(tmp_path / "plain", tmp_path / "fast")
