"""The invoke tasks an author uses, and the helpers behind them."""

from __future__ import annotations

import datetime
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from zoneinfo import ZoneInfo

import pytest

from sitekit.devserver import make_server
from sitekit.newpost import write_new_post
from tests.sitebuild import ROOT, build, free_port

QUICKSTART_TASKS = [
    "clean",
    "build",
    "rebuild",
    "regenerate",
    "serve",
    "reserve",
    "preview",
    "livereload",
    "new-post",
    "test",
]


def test_invoke_lists_the_quickstart_task_names():
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    listed = set()
    for line in result.stdout.splitlines()[1:]:
        if line.startswith("  ") and not line.startswith("   "):  # "  name (alias)  help"
            name, _, rest = line.strip().partition(" ")
            listed.add(name)
            if rest.startswith("("):  # invoke lists aliases in brackets: up (reserve)
                listed.update(rest[1 : rest.index(")")].split(", "))
    assert set(QUICKSTART_TASKS) <= listed
    assert {"up", "reserve"} <= listed


def test_new_post_writes_every_field_and_builds(tmp_path):
    from tests.sitebuild import FIXTURES

    now = datetime.datetime(2026, 11, 30, 9, 5, tzinfo=ZoneInfo("Europe/London"))
    content = tmp_path / "content"
    import shutil

    shutil.copytree(FIXTURES / "minimal", content)
    path = write_new_post(content / "posts", "Can't we still be friends?", now=now)
    assert path.name == "cant-we-still-be-friends.md"
    text = path.read_text()
    for field in (
        "Title:",
        "Date: 2026-11-30 09:05",
        "Modified:",
        "Category:",
        "Tags:",
        "Slug: cant-we-still-be-friends",
        "Summary:",
        "Status: draft",
    ):
        assert field in text
    with pytest.raises(SystemExit, match="already exists"):
        write_new_post(content / "posts", "Can't we still be friends?", now=now)
    site = build(tmp_path / "b", content)
    assert site.report.ok and site.report.warnings == []
    assert (site.output / "drafts/cant-we-still-be-friends/index.html").is_file()


def test_dev_server_serves_pretty_urls_and_the_site_404(demo_site):
    port = free_port()
    server = make_server(demo_site.output, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/posts/counter-offer-math/", timeout=10) as r:
            assert r.status == 200
            assert "text/html" in r.headers["Content-Type"]
            assert b"counter-offer maths" in r.read()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/no/such/page/", timeout=10)
        assert missing.value.code == 404
        assert b"That page has moved on" in missing.value.read()
    finally:
        server.shutdown()
        server.server_close()
