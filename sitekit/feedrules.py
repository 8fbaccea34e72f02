"""The rules a feed validator applies to Atom 1.0 and RSS 2.0 feeds, checked offline.

``sitekit.checks`` only asks whether a feed parses; feed readers also need stable,
unique ids, dates they can read (RFC 3339 in Atom, RFC 822 in RSS), absolute links
and a ``rel="self"`` link naming the address the feed is published at. Each
function returns every problem found as a ``path: where: what`` line.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

ATOM_NS = "http://www.w3.org/2005/Atom"
A = f"{{{ATOM_NS}}}"

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
RFC822 = re.compile(
    r"^(?:(?P<weekday>Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?"
    r"(?P<day>\d{1,2}) (?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(?P<year>\d{4}) (?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))? "
    r"(?P<zone>GMT|UT|Z|EST|EDT|CST|CDT|MST|MDT|PST|PDT|[+-]\d{4})$"
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Attributes inside entry HTML that a feed reader resolves against nothing.
_URL_ATTRIBUTE = re.compile(r"""\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def is_rfc3339(value: str) -> bool:
    """A full RFC 3339 timestamp (date, time and offset), as Atom requires."""
    text = (value or "").strip()
    if not RFC3339.match(text):
        return False
    try:
        datetime.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def rfc822_problem(value: str) -> str | None:
    """Why ``value`` is not an RSS (RFC 822, four-digit year) date, or None."""
    text = (value or "").strip()
    match = RFC822.match(text)
    if not match:
        return f"{text!r} is not an RFC 822 date (e.g. 'Mon, 08 Feb 2021 10:00:00 +0000')"
    try:
        date = datetime.date(
            int(match["year"]), MONTHS.index(match["month"]) + 1, int(match["day"])
        )
    except ValueError:
        return f"{text!r} names a day that does not exist"
    if int(match["hour"]) > 23 or int(match["minute"]) > 59 or int(match["second"] or 0) > 60:
        return f"{text!r} has an impossible time"
    if match["weekday"] and WEEKDAYS[date.weekday()] != match["weekday"]:
        return f"{text!r} has the wrong day of the week ({WEEKDAYS[date.weekday()]})"
    return None


