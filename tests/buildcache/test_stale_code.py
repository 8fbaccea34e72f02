"""No stale output after a code change: a plugin edited while a watcher's process keeps
the old code must not let a later fresh build trust pages the old code made.

The scenario runs in a copy of the project (so the real plugins are never edited):
one process builds, the plugin is edited, the same process rebuilds (old code still
imported, as `invoke regenerate` does), then a fresh `python -m sitekit.build` with the
content cache on must rewrite every page the edit changes.
"""

from __future__ import annotations

import subprocess
import sys

from tests.site.test_pelican_cli import clean_env, fresh_copy

MARKER = "built-by-the-edited-plugin"

WATCHER_LIKE = """
import pathlib, sys
sys.path.insert(0, ".")
from sitekit.build import build_site
settings = {"OUTPUT_PATH": "out", "LOAD_CONTENT_CACHE": True, "BUILD_TODAY": "2026-11-30"}
assert build_site("pelicanconf.py", settings).ok
jsonld = pathlib.Path("plugins/site_extras/jsonld.py")
jsonld.write_text(jsonld.read_text().replace(
    "    text = json.dumps(data,",
    "    data = {**data, 'x-note': 'MARKER'} if isinstance(data, dict) else data\\n"
    "    text = json.dumps(data,", 1))
assert build_site("pelicanconf.py", settings).ok  # the old code, still imported
""".replace("MARKER", MARKER)


def test_a_plugin_edited_under_a_running_watcher_never_leaves_stale_pages(tmp_path):
    clone = fresh_copy(tmp_path)
    watcher = subprocess.run(
        [sys.executable, "-c", WATCHER_LIKE],
        cwd=clone, env=clean_env(), capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert watcher.returncode == 0, watcher.stderr[-3000:]
    post = clone / "out" / "posts" / "still-friends-after-no" / "index.html"
    assert MARKER not in post.read_text(encoding="utf-8")  # old code made this page

    pinned = clone / "pinned.py"
    pinned.write_text("from pelicanconf import *  # noqa\nBUILD_TODAY = '2026-11-30'\n")
    fresh = subprocess.run(
        [sys.executable, "-m", "sitekit.build", "--settings", "pinned.py", "--output", "out"],
        cwd=clone, env=clean_env(), capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    with_json_ld = [
        page
        for page in (clone / "out").rglob("*.html")
        if "application/ld+json" in page.read_text(encoding="utf-8")
    ]
    assert len(with_json_ld) >= 10
    stale = [
        str(page.relative_to(clone / "out"))
        for page in with_json_ld
        if MARKER not in page.read_text(encoding="utf-8")
    ]
    assert not stale


def test_watchers_restart_for_code_and_rebuild_in_place_for_content():
    from sitekit.watch import WATCHED, is_code_change
    from tests.sitebuild import ROOT

    assert "plugins" in WATCHED
    assert is_code_change(ROOT / "plugins" / "openings" / "jsonld.py")
    assert is_code_change(ROOT / "pelicanconf.py")
    assert not is_code_change(ROOT / "content" / "posts" / "still-friends-after-no.md")
    assert not is_code_change(ROOT / "theme" / "templates" / "base.html")
    assert not is_code_change("/elsewhere/plugins/x.py")


def test_regenerate_restarts_on_a_plugin_edit_and_builds_with_the_new_code(tmp_path):
    import queue
    import threading
    import time

    clone = fresh_copy(tmp_path)
    (clone / "pinned.py").write_text(
        "from pelicanconf import *  # noqa\nBUILD_TODAY = '2026-11-30'\nOUTPUT_PATH = 'out'\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "sitekit.watch", "--settings", "pinned.py"],
        cwd=clone, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in process.stdout], daemon=True).start()

    def wait_for(text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in lines.get(timeout=0.5):
                    return
            except queue.Empty:
                continue
        raise AssertionError(f"no line with {text!r}")

    try:
        wait_for("watching content/, theme/, plugins/")
        jsonld = clone / "plugins" / "site_extras" / "jsonld.py"
        edited = jsonld.read_text().replace(
            "    text = json.dumps(data,",
            f"    data = {{**data, 'x-note': '{MARKER}'}} if isinstance(data, dict) else data\n"
            "    text = json.dumps(data,",
            1,
        )
        for attempt in range(20):  # the watcher may start watching just after its line
            jsonld.write_text(edited + "\n" * attempt)
            try:
                wait_for("restarting to load the new code", timeout=3)
                break
            except AssertionError:
                continue
        else:
            raise AssertionError("the watcher never restarted")
        wait_for("watching content/, theme/, plugins/")  # the new process built first
        page = clone / "out" / "posts" / "still-friends-after-no" / "index.html"
        assert MARKER in page.read_text(encoding="utf-8")
    finally:
        process.terminate()
        process.wait(timeout=20)
