"""WSGI entry point for Isso under gunicorn --preload, safe to fork.

With moderation on, Isso starts a thread that purges stale pending comments as soon as
the app is built. Under --preload that happens in gunicorn's master, and a fork while
that thread is inside SQLite or holds Isso's lock copies a held lock into the worker:
its first new comment then hangs until gunicorn kills it (seen in about 1 start in 15).
Here the app is built without starting that thread, with a process-shared lock (isso.run
ends up with a thread lock), and each worker starts its own purge thread after the fork
(see gunicorn.conf.py beside this file).

Run: ``gunicorn -c /etc/isso/gunicorn.conf.py --pythonpath /etc/isso isso_wsgi:application``
"""

import json
import os
import re
from urllib.parse import parse_qs

import isso.core
from isso import config, make_app

# The mail relay's SMTP_SECURITY (none | starttls | tls), as Isso spells it.
_SECURITY = {"none": "none", "starttls": "starttls", "tls": "ssl"}
os.environ.setdefault(
    "ISSO_SMTP_SECURITY", _SECURITY.get(os.environ.get("SMTP_SECURITY", "starttls"), "starttls")
)

_purges_to_start = []
_start_purge_thread = isso.core.ThreadedMixin.purge


def _defer_purge(app, delta):
    _purges_to_start.append((app, delta))


isso.core.ThreadedMixin.purge = _defer_purge
try:
    isso_application = make_app(
        config.load(config.default_file(), os.environ["ISSO_SETTINGS"]),
        threading=False,
        multiprocessing=True,
    )
finally:
    isso.core.ThreadedMixin.purge = _start_purge_thread


# Within Isso's edit window a reader could replace an approved comment's text and it
# would stay approved (and reach the next snapshot). Moderation must see every text that
# goes public, so readers' edits are refused here; deleting one's own comment still works.
_EDIT = re.compile(r"/id/\d+/?$")  # at the end: whatever prefix a client adds
# Threads only for this site's posts: "/new?uri=javascript:..." would put a script link in
# the moderation page, and any other path a thread no page shows.
_NEW = re.compile(r"/new/?$")
_POST_URI = re.compile(r"^/posts/[a-z0-9][a-z0-9_-]{0,120}/$")


def _refuse(start_response, status: str, reason: str):
    body = json.dumps({"error": reason}).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _admin_cookies_httponly(start_response):
    """The moderator's session cookie: not readable by scripts, HTTPS only."""

    def start(status, headers, exc_info=None):
        fixed = []
        for name, value in headers:
            if name.lower() == "set-cookie" and value.startswith("admin-session="):
                value += "; HttpOnly; Secure"
            fixed.append((name, value))
        return start_response(status, fixed, exc_info)

    return start


def application(environ, start_response):
    """Isso, behind the rules moderation needs (see the comments above)."""
    method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
    if method == "PUT" and _EDIT.search(path):
        return _refuse(
            start_response,
            "403 Forbidden",
            "editing is off: comments are moderated; delete it and post again",
        )
    if method == "POST" and _NEW.search(path):
        uri = parse_qs(environ.get("QUERY_STRING", "")).get("uri", [""])[0]
        if not _POST_URI.match(uri):
            return _refuse(start_response, "400 Bad Request", "comments are for posts only")
    return isso_application(environ, _admin_cookies_httponly(start_response))


def start_purge_threads() -> None:
    """Start the pending-comment purge in this process; call once per worker, after fork."""
    for app, delta in _purges_to_start:
        _start_purge_thread(app, delta)