def is_absolute_url(value: str) -> bool:
    parts = urlsplit((value or "").strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_absolute_iri(value: str) -> bool:
    """An IRI with a scheme, as Atom ids must be (http(s) URLs, tag: or urn: URIs)."""
    text = (value or "").strip()
    if not text or any(ch.isspace() for ch in text):
        return False
    scheme = urlsplit(text).scheme
    if scheme in ("http", "https"):
        return is_absolute_url(text)
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:.+", text, re.I))


def relative_links_in_html(html: str) -> list[str]:
    """href/src values in escaped entry content that a feed reader cannot resolve."""
    found = []
    for match in _URL_ATTRIBUTE.finditer(html or ""):
        url = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        if not url or url.startswith("#"):
            # same-document fragments still break in readers; report them too
            if url:
                found.append(url)
            continue
        scheme = urlsplit(url).scheme.lower()
        if scheme in ("mailto", "tel", "data"):
            continue
        if not is_absolute_url(url):
            found.append(url)
    return found


# -- one feed -------------------------------------------------------------------------


def check_feed_bytes(data: bytes, name: str, self_url: str | None = None) -> list[str]:
    """Every rule broken by the feed in ``data``; ``self_url`` is where it is published."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return [f"{name}: xml: does not parse ({error})"]
    if root.tag == f"{A}feed":
        problems = _check_atom(root)
    elif root.tag == "rss":
        problems = _check_rss(root)
    else:
        return [f"{name}: root: <{etree.QName(root).localname}> is neither Atom nor RSS 2.0"]
    self_links = _self_links(root)
    if len(self_links) != 1:
        problems.append(f'self link: expected one rel="self" link, found {len(self_links)}')
    else:
        [href] = self_links
        if not is_absolute_url(href):
            problems.append(f"self link: {href!r} is not an absolute http(s) URL")
        elif self_url is not None and href != self_url:
            problems.append(f"self link: {href!r} is not where the feed is ({self_url!r})")
    return [f"{name}: {problem}" for problem in problems]


def _self_links(root) -> list[str]:
    scope = root if root.tag == f"{A}feed" else root.find("channel")
    if scope is None:
        return []
    return [
        (link.get("href") or "").strip()
        for link in scope.findall(f"{A}link")
        if (link.get("rel") or "alternate") == "self"
    ]


def _text(element, tag: str) -> str | None:
    child = element.find(tag)
    return None if child is None else (child.text or "").strip()


def _check_atom(feed) -> list[str]:
    problems: list[str] = []

    def one(scope, tag: str, where: str) -> str | None:
        found = scope.findall(f"{A}{tag}")
        if len(found) != 1:
            problems.append(f"{where}{tag}: expected exactly one, found {len(found)}")
            return None
        return (found[0].text or "").strip()

    def link_hrefs(scope, where: str) -> None:
        for link in scope.findall(f"{A}link"):
            href = (link.get("href") or "").strip()
            if not is_absolute_url(href):
                problems.append(f"{where}link: href {href!r} is not an absolute http(s) URL")

    def dates(scope, where: str) -> None:
        for tag in ("updated", "published"):
            for element in scope.findall(f"{A}{tag}"):
                if not is_rfc3339(element.text or ""):
                    problems.append(f"{where}{tag}: {element.text!r} is not an RFC 3339 date")

    feed_id = one(feed, "id", "feed ")
    if feed_id is not None and not _is_absolute_iri(feed_id):
        problems.append(f"feed id: {feed_id!r} is not an absolute IRI")
    title = one(feed, "title", "feed ")
    if title == "":
        problems.append("feed title: is empty")
    one(feed, "updated", "feed ")
    dates(feed, "feed ")
    link_hrefs(feed, "feed ")
    feed_has_author = _atom_has_author(feed)
    seen: dict[str, int] = {}
    for number, entry in enumerate(feed.findall(f"{A}entry"), start=1):
        where = f"entry {number} "
        entry_id = one(entry, "id", where)
        if entry_id is not None:
            if not _is_absolute_iri(entry_id):
                problems.append(f"{where}id: {entry_id!r} is not an absolute IRI")
            elif entry_id in seen:
                problems.append(f"{where}id: {entry_id!r} repeats entry {seen[entry_id]}")
            else:
                seen[entry_id] = number
        entry_title = one(entry, "title", where)
        if entry_title == "":
            problems.append(f"{where}title: is empty")
        one(entry, "updated", where)
        dates(entry, where)
        link_hrefs(entry, where)
        alternates = [
            link
            for link in entry.findall(f"{A}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        if not alternates and entry.find(f"{A}content") is None:
            problems.append(f'{where}link: needs a rel="alternate" link or content')
        if not feed_has_author and not _atom_has_author(entry):
            problems.append(f"{where}author: missing (and the feed names no author)")
        for tag in ("summary", "content"):
            for element in entry.findall(f"{A}{tag}"):
                kind = element.get("type", "text")
                if kind not in ("text", "html", "xhtml") and "/" not in kind:
                    problems.append(f"{where}{tag}: type {kind!r} is not text, html or xhtml")
                if kind == "html":
                    for url in relative_links_in_html(element.text or ""):
                        problems.append(f"{where}{tag}: relative link {url!r}")
    return problems


def _atom_has_author(scope) -> bool:
    author = scope.find(f"{A}author")
    return author is not None and bool(_text(author, f"{A}name"))


def _check_rss(rss) -> list[str]:
    problems: list[str] = []
    if rss.get("version") != "2.0":
        problems.append(f"rss version: {rss.get('version')!r}, expected '2.0'")
    channels = rss.findall("channel")
    if len(channels) != 1:
        return [*problems, f"channel: expected exactly one, found {len(channels)}"]
    [channel] = channels
    for tag in ("title", "link", "description"):
        value = _text(channel, tag)
        if value is None:
            problems.append(f"channel {tag}: is missing")
        elif tag != "description" and not value:
            problems.append(f"channel {tag}: is empty")
    link = _text(channel, "link")
    if link and not is_absolute_url(link):
        problems.append(f"channel link: {link!r} is not an absolute http(s) URL")
    for tag in ("pubDate", "lastBuildDate"):
        value = _text(channel, tag)
        if value is not None and (why := rfc822_problem(value)):
            problems.append(f"channel {tag}: {why}")
    seen: dict[str, int] = {}
    for number, item in enumerate(channel.findall("item"), start=1):
        where = f"item {number} "
        if not _text(item, "title") and not _text(item, "description"):
            problems.append(f"{where}: needs a title or a description")
        item_link = _text(item, "link")
        if item_link is not None and not is_absolute_url(item_link):
            problems.append(f"{where}link: {item_link!r} is not an absolute http(s) URL")
        pub_date = _text(item, "pubDate")
        if pub_date is not None and (why := rfc822_problem(pub_date)):
            problems.append(f"{where}pubDate: {why}")
        guid_element = item.find("guid")
        if guid_element is None:
            problems.append(f"{where}guid: is missing (feed readers use it to spot new items)")
        else:
            guid = (guid_element.text or "").strip()
            permalink = guid_element.get("isPermaLink", "true").lower()
            if permalink not in ("true", "false"):
                problems.append(f"{where}guid: isPermaLink={permalink!r}, expected true or false")
            if not guid:
                problems.append(f"{where}guid: is empty")
            elif permalink == "true" and not is_absolute_url(guid):
                problems.append(
                    f'{where}guid: {guid!r} is not a URL; add isPermaLink="false" '
                    "or use the item's absolute URL"
                )
            elif guid in seen:
                problems.append(f"{where}guid: {guid!r} repeats item {seen[guid]}")
            else:
                seen[guid] = number
        description = _text(item, "description") or ""
        for url in relative_links_in_html(description):
            problems.append(f"{where}description: relative link {url!r}")
    return problems


# -- a built site ---------------------------------------------------------------------


def feed_files(site_dir: str | Path) -> list[Path]:
    """Every Atom or RSS document in the built site (sitemaps and other XML left out)."""
    root = Path(site_dir)
    found = []
    for path in sorted(root.rglob("*.xml")):
        head = path.read_bytes()[:2048]
        if b"<feed" in head or b"<rss" in head:
            found.append(path)
    return found


def check_site_feeds(site_dir: str | Path, feed_domain: str | None = None) -> list[str]:
    """Feed rules for every feed of a built site; ``feed_domain`` fixes the self links."""
    root = Path(site_dir)
    problems: list[str] = []
    for path in feed_files(root):
        relative = path.relative_to(root).as_posix()
        self_url = f"{feed_domain.rstrip('/')}/{relative}" if feed_domain else None
        problems.extend(check_feed_bytes(path.read_bytes(), relative, self_url))
    return problems


def main(argv: Iterable[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", help="the built site folder")
    parser.add_argument("--feed-domain", help="origin the feeds are published under")
    args = parser.parse_args(list(argv) if argv is not None else None)
    problems = check_site_feeds(args.site, args.feed_domain)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print(f"{len(feed_files(args.site))} feed(s), {len(problems)} problem(s).", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
