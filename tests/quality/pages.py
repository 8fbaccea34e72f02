"""Pick the pages the quality gates visit from the built output, not from a fixed list.

New pages (openings, comments) are covered as they land; a page a gate needs but the
build lacks fails in CI through ``require``.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.sitebuild import require

POST_WITH_COMMENTS = "posts/still-friends-after-no/index.html"
OPENING_PAGE = re.compile(r"^openings/[^/]+/index\.html$")
NOINDEX = re.compile(r"""<meta\s+name=["']robots["']\s+content=["'][^"']*noindex""", re.I)

# name -> what the gates call it; resolved by ``page_path``
GATE_PAGES = (
    "home",
    "post with comments",
    "about",
    "contact",
    "openings listing",
    "open role",
    "closed role",
    "404",
)


def html_files(site_dir: Path) -> list[Path]:
    return sorted(p for p in Path(site_dir).rglob("*.html") if p.is_file())


def opening_pages(site_dir: Path) -> list[tuple[str, bool]]:
    """``(relative path, is_open)`` for every opening detail page, in path order."""
    found = []
    for path in html_files(site_dir):
        relative = path.relative_to(site_dir).as_posix()
        if OPENING_PAGE.match(relative):
            found.append((relative, not NOINDEX.search(path.read_text(encoding="utf-8"))))
    return found


def page_path(site_dir: Path, name: str) -> str:
    """The built file (relative to ``site_dir``) that plays the role ``name``."""
    fixed = {
        "home": "index.html",
        "about": "about/index.html",
        "contact": "contact/index.html",
        "openings listing": "openings/index.html",
        "404": "404.html",
    }
    if name in fixed:
        relative = fixed[name]
        require((site_dir / relative).is_file(), f"the build has no {relative} ({name})")
        return relative
    if name == "post with comments":
        file = site_dir / POST_WITH_COMMENTS
        require(
            file.is_file() and 'id="comments"' in file.read_text(encoding="utf-8"),
            f"{POST_WITH_COMMENTS} has no comments section (comments plugin missing?)",
        )
        return POST_WITH_COMMENTS
    if name in ("open role", "closed role"):
        wanted = name == "open role"
        candidates = [path for path, is_open in opening_pages(site_dir) if is_open == wanted]
        require(bool(candidates), f"the build has no {name} page under openings/<slug>/")
        return candidates[0]
    raise ValueError(f"unknown gate page {name!r}")


def url_path(relative: str) -> str:
    """The URL path a server answers for a built file (folders for index.html)."""
    if relative == "index.html":
        return "/"
    if relative.endswith("/index.html"):
        return "/" + relative[: -len("index.html")]
    return "/" + relative
