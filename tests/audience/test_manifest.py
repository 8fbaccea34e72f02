"""The manifest the site build writes: read strictly, refused with one clear line."""

from __future__ import annotations

import json

import pytest

from audience.updates import ManifestError, load_manifest
from tests.audience.conftest import post, role

SITE = {"name": "Maren Okafor", "url": "https://okafor-talent.example/", "author": "Maren Okafor"}


def write(tmp_path, data) -> str:
    path = tmp_path / "updates.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_a_good_manifest_reads_into_items(tmp_path):
    path = write(tmp_path, {"version": 1, "site": SITE, "items": [post("a"), role("ENG-042")]})
    manifest = load_manifest(path)
    assert [i.key for i in manifest.posts] == ["post:a"]
    [r] = manifest.roles
    assert r.facets["location"] == {"gb"} and r.salary == "£70,000–£85,000 a year"
    assert r.date.tzinfo is not None


@pytest.mark.parametrize(
    "items, message",
    [
        ([{**post("a"), "title": ""}], "items[0].title: missing"),
        ([{**post("a"), "url": "/posts/a/"}], "items[0].url: '/posts/a/' is not an absolute"),
        ([{**post("a"), "kind": "page"}], "items[0].kind: 'page' (allowed: post, role)"),
        ([{**post("a"), "key": "role:a"}], "does not match kind 'post'"),
        ([post("a"), post("a")], "items[1].key: 'post:a' appears twice"),
        ([{**post("a"), "date": "2026-11-02 09:00"}], "not an ISO 8601 date with a time zone"),
        ([{**post("a"), "title": "Two\nlines"}], "line break or control character"),
        ([{**role("R"), "facets": {"colour": ["red"]}}], "unknown key 'colour'"),
        ([{**role("R"), "facets": {"mode": "remote"}}], "facets.mode: must be a list of strings"),
        (
            [post("a"), {**post("b"), "url": 3}, {**post("c"), "title": 4}],
            "(and 1 more problem(s))",
        ),
    ],
)
def test_a_bad_item_is_named_with_its_field(tmp_path, items, message):
    path = write(tmp_path, {"version": 1, "site": SITE, "items": items})
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    text = str(caught.value)
    assert message in text and text.startswith(path) and "\n" not in text


@pytest.mark.parametrize(
    "data, message",
    [
        ("{not json", "not valid JSON (line 1, column 2"),
        ("[]", "the top level must be a JSON object"),
        ({"version": 2, "site": SITE, "items": []}, "version: 2 (this code reads version 1)"),
        ({"version": 1, "items": []}, "site: must be an object"),
        ({"version": 1, "site": SITE, "items": {}}, "items: must be a list"),
    ],
)
def test_a_bad_file_is_one_line(tmp_path, data, message):
    with pytest.raises(ManifestError, match=None) as caught:
        load_manifest(write(tmp_path, data))
    assert message in str(caught.value)


def test_a_missing_manifest_says_to_build_first(tmp_path):
    with pytest.raises(ManifestError, match="no manifest here \\(build the site first\\)"):
        load_manifest(tmp_path / "output" / "feeds" / "updates.json")
