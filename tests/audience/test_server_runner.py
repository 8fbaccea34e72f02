"""Starting and stopping the audience server for `invoke serve`."""

from __future__ import annotations

import pytest

from sitekit.audience.server import audience_server_alongside, is_answering, port_in_use
from tests.audience.conftest import audience_env
from tests.sitebuild import free_port

pytestmark = pytest.mark.server


def test_serve_starts_the_audience_server_and_stops_it_afterwards(tmp_path, smtp, capsys):
    port = free_port()
    env = audience_env(tmp_path, smtp, f"http://127.0.0.1:{port}")
    log = tmp_path / "audience.log"
    with audience_server_alongside(port=port, log_path=log, environ=env) as server:
        assert server is not None and is_answering(server.url)
        url = server.url
    assert server.process.poll() is not None
    assert not port_in_use(url)
    out = capsys.readouterr().out
    assert f"Audience: sign-ups at {url}/" in out and "stopped the audience server" in out
    assert (tmp_path / "audience.db").exists()


def test_serve_reuses_a_running_server_and_reports_bad_settings(tmp_path, audience, smtp, capsys):
    port = int(audience.url.rsplit(":", 1)[1])
    with audience_server_alongside(port=port, log_path=tmp_path / "x.log") as server:
        assert server is None
    assert "already running" in capsys.readouterr().out
    env = audience_env(tmp_path, smtp, "http://127.0.0.1:1", SMTP_SECURITY="ssl")
    with audience_server_alongside(port=free_port(), log_path=tmp_path / "y.log", environ=env) as s:
        assert s is None
    assert "Audience: not started: SMTP_SECURITY: 'ssl'" in capsys.readouterr().out
