"""Fixtures for the comments tests: a real Isso server, a tiny site, an HTTP client.

The Isso server uses the project's own dev config with a temporary database and
free loopback ports; it trusts X-Forwarded-For from 127.0.0.1 (as production does
behind its proxy) so each test can post as a different reader network.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import itertools
import json
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitekit.comments.server import (
    DEV_CONFIG,
    IssoServer,
    development_environment,
    start_isso,
    stop_isso,
    write_config,
)
from tests.sitebuild import FIXTURES, free_port, require

ARTICLE = """Title: Keeping in touch after a no
Date: 2021-03-01 09:00
Slug: {slug}
Tags: testing
Summary: A post with comments.

Some text about staying in touch.
"""

_networks = itertools.count(1)


def reader_address() -> str:
    """A new reader network (Isso rate-limits per /24) for each call."""
    n = next(_networks)
    return f"10.{n // 250}.{n % 250}.7"


@dataclass
class Response:
    status: int
    body: str
    headers: dict

    def json(self):
        return json.loads(self.body)


def http_call(method: str, url: str, data=None, headers=None, timeout: float = 10) -> Response:
    body = None if data is None else json.dumps(data).encode("utf-8")
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Response(
                response.status, response.read().decode("utf-8"), dict(response.headers)
            )
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read().decode("utf-8", "replace"), dict(error.headers))


class IssoClient:
    """Talks to Isso's public HTTP API the way the embedded client does."""

    def __init__(self, server: IssoServer):
        self.server = server
        self.url = server.url

    def post(self, uri: str, text: str, *, address: str | None = None, **fields) -> Response:
        fields.setdefault("author", "A reader")  # our config requires a name
        payload = {"text": text, "title": fields.pop("title", "A thread"), **fields}
        headers = {"X-Forwarded-For": address or reader_address()}
        query = urllib.parse.urlencode({"uri": uri})
        return http_call("POST", f"{self.url}/new?{query}", payload, headers)

    def public_thread(self, uri: str) -> dict:
        query = urllib.parse.urlencode({"uri": uri})
        response = http_call("GET", f"{self.url}/?{query}")
        if response.status == 404:
            return {"total_replies": 0, "replies": []}
        assert response.status == 200, response
        return response.json()


def isso_config(tmp_path: Path, isso_port: int, site_origin: str) -> Path:
    return write_config(
        DEV_CONFIG,
        tmp_path / "isso.cfg",
        {
            "general": {"dbpath": str(tmp_path / "comments.db"), "host": site_origin},
            "server": {
                "listen": f"http://127.0.0.1:{isso_port}",
                "public-endpoint": f"http://127.0.0.1:{isso_port}",
                "trusted-proxies": "127.0.0.1",
            },
            # Production's guard values, so the rate limit tests mean something.
            "guard": {"enabled": "true", "ratelimit": "2", "direct-reply": "3"},
        },
    )


def launch_isso(tmp_path: Path, site_port: int) -> IssoServer:
    require(importlib.util.find_spec("isso") is not None, "isso is not installed")
    config = isso_config(tmp_path, free_port(), f"http://127.0.0.1:{site_port}")
    env = development_environment({"PATH": "/usr/bin:/bin", "ISSO_ADMIN_PASSWORD": "test"})
    return start_isso(config, env=env, log_path=tmp_path / "isso.log", cwd=tmp_path)


@pytest.fixture(scope="session")
def site_port() -> int:
    """The port the test site is served on; Isso's CORS host is set to match it."""
    return free_port()


@pytest.fixture(scope="session")
def isso(tmp_path_factory, site_port) -> IssoServer:
    """One real Isso server for the session (tests use their own threads)."""
    server = launch_isso(tmp_path_factory.mktemp("isso"), site_port)
    yield server
    stop_isso(server)


@pytest.fixture
def fresh_isso(tmp_path, site_port) -> IssoServer:
    """An Isso server with an empty database of its own (backup/restore tests)."""
    server = launch_isso(tmp_path / "isso", site_port)
    yield server
    stop_isso(server)


@pytest.fixture
def client(isso) -> IssoClient:
    return IssoClient(isso)


@pytest.fixture
def content(tmp_path) -> Path:
    """The minimal fixture site plus one article (slug ``talk``) to comment on."""
    target = tmp_path / "src" / "content"
    shutil.copytree(FIXTURES / "minimal", target)
    (target / "posts" / "talk.md").write_text(ARTICLE.format(slug="talk"), encoding="utf-8")
    (target / "comments" / "talk").mkdir(parents=True)
    return target


def write_comment(content: Path, slug: str, name: str, text: str | bytes) -> Path:
    path = content / "comments" / slug / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extra_headers: dict = {}

    def end_headers(self):
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - base class signature
        pass


@pytest.fixture
def serve_site():
    """Serve a built site on a given loopback port until the test ends."""
    servers = []

    def start(directory: Path, port: int, headers: dict | None = None) -> str:
        handler_class = type("Handler", (QuietHandler,), {"extra_headers": dict(headers or {})})
        handler = functools.partial(handler_class, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(5)


def isso_database(path: Path):
    """An Isso database made by Isso's own code, without a server."""
    from isso import config as isso_config
    from isso.db import SQLite3

    return SQLite3(str(path), isso_config.load(isso_config.default_file()))


def add_comment(db, uri: str, text: str, *, mode: int = 1, created: float, **fields) -> int:
    if uri not in db.threads:
        db.threads.new(uri, f"Thread {uri}")
    row = db.comments.add(
        uri,
        {"text": text, "mode": mode, "remote_addr": "192.0.2.0", "created": created, **fields},
    )
    return row["id"]
