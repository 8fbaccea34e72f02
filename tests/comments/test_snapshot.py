"""Snapshot of live comments: Isso JSON -> comments, and a build that never waits long."""

from __future__ import annotations

import socket
import time
from zoneinfo import ZoneInfo

import pytest

from plugins.comments import snapshot
from tests.comments.conftest import write_comment
from tests.sitebuild import build, free_port

LONDON = ZoneInfo("Europe/London")


def isso_comment(ident, parent=None, mode=1, replies=(), **fields):
    return {
        "id": ident, "parent": parent, "mode": mode, "created": 1714564800.5 + ident,
        "author": fields.get("author", f"Reader {ident}"), "website": fields.get("website"),
        "text": fields.get("text", f"<p>Comment {ident}</p>"), "replies": list(replies),
    }  # fmt: skip


def test_isso_json_becomes_threaded_sanitised_comments():
    data = {
        "replies": [
            isso_comment(1, replies=[isso_comment(3, parent=1), isso_comment(2, parent=1)]),
            isso_comment(
                4,
                author="&lt;script&gt;x&lt;/script&gt;Eve",
                website="javascript:alert(1)",
                text='<p>hi</p><script>alert(1)</script><a href="javascript:x">y</a>',
            ),
            isso_comment(5, mode=2, text="<p>pending must never show</p>"),
        ]
    }
    roots = snapshot.threaded_comments(data, LONDON)
    assert [c.anchor for c in roots] == ["isso-1", "isso-4"]
    assert [c.anchor for c in roots[0].replies] == ["isso-2", "isso-3"]
    eve = roots[1]
    assert eve.author == "<script>x</script>Eve"  # plain text; templates escape it
    assert eve.website is None
    assert "<script" not in eve.html and "javascript:" not in eve.html
    assert all(c.is_live for c in roots)
    assert roots[0].date.tzinfo is LONDON


def test_deleted_placeholders_stay_only_while_they_have_replies():
    data = {
        "replies": [
            isso_comment(1, mode=4, author=None, text="", replies=[isso_comment(2, parent=1)]),
            isso_comment(3, mode=4, author=None, text=""),
        ]
    }
    [placeholder] = snapshot.threaded_comments(data, LONDON)
    assert placeholder.is_deleted and placeholder.author == ""
    assert [c.anchor for c in placeholder.replies] == ["isso-2"]


def test_unreachable_server_fails_fast_with_a_reason():
    port = free_port()  # nothing listens here
    started = time.monotonic()
    result = snapshot.fetch_snapshot(f"http://127.0.0.1:{port}", ["/posts/a/"], LONDON, 3.0)
    assert not result.ok and "cannot reach" in result.error
    assert time.monotonic() - started < 2.5


@pytest.fixture
def silent_server():
    """Accepts connections and never answers: the worst case for a build."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_timeout_is_for_the_whole_snapshot_not_per_article(silent_server):
    uris = [f"/posts/p{i}/" for i in range(10)]
    started = time.monotonic()
    result = snapshot.fetch_snapshot(silent_server, uris, LONDON, 1.0)
    elapsed = time.monotonic() - started
    assert not result.ok and "within 1 s" in result.error
    assert elapsed < 2.0, elapsed


def test_build_without_reachable_server_says_so_once_at_info_level(
    tmp_path, content, silent_server
):
    (content / "posts" / "second.md").write_text(
        "Title: Second\nDate: 2021-05-01\nSlug: second\n\nMore.\n", encoding="utf-8"
    )
    write_comment(content, "talk", "ada.md", "Author: Ada\nDate: 2021-03-02\n\nArchived.\n")
    started = time.monotonic()
    site = build(
        tmp_path,
        content,
        settings="publishconf.py",
        COMMENTS_URL=silent_server,
        COMMENTS_SNAPSHOT=True,
        COMMENTS_SNAPSHOT_TIMEOUT=1.5,
    )
    assert time.monotonic() - started < 10
    assert site.report.ok and site.report.warnings == [] and site.report.errors == []
    notes = [line for line in site.report.infos if "snapshot" in line]
    assert len(notes) == 1 and "no live comment snapshot" in notes[0]
    page = site.page("posts/talk/index.html")
    assert 'id="comment-ada"' in page and 'id="isso-thread"' in page


def test_snapshot_is_off_in_development_and_on_for_publishing():
    from pelican.settings import read_settings

    from tests.sitebuild import ROOT

    assert read_settings(str(ROOT / "pelicanconf.py"))["COMMENTS_SNAPSHOT"] is False
    assert read_settings(str(ROOT / "publishconf.py"))["COMMENTS_SNAPSHOT"] is True


def test_live_comments_cannot_claim_the_author_badge(tmp_path, content, monkeypatch):
    fake = snapshot.Snapshot(
        by_uri={"/posts/talk/": snapshot.threaded_comments(
            {"replies": [isso_comment(1, author="Maren Okafor")]}, LONDON
        )}
    )  # fmt: skip
    monkeypatch.setattr(snapshot, "fetch_snapshot", lambda *args, **kwargs: fake)
    archived = "Author: Maren Okafor\nDate: 2021-03-02\nBy_author: yes\n\nHi.\n"
    write_comment(content, "talk", "maren.md", archived)
    site = build(tmp_path, content, COMMENTS_URL="http://127.0.0.1:9", COMMENTS_SNAPSHOT=True)
    page = site.page("posts/talk/index.html")
    assert 'class="comment by-author" id="comment-maren"' in page
    assert 'class="comment" id="isso-1"' in page
