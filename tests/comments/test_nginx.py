"""The comment server behind the shipped nginx config, run for real on loopback.

The comments host's HTTPS server block from deploy/nginx/site.conf (with the maps and
limit zones it uses) is served over plain HTTP on a loopback port, proxying to Isso as
deployed (gunicorn, comments-server/isso_wsgi.py, production.cfg); only the listen,
certificate and upstream port lines are rewritten. Readers come from their own
addresses in 127.0.0.0/8 (a client binds its source address), so each has its own
rate-limit bucket, and any address but 127.0.0.1 is "not the server itself".
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import sqlite3
import subprocess
import time
from urllib.parse import urlencode, urlsplit

import pytest

from tests.quality.comment_server import gunicorn_isso
from tests.quality.test_security import (
    COMMENTS_ORIGIN,
    NGINX_CONF,
    _strip_comments,
    blocks,
    csp_directives,
    server_block,
)
from tests.sitebuild import free_port, require

pytestmark = pytest.mark.server

SLUG = "talk"
ADMIN_PASSWORD = "test-admin-password"  # tests/quality/comment_server.py DUMMY_ENVIRONMENT


def http_level_directives() -> str:
    """What site.conf sets outside its server blocks (maps, limit zones)."""
    text = _strip_comments(NGINX_CONF.read_text(encoding="utf-8"))
    for body in blocks(text, "server"):
        text = text.replace(body, "")
    return re.sub(r"\bserver\s*\{\s*\}", "", text)


def comments_server_block(upstream_port: int) -> str:
    body = server_block(urlsplit(COMMENTS_ORIGIN).hostname)
    body = re.sub(r"^\s*(listen|ssl_[a-z_]+)\s[^;]*;", "", body, flags=re.M)
    assert "proxy_pass http://127.0.0.1:8080;" in body, "the upstream moved: update this test"
    return body.replace("http://127.0.0.1:8080;", f"http://127.0.0.1:{upstream_port};")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """(nginx port, Isso) with a published site that has one post, ``/posts/talk/``."""
    require(bool(COMMENTS_ORIGIN), "publishconf.py has no COMMENTS_URL")
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    require(nginx is not None, "nginx is not installed (apt-get install nginx)")
    folder = tmp_path_factory.mktemp("comments-nginx")
    site = folder / "site"
    (site / "posts" / SLUG).mkdir(parents=True)
    (site / "posts" / SLUG / "index.html").write_text("<!doctype html>", encoding="utf-8")
    with gunicorn_isso(
        folder, "http://127.0.0.1:9", workers=1, env={"ISSO_SITE_ROOT": str(site)}
    ) as isso:
        port, upstream = free_port(), int(urlsplit(isso.url).port)
        temp = " ".join(f"{kind}_temp_path {folder}/{kind};" for kind in
                        ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
        (folder / "nginx.conf").write_text(
            f"daemon off; master_process off; pid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log;\nevents {{}}\n"
            f"http {{ access_log off; {temp}\n{http_level_directives()}\n"
            f"  server {{ listen 127.0.0.1:{port}; {comments_server_block(upstream)} }}\n}}\n",
            encoding="utf-8",
        )
        process = subprocess.Popen(
            [nginx, "-p", str(folder), "-e", str(folder / "error.log"),
             "-c", str(folder / "nginx.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 10
            while _answer(port, "GET", "/config") is None:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.05)  # polling interval while nginx starts
            yield port, isso
        finally:
            process.terminate()
            process.wait(timeout=10)


def _answer(port, method, path, *, source="127.0.0.1", headers=None, body=None):
    """(status, headers, body) for one request from ``source``, or None if none came."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    except OSError:
        return None
    finally:
        connection.close()


def _threads(isso) -> list[str]:
    with sqlite3.connect(isso.database) as db:
        return [row[0] for row in db.execute("SELECT uri FROM threads")]


NEW_COMMENT = json.dumps({"text": "An ordinary comment.", "author": "Ann", "title": "Talk"})
JSON = {"Content-Type": "application/json"}

# Every kind of write, each with a way to walk around a `location = /new` limit.
WRITES = {
    "new": ("POST", "/new?" + urlencode({"uri": f"/posts/{SLUG}/"}), {}, NEW_COMMENT),
    "new under X-Script-Name": (
        "POST", "/x/new?" + urlencode({"uri": f"/posts/{SLUG}/"}), {"X-Script-Name": "/x"},
        NEW_COMMENT,
    ),
    "edit": ("PUT", "/id/1", {"X-Script-Name": "/x"}, NEW_COMMENT),
    "edit under a prefix": ("PUT", "/x/id/1", {"X-Script-Name": "/x"}, NEW_COMMENT),
    "delete": ("DELETE", "/id/1", {}, None),
    "preview": ("POST", "/preview", {}, json.dumps({"text": "*hi*"})),
    "preview under X-Script-Name": ("POST", "/x/preview", {"X-Script-Name": "/x"}, "{}"),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(WRITES))
