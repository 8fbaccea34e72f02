"""Fixtures for the publishing tests: sites to ship, a moto server, an ssh stand-in.

Builds are few and shared: the demo site (session ``published_site``), the same
content built a second time, and the demo with one post edited.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sitebuild import FIXTURES, ROOT, BuiltSite, build, free_port, require

EDITED_POST_SOURCE = "posts/interview-debrief.md"
EDITED_POST_PAGE = "posts/interview-debrief/index.html"
EDITED_POST_URL = "https://okafor-talent.example/posts/interview-debrief/"
EDITED_POST_PATH = b"/posts/interview-debrief/"  # as the search index names it

SSH_STAND_IN = '''\
#!{python}
"""Stand-in for ssh in tests: runs the "remote" command on this machine.

CUT_UPLOAD_AFTER_BYTES=N cuts the data of an upload into a new release after N
bytes, like a connection that drops halfway.
"""
import os
import subprocess
import sys

args = sys.argv[1:]
while args and args[0].startswith("-"):
    args = args[2:] if args[0] in ("-l", "-p", "-i", "-o", "-F", "-J") else args[1:]
command = " ".join(args[1:])  # args[0] is the host
limit = os.environ.get("CUT_UPLOAD_AFTER_BYTES")
if limit and "rsync --server" in command and ".incoming-" in command:
    child = subprocess.Popen(["sh", "-c", command], stdin=subprocess.PIPE)
    remaining = int(limit)
    while remaining > 0:
        chunk = os.read(0, min(remaining, 65536))
        if not chunk:
            break
        child.stdin.write(chunk)
        child.stdin.flush()
        remaining -= len(chunk)
    child.stdin.close()
    sys.exit(child.wait())
os.execvp("sh", ["sh", "-c", command])
'''


def site_overrides(tmp_path: Path, content: Path | None = None) -> dict:
    """Settings overrides that build a copy of ``content`` (default: the demo) in tmp_path."""
    work = tmp_path / "content"
    shutil.copytree(content or ROOT / "content", work)
    return {
        "PATH": str(work),
        "CACHE_PATH": str(tmp_path / "cache"),
        "LOAD_CONTENT_CACHE": False,
        "COMMENTS_SNAPSHOT": False,
        "VIEWS_SNAPSHOT": False,
        "PUBLISH_STATE_PATH": str(tmp_path / "publish-state"),
    }


def small_content(tmp_path: Path) -> Path:
    """tests/fixtures/minimal plus the demo's images and extras: a small site that passes."""
    content = tmp_path / "small-content"
    shutil.copytree(FIXTURES / "minimal", content)
    for folder in ("images", "extra"):
        shutil.copytree(ROOT / "content" / folder, content / folder)
    return content


def site_files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def changed_files(before: Path, after: Path) -> set[str]:
    old, new = site_files(before), site_files(after)
    return {name for name in new if old.get(name) != new[name]}


@pytest.fixture(scope="session")
def rebuilt_site(tmp_path_factory) -> BuiltSite:
    """The demo content built a second time, in another directory."""
    site = build(tmp_path_factory.mktemp("rebuilt"), settings="publishconf.py")
    assert site.report.ok, site.report.problems + site.report.errors
    return site


@pytest.fixture(scope="session")
def edited_site(tmp_path_factory) -> BuiltSite:
    """The demo content with one more paragraph at the end of one post."""
    tmp_path = tmp_path_factory.mktemp("edited")
    content = tmp_path / "source"
    shutil.copytree(ROOT / "content", content)
    post = content / EDITED_POST_SOURCE
    post.write_text(
        post.read_text(encoding="utf-8")
        + "\nOne more thing: I write every answer down, word for word.\n",
        encoding="utf-8",
    )
    site = build(tmp_path, content=content, settings="publishconf.py")
    assert site.report.ok, site.report.problems + site.report.errors
    return site


@pytest.fixture
def ssh_stand_in(tmp_path, monkeypatch) -> Path:
    """RSYNC_RSH pointing at a fake ssh that runs remote commands locally."""
    script = tmp_path / "fake-ssh"
    script.write_text(SSH_STAND_IN.format(python=sys.executable), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("RSYNC_RSH", str(script))
    return script


@pytest.fixture
def needs_rsync() -> None:
    require(shutil.which("rsync") is not None, "rsync is not installed")


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory):
    """moto's server (S3, CloudFront) in its own process on a free loopback port."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, server, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


def _wait_for_port(port: int, server: subprocess.Popen, log: Path, limit: float = 60.0) -> None:
    """Return once the server accepts connections; fail if it dies or never does."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"moto server exited: {log.read_text(errors='replace')[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"moto server did not listen on port {port} within {limit:.0f} s")


@pytest.fixture
def aws_env(moto_endpoint, monkeypatch, tmp_path) -> str:
    """Dummy credentials and endpoints in the environment, nothing from ~/.aws."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFRONT", moto_endpoint)
    return moto_endpoint
