"""Export approved live comments as archived comment files, so they can live in git.

Each comment becomes ``content/comments/<slug>/isso-<id>.md`` in the archived format
(Author, Date, optional Website and Reply_to, then the markdown text). The build
shows an exported comment once: the snapshot skips live comments already archived.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from sitekit.comments.moderation import LiveComment, approved_comments

THREAD_SLUG = re.compile(r"/posts/(?P<slug>[A-Za-z0-9][A-Za-z0-9_.-]*)/?$")
_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def comment_file_text(comment: LiveComment, reply_to: str | None, tz: datetime.tzinfo) -> str:
    """The archived-comment file for one live comment."""
    author = " ".join((comment.author or "Anonymous").split()) or "Anonymous"
    lines = [
        f"Author: {author}",
        f"Date: {comment.created.astimezone(tz).isoformat(sep=' ', timespec='seconds')}",
    ]
    website = comment.website.strip()
    if website and _URL.match(website):
        lines.append(f"Website: {website}")
    if reply_to:
        lines.append(f"Reply_to: {reply_to}")
    text = comment.text.replace("\r\n", "\n").strip("\n")
    return "\n".join(lines) + "\n\n" + text + "\n"


def export_approved_comments(
    db_path: Path, comments_dir: Path, tz: datetime.tzinfo
) -> ExportResult:
    """Write every approved comment of a ``/posts/<slug>/`` thread; report the rest."""
    result = ExportResult()
    approved = approved_comments(db_path, tz)
    exported_ids = {c.id for c in approved}
    for comment in approved:
        match = THREAD_SLUG.search(comment.thread_uri)
        if not match:
            result.skipped.append(f"#{comment.id}: thread {comment.thread_uri!r} is not a post")
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
