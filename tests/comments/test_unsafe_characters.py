"""No reader text can stop a build: characters XML rejects, however they are written."""

from __future__ import annotations

import shutil

import pytest
from lxml import etree

from plugins.comments.sanitize import comment_html, plain_text, without_unsafe_characters
from tests.sitebuild import ROOT, build

HOSTILE = [
    "&#1;", "&#x1b;", "&#X1B;", "&#xfffe;", "&#xFFFF;", "&#xd800;", "&#xDFFF;", "&#xfdd0;",
    "&#x1fffe;", "&#1114111;", "&#x110000;", "&#0000001;", "&#99999999999999999999999;",
    "\x01", "\x1b", "\ufffe", "\ud800", "\U0010ffff",
]  # fmt: skip


@pytest.mark.parametrize("payload", HOSTILE)
def test_every_spelling_of_a_bad_character_is_removed(payload):
    for result in (str(comment_html(f"a{payload}b")), plain_text(f"a{payload}b")):
        assert result == "ab"
        etree.fromstring(f"<x>{result}</x>")  # what the feed writer needs


def test_good_references_stay():
    assert str(comment_html("caf&#233; &#x1F600; &#065;")) == "café 😀 A"
    assert without_unsafe_characters("tab\tand\nnewline") == "tab\tand\nnewline"


def test_an_archived_comment_full_of_them_builds_with_valid_feeds(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    # as references: raw control bytes and broken UTF-8 are refused by name (bad inputs)
    references = [p for p in HOSTILE if p.startswith("&#")]
    text = " ".join(f"x{p}y" for p in references)
    (content / "comments" / "still-friends-after-no" / "hostile.md").write_text(
        f"Author: Eve &#x1b;[31m{HOSTILE[0]}\nDate: 2008-03-16 10:00\n\n{text}\n",
        encoding="utf-8",
    )
    site = build(tmp_path / "b", content)
    assert site.report.ok, site.report.problems + site.report.errors
    for feed in (site.output / "feeds" / "comments").rglob("*.xml"):
        etree.parse(str(feed))
    page = site.page("posts/still-friends-after-no/index.html")
    assert "xy xy" in page


def test_names_lose_invisible_characters_and_are_capped():
    from plugins.comments.sanitize import MAX_NAME_LENGTH, author_name

    assert author_name("Maren\u200b Okafor\u200d") == "Maren Okafor"
    assert author_name("\u202eronakO neraM") == "ronakO neraM"
    assert author_name("a\ufeffb\u2060c") == "abc"
    long = author_name("x" * 5000)
    assert len(long) == MAX_NAME_LENGTH and long.endswith("…")


def test_a_5000_letter_name_does_not_widen_a_phone_page(tmp_path):
    from tests.browser import launch_chromium
    from tests.serving import serve

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "comments" / "still-friends-after-no" / "wide.md").write_text(
        f"Author: {'W' * 5000}\nDate: 2008-03-16 10:00\n\n{'word' * 1500}\n", encoding="utf-8"
    )
    site = build(tmp_path / "b", content)
    assert site.report.ok
    with serve(site.output) as url, launch_chromium() as chromium:
        page = chromium.new_page(viewport={"width": 375, "height": 800})
        page.goto(f"{url}/posts/still-friends-after-no/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
