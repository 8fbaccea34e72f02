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


def application(environ, start_response):
    """Isso, except that a reader's edit (PUT /id/N) is refused with 403 and a reason."""
    if environ.get("REQUEST_METHOD") == "PUT" and _EDIT.search(environ.get("PATH_INFO", "")):
        body = json.dumps(
            {"error": "editing is off: comments are moderated; delete it and post again"}
        ).encode()
        start_response(
            "403 Forbidden",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]
    return isso_application(environ, start_response)


def start_purge_threads() -> None:
    """Start the pending-comment purge in this process; call once per worker, after fork."""
    for app, delta in _purges_to_start:
        _start_purge_thread(app, delta)
