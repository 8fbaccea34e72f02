"""Share cards in real builds: tags on every post and role page, files that exist and decode,
digests in file names, nothing redrawn or rewritten when nothing changed."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

from bs4 import BeautifulSoup
from PIL import Image

from sitekit.build import build_site
from tests.sitebuild import ROOT, build

ORIGIN = "https://okafor-talent.example/"


def _soup(site, relative: str) -> BeautifulSoup:
    return BeautifulSoup(site.page(relative), "html.parser")


def _tags(page: BeautifulSoup) -> dict[str, str]:
    found = {}
    for meta in page.find_all("meta"):
        key = meta.get("property") or meta.get("name")
        if key:
            found[key] = meta.get("content")
    return found


def _jsonld(page: BeautifulSoup) -> dict[str, dict]:
    blocks = [json.loads(s.string) for s in page.find_all("script", type="application/ld+json")]
    return {block["@type"]: block for block in blocks}


def _card_file(site, url: str, origin: str = ORIGIN) -> Path:
    assert url.startswith(origin + "cards/"), url
    return site.output / url.removeprefix(origin)


def _post_pages(site) -> list[str]:
    return sorted(str(p.relative_to(site.output)) for p in site.output.glob("posts/*/index.html"))


def _role_pages(site) -> dict[str, str]:
    """Role page -> its state, for every role whatever its state."""
    pages = {}
    for path in site.output.glob("openings/*/index.html"):
        tag = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one(
            "[data-opening-status]"
        )
        if tag is not None:
            pages[str(path.relative_to(site.output))] = tag["data-opening-status"]
    return pages


def test_every_post_and_role_page_shows_its_own_card(published_site):
    roles = _role_pages(published_site)
    assert "open" in roles.values() and {"filled", "expired"} & set(roles.values())
    seen: dict[str, str] = {}
    for relative in _post_pages(published_site) + sorted(roles):
        page = _soup(published_site, relative)
        tags = _tags(page)
        image = tags["og:image"]
        assert tags["og:image:width"] == "1200" and tags["og:image:height"] == "630"
        assert tags["og:image:type"] == "image/png"
        assert tags["twitter:card"] == "summary_large_image"
        assert tags["twitter:image"] == image
        title = page.find("h1").get_text(" ", strip=True)
        assert title in tags["og:image:alt"] and "Maren Okafor" in tags["og:image:alt"]
        assert tags["twitter:image:alt"] == tags["og:image:alt"]
        path = _card_file(published_site, image)
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as decoded:
            decoded.load()
            assert decoded.format == "PNG" and decoded.size == (1200, 630)
        assert len(data) < 100_000
        assert data not in seen.values(), f"{relative} has the same card as another page"
        seen[relative] = data
        ld = _jsonld(page)
        if "BlogPosting" in ld:
            assert ld["BlogPosting"]["image"] == image
        if roles.get(relative) == "open":
            assert ld["JobPosting"]["image"] == image
    assert len(seen) == len(_post_pages(published_site)) + len(roles)


def test_other_pages_keep_the_site_image(published_site):
    tags = _tags(_soup(published_site, "index.html"))
    assert tags["og:image"] == ORIGIN + "images/share-card.png"
    assert tags["twitter:card"] == "summary"


def _copy_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    return content


def _build_into(tmp_path: Path, content: Path, **overrides):
    settings = {
        "PATH": str(content),
        "OUTPUT_PATH": str(tmp_path / "output"),
        "CACHE_PATH": str(tmp_path / "cache"),
        "LOAD_CONTENT_CACHE": True,
        "COMMENTS_SNAPSHOT": False,
        "OPENINGS_TODAY": "2026-11-30",
        **overrides,
    }
    report = build_site(ROOT / "pelicanconf.py", settings)
    assert report.ok, report.problems + report.errors
    return report


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*.png")
    }


def test_an_edited_title_makes_a_new_file_and_an_unchanged_site_rewrites_no_card(tmp_path):
    content = _copy_content(tmp_path)
    _build_into(tmp_path, content)
    cards, store = tmp_path / "output" / "cards", tmp_path / "cache" / "share_cards"
    first, first_store = _stamps(cards), _stamps(store)
    assert len(first) == len(first_store) >= 13  # 5 posts, 8 roles

    _build_into(tmp_path, content)  # nothing changed
    assert _stamps(cards) == first and _stamps(store) == first_store

    post = content / "posts" / "interview-debrief.md"
    text = post.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("Title:"))
    post.write_text(text.replace(title, title + " (revised)"), encoding="utf-8")
    _build_into(tmp_path, content)
    now = _stamps(cards)
    added, gone = set(now) - set(first), set(first) - set(now)
    assert len(added) == 1 and next(iter(added)).startswith("posts/interview-debrief-")
    assert len(gone) == 1 and next(iter(gone)).startswith("posts/interview-debrief-")
    assert all(now[name] == first[name] for name in set(first) - gone)  # others untouched
    page = (tmp_path / "output" / "posts" / "interview-debrief" / "index.html").read_text()
    assert next(iter(added)) in page

    kept = _stamps(store)
    shutil.rmtree(tmp_path / "output")  # a fresh output: cards come from the cache
    _build_into(tmp_path, content, LOAD_CONTENT_CACHE=False)
    assert _stamps(store) == kept  # none drawn again
    assert set(_stamps(cards)) == set(now)


def test_drawn_in_the_build_process_the_cards_are_the_same(tmp_path, demo_site):
    content = _copy_content(tmp_path)
    _build_into(tmp_path, content, SHARE_CARDS_PARALLEL=False, CACHE_CONTENT=False)
    serial = tmp_path / "output" / "cards"
    parallel = demo_site.output / "cards"
    names = sorted(str(p.relative_to(serial)) for p in serial.rglob("*.png"))
    assert names == sorted(str(p.relative_to(parallel)) for p in parallel.rglob("*.png"))
    for name in names:
        assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name
    assert not (tmp_path / "cache" / "share_cards").exists()


def test_a_post_with_its_own_image_shows_that_image(tmp_path):
    content = _copy_content(tmp_path)
    post = content / "posts" / "counter-offer-math.md"
    post.write_text(
        post.read_text(encoding="utf-8").replace(
            "\nCategory:", "\nImage: images/share-card.png\nImage_alt: Maren's card\nCategory:", 1
        ),
        encoding="utf-8",
    )
    _build_into(tmp_path, content)
    page = (tmp_path / "output" / "posts" / "counter-offer-math" / "index.html").read_text()
    tags = _tags(BeautifulSoup(page, "html.parser"))
    assert tags["og:image"] == "http://127.0.0.1:8000/images/share-card.png"
    assert tags["og:image:alt"] == "Maren's card" and tags["og:image:width"] == "1200"
    assert tags["twitter:card"] == "summary_large_image"
    assert not list((tmp_path / "output" / "cards").glob("posts/counter-offer-math-*"))


def test_a_build_stopped_by_a_content_problem_writes_no_card(tmp_path):
    content = _copy_content(tmp_path)
    (content / "posts" / "broken.md").write_text("Title: Broken\nDate: 2021-13-45\n\nText.\n")
    site = build(tmp_path, content=content)
    assert not site.report.ok
    assert not (site.output / "cards").exists()
    assert not any(name.startswith("share-cards-") for name in os.listdir(tmp_path))


def test_a_character_no_font_has_is_one_info_line_not_a_warning(tmp_path):
    content = _copy_content(tmp_path)
    post = content / "posts" / "remote-first-hiring.md"
    text = post.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("Title:"))
    post.write_text(text.replace(title, title + " 🚀"), encoding="utf-8")
    report = _build_into(tmp_path, content)
    assert report.warnings == []
    lines = [line for line in report.infos if "share card leaves out" in line]
    assert lines == [
        "content/posts/remote-first-hiring.md: title: the share card leaves out 🚀 "
        "(no glyph in the card fonts)"
    ]
