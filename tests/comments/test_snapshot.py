"""Snapshot of live comments: Isso JSON -> comments, and a build that never waits long."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
import urllib.parse
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


def test_a_silent_server_costs_one_deadline_not_one_per_article(silent_server):
    uris = [f"/posts/p{i}/" for i in range(10)]
    started = time.monotonic()
    result = snapshot.fetch_snapshot(silent_server, uris, LONDON, 1.0)
    elapsed = time.monotonic() - started
    assert not result.ok and "within 1 s" in result.error
    assert elapsed < 2.0, elapsed


class IssoApi(http.server.BaseHTTPRequestHandler):
    """Isso's two snapshot endpoints over HTTP/1.1 keep-alive, recording every request.

    ``threads`` maps a URI to (approved count, seconds to answer or None: never).
    """

    protocol_version = "HTTP/1.1"
    threads: dict = {}
    log: list = []
    in_flight = [0, 0]  # now, most at once
    lock = threading.Lock()
    release = threading.Event()

    def _send(self, data) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - the base class's name
        uris = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.log.append((self.client_address[1], "POST", self.path))
        self._send([self.threads.get(uri, (0, 0))[0] for uri in uris])

    def do_GET(self):  # noqa: N802
        uri = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["uri"][0]
        self.log.append((self.client_address[1], "GET", uri))
        count, delay = self.threads[uri]
        with self.lock:
            self.in_flight[0] += 1
            self.in_flight[1] = max(self.in_flight)
        try:
            if delay is None:
                self.release.wait(10)
                return
            time.sleep(delay)  # a server that takes this long to answer
        finally:
            with self.lock:
                self.in_flight[0] -= 1
        replies = [isso_comment(n + 1) for n in range(count)]
        self._send({"total_replies": count, "replies": replies})

    def log_message(self, *args):
        pass


@pytest.fixture
def isso_api():
    handler = type("Handler", (IssoApi,), {"log": [], "in_flight": [0, 0],
                                           "release": threading.Event()})  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    handler.release.set()
    server.shutdown()
    server.server_close()


def test_only_commented_threads_are_read_a_few_at_a_time_over_kept_connections(isso_api):
    handler, url = isso_api
    uris = [f"/posts/p{i}/" for i in range(60)]
    commented = uris[::5]
    handler.threads = {uri: (2, 0.02) for uri in commented}
    result = snapshot.fetch_snapshot(url, uris, LONDON, 2.0)
    assert result.ok and result.incomplete is None, result
    assert sorted(result.by_uri) == sorted(commented)
    assert all(len(comments) == 2 for comments in result.by_uri.values())
    assert [entry[1:] for entry in handler.log if entry[1] == "POST"] == [("POST", "/count")]
    fetched = [entry[2] for entry in handler.log if entry[1] == "GET"]
    assert sorted(fetched) == sorted(commented)  # each once, and nothing else
    connections = {entry[0] for entry in handler.log}
    assert len(connections) <= snapshot.WORKERS + 1, connections  # the /count one, one each
    assert 2 <= handler.in_flight[1] <= snapshot.WORKERS


def test_each_request_has_its_own_deadline(isso_api):
    handler, url = isso_api
    uris = [f"/posts/p{i}/" for i in range(12)]
    handler.threads = {uri: (1, 0.4) for uri in uris}  # 4.8 s in all, 0.4 s each
    result = snapshot.fetch_snapshot(url, uris, LONDON, 1.0)
    assert result.ok and result.incomplete is None, result
    assert len(result.by_uri) == 12


def test_a_thread_that_never_answers_leaves_the_others_in_the_snapshot(tmp_path, isso_api):
    handler, url = isso_api
    uris = [f"/posts/p{i}/" for i in range(10)]
    handler.threads = {uri: (1, 0.01) for uri in uris}
    handler.threads[uris[0]] = (1, None)
    started = time.monotonic()
    result = snapshot.fetch_snapshot(url, uris, LONDON, 1.0)
    assert time.monotonic() - started < 2.5
    assert result.ok and sorted(result.by_uri) == sorted(uris[1:])
    assert result.incomplete.startswith("1 of 10 commented threads missing: no answer")


def test_real_isso_snapshot_has_exactly_the_threads_with_approved_comments(client, isso):
    from sitekit.comments.moderation import approve_comment

    base = f"/posts/snapshot-{time.monotonic_ns()}"
    approved, pending, quiet = f"{base}-a/", f"{base}-b/", f"{base}-c/"
    for text in ("First approved comment.", "Second approved comment."):
        approve_comment(isso.database, client.post(approved, text).json()["id"])
    assert client.post(pending, "Waiting for moderation.").status == 202
    result = snapshot.fetch_snapshot(isso.url, [quiet, pending, approved], LONDON, 5.0)
    assert result.ok and result.incomplete is None
    assert list(result.by_uri) == [approved]
    assert [c.html for c in result.by_uri[approved]] == [
        "<p>First approved comment.</p>", "<p>Second approved comment.</p>",
    ]  # fmt: skip


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


def test_build_keeps_the_threads_that_came_and_says_once_which_did_not(tmp_path, content, isso_api):
    handler, url = isso_api
    (content / "posts" / "second.md").write_text(
        "Title: Second\nDate: 2021-05-01\nSlug: second\n\nMore.\n", encoding="utf-8"
    )
    handler.threads = {"/posts/talk/": (1, 0.01), "/posts/second/": (1, None)}
    site = build(
        tmp_path, content, settings="publishconf.py", COMMENTS_URL=url,
        COMMENTS_SNAPSHOT=True, COMMENTS_SNAPSHOT_TIMEOUT=1.0,
    )  # fmt: skip
    assert site.report.ok and site.report.warnings == [], site.report
    notes = [line for line in site.report.infos if "snapshot" in line]
    assert len(notes) == 1 and "incomplete: 1 of 2 commented threads missing" in notes[0]
    assert 'id="isso-1"' in site.page("posts/talk/index.html")
    assert 'id="isso-1"' not in site.page("posts/second/index.html")
