"""Back up and restore the comment database while the server keeps running.

SQLite's online backup API copies a consistent snapshot page by page even while
Isso writes; a plain file copy could catch a half-written transaction.
"""

from __future__ import annotations

import contextlib
import datetime
import sqlite3
from pathlib import Path

REQUIRED_TABLES = {"comments", "threads", "preferences"}


class BackupError(Exception):
    """A backup or restore that cannot be done; nothing was changed."""


def backup_database(
    db_path: Path,
    backups_dir: Path,
    now: datetime.datetime | None = None,
    label: str = "comments",
) -> Path:
    """Write ``<label>-YYYYmmdd-HHMMSS.db`` into ``backups_dir`` and return its path."""
    db_path, backups_dir = Path(db_path), Path(backups_dir)
    if not db_path.is_file():
        raise BackupError(f"{db_path}: no comment database to back up")
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%d-%H%M%S")
    target = _unused(backups_dir / f"{label}-{stamp}.db")
    partial = target.with_name(target.name + ".partial")
    try:
        with (
            contextlib.closing(_connect_read_only(db_path)) as source,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
        check_database(partial)
    except (sqlite3.Error, BackupError) as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{db_path}: backup failed ({error})") from None
    partial.replace(target)
    return target


def restore_database(backup: Path, db_path: Path, backups_dir: Path) -> Path | None:
    """Put ``backup`` back as the live database; the current one is backed up first.

    Returns the safety copy of the database that was replaced (None if there was none).
    """
    backup, db_path = Path(backup), Path(db_path)
    if not backup.is_file():
        raise BackupError(f"{backup}: no such backup file")
    check_database(backup)
    safety = None
    if db_path.exists():
        safety = backup_database(db_path, backups_dir, label="before-restore")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            contextlib.closing(_connect_read_only(backup)) as source,
            contextlib.closing(sqlite3.connect(db_path, timeout=10)) as live,
        ):
            source.backup(live)
    except sqlite3.Error as error:
        raise BackupError(f"{db_path}: restore failed ({error}); nothing changed") from None
    return safety


def check_database(path: Path) -> None:
    """Raise unless ``path`` is an intact SQLite file with Isso's tables."""
    try:
        with contextlib.closing(_connect_read_only(path)) as con:
            result = con.execute("PRAGMA integrity_check").fetchone()
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as error:
        raise BackupError(f"{path}: not a readable SQLite database ({error})") from None
    if not result or result[0] != "ok":
        raise BackupError(f"{path}: integrity check failed ({result})")
    missing = REQUIRED_TABLES - tables
    if missing:
        raise BackupError(f"{path}: not an Isso database (missing {', '.join(sorted(missing))})")


def _connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=10)


def _unused(path: Path) -> Path:
    candidate, number = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
        number += 1
    return candidate
