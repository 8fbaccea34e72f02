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
import logging
import os
import re
from pathlib import Path
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
_settings = config.load(config.default_file(), os.environ["ISSO_SETTINGS"])
try:
    isso_application = make_app(
        _settings,
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
_POST_URI = re.compile(r"^/posts/([a-z0-9][a-z0-9_-]{0,120})/$")
# ...and only for posts that exist: ISSO_SITE_ROOT names the published site's folder
# (nginx's root), where a post is posts/<slug>/index.html. Unset (the site is hosted
# elsewhere) or without a posts/ folder (not published yet, wrong path: said once in the
# log), the address pattern above is the whole check.
_SITE_ROOT = os.environ.get("ISSO_SITE_ROOT", "")
_log = logging.getLogger("isso_wsgi")
_warned = []


def _is_post(uri: str, site_root: str = _SITE_ROOT) -> bool:
    """``/posts/<slug>/`` of a post the published site has (see ISSO_SITE_ROOT above)."""
    match = _POST_URI.match(uri)
    if not match:
        return False
    posts = Path(site_root, "posts") if site_root else None
    if posts is None or not posts.is_dir():
        if posts is not None and not _warned:
            _warned.append(True)
            _log.warning("ISSO_SITE_ROOT=%s has no posts/ folder: not checking slugs", site_root)
        return True
    return (posts / match.group(1) / "index.html").is_file()


# The moderation page (and its login form) are Isso's HTML; they get their own policy,
# here rather than in nginx because the page is also opened through an SSH tunnel to
# gunicorn. Isso's admin.html calls its functions from onclick attributes (with comment
# ids and signatures in them, so no hash list can name them): attributes may run, but no
# <script> block, no javascript: link (a thread URI made into one cannot run), nothing
# from another origin. Reader text in the page is escaped by Isso's templates.
ADMIN_POLICY = (
    "default-src 'none'; script-src 'self'; script-src-attr 'unsafe-inline'; "
    "style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
_ADMIN_PAGE = re.compile(r"/(admin|login)/?$")
# Isso writes its public address into those pages (stylesheets, admin.js, the login
# form, the moderation calls); made relative, the page works wherever it is opened.
_PUBLIC_ENDPOINT = (_settings.get("server", "public-endpoint") or "").rstrip("/")


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


def _admin_page(environ, start_response):
    """Isso's admin or login answer with the admin policy and same-origin addresses."""
    answer = {}

    def start(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers
        return lambda data: None  # Isso (werkzeug) returns its body, never writes

    chunks = isso_application(environ, _admin_cookies_httponly(start))
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    headers = [(k, v) for k, v in answer["headers"] if k.lower() != "content-length"]
    if _PUBLIC_ENDPOINT and any(
        k.lower() == "content-type" and v.startswith("text/html") for k, v in headers
    ):
        body = body.replace(_PUBLIC_ENDPOINT.encode() + b"/", b"/")
        body = body.replace(f"'{_PUBLIC_ENDPOINT}'".encode(), b"''")
    headers += [
        ("Content-Security-Policy", ADMIN_POLICY),
        ("Content-Length", str(len(body))),
    ]
    start_response(answer["status"], headers)
    return [body]


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
        if not _is_post(uri):
            return _refuse(start_response, "400 Bad Request", "comments are for posts only")
    if _ADMIN_PAGE.search(path):
        return _admin_page(environ, start_response)
    return isso_application(environ, _admin_cookies_httponly(start_response))


def start_purge_threads() -> None:
    """Start the pending-comment purge in this process; call once per worker, after fork."""
    for app, delta in _purges_to_start:
        _start_purge_thread(app, delta)
