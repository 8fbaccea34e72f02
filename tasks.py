"""Tasks for the author, with the names Pelican's quickstart uses (run ``invoke --list``).

Each task is thin: the work lives in ``sitekit`` so it is tested without invoke.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from invoke import task

ROOT = Path(__file__).resolve().parent
PYTHON = sys.executable
SETTINGS = {
    "dev": str(ROOT / "pelicanconf.py"),
    "publish": str(ROOT / "publishconf.py"),
}
OUTPUT = ROOT / "output"
HOST = os.environ.get("SERVE_HOST", "127.0.0.1")
PORT = int(os.environ.get("SERVE_PORT", "8000"))


def _build(c, settings: str, extra: str = "") -> None:
    c.run(f'"{PYTHON}" -m sitekit.build --settings "{settings}" {extra}', pty=False)


@task
def clean(c):
    """Remove the generated site and the content cache."""
    for folder in (OUTPUT, ROOT / "cache"):
        if folder.exists():
            shutil.rmtree(folder)
            print(f"removed {folder.relative_to(ROOT)}/")


@task
def build(c):
    """Build the site with development settings into output/."""
    _build(c, SETTINGS["dev"])


@task
def rebuild(c):
    """clean, then build."""
    clean(c)
    build(c)


@task
def regenerate(c):
    """Rebuild whenever content, theme, plugins or settings change."""
    c.run(f'"{PYTHON}" -m sitekit.watch --settings "{SETTINGS["dev"]}"', pty=False)


@task(help={"host": "address to bind (default 127.0.0.1)", "port": "port (default 8000)"})
def serve(c, host=HOST, port=PORT):
    """Serve output/ on http://127.0.0.1:8000 (no browser is opened)."""
    from sitekit.devserver import serve_site

    serve_site(OUTPUT, host, int(port))


@task
def reserve(c):
    """build, then serve."""
    build(c)
    serve(c)


@task
def up(c):
    """Build the site, then serve it with the comment server: the local preview."""
    build(c)
    serve(c)


@task
def preview(c):
    """Build with production settings into output/ (what publish would ship)."""
    _build(c, SETTINGS["publish"])


@task(help={"host": "address to bind", "port": "port"})
def livereload(c, host=HOST, port=PORT):
    """Build, serve, rebuild on every change and reload the browser."""
    from sitekit.devserver import serve_with_livereload

    serve_with_livereload(ROOT, SETTINGS["dev"], OUTPUT, host, int(port))


@task(name="new-post", help={"title": "the post's title"})
def new_post(c, title):
    """Write content/posts/<slug>.md with today's date and every metadata field."""
    from sitekit.newpost import write_new_post

    path = write_new_post(ROOT / "content" / "posts", title)
    print(f"wrote {path.relative_to(ROOT)}")


@task(help={"args": "extra arguments for pytest, e.g. '-k feeds'"})
def test(c, args=""):
    """Run the whole test suite."""
    c.run(f'"{PYTHON}" -m pytest {args}', pty=False)