def test_every_write_is_limited_whatever_the_path_or_script_name(stack, kind):
    port, isso = stack
    method, path, headers, body = WRITES[kind]
    source = f"127.{list(WRITES).index(kind) + 10}.0.5"  # a reader network of its own
    statuses = [
        _answer(port, method, path, source=source, headers={**JSON, **headers}, body=body)[0]
        for _ in range(8)
    ]
    # one at once plus a burst of 5, then 429 (10 a minute: no token comes back this fast)
    assert 429 not in statuses[:6], statuses
    assert statuses[-1] == 429, statuses
    # reads are never limited, from the same address
    assert _answer(port, "GET", f"/?uri=/posts/{SLUG}/", source=source)[0] in (200, 404)


def test_wrong_admin_passwords_are_slowed_down(stack):
    port, _ = stack
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    statuses = [
        _answer(port, "POST", "/login/", headers=form, body="password=guess")[0] for _ in range(8)
    ]
    assert 429 not in statuses[:6] and statuses[-1] == 429, statuses
    assert set(statuses[:6]) == {200}  # Isso's login page again: wrong password


def test_a_client_cannot_move_isso_with_x_script_name(stack):
    port, isso = stack
    before = _comment_count(isso)
    status, _, _ = _answer(
        port, "POST", "/x/new?" + urlencode({"uri": f"/posts/{SLUG}/"}), source="127.40.0.5",
        headers={**JSON, "X-Script-Name": "/x"}, body=NEW_COMMENT,
    )  # fmt: skip
    assert status == 404  # the header was cleared: /x/new is no route of Isso's
    assert _comment_count(isso) == before


def _comment_count(isso) -> int:
    with sqlite3.connect(isso.database) as db:
        return db.execute("SELECT COUNT(*) FROM comments").fetchone()[0]


def test_threads_only_for_posts_the_published_site_has(stack):
    port, isso = stack
    for number, uri in enumerate(("/posts/no-such-post/", "/posts/talk/../x/", "/posts/")):
        status, _, body = _answer(
            port, "POST", "/new?" + urlencode({"uri": uri}), source=f"127.50.{number}.5",
            headers=JSON, body=NEW_COMMENT,
        )  # fmt: skip
        assert status == 400 and "comments are for posts only" in body, (uri, status)
        assert uri not in _threads(isso)
    status, _, body = _answer(
        port, "POST", "/new?" + urlencode({"uri": f"/posts/{SLUG}/"}), source="127.50.9.5",
        headers=JSON, body=NEW_COMMENT,
    )  # fmt: skip
    assert status == 202 and f"/posts/{SLUG}/" in _threads(isso), body


@pytest.mark.parametrize("path", ["/admin/", "/admin", "/login/", "//admin/", "/%61dmin/"])
def test_moderation_only_from_the_server_itself(stack, path):
    port, _ = stack
    status, headers, _ = _answer(port, "GET", path, source="127.0.0.2")
    assert status == 403, (path, status)
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    status, _, body = _answer(port, "GET", "/admin/")
    assert status == 200 and 'type="password"' in body


def test_the_comments_host_sends_its_own_strict_policy(stack):
    port, _ = stack
    for path in ("/config", f"/?uri=/posts/{SLUG}/", "/js/embed.min.js", "/no-such-thing"):
        status, headers, _ = _answer(port, "GET", path, source="127.60.0.5")
        assert status in (200, 404), path
        policy = csp_directives(headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'none'"], (path, policy)
        assert set(policy) == {"default-src", "base-uri", "form-action", "frame-ancestors"}
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Strict-Transport-Security"].startswith("max-age=")
    # the moderation page brings its own, and only one policy reaches the browser
    status, headers, _ = _answer(port, "GET", "/admin/")
    policies = headers.get_all("Content-Security-Policy")
    assert status == 200 and len(policies) == 1, headers
    admin = csp_directives(policies[0])
    assert admin["script-src"] == ["'self'"] and admin["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in admin["script-src"] + admin["style-src"]
    assert headers["X-Content-Type-Options"] == "nosniff"
