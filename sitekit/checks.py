"""Pre-flight checks on a built site, run before anything is deployed.

``check_site(site_dir, settings)`` reads the built files only (never the content
sources) and returns every problem as a ``Problem(page, message)``; an empty list
means the site may ship. ``invoke publish`` runs it on the staged build, ``invoke
check`` on its own, and test suites call it to link-check a built site.

Checks (select with ``checks=``):

- ``links``: every internal href/src/srcset on every HTML page (and url() in CSS)
  resolves to a file, and every #fragment to an id on the target page. Links to the
  site's own absolute origin (SITEURL) count as internal.
- ``local-urls``: no attribute, script or feed link points to localhost, 127.x.x.x,
  0.0.0.0, [::1] or a development origin.
- ``feeds``: every ``feeds/**/*.xml`` parses cleanly (feedparser ``bozo`` is 0).
- ``job-postings``: every open role page (``OPENING_SAVE_AS``, by default
  ``openings/<slug>/index.html``) carries exactly one JobPosting JSON-LD block.
  Exempt: pages whose robots meta says ``noindex`` (closed, paused, expired roles),
  pages where an element declares ``data-opening-status`` other than ``open``, and
  listings sharing that URL shape (work-mode filters), which carry the listing's
  ``data-openings-list`` / ``data-openings-count`` markers.
- ``head``: every HTML page has ``<html lang>``, a non-empty ``<title>``, one
  canonical link, and JSON-LD blocks that parse.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from plugins.openings.settings import OPENING_SAVE_AS  # where a role's page goes by default
from plugins.site_extras.urls import site_origin

ROOT = Path(__file__).resolve().parent.parent

CHECKS = ("links", "local-urls", "feeds", "job-postings", "head")

# Attributes that mark a page as a listing of openings rather than one opening.
LISTING_MARKERS = {"data-openings-list", "data-openings-count"}
# Hosts that only exist on the author's machine.
LOCAL_URL = re.compile(
    r"(?:https?:)?//(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1\])(?![\w.-])"
    r"(?::\d+)?[^\s\"'<>)]*",
    re.IGNORECASE,
)
LINK_ATTRIBUTES = ("href", "src", "srcset")
# Fragments every browser understands without a matching id.
IMPLICIT_FRAGMENTS = {"", "top"}
CSS_URL = re.compile(
    r"""url\(\s*(?P<q>['"]?)(?P<url>[^'")]+)(?P=q)\s*\)|@import\s+(?P<iq>['"])(?P<iurl>[^'"]+)(?P=iq)"""
)
_SRCSET_GAP = re.compile(r"[\s,]*")
_SRCSET_URL = re.compile(r"\S+")
FEED_LINK_ELEMENTS = {"link", "loc", "id", "uri", "url", "guid", "icon", "logo", "comments"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file of the built site."""

    page: str
    message: str

    def __str__(self) -> str:
        return f"{self.page}: {self.message}"


@dataclass
class _Page:
    """What the checks need from one HTML page, read once."""

    path: str
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (attribute, url)
    attribute_values: list[tuple[str, str]] = field(default_factory=list)
    script_texts: list[str] = field(default_factory=list)
    jsonld: list[str] = field(default_factory=list)
    lang: str = ""
    title: str | None = None
    canonicals: list[str] = field(default_factory=list)
    robots: list[str] = field(default_factory=list)
    opening_status: str | None = None
    is_listing: bool = False
    parse_error: str | None = None


class _Origin:
    """The site's public address: decides which absolute URLs are internal."""

    def __init__(self, settings: Mapping):
        url = site_origin(settings)
        parts = urlsplit(url)
        if not parts.scheme or not parts.netloc:
            parts = urlsplit("https://site.invalid")
        self.scheme = parts.scheme
        self.netloc = parts.netloc.lower()
        self.prefix = parts.path.rstrip("/")

    def url_of(self, relative_path: str) -> str:
        return f"{self.scheme}://{self.netloc}{self.prefix}/{relative_path}"

    def site_path(self, absolute_url: str) -> str | None:
        """The path inside the site for an internal URL, None for an external one."""
        parts = urlsplit(absolute_url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != self.netloc:
            return None
        path = parts.path or "/"
        if self.prefix:
            if path != self.prefix and not path.startswith(self.prefix + "/"):
                return None
            path = path[len(self.prefix) :] or "/"
        return unquote(path).lstrip("/")


def check_site(
    site_dir: str | Path,
    settings: Mapping,
    *,
    checks: Iterable[str] = CHECKS,
    forbidden_origins: Iterable[str] = (),
) -> list[Problem]:
    """Every problem of the built site in ``site_dir``; empty when it may be published."""
    selected = set(checks)
    unknown = selected - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown checks: {', '.join(sorted(unknown))}")
    root = Path(site_dir)
    files = _site_files(root)
    pages = {path: _read_page(root / path, path) for path in sorted(files) if _is_html(path)}
    origin = _Origin(settings)
    forbidden = [o.rstrip("/") for o in forbidden_origins if o and o.strip("/")]

    problems: list[Problem] = [
        Problem(page.path, f"HTML does not parse: {page.parse_error}")
        for page in pages.values()
        if page.parse_error
    ]
    if "links" in selected:
        problems += _check_links(root, files, pages, origin)
    if "local-urls" in selected:
        problems += _check_local_urls(root, files, pages, forbidden)
    if "feeds" in selected:
        problems += _check_feeds(root, files)
    if "job-postings" in selected:
        problems += _check_job_postings(pages, settings)
    if "head" in selected:
        problems += _check_head(pages)
    return sorted(dict.fromkeys(problems), key=lambda problem: problem.page)


def _site_files(root: Path) -> set[str]:
    if not root.is_dir():
        raise FileNotFoundError(f"no built site at {root}")
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def _is_html(path: str) -> bool:
    return path.endswith((".html", ".htm"))


def _read_page(file: Path, path: str) -> _Page:
    import lxml.html
    from lxml import etree

    page = _Page(path)
    data = file.read_bytes()
    if not data.strip():
        page.parse_error = "the file is empty"
        return page
    try:
        parser = lxml.html.HTMLParser(encoding="utf-8")
        document = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as error:
        page.parse_error = str(error) or type(error).__name__
        return page
    page.lang = (document.get("lang") or "").strip()
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        tag = element.tag.lower()
        for name, value in element.attrib.items():
            page.attribute_values.append((name, value))
            if name == "id" or (name == "name" and tag == "a"):
                page.ids.add(value)
            elif name in LINK_ATTRIBUTES:
                page.links.append((name, value))
            elif name == "data-opening-status":
                page.opening_status = value.strip().lower()
            elif name in LISTING_MARKERS:
                page.is_listing = True
        if tag == "title" and page.title is None:
            page.title = element.text_content().strip()
        elif tag == "link" and "canonical" in (element.get("rel") or "").lower().split():
            page.canonicals.append((element.get("href") or "").strip())
        elif tag == "meta" and (element.get("name") or "").lower() in ("robots", "googlebot"):
            page.robots.append((element.get("content") or "").lower())
        elif tag == "script":
            text = element.text or ""
            page.script_texts.append(text)
            if (element.get("type") or "").strip().lower() == "application/ld+json":
                page.jsonld.append(text)
    return page


# -- links --------------------------------------------------------------------------


def _check_links(
    root: Path, files: set[str], pages: dict[str, _Page], origin: _Origin
) -> list[Problem]:
    problems = []
    for page in pages.values():
        base = origin.url_of(page.path)
        for attribute, value in page.links:
            for url in _split_srcset(value) if attribute == "srcset" else [value.strip()]:
                message = _broken(url, base, files, pages, origin)
                if message:
                    problems.append(Problem(page.path, f'{message}: {attribute}="{url}"'))
    for path in sorted(p for p in files if p.endswith(".css")):
        base = origin.url_of(path)
        text = (root / path).read_text(encoding="utf-8", errors="replace")
        for match in CSS_URL.finditer(text):
            url = (match.group("url") or match.group("iurl") or "").strip()
            if url.startswith("#"):
                continue  # SVG paint servers and filters inside the document
            message = _broken(url, base, files, pages, origin)
            if message:
                problems.append(Problem(path, f'{message}: url("{url}")'))
    return problems


def _split_srcset(value: str) -> list[str]:
    """The URLs of a srcset, split the way browsers do (URLs may contain commas)."""
    urls = []
    position, end = 0, len(value)
    while True:
        position = _SRCSET_GAP.match(value, position).end()
        if position >= end:
            return urls
        url = _SRCSET_URL.match(value, position).group(0)
        position += len(url)
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip the descriptors ("2x", "640w") up to the next comma
            depth = 0
            while position < end:
                char = value[position]
                position += 1
                depth += {"(": 1, ")": -1}.get(char, 0)
                if char == "," and depth <= 0:
                    break
        if url:
            urls.append(url)


def _broken(
    url: str,
    base: str,
    files: set[str],
    pages: dict[str, _Page],
    origin: _Origin,
) -> str | None:
    """Why ``url`` (found on the page at ``base``) does not resolve, or None."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            return None  # mailto:, tel:, data:, javascript: ...
        absolute, fragment = urldefrag(urljoin(base, url))
        site_path = origin.site_path(absolute)
    except ValueError as error:
        return f"malformed URL ({error})"
    if site_path is None:
        return None  # another site
    target = _resolve(site_path, files)
    if target is None:
        return f"broken link (no {site_path or 'index.html'} in the site)"
    fragment = unquote(fragment)
    if fragment in IMPLICIT_FRAGMENTS:
        return None
    target_page = pages.get(target)
    if target_page is None:
        return None  # fragments into non-HTML files (PDF pages, SVG views) are not checked
    if fragment not in target_page.ids:
        return f'missing anchor (no id="{fragment}" on {target})'
    return None


def _resolve(site_path: str, files: set[str]) -> str | None:
    """The file a server sends for ``site_path`` (directories serve index.html)."""
    path = site_path
    if path == "" or path.endswith("/"):
        path += "index.html"
    normal = PurePosixPath(path).as_posix()
    if normal in files:
        return normal
    if f"{normal}/index.html" in files:
        return f"{normal}/index.html"
    return None


# -- local URLs ---------------------------------------------------------------------


def _local_urls(text: str, forbidden: list[str]) -> list[str]:
    found = [match.group(0) for match in LOCAL_URL.finditer(text)]
    for prefix in forbidden:
        start = text.find(prefix)
        while start != -1:
            end = start + len(prefix)
            if end == len(text) or text[end] in "/?#\"' <>),":
                found.append(re.split(r"[\s\"'<>)]", text[start:], maxsplit=1)[0])
            start = text.find(prefix, end)
    return list(dict.fromkeys(found))


def _check_local_urls(
    root: Path, files: set[str], pages: dict[str, _Page], forbidden: list[str]
) -> list[Problem]:
    problems = []
    for page in pages.values():
        for name, value in page.attribute_values:
            for url in _local_urls(value, forbidden):
                problems.append(Problem(page.path, f'points to a local address: {name}="{url}"'))
        for text in page.script_texts:
            for url in _local_urls(text, forbidden):
                problems.append(Problem(page.path, f"points to a local address in a script: {url}"))
    for path in sorted(files):
        if path.endswith(".xml"):
            texts = _xml_link_values(root / path)
        elif path.endswith((".css", ".txt", ".json", ".webmanifest")):
            texts = [(root / path).read_text(encoding="utf-8", errors="replace")]
        else:
            continue
        for text in texts:
            for url in _local_urls(text, forbidden):
                problems.append(Problem(path, f"points to a local address: {url}"))
    return problems


def _xml_link_values(file: Path) -> list[str]:
    """Attribute values and the text of link-like elements of an XML file."""
    from lxml import etree

    try:
        tree = etree.parse(str(file), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return []  # the feeds check reports unparsable feeds
    values = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        values.extend(element.attrib.values())
        if etree.QName(element).localname.lower() in FEED_LINK_ELEMENTS and element.text:
            values.append(element.text)
    return values


# -- feeds --------------------------------------------------------------------------


def _check_feeds(root: Path, files: set[str]) -> list[Problem]:
    import feedparser

    problems = []
    for path in sorted(p for p in files if p.startswith("feeds/") and p.endswith(".xml")):
        parsed = feedparser.parse((root / path).read_bytes())
        if parsed.bozo:
            reason = str(parsed.get("bozo_exception", "unknown error")).replace("\n", " ")
            problems.append(Problem(path, f"feed does not parse cleanly: {reason}"))
    return problems


# -- job postings -------------------------------------------------------------------


def _opening_page_pattern(settings: Mapping) -> re.Pattern:
    save_as = settings.get("OPENING_SAVE_AS") or OPENING_SAVE_AS
    parts = [re.escape(part) for part in save_as.split("{slug}")]
    return re.compile("^" + "[^/]+".join(parts) + "$")


def _check_job_postings(pages: dict[str, _Page], settings: Mapping) -> list[Problem]:
    pattern = _opening_page_pattern(settings)
    problems = []
    for path in sorted(pages):
        page = pages[path]
        if not pattern.match(path) or page.parse_error or page.is_listing:
            continue
        if any("noindex" in robots for robots in page.robots):
            continue
        if page.opening_status not in (None, "open"):
            continue
        count = sum(1 for text in page.jsonld if _has_type(_parse_json(text), "JobPosting"))
        if count != 1:
            problems.append(
                Problem(
                    path, f"open role needs exactly one JobPosting JSON-LD block, found {count}"
                )
            )
    return problems


def _parse_json(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


def _has_type(data, wanted: str) -> bool:
    if isinstance(data, list):
        return any(_has_type(item, wanted) for item in data)
    if not isinstance(data, dict):
        return False
    kind = data.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return wanted in kinds or _has_type(data.get("@graph"), wanted)


# -- head -----------------------------------------------------------------------


def _check_head(pages: dict[str, _Page]) -> list[Problem]:
    problems = []
    for path in sorted(pages):
        page = pages[path]
        if page.parse_error:
            continue
        if not page.lang:
            problems.append(Problem(path, "missing lang attribute on <html>"))
        if not page.title:
            problems.append(Problem(path, "missing or empty <title>"))
        canonicals = [href for href in page.canonicals if href]
        if not canonicals:
            problems.append(Problem(path, 'missing <link rel="canonical" href="...">'))
        elif len(canonicals) > 1:
            problems.append(Problem(path, f"{len(canonicals)} canonical links, expected one"))
        for text in page.jsonld:
            try:
                json.loads(text)
            except ValueError as error:
                problems.append(Problem(path, f"JSON-LD block does not parse: {error}"))
    return problems


# -- command line -------------------------------------------------------------------


def development_origins(settings_file: str | Path = ROOT / "pelicanconf.py") -> list[str]:
    """Origins that only make sense on the author's machine (the dev server's URL)."""
    from pelican.settings import read_settings

    settings = read_settings(str(settings_file))
    return [
        url.rstrip("/")
        for url in (settings.get("SITE_ORIGIN"), settings.get("SITEURL"))
        if url and "://" in url
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run the pre-flight checks on a production build (or on --site)."
    )
    parser.add_argument("--settings", default=str(ROOT / "publishconf.py"))
    parser.add_argument("--site", help="check this built directory instead of building")
    parser.add_argument(
        "--skip", action="append", default=[], choices=CHECKS, help="leave out a check"
    )
    args = parser.parse_args(argv)
    checks = [name for name in CHECKS if name not in args.skip]
    from pelican.settings import read_settings

    from sitekit.publish.staging import PublishError, staged_build

    try:
        settings = read_settings(args.settings)
        forbidden = development_origins()
        if args.site:
            problems = check_site(args.site, settings, checks=checks, forbidden_origins=forbidden)
            count = _count_pages(Path(args.site))
        else:
            with staged_build(args.settings) as site_dir:
                problems = check_site(
                    site_dir, settings, checks=checks, forbidden_origins=forbidden
                )
                count = _count_pages(site_dir)
    except PublishError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a bug, said as one
        from sitekit.build import report_unexpected

        report_unexpected("check", error)
        return 2
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"Checks failed: {len(problems)} problem(s) in {count} page(s).", file=sys.stderr)
        return 1
    print(f"Checked {count} page(s): no problems.", file=sys.stderr)
    return 0


def _count_pages(site_dir: Path) -> int:
    return sum(1 for path in Path(site_dir).rglob("*.htm*") if path.is_file())


if __name__ == "__main__":
    sys.exit(main())
