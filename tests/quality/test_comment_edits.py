"""Moderation covers edits: in production a reader cannot change an approved comment.

Isso as deployed (gunicorn, comments-server/isso_wsgi.py, production.cfg): a reader
posts, the moderator approves, then the reader uses the edit cookie Isso gave them.
"""

from __future__ import annotations

import sqlite3
import urllib.error
import urllib.request

import pytest

from sitekit.comments.moderation import approve_comment
from tests.comments.conftest import IssoClient, http_call
from tests.quality.comment_server import gunicorn_isso

pytestmark = pytest.mark.server


def _text(database, comment_id: int) -> str:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT text FROM comments WHERE id = ?", (comment_id,)).fetchone()[0]


def test_an_approved_comment_cannot_be_edited_into_spam(tmp_path):
    with gunicorn_isso(tmp_path, "http://127.0.0.1:9", workers=1) as isso:
        posted = IssoClient(isso).post("/posts/still-friends-after-no/", "A fair question.")
        assert posted.status in (201, 202), posted
        comment_id = posted.json()["id"]
        cookie = posted.headers.get("Set-Cookie") or posted.headers.get("X-Set-Cookie")
        assert cookie and cookie.startswith(f"{comment_id}="), posted.headers
        approve_comment(isso.database, comment_id)

        spam = {"text": "Cheap pills at https://spam.example/", "author": "A reader"}
        headers = {"Cookie": cookie.split(";", 1)[0]}
        for path in (f"/id/{comment_id}", f"/x/id/{comment_id}"):
            answer = http_call("PUT", isso.url + path, spam, {**headers, "X-Script-Name": "/x"})
            assert answer.status == 403, (path, answer)
            assert "editing is off" in answer.body
        assert _text(isso.database, comment_id) == "A fair question."
        # deleting one's own comment is still possible
        assert http_call("DELETE", f"{isso.url}/id/{comment_id}", None, headers).status == 200


def test_threads_only_for_posts_and_an_httponly_admin_session(tmp_path):
    with gunicorn_isso(tmp_path, "http://127.0.0.1:9", workers=1) as isso:
        client = IssoClient(isso)
        for uri in (
            "javascript:alert(document.domain)//",
            "/elsewhere/posts/talk/",
            "/posts/talk/?x=1",
            "/admin/",
            "",
        ):
            answer = client.post(uri, "Hello")
            assert answer.status == 400, (uri, answer)
            assert "comments are for posts only" in answer.body
        assert client.post("/posts/talk/", "Hello").status in (201, 202)
        with sqlite3.connect(isso.database) as db:
            uris = [row[0] for row in db.execute("SELECT uri FROM threads")]
        assert uris == ["/posts/talk/"]

        login = urllib.request.Request(
            f"{isso.url}/login/", data=b"password=test-admin-password", method="POST"
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(login, timeout=10)
            headers = response.headers
        except urllib.error.HTTPError as redirect:
            headers = redirect.headers
        cookies = [v for k, v in headers.items() if k.lower() == "set-cookie"]
        session = [c for c in cookies if c.startswith("admin-session=")]
        assert session and "HttpOnly" in session[0] and "Secure" in session[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_with_no_published_site_to_check_against_the_post_pattern_is_the_check(tmp_path):
    """ISSO_SITE_ROOT naming a folder without posts/ (not published yet) refuses nobody."""
    missing = tmp_path / "not-published"
    with gunicorn_isso(
        tmp_path, "http://127.0.0.1:9", workers=1, env={"ISSO_SITE_ROOT": str(missing)}
    ) as isso:
        client = IssoClient(isso)
        assert client.post("/posts/any-post/", "Hello there").status in (201, 202)
        assert client.post("/elsewhere/posts/any-post/", "Hello there").status == 400
    log = (tmp_path / "gunicorn.log").read_text(encoding="utf-8")
    assert log.count("has no posts/ folder: not checking slugs") == 1, log[-2000:]
