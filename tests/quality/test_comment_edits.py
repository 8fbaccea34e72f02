"""Moderation covers edits: in production a reader cannot change an approved comment.

Isso as deployed (gunicorn, comments-server/isso_wsgi.py, production.cfg): a reader
posts, the moderator approves, then the reader uses the edit cookie Isso gave them.
"""

from __future__ import annotations

import sqlite3

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
