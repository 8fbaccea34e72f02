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
