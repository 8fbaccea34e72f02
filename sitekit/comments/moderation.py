"""Moderate live comments from the terminal: list pending, approve, delete.

Works on the SQLite database through Isso's own database layer (``isso.db``), not
over HTTP. Why: it works whether or not the server is running, needs no admin
password or signed moderation key in the terminal, and approve/delete go through
the same code Isso's admin uses (delete keeps a placeholder when replies exist).
The one thing skipped is Isso's "comment activated" signal, i.e. reply e-mails to
other commenters: approving a reply to someone who asked for them says so.
"""

from __future__ import annotations

import datetime
import html
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

PENDING, ACCEPTED, DELETED = 2, 1, 4
MODES = {ACCEPTED: "approved", PENDING: "pending", DELETED: "deleted"}


class ModerationError(Exception):
    """A moderation request that cannot be done (no database, no such comment)."""


@dataclass(frozen=True)
class LiveComment:
    id: int
    thread_uri: str
    thread_title: str
    author: str
    email: str
    website: str
    created: datetime.datetime
    text: str
    mode: int
    parent: int | None = None


def open_database(db_path: Path):
    """Isso's database object for an existing database (never creates an empty one)."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ModerationError(f"{db_path}: no comment database (run `invoke comments` first)")
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as probe:
            probe.execute("SELECT 1 FROM comments LIMIT 1")
    except sqlite3.DatabaseError as error:
        raise ModerationError(f"{db_path}: not an Isso database ({error})") from None
    from isso import config as isso_config
    from isso.db import SQLite3

    defaults = isso_config.load(isso_config.default_file())
    return SQLite3(str(db_path), defaults)


def _live_comment(row: dict, tz: datetime.tzinfo) -> LiveComment:
    return LiveComment(
        id=int(row["id"]),
        thread_uri=row.get("uri") or "",
        thread_title=row.get("title") or "",
        # Isso stores names and websites HTML-escaped; the text is the raw markdown.
        author=html.unescape(row.get("author") or ""),
        email=row.get("email") or "",
        website=html.unescape(row.get("website") or ""),
        created=datetime.datetime.fromtimestamp(float(row["created"]), tz),
        text=row.get("text") or "",
        mode=int(row["mode"]),
        parent=row.get("parent"),
    )


def comments_with_mode(db_path: Path, mode: int, tz: datetime.tzinfo) -> list[LiveComment]:
    db = open_database(db_path)
    rows = db.comments.fetchall(mode=mode, limit=None, order_by="created", asc=1)
    return [_live_comment(row, tz) for row in rows]


def pending_comments(db_path: Path, tz: datetime.tzinfo = datetime.UTC) -> list[LiveComment]:
    """Comments waiting for approval, oldest first."""
    return comments_with_mode(db_path, PENDING, tz)


def approved_comments(db_path: Path, tz: datetime.tzinfo = datetime.UTC) -> list[LiveComment]:
    return comments_with_mode(db_path, ACCEPTED, tz)


def approve_comment(db_path: Path, comment_id: int) -> str:
    db = open_database(db_path)
    comment = db.comments.get(int(comment_id))
    if comment is None:
        raise ModerationError(f"no comment with id {comment_id}")
    if comment["mode"] != PENDING:
        state = MODES.get(comment["mode"], f"mode {comment['mode']}")
        raise ModerationError(f"comment {comment_id} is not pending (it is {state})")
    db.comments.activate(int(comment_id))
    parent = db.comments.get(comment["parent"]) if comment["parent"] else None
    if parent is not None and parent["notification"]:
        # Isso mails reply notifications when it activates a comment itself.
        return (
            f"approved comment {comment_id}; its parent's author asked to hear about "
            "replies, and approval here does not mail them: approve with the link in "
            "Isso's e-mail or in /admin/ when they should hear"
        )
    return f"approved comment {comment_id}"


def delete_comment(db_path: Path, comment_id: int) -> str:
    db = open_database(db_path)
    comment = db.comments.get(int(comment_id))
    if comment is None or comment["mode"] == DELETED:
        raise ModerationError(f"no comment with id {comment_id}")
    remaining = db.comments.delete(int(comment_id))
    if remaining is not None:
        return f"deleted comment {comment_id} (a placeholder stays: it has replies)"
    return f"deleted comment {comment_id}"


def terminal_safe(text: str, limit: int | None = None) -> str:
    """Untrusted text for a terminal: no escape sequences or other control characters."""
    cleaned = "".join(
        ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else "\N{REPLACEMENT CHARACTER}"
        for ch in text
    )
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[:limit].rstrip() + f"… ({len(text):,} characters)"
    return cleaned


def format_pending(comments: list[LiveComment]) -> str:
    """What `invoke comments-pending` prints: one block per comment."""
    if not comments:
        return "No comments are waiting for approval."
    blocks = []
    for c in comments:
        who = terminal_safe(c.author or "Anonymous")
        if c.email:
            who += f" <{terminal_safe(c.email)}>"
        body = "\n".join("    " + line for line in terminal_safe(c.text, 600).splitlines())
        blocks.append(
            f"#{c.id}  {terminal_safe(c.thread_uri)}  ({terminal_safe(c.thread_title)})\n"
            f"    by {who} on {c.created:%Y-%m-%d %H:%M %Z}\n{body}"
        )
    count = len(comments)
    footer = (
        f"{count} comment{'s' if count != 1 else ''} pending: "
        "invoke comments-approve ID | invoke comments-delete ID"
    )
    return "\n\n".join(blocks) + "\n\n" + footer
