"""Local preview servers: the built site over HTTP, optionally with live reload."""

from __future__ import annotations

import functools
import http.server
import os
from pathlib import Path

from sitekit.build import build_site, print_report


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Serves folders as pretty URLs and the site's own 404 page for missing paths."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/xml; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".svg": "image/svg+xml",
        ".woff2": "font/woff2",
    }

    def send_error(self, code, message=None, explain=None):
        not_found_page = Path(self.directory) / "404.html"
        if code == 404 and not_found_page.exists():
            body = not_found_page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        if os.environ.get("SERVE_QUIET") != "1":
            super().log_message(format, *args)


def make_server(site_dir: Path, host: str, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(SiteRequestHandler, directory=str(site_dir))
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve_site(site_dir: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until Ctrl-C. Never opens a browser: print the address instead."""
    if not Path(site_dir, "index.html").exists():
        raise SystemExit(f"error: {site_dir} has no index.html: run `invoke build` first")
    server = make_server(Path(site_dir), host, port)
    print(f"Serving {site_dir} at http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped")
    finally:
        server.server_close()


def serve_with_livereload(
    root: Path, settings_file: str, site_dir: Path, host: str, port: int
) -> None:
    """Build, serve and rebuild on change; the browser reloads itself."""
    from livereload import Server

    def rebuild() -> None:
        report = build_site(settings_file, {"LOAD_CONTENT_CACHE": True})
        print_report(report)
        status = "failed" if report.failed() else f"rebuilt in {report.seconds:.2f} s"
        print(status, flush=True)

    from sitekit.watch import restart_with_new_code

    rebuild()
    server = Server()
    for pattern in ("content/**/*", "theme/**/*"):
        server.watch(str(root / pattern), rebuild)
    # New code needs a new process: the build would otherwise run what was imported.
    for pattern in ("plugins/**/*.py", "pelicanconf.py"):
        server.watch(str(root / pattern), lambda: restart_with_new_code("a plugin or settings"))
    server.serve(host=host, port=port, root=str(site_dir), open_url_delay=None)
