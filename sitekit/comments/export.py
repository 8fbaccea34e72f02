"""Export approved live comments as archived comment files, so they can live in git.

Each comment becomes ``content/comments/<slug>/isso-<id>.md`` in the archived format
(Author, Date, optional Website and Reply_to, then the markdown text). The build
shows an exported comment once: the snapshot skips live comments already archived.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from plugins.comments import sanitize
from sitekit.comments.moderation import LiveComment, approved_comments

# The whole URI, exactly: "/elsewhere/posts/<slug>/" is not a thread of this site.
THREAD_SLUG = re.compile(r"^/posts/(?P<slug>[A-Za-z0-9][A-Za-z0-9_.-]*)/$")
_METADATA = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s*:\s*(.*)$")


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def comment_file_text(comment: LiveComment, reply_to: str | None, tz: datetime.tzinfo) -> str:
    """The archived-comment file for one live comment."""
    # A reader's name is a claim, never a trusted field: plain text, and no By_author.
    author = sanitize.author_name(comment.author) or "Anonymous"
    lines = [
        f"Author: {author}",
        f"Date: {comment.created.astimezone(tz).isoformat(sep=' ', timespec='seconds')}",
    ]
    website = sanitize.website_url(comment.website)
    if website:
        # written so that reading it back (which decodes once) gives this same URL
        lines.append(f"Website: {html.escape(website, quote=False)}")
    if reply_to:
        lines.append(f"Reply_to: {reply_to}")
    text = sanitize.without_unsafe_characters(comment.text.replace("\r\n", "\n")).strip("\n")
    # HTML the reader typed was shown as text by Isso; it stays text in the archive.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "\n".join(lines) + "\n\n" + (text or "(empty)") + "\n"


def post_slugs(posts_dir: Path) -> set[str]:
    """Slugs of the posts in ``posts_dir``: their Slug field, or the file name."""
    slugs = set()
    for path in Path(posts_dir).glob("*.md"):
        slug = path.stem
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _METADATA.match(line)
            if not match:
                break
            if match.group(1).lower() == "slug":
                slug = match.group(2).strip()
        slugs.add(slug)
    return slugs


def export_approved_comments(
    db_path: Path,
    comments_dir: Path,
    tz: datetime.tzinfo,
    posts: Collection[str] | None = None,
) -> ExportResult:
    """Write every approved comment of a ``/posts/<slug>/`` thread; report the rest.

    ``posts``: the slugs of the site's posts; a thread for any other page is skipped
    (its folder would stop the build).
    """
    result = ExportResult()
    approved = approved_comments(db_path, tz)
    exported_ids = {c.id for c in approved}
    for comment in approved:
        match = THREAD_SLUG.match(comment.thread_uri)
        if not match:
            result.skipped.append(f"#{comment.id}: thread {comment.thread_uri!r} is not a post")
            continue
        if posts is not None and match.group("slug") not in posts:
            result.skipped.append(f"#{comment.id}: no post {match.group('slug')!r} on the site")
            continue
        # A reply to a deleted or unapproved comment becomes a top-level comment.
        parent = comment.parent if comment.parent in exported_ids else None
        text = comment_file_text(comment, f"isso-{parent}" if parent else None, tz)
        path = Path(comments_dir) / match.group("slug") / f"isso-{comment.id}.md"
        if path.exists() and path.read_text(encoding="utf-8") == text:
            result.unchanged.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        result.written.append(path)
    return result
