"""`invoke new-post "Title"`: a new post with every metadata field filled in or explained."""

from __future__ import annotations

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify

TEMPLATE = """Title: {title}
Date: {date}
Modified: {date}
Category: Hiring
Tags: keeping in touch
Slug: {slug}
Summary: One or two sentences for the home page, feeds and search results.
Status: draft

Write your post here in Markdown. Set Status to published (or delete the
line) when it is ready; drafts are built under /drafts/ and never listed.
"""


def slug_for(title: str) -> str:
    """The slug Pelican itself would derive from the title."""
    return slugify(title, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])


def write_new_post(
    posts_dir: Path,
    title: str,
    now: datetime.datetime | None = None,
    timezone: str = "Europe/London",
) -> Path:
    """Write the file and return its path; refuses to overwrite an existing post."""
    title = " ".join(title.split())
    if not title:
        raise SystemExit("error: new-post: title: is empty")
    now = now or datetime.datetime.now(ZoneInfo(timezone))
    slug = slug_for(title)
    path = Path(posts_dir) / f"{slug}.md"
    if path.exists():
        raise SystemExit(f"error: {path}: slug: {slug!r} already exists; choose another title")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        TEMPLATE.format(title=title, date=now.strftime("%Y-%m-%d %H:%M"), slug=slug),
        encoding="utf-8",
    )
    return path
