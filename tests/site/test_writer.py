"""Every output file a plugin makes goes through Pelican's writer, like the pages."""

from __future__ import annotations

import pytest
from pelican import signals
from pelican.writers import FileOverwriteFailedError

from plugins.buildcache.output import write_through
from tests.sitebuild import build


def test_sitemap_robots_feeds_and_manifest_are_written_by_the_writer(tmp_path):
    written: list[str] = []

    def remember(path, context=None, feed=None):
        written.append(path)

    # Pages and files: content_written; Pelican's own feeds: feed_written.
    signals.content_written.connect(remember)
    signals.feed_written.connect(remember)
    try:
        site = build(tmp_path)
    finally:
        signals.content_written.disconnect(remember)
        signals.feed_written.disconnect(remember)
    assert site.report.ok, site.report.problems + site.report.errors
    relative = {path.replace(str(site.output) + "/", "") for path in written}
    every_file = {
        path.relative_to(site.output).as_posix()
        for path in site.output.rglob("*")
        if path.is_file() and path.suffix in (".xml", ".txt", ".json", ".html")
    }
    made_by_plugins = {"sitemap.xml", "robots.txt", "feeds/updates.json"}
    made_by_plugins |= {name for name in every_file if name.startswith("feeds/openings")}
    made_by_plugins |= {name for name in every_file if name.startswith("feeds/comments/")}
    assert len(made_by_plugins) > 10
    assert made_by_plugins <= relative
    # Everything but Pagefind's bundle and static files was sent through the writer.
    outside = {
        name
        for name in every_file - relative
        if not name.startswith(("pagefind/", "theme/", "images/"))
    }
    assert outside == set()


def test_a_second_file_at_one_path_stops_the_build(tmp_path):
    from pelican.writers import Writer

    writer = Writer(str(tmp_path), settings={"RELATIVE_URLS": False})
    write_through(writer, "feeds/x.xml", b"<feed/>", {})
    assert (tmp_path / "feeds" / "x.xml").read_text() == "<feed/>"
    with pytest.raises(FileOverwriteFailedError):
        write_through(writer, "feeds/x.xml", "<other/>", {})
