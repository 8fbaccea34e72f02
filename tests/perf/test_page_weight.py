"""Light pages: an article's HTML and CSS stay small, load nothing from other origins,
block rendering with no script, and every image has its size and loads lazily.

Checked on the demo site as built with the development settings (tests/conftest.py).
The comments widget is not counted: Isso's client loads only near the comments.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

ARTICLE_BUDGET_BYTES = 30 * 1024
# Attributes through which a browser fetches something while loading the page.
FETCHING = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
FETCHING_LINKS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "manifest"}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")
CSS_IMPORT = re.compile(r"@import\s+['\"]([^'\"]+)")


class PageParts(HTMLParser):
    """What a page asks the browser to fetch and run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fetches: list[tuple[str, str]] = []  # (tag, url)
        self.stylesheets: list[str] = []
        self.scripts: list[dict] = []  # attributes, plus "in_head"
        self.images: list[dict] = []
        self.inline_styles: list[str] = []
        self._in_head = False
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "head":
            self._in_head = True
        elif tag == "body":
            self._in_head = False
        elif tag == "style":
            self._in_style = True
        if attributes.get("style"):
            self.inline_styles.append(attributes["style"])
        for name in FETCHING.get(tag, ()):
            for url in _urls(attributes.get(name)):
                self.fetches.append((tag, url))
        if tag == "link":
            rels = set((attributes.get("rel") or "").lower().split())
            if rels & FETCHING_LINKS and attributes.get("href"):
                self.fetches.append(("link", attributes["href"]))
            if "stylesheet" in rels and attributes.get("href"):
                self.stylesheets.append(attributes["href"])
        if tag == "script":
            self.scripts.append({**attributes, "in_head": self._in_head})
        if tag == "img":
            self.images.append(attributes)

    def handle_endtag(self, tag):
        if tag == "head":
            self._in_head = False
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.inline_styles.append(data)


def _urls(value: str | None) -> list[str]:
    if not value:
        return []
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def parse(path: Path) -> PageParts:
    parts = PageParts()
    parts.feed(path.read_text(encoding="utf-8"))
    return parts


def local_file(site_root: Path, page: Path, url: str) -> Path:
    """The output file a same-origin URL (relative or root-relative) points at."""
    page_url = "/" + page.relative_to(site_root).as_posix()
    path = urlsplit(urljoin(page_url, url)).path
    target = site_root / path.lstrip("/")
    return target / "index.html" if path.endswith("/") else target


def is_third_party(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob"):
        return False
    if not parts.scheme and not parts.netloc:
        return False  # relative to this site
    return f"{parts.scheme}://{parts.netloc}" != origin


@pytest.fixture(scope="module")
def article_pages(demo_site) -> list[Path]:
    pages = sorted((demo_site.output / "posts").glob("*/index.html"))
    assert pages, "the demo site has no article pages"
    return pages


@pytest.fixture(scope="module")
def html_pages(demo_site) -> list[Path]:
    return sorted(demo_site.output.rglob("*.html"))


def test_article_html_plus_css_within_budget(demo_site, article_pages):
    for page in article_pages:
        parts = parse(page)
        css = sum(
            local_file(demo_site.output, page, href).stat().st_size
            for href in parts.stylesheets
            if not is_third_party(href, "")
        )
        weight = page.stat().st_size + css
        assert weight <= ARTICLE_BUDGET_BYTES, f"{page}: {weight:,} bytes of HTML + CSS"


def test_no_third_party_requests(demo_site, html_pages):
    origin = "http://127.0.0.1:8000"  # SITE_ORIGIN of the development settings
    counting = "http://127.0.0.1:8090/count.gif?"  # the site's own audience server (stats)
    css_files = sorted(demo_site.output.rglob("*.css"))
    for page in html_pages:
        parts = parse(page)
        urls = [url for _, url in parts.fetches if not url.startswith(counting)]
        for style in parts.inline_styles:
            urls += CSS_URL.findall(style) + CSS_IMPORT.findall(style)
        outside = [url for url in urls if is_third_party(url, origin)]
        assert outside == [], f"{page} fetches from other origins"
    for css in css_files:
        text = css.read_text(encoding="utf-8")
        outside = [
            url
            for url in CSS_URL.findall(text) + CSS_IMPORT.findall(text)
            if is_third_party(url, origin)
        ]
        assert outside == [], f"{css} fetches from other origins"


def test_no_render_blocking_script(html_pages):
    for page in html_pages:
        for script in parse(page).scripts:
            kind = (script.get("type") or "").lower()
            if kind in ("application/ld+json", "application/json"):
                continue  # data, never run
            if "src" in script:
                runs_later = "defer" in script or "async" in script or kind == "module"
                assert runs_later, f"{page}: <script src={script['src']!r}> blocks rendering"
            else:
                assert not script["in_head"], f"{page}: an inline script in <head> blocks rendering"


def test_images_have_size_and_load_lazily(html_pages):
    images = 0
    for page in html_pages:
        for image in parse(page).images:
            images += 1
            where = f"{page}: <img src={image.get('src')!r}>"
            assert image.get("width") and image.get("height"), f"{where} has no width/height"
            assert image.get("loading") == "lazy", f"{where} does not load lazily"
    assert images, "no images to check on the demo site"
