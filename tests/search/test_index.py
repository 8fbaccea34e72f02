"""The index a build writes: what is in it, and that it is stable from build to build."""

from __future__ import annotations

import gzip
import json
import os

from bs4 import BeautifulSoup

from plugins.search import index
from tests.search.conftest import CONTENT, INDEXED_URLS, TODAY, build_search_site, tree
from tests.sitebuild import build

INDEX = "pagefind"


def fragments(output) -> dict[str, dict]:
    """What the index holds, by URL: Pagefind's fragment of each page, decoded."""
    found = {}
    for path in (output / INDEX / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        fragment = json.loads(data[len(b"pagefind_dcd") :])
        found[fragment["url"]] = fragment
    return found


def test_the_build_indexes_posts_pages_and_open_roles_only(search_site):
    output = search_site.output
    entry = json.loads((output / INDEX / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == len(INDEXED_URLS)
    # Exactly these pages: not the draft, the closed role, listings, filter pages,
    # archives, tag or category pages, nor the search page itself.
    assert set(fragments(output)) == INDEXED_URLS
    assert (output / "drafts" / "unpublished-thoughts" / "index.html").is_file()
    assert (output / "openings" / "lighthouse-keeper-liaison" / "index.html").is_file()
    assert (output / "openings" / "remote" / "index.html").is_file()
    served = {p.name for p in (output / INDEX).iterdir()}
    assert {"pagefind.js", "pagefind-entry.json", "index", "fragment", "filter"} <= served
    assert not {name for name in served if name.startswith(("pagefind-ui", "pagefind-worker"))}
    assert any("search: indexed 5 page(s)" in line for line in search_site.report.infos)
    # The public pages carry no Pagefind marks: what is indexed is decided at build time.
    for path in output.rglob("*.html"):
        assert "data-pagefind" not in path.read_text(encoding="utf-8"), path


def test_results_carry_filters_sort_date_and_metadata_and_only_the_body(search_site):
    indexed = fragments(search_site.output)
    role = indexed["/openings/remote-python-developer/"]
    assert role["filters"] == {
        "category": ["engineering"], "employment": ["full-time"], "location": ["gb", "ie"],
        "mode": ["remote"], "type": ["role"],
    }  # fmt: skip
    assert set(role["meta"]) >= {"title", "type", "date", "detail", "summary"}
    assert role["meta"]["title"] == "Remote Python Developer"
    assert role["meta"]["type"] == "Role"
    post = indexed["/posts/marsupial-interviews/"]
    assert post["filters"] == {
        "category": ["interviews"], "tag": ["candidate-experience", "interviews"],
        "type": ["post"],
    }  # fmt: skip
    assert post["meta"]["summary"] == (
        "A holiday photo, a smiling animal and a better first five minutes of an interview."
    )
    assert post["meta"]["image"] == ""
    # The body only: no byline, tags, share links, subscribe form, navigation or footer.
    page = search_site.page("posts/marsupial-interviews/index.html")
    for chrome in ("Tagged", "Share", "Subscribe", "min read", "All rights", "Openings"):
        if chrome in page:
            assert chrome not in post["content"], chrome
    assert "quokka" in post["content"]
    sorts = json.loads(
        (search_site.output / INDEX / "pagefind-entry.json").read_text(encoding="utf-8")
    )
    assert sorts["languages"]["en"]["page_count"] == 5


def test_two_builds_give_the_same_index(search_site, tmp_path):
    again = build_search_site(tmp_path)
    assert tree(again.output / INDEX) == tree(search_site.output / INDEX)


def test_an_unchanged_rebuild_rewrites_no_index_file(tmp_path):
    site = build_search_site(tmp_path, CACHE_CONTENT=True)
    folder = site.output / INDEX
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    # With the cache, Pagefind does not even run; without it, it runs and changes nothing.
    warm = build_search_site(tmp_path / "warm", **_same_folders(site), LOAD_CONTENT_CACHE=True)
    assert not any("search: indexed" in line for line in warm.report.infos), warm.report.infos
    cold = build_search_site(tmp_path / "cold", **_same_folders(site), LOAD_CONTENT_CACHE=False)
    assert any("0 file(s) written, 0 deleted" in line for line in cold.report.infos), cold.report
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == before


def test_an_edit_updates_the_index_and_leaves_no_stale_file(tmp_path):
    site = build_search_site(tmp_path, CACHE_CONTENT=True)
    post = site.content / "posts" / "salary-bands.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nA paragraph about capybaras.\n")
    edited = build_search_site(tmp_path / "edited", **_same_folders(site), LOAD_CONTENT_CACHE=True)
    assert any("search: indexed 5 page(s)" in line for line in edited.report.infos)
    fresh = build_search_site(tmp_path / "fresh", PATH=str(site.content))
    assert tree(site.output / INDEX) == tree(fresh.output / INDEX)


def test_an_excluded_url_is_not_indexed(tmp_path):
    site = build_search_site(tmp_path, SEARCH_EXCLUDE=("about/", "openings/platform-*"))
    assert set(fragments(site.output)) == INDEXED_URLS - {
        "/about/",
        "/openings/platform-engineer-leeds/",
    }
    entry = json.loads((site.output / INDEX / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == len(INDEXED_URLS) - 2


def test_search_off_means_no_index_no_page_no_box(tmp_path):
    site = build_search_site(tmp_path, SEARCH_ENABLED=False)
    assert not (site.output / INDEX).exists()
    assert not (site.output / "search").exists()
    assert 'class="site-search"' not in site.page("index.html")


def test_a_failing_pagefind_is_one_error_line(tmp_path, monkeypatch):
    monkeypatch.setattr(index, "pagefind_binary", lambda: "/bin/false")
    site = build(tmp_path, content=CONTENT, OPENINGS_TODAY=TODAY, BUILD_TODAY=TODAY)
    assert not site.report.ok
    assert len(site.report.errors) == 1, site.report.errors
    assert site.report.errors[0].startswith("search: Pagefind failed (exit status 1)")
    assert not (site.output / INDEX).exists()


def _same_folders(site) -> dict[str, str]:
    """Build again from the first build's content into its output and cache folders."""
    return {
        "PATH": str(site.content),
        "OUTPUT_PATH": str(site.output),
        "CACHE_PATH": str(site.output.parent / "cache"),
        "CACHE_CONTENT": True,
    }


def test_sync_moves_changed_files_keeps_same_ones_and_deletes_stale(tmp_path):
    source, target = tmp_path / "new", tmp_path / "site" / "pagefind"
    for relative, data in {
        "pagefind.js": b"js",
        "index/a.pf_index": b"same",
        "index/b.pf_index": b"changed",
        "pagefind-ui.js": b"not served",
    }.items():
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_bytes(data)
    old = {"pagefind.js": b"js", "index/a.pf_index": b"same", "index/b.pf_index": b"old",
           "fragment/gone.pf_fragment": b"x"}  # fmt: skip
    for relative, data in old.items():
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_bytes(data)
    kept = (target / "index" / "a.pf_index").stat().st_mtime_ns
    os.utime(target / "pagefind.js", ns=(1, 1))
    written, deleted = index.sync_tree(str(source), str(target))
    assert (written, deleted) == (1, 1)
    assert tree(target) == {"pagefind.js": b"js", "index/a.pf_index": b"same",
                            "index/b.pf_index": b"changed"}  # fmt: skip
    assert (target / "index" / "a.pf_index").stat().st_mtime_ns == kept
    assert (target / "pagefind.js").stat().st_mtime_ns == 1
    assert not (target / "fragment").exists()


def test_only_the_search_page_loads_search_code(search_site):
    output = search_site.output
    pages = [p for p in output.rglob("*.html") if p.relative_to(output).parts[0] != INDEX]
    assert len(pages) > 15
    for path in pages:
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        relative = path.relative_to(output).as_posix()
        scripts = [s.get("src", "") for s in page.find_all("script", src=True)]
        if relative == "search/index.html":
            own = [s for s in scripts if "search" in s or "pagefind" in s]
            assert len(own) == 1 and "js/search.js" in own[0], scripts
            assert page.find("script", src=own[0]).has_attr("defer")
            assert page.select_one("[data-search-status]")["role"] == "status"
        else:
            assert not any("search" in s or "pagefind" in s for s in scripts), relative
            assert "pagefind.js" not in path.read_text(encoding="utf-8"), relative
        # Every page has the header box: a plain GET form to the search page, labelled.
        form = page.select_one("header form.site-search")
        assert form is not None, relative
        assert form["method"] == "get" and form["action"].endswith("search/"), relative
        field = form.select_one("input[name=q]")
        assert form.select_one(f"label[for={field['id']}]").get_text(strip=True) == "Search"


def test_each_run_of_one_pelican_object_indexes_again(tmp_path):
    """`pelican -r` sends `initialized` once, then runs the same object on every change."""
    from pelican import Pelican
    from pelican.settings import read_settings

    from tests.sitebuild import ROOT

    first = build_search_site(tmp_path)  # the content copy and folders to reuse
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={**_same_folders(first), "OPENINGS_TODAY": TODAY, "BUILD_TODAY": TODAY,
                  "COMMENTS_URL": "", "LOAD_CONTENT_CACHE": False},
    )  # fmt: skip
    site = Pelican(settings)
    site.run()
    post = first.content / "posts" / "salary-bands.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nA paragraph about axolotls.\n")
    before = tree(first.output / INDEX)
    site.run()
    assert tree(first.output / INDEX) != before
    fresh = build_search_site(tmp_path / "fresh", PATH=str(first.content))
    assert tree(first.output / INDEX) == tree(fresh.output / INDEX)
