"""Archived comments: one markdown file per comment, read, validated and threaded.

Reading never raises for a broken file: every problem is returned as a ``Problem``
(path, field, message) so the author sees all of them at once.
"""

from __future__ import annotations

import datetime
import fnmatch
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

import markdown
from markupsafe import Markup

from . import sanitize

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_META_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s*:\s*(.*)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?(Z|[+-]\d{2}:?\d{2})?$")
DATE_HELP = "expected YYYY-MM-DD or YYYY-MM-DD HH:MM"
REQUIRED_FIELDS = ("author", "date")
MARKDOWN_EXTENSIONS = ["markdown.extensions.smarty", "markdown.extensions.sane_lists"]


class Problem(NamedTuple):
    path: str
    field: str
    message: str


@dataclass
class Comment:
    """One comment, archived or live, ready for templates and feeds (all text sanitised)."""

    name: str
    author: str
    date: datetime.datetime
    html: Markup
    website: str | None = None
    reply_to: str | None = None
    anchor: str = ""
    source_path: str = ""
    is_live: bool = False
    is_deleted: bool = False
    by_page_author: bool = False
    uses_author_name: bool = False  # a reader's comment under the recruiter's own name
    replies: list[Comment] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.anchor = self.anchor or f"comment-{self.name}"


@dataclass
class ArchiveReading:
    """What reading the comments folder produced: comments by article slug, and problems."""

    by_slug: dict[str, list[Comment]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def parse_date(value: str, tz: datetime.tzinfo) -> datetime.datetime:
    """The date format posts use; naive dates are in the site's time zone."""
    text = value.strip()
    if not _ISO_DATE.match(text):
        raise ValueError(text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


# One converter, reset per comment: building a Markdown instance costs more than a comment.
_converter: list[markdown.Markdown] = []


def render_markdown(text: str) -> Markup:
    if not _converter:
        _converter.append(markdown.Markdown(extensions=MARKDOWN_EXTENSIONS))
    return sanitize.comment_html(_converter[0].reset().convert(text))


def read_comment_file(
    path: str,
    tz: datetime.tzinfo,
    allowed_fields: Iterable[str],
    max_bytes: int = 100_000,
) -> tuple[Comment | None, list[Problem]]:
    """Read one ``<name>.md``; return the comment (None if unusable) and its problems."""
    problems: list[Problem] = []

    def problem(field_name: str, message: str) -> None:
        problems.append(Problem(path, field_name, message))

    text = _read_text(path, max_bytes, problem)
    if text is None:
        return None, problems
    name = os.path.splitext(os.path.basename(path))[0]
    if not NAME_PATTERN.match(name):
        problem("file", f"name {name!r} must use only letters, digits, '-' and '_'")
    meta, body = _split_metadata(text, problem)
    allowed = tuple(allowed_fields)
    for key in meta:
        if key not in allowed:
            problem(key, f"unknown field (allowed: {', '.join(allowed)})")
    for key in REQUIRED_FIELDS:
        if not meta.get(key, "").strip():
            problem(key, "is missing or empty")

    author = sanitize.author_name(meta.get("author"))
    if meta.get("author", "").strip() and not author:
        problem("author", "has no text once markup is removed")
    date = None
    if meta.get("date", "").strip():
        try:
            date = parse_date(meta["date"], tz)
        except ValueError:
            problem("date", f"cannot parse {meta['date'].strip()!r} ({DATE_HELP})")
    website = None
    if meta.get("website", "").strip():
        website = sanitize.website_url(meta["website"])
        if website is None:
            problem("website", f"{meta['website'].strip()!r} is not an http(s) URL")
    reply_to = meta.get("reply_to", "").strip() or None
    by_author = meta.get("by_author", "").strip().lower()
    if by_author not in ("", "yes", "no"):
        problem("by_author", f"{by_author!r} is not yes or no")
    if not body.strip():
        problem("text", "is empty (write the comment after the metadata and a blank line)")

    if problems or date is None:
        return None, problems
    comment = Comment(
        name=name,
        author=author,
        date=date,
        html=render_markdown(body),
        website=website,
        reply_to=reply_to,
        source_path=path,
        by_page_author=by_author == "yes",
    )
    return comment, problems


def _read_text(path: str, max_bytes: int, problem) -> str | None:
    size = os.path.getsize(path)
    if size > max_bytes:
        problem("file", f"is {size:,} bytes, larger than the {max_bytes:,} limit")
        return None
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problem("file", f"is not UTF-8 text (bad byte at offset {error.start})")
        return None
    if "\x00" in text:
        problem("file", "contains NUL bytes (binary data, not text)")
        return None
    if not text.strip():
        problem("file", "is empty (expected Author:, Date:, a blank line, then the text)")
        return None
    return text


def _split_metadata(text: str, problem) -> tuple[dict[str, str], str]:
    """``Key: value`` lines up to the first blank line; the rest is the markdown body."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            return meta, "\n".join(lines[number:])
        match = _META_LINE.match(line)
        if not match:
            if not meta:
                problem("file", "must start with metadata lines such as 'Author: Jo Bloggs'")
            else:
                problem(
                    "file", f"line {number} is not 'field: value' (end metadata with a blank line)"
                )
            return meta, "\n".join(lines[number - 1 :])
        key = match.group(1).lower()
        if key in meta:
            problem(key, f"is given twice (line {number})")
        meta[key] = match.group(2)
    return meta, ""


def read_archive(
    root: str,
    known_slugs: Iterable[str],
    tz: datetime.tzinfo,
    allowed_fields: Iterable[str],
    ignore_patterns: Iterable[str] = (),
    max_bytes: int = 100_000,
) -> ArchiveReading:
    """Read ``root/<slug>/<name>.md`` for every slug folder; report everything else."""
    reading = ArchiveReading()
    if not os.path.isdir(root):
        return reading
    known = set(known_slugs)
    ignore = tuple(ignore_patterns)

    def ignored(name: str) -> bool:
        return name.startswith(".") or any(fnmatch.fnmatch(name, p) for p in ignore)

    for entry in sorted(os.listdir(root)):
        path = os.path.join(root, entry)
        if ignored(entry):
            continue
        if not os.path.isdir(path):
            reading.problems.append(
                Problem(path, "file", "comments go in a folder named after the article's slug")
            )
            continue
        if entry not in known:
            reading.problems.append(Problem(path, "folder", f"no article has the slug {entry!r}"))
            continue
        comments: list[Comment] = []
        for name in sorted(os.listdir(path)):
            file_path = os.path.join(path, name)
            if ignored(name):
                continue
            if os.path.isdir(file_path) or not name.endswith(".md"):
                reading.problems.append(
                    Problem(file_path, "file", "is not a comment file (expected <name>.md)")
                )
                continue
            comment, problems = read_comment_file(file_path, tz, allowed_fields, max_bytes)
            reading.problems.extend(problems)
            if comment is not None:
                comments.append(comment)
        roots, problems = thread(comments)
        reading.problems.extend(problems)
        if roots:
            reading.by_slug[entry] = roots
    return reading


def thread(comments: list[Comment], orphans: str = "report") -> tuple[list[Comment], list[Problem]]:
    """Nest replies under the comments they answer, oldest first at every level.

    ``orphans="report"`` turns a ``reply_to`` naming no comment into a problem;
    ``"promote"`` (live comments whose parent is gone) makes it a top-level comment.
    """
    problems: list[Problem] = []
    by_name = {c.name: c for c in comments}
    for comment in comments:
        comment.replies = []
    roots: list[Comment] = []
    for comment in comments:
        parent_name = comment.reply_to
        if parent_name is None:
            roots.append(comment)
            continue
        parent = by_name.get(parent_name)
        if parent is None:
            if orphans == "promote":
                comment.reply_to = None
                roots.append(comment)
            else:
                known = ", ".join(sorted(n for n in by_name if n != comment.name)) or "none"
                problems.append(
                    Problem(
                        comment.source_path, "reply_to",
                        f"names no comment {parent_name!r} in this folder (known: {known})",
                    )
                )  # fmt: skip
            continue
        if _loops(comment, by_name):
            problems.append(
                Problem(comment.source_path, "reply_to", f"{parent_name!r} leads back to itself")
            )
            continue
        if parent.date > comment.date and orphans == "report":
            problems.append(
                Problem(
                    comment.source_path, "date",
                    f"is before the date of {parent_name!r}, the comment it answers",
                )
            )  # fmt: skip
        parent.replies.append(comment)
    _sort(roots)
    return roots, problems


def _loops(comment: Comment, by_name: dict[str, Comment]) -> bool:
    seen = {comment.name}
    current = comment
    while current.reply_to is not None:
        if current.reply_to in seen:
            return True
        seen.add(current.reply_to)
        nxt = by_name.get(current.reply_to)
        if nxt is None:
            return False
        current = nxt
    return False


def _sort(comments: list[Comment]) -> None:
    comments.sort(key=lambda c: (c.date, c.name))
    for comment in comments:
        _sort(comment.replies)


def walk(comments: Iterable[Comment]) -> Iterable[Comment]:
    """Every comment of a thread, parents before their replies."""
    for comment in comments:
        yield comment
        yield from walk(comment.replies)


def count(comments: Iterable[Comment]) -> int:
    """Readable comments in a thread (placeholders of deleted ones don't count)."""
    return sum(1 for c in walk(comments) if not c.is_deleted)


def site_timezone(name: str | None) -> datetime.tzinfo:
    return ZoneInfo(name) if name else datetime.UTC
