"""Values kept between builds follow Pelican's cache settings and their key."""

from __future__ import annotations

import types

from plugins import buildcache
from plugins.site_extras.textstats import TextStats


def _settings(tmp_path, load=True, keep=True) -> dict:
    return {"CACHE_PATH": str(tmp_path), "LOAD_CONTENT_CACHE": load, "CACHE_CONTENT": keep}


def test_a_value_comes_back_only_under_its_key(tmp_path):
    buildcache.save(_settings(tmp_path), "thing.pickle", "key-1", {"a": [1, 2]})
    assert buildcache.load(_settings(tmp_path), "thing.pickle", "key-1") == {"a": [1, 2]}
    assert buildcache.load(_settings(tmp_path), "thing.pickle", "key-2", "none") == "none"


def test_pelican_cache_settings_decide(tmp_path):
    buildcache.save(_settings(tmp_path, keep=False), "thing.pickle", "k", 1)
    assert not (tmp_path / "thing.pickle").exists()
    buildcache.save(_settings(tmp_path), "thing.pickle", "k", 1)
    assert buildcache.load(_settings(tmp_path, load=False), "thing.pickle", "k") is None
    assert buildcache.load({"LOAD_CONTENT_CACHE": True}, "thing.pickle", "k") is None


def test_a_damaged_file_is_ignored(tmp_path):
    (tmp_path / "thing.pickle").write_bytes(b"not a pickle")
    assert buildcache.load(_settings(tmp_path), "thing.pickle", "k", "fresh") == "fresh"


def test_the_code_digest_follows_the_source(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("A = 1\n")
    first = buildcache.code_digest(str(package / "__init__.py"))
    assert buildcache.code_digest(str(package / "__init__.py")) == first
    (package / "more.py").write_text("B = 2\n")
    assert buildcache.code_digest(str(package / "__init__.py")) != first


class _Post(types.SimpleNamespace):
    """Enough of a Pelican article for TextStats; counts how often it is computed."""

    computed = 0

    @property
    def content(self):
        type(self).computed += 1
        return self._content

    @property
    def summary(self):
        return self.metadata.get("summary") or self._content[:40]


SETTINGS = {"WORDS_PER_MINUTE": 2, "SUMMARY_MAX_LENGTH": 40, "SUMMARY_END_SUFFIX": "…"}


def _post(html: str, **metadata) -> _Post:
    return _Post(_content=html, metadata=metadata)


def test_text_stats_are_computed_once_while_the_post_is_unchanged(tmp_path):
    settings = {**SETTINGS, **_settings(tmp_path)}
    _Post.computed = 0
    first = TextStats(settings)
    post = _post("<p>Five <em>words</em> in this post.</p>")
    first.annotate(post)
    first.save()
    assert (post.word_count, post.reading_minutes) == (5, 3)
    assert post.description_text == "Five words in this post."

    again = TextStats(settings)
    same = _post("<p>Five <em>words</em> in this post.</p>")
    again.annotate(same)
    assert _Post.computed == 1  # taken from the last build
    assert (same.word_count, same.reading_minutes, same.description_text) == (
        5,
        3,
        "Five words in this post.",
    )

    edited = _post("<p>Now six words in this post.</p>")
    again.annotate(edited)
    assert _Post.computed == 2 and edited.word_count == 6


def test_text_stats_follow_the_settings_and_the_summary(tmp_path):
    TextStats({**SETTINGS, **_settings(tmp_path)}).annotate(_post("<p>a b c d</p>"))
    stats = TextStats({**SETTINGS, **_settings(tmp_path)})
    post = _post("<p>a b c d</p>")
    stats.annotate(post)
    stats.save()
    slower = TextStats({**SETTINGS, "WORDS_PER_MINUTE": 1, **_settings(tmp_path)})
    post = _post("<p>a b c d</p>")
    slower.annotate(post)
    assert post.reading_minutes == 4
    described = _post("<p>a b c d</p>", summary="<b>Own</b> summary")
    slower.annotate(described)
    assert described.description_text == "Own summary"


def test_an_output_file_is_written_only_when_its_bytes_change(tmp_path):
    from plugins.buildcache.output import write_if_changed

    path = tmp_path / "feeds" / "new" / "all.atom.xml"  # folders made as needed
    assert write_if_changed(str(path), b"<feed/>") is True
    stamp = path.stat().st_mtime_ns
    assert write_if_changed(str(path), b"<feed/>") is False
    assert path.stat().st_mtime_ns == stamp
    assert write_if_changed(str(path), b"<feed>2</feed>") is True
    assert path.read_bytes() == b"<feed>2</feed>"


def test_the_code_digest_covers_every_source_file_and_the_libraries(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("A = 1\n")
    plain = buildcache.code_digest(str(package / "__init__.py"))
    assert buildcache.code_digest(str(package / "__init__.py"), ("markdown",)) != plain
    (package / "notes.txt").write_text("not code\n")
    assert buildcache.code_digest(str(package / "__init__.py")) == plain
