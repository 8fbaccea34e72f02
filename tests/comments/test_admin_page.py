"""The moderator in headless Chromium: Isso's own admin page under its policy.

Isso as deployed (gunicorn, comments-server/isso_wsgi.py, production.cfg with its public
https address), opened the way the moderator does, through an SSH tunnel straight to
gunicorn. A thread whose URI is ``javascript:...`` (what ``POST /new`` made before the
URI check; now it is refused) sits in the pending list: its link must not run.
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from tests.browser import launch_chromium
from tests.comments.conftest import add_comment, isso_database
from tests.quality.comment_server import DUMMY_ENVIRONMENT, gunicorn_isso

pytestmark = [pytest.mark.browser, pytest.mark.server]

JAVASCRIPT_URI = "javascript:alert(document.domain)//"  # the payload of issue 16


def _mode(database, comment_id: int) -> int:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT mode FROM comments WHERE id = ?", (comment_id,)).fetchone()[0]


def test_moderation_page_works_under_its_policy_and_thread_links_cannot_run(tmp_path):
    with gunicorn_isso(tmp_path, "http://127.0.0.1:9", workers=1) as isso:
        db = isso_database(isso.database)
        hostile = add_comment(
            db, JAVASCRIPT_URI, "Click my thread.", mode=2, created=time.time(), author="Eve"
        )
        ordinary = add_comment(
            db, "/posts/talk/", "A fair question.", mode=2, created=time.time(), author="Ann"
        )

        with launch_chromium() as browser:
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(15_000)
            problems, dialogs = [], []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            missing = []
            page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

            answer = page.goto(f"{isso.url}/admin/")
            assert "script-src-attr 'unsafe-inline'" in answer.headers["content-security-policy"]
            page.fill("input[type=password]", DUMMY_ENVIRONMENT["ISSO_ADMIN_PASSWORD"])
            with page.expect_navigation():
                page.press("input[type=password]", "Enter")
            assert page.url == f"{isso.url}/admin/"  # back through the tunnel, not the host
            page.locator(f"#isso-{ordinary}").wait_for()
            # Isso's stylesheet and admin.js came from the page's own origin
            assert page.evaluate("typeof validate_com") == "function"
            assert page.evaluate("document.styleSheets.length") >= 2
            assert missing in ([], [f"{isso.url}/favicon.ico"]), missing
            problems.clear()  # (the favicon's 404)

            link = page.locator(f"#isso-{hostile} a[href^='javascript:']").first
            link.click()
            page.wait_for_timeout(300)  # the click would have run synchronously
            assert dialogs == [], dialogs
            assert [p for p in problems if "Content Security Policy" in p], problems

            # the buttons (onclick attributes) still work: validate the ordinary comment
            page.locator(f"#isso-{ordinary} a.validate").click()
            deadline = time.monotonic() + 10
            while _mode(isso.database, ordinary) != 1:
                assert time.monotonic() < deadline, "Validate did nothing"
                time.sleep(0.05)  # polling interval while the request lands
            assert _mode(isso.database, hostile) == 2
            context.close()
