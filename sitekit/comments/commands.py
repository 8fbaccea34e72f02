"""What the `invoke comments-*` tasks do: one function per task, one line per error.

Each returns an exit status, so tasks.py stays a list of one-liners and the
commands are tested without invoke.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from sitekit.comments import backup as comments_backup
from sitekit.comments import export as comments_export
from sitekit.comments import moderation as comments_moderation
from sitekit.comments.server import BACKUP_DIR, DEV_CONFIG, ROOT, database_path

COMMENTS_DIR = ROOT / "content" / "comments"


def site_timezone() -> datetime.tzinfo:
    """The site's TIMEZONE setting (dates in files and listings use it)."""
    from pelican.settings import read_settings

    name = read_settings(str(ROOT / "pelicanconf.py")).get("TIMEZONE")
    return ZoneInfo(name) if name else datetime.UTC


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def list_pending(config: Path = DEV_CONFIG) -> int:
    try:
        pending = comments_moderation.pending_comments(database_path(config), site_timezone())
    except comments_moderation.ModerationError as error:
        return _fail(str(error))
    print(comments_moderation.format_pending(pending))
    return 0


def approve(comment_id: str | int, config: Path = DEV_CONFIG) -> int:
    return _moderate(comments_moderation.approve_comment, comment_id, config)


def delete(comment_id: str | int, config: Path = DEV_CONFIG) -> int:
    return _moderate(comments_moderation.delete_comment, comment_id, config)


def _moderate(action, comment_id: str | int, config: Path) -> int:
    try:
        number = int(str(comment_id).lstrip("#"))
    except ValueError:
        return _fail(f"{comment_id!r} is not a comment id (see invoke comments-pending)")
    try:
        print(action(database_path(config), number))
    except comments_moderation.ModerationError as error:
        return _fail(str(error))
    return 0


def backup(config: Path = DEV_CONFIG, backups_dir: Path = BACKUP_DIR) -> int:
    try:
        path = comments_backup.backup_database(database_path(config), backups_dir)
    except comments_backup.BackupError as error:
        return _fail(str(error))
    print(f"wrote {_shown(path)}")
    return 0


def restore(backup_file: str, config: Path = DEV_CONFIG, backups_dir: Path = BACKUP_DIR) -> int:
    try:
        safety = comments_backup.restore_database(
            Path(backup_file), database_path(config), backups_dir
        )
    except comments_backup.BackupError as error:
        return _fail(str(error))
    print(f"restored {_shown(database_path(config))} from {backup_file}")
    if safety:
        print(f"the database it replaced is kept in {_shown(safety)}")
    return 0


def export(config: Path = DEV_CONFIG, comments_dir: Path = COMMENTS_DIR) -> int:
    try:
        result = comments_export.export_approved_comments(
            database_path(config),
            comments_dir,
            site_timezone(),
            posts=comments_export.post_slugs(comments_dir.parent / "posts"),
        )
    except comments_moderation.ModerationError as error:
        return _fail(str(error))
    for path in result.written:
        print(f"wrote {_shown(path)}")
    for reason in result.skipped:
        print(f"skipped {reason}")
    print(f"{len(result.written)} written, {len(result.unchanged)} unchanged")
    return 0


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
