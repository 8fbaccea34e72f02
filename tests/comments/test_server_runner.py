"""Starting and stopping the comment server for `invoke serve` and `invoke comments`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from sitekit.comments.server import comment_server_alongside, is_answering, port_in_use
from tests.comments.conftest import isso_config
from tests.sitebuild import ROOT, free_port

pytestmark = pytest.mark.server


def test_serve_starts_the_comment_server_and_stops_it_afterwards(tmp_path, capsys):
    config = isso_config(tmp_path, free_port(), "http://127.0.0.1:8000")
    with comment_server_alongside(config, log_path=tmp_path / "isso.log") as server:
        assert server is not None and is_answering(server.url)
        url = server.url
    assert server.process.poll() is not None
    assert not port_in_use(url)
    out = capsys.readouterr().out
    assert f"Comments: Isso at {url}/" in out and "admin at" in out
    assert "stopped the comment server" in out


def test_serve_reuses_a_comment_server_that_is_already_running(isso, capsys):
    with comment_server_alongside(isso.config, log_path=isso.config.parent / "x.log") as server:
        assert server is None
    assert is_answering(isso.url), "someone else's server is left running"
    assert "already running" in capsys.readouterr().out


SERVE_BOTH = """
import signal
import sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
from pathlib import Path
sys.path.insert(0, {root!r})
from sitekit.comments.server import comment_server_alongside
from sitekit.devserver import serve_site
with comment_server_alongside(Path({config!r}), log_path=Path({log!r})):
    serve_site(Path({site!r}), "127.0.0.1", {port})
"""


@pytest.mark.parametrize("how", ["ctrl-c", "kill"])
def test_site_and_comment_server_stop_together(tmp_path, how):
    """What `invoke serve` does: both servers up, both gone after Ctrl-C (or a kill)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    isso_port, site_port = free_port(), free_port()
    config = isso_config(tmp_path, isso_port, f"http://127.0.0.1:{site_port}")
    script = SERVE_BOTH.format(
        root=str(ROOT), config=str(config), log=str(tmp_path / "isso.log"),
        site=str(site), port=site_port,
    )  # fmt: skip
    env = {"PATH": os.environ.get("PATH", ""), "SERVE_QUIET": "1", "ISSO_ADMIN_PASSWORD": "t"}
    process = subprocess.Popen(
        [sys.executable, "-c", script], env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        isso_url, site_url = f"http://127.0.0.1:{isso_port}", f"http://127.0.0.1:{site_port}"
        deadline = time.monotonic() + 20
        while not (is_answering(isso_url) and port_in_use(site_url)):
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "servers did not start"
            time.sleep(0.05)  # polling interval
        if how == "ctrl-c":
            os.killpg(process.pid, signal.SIGINT)  # the terminal signals the whole group
        else:
            process.terminate()
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert "stopped the comment server" in output
    assert not port_in_use(isso_url) and not port_in_use(site_url)


def test_the_serve_task_runs_the_comment_server_alongside():
    source = (ROOT / "tasks.py").read_text(encoding="utf-8")
    serve = source[source.index("def serve(") : source.index("\n@task", source.index("def serve("))]
    assert "with comment_server_alongside()" in serve and "serve_site(" in serve
    assert "audience_server_alongside()" in serve
