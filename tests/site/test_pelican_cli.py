"""Pelican's own CLI is an entry point: the same site as ``invoke build``, from a fresh copy.

Each test copies what a clone holds (settings, content, theme, plugins, sitekit) into a
temporary folder and runs the ``pelican`` command there, with nothing on ``sys.path``
but what the venv has: plugins must find each other through Pelican's own loader.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.sitebuild import ROOT, free_port

PELICAN = str(Path(sys.executable).with_name("pelican"))
CLONE_PARTS = ("pelicanconf.py", "publishconf.py", "content", "theme", "plugins", "sitekit")
# Both sides of every comparison build on the same pinned day.
TODAY = "2026-11-30"


def fresh_copy(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    clone.mkdir(parents=True)
    for part in CLONE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, clone / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, clone / part)
    return clone


def clean_env(**extra: str) -> dict[str, str]:
    """The author's shell with the venv active: no PYTHONPATH, no COLUMNS surprises."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COMMENTS_URL")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=240
    )


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def pelican_build(clone: Path, settings: str, out: str, *extra: str):
    return run(
        [PELICAN, "content", "-s", settings, "-o", out, "-e", f'BUILD_TODAY="{TODAY}"', *extra],
        clone,
    )


def sitekit_build(clone: Path, settings: str, out: str):
    """What ``invoke build`` runs, with the same pinned day (as a settings override)."""
    wrapper = clone / f"pinned-{settings}"
    wrapper.write_text(
        f"from {settings.removesuffix('.py')} import *  # noqa\nBUILD_TODAY = {TODAY!r}\n"
    )
    return run(
        [sys.executable, "-m", "sitekit.build", "--settings", wrapper.name, "--output", out],
        clone,
    )


@pytest.mark.slow
@pytest.mark.parametrize("settings", ["pelicanconf.py", "publishconf.py"])
def test_pelican_cli_builds_what_invoke_build_builds(tmp_path, settings):
    clone = fresh_copy(tmp_path)
    by_pelican = pelican_build(clone, settings, "out-pelican")
    assert by_pelican.returncode == 0, by_pelican.stderr
    assert "Cannot load plugin" not in by_pelican.stderr
    assert "Traceback" not in by_pelican.stderr + by_pelican.stdout
    # a second clone: no cache shared with the first build
    other = fresh_copy(tmp_path / "second")
    by_sitekit = sitekit_build(other, settings, "out-sitekit")
    assert by_sitekit.returncode == 0, by_sitekit.stderr
    pelican_tree = tree(clone / "out-pelican")
    sitekit_tree = tree(other / "out-sitekit")
    assert "openings/index.html" in pelican_tree
    assert "feeds/openings.atom.xml" in pelican_tree
    assert pelican_tree.keys() == sitekit_tree.keys()
    differing = [name for name in pelican_tree if pelican_tree[name] != sitekit_tree[name]]
    assert not differing


def test_pelican_cli_reports_content_problems_as_lines(tmp_path):
    clone = fresh_copy(tmp_path)
    (clone / "content" / "posts" / "broken.md").write_text(
        "Title: Broken\nDate: 2026-13-40\nColour: blue\n\nText.\n", encoding="utf-8"
    )
    result = pelican_build(clone, "pelicanconf.py", "out")
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert "error: content/posts/broken.md: date: cannot parse '2026-13-40'" in "\n".join(lines)
    assert any(
        line.startswith("error: content/posts/broken.md: colour: unknown field") for line in lines
    )
    assert "Traceback" not in result.stderr + result.stdout
    assert "ContentProblems" not in result.stderr + result.stdout
    assert not (clone / "out" / "index.html").exists()


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.slow
def test_pelican_autoreload_and_listen_serve_and_rebuild(tmp_path):
    clone = fresh_copy(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [PELICAN, "-r", "-l", "-p", str(port), "-s", "pelicanconf.py", "-o", "out", "content"],
        cwd=clone,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        post = f"http://127.0.0.1:{port}/posts/still-friends-after-no/"
        page = _wait_for(lambda: _get(post), 90, "the first build to be served")
        assert "Can we still be friends" in page or "still" in page.lower()
        source = clone / "content" / "posts" / "still-friends-after-no.md"
        text = source.read_text(encoding="utf-8")
        edited = text.replace("\n\n", "\n\nA sentence added while serving.\n\n", 1)
        source.write_text(edited, encoding="utf-8")
        tries = iter(range(10**6))

        def rebuilt() -> bool:
            if "A sentence added while serving." in (_get(post) or ""):
                return True
            if next(tries) % 15 == 14:  # the watcher may start after the first edit
                source.write_text(edited + "\n", encoding="utf-8")
            return False

        _wait_for(rebuilt, 90, "the autoreload rebuild")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
    assert "Cannot load plugin" not in output
    assert "No filter named" not in output
