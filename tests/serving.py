"""Serve a built site on a free loopback port, optionally with extra response headers."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path

from sitekit.devserver import SiteRequestHandler
from tests.sitebuild import free_port


class _QuietHandler(SiteRequestHandler):
    """The dev server's handler (pretty URLs, the site's 404 page) plus fixed headers."""

    extra_headers: Mapping[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


@contextlib.contextmanager
def serve(
    site_dir: Path, headers: Mapping[str, str] | None = None, port: int | None = None
) -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:PORT``) of ``site_dir`` served in a thread."""
    handler_class = type("Handler", (_QuietHandler,), {"extra_headers": dict(headers or {})})
    handler = functools.partial(handler_class, directory=str(site_dir))
    server = ThreadingHTTPServer(("127.0.0.1", port or free_port()), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
