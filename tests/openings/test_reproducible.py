"""Same sources, same "today": byte-identical openings pages and feeds."""

from __future__ import annotations

import hashlib

from tests.openings.conftest import build_openings


def openings_digest(root) -> dict[str, str]:
    paths = [
        *root.glob("openings/**/*"),
        *root.glob("feeds/openings*"),
        *root.glob("feeds/openings/**/*"),
        root / "index.html",
        root / "sitemap.xml",
    ]
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(set(paths))
        if path.is_file()
    }


def test_two_builds_are_byte_identical_and_rebuilds_leave_feeds_alone(tmp_path, sample_site):
    again = build_openings(tmp_path / "first")
    assert again.report.ok
    first, second = openings_digest(sample_site.output), openings_digest(again.output)
    assert len(first) > 30
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []

    # building again into the same folder rewrites nothing in the feeds
    feed = again.output / "feeds/openings.atom.xml"
    before = feed.stat().st_mtime_ns
    rebuilt = build_openings(tmp_path / "second", OUTPUT_PATH=str(again.output))
    assert rebuilt.report.ok
    assert feed.stat().st_mtime_ns == before
    assert openings_digest(again.output) == second
