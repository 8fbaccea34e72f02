"""Backup while the server runs and writes; restore puts every comment back."""

from __future__ import annotations

import datetime
import sqlite3
import threading

import pytest

from sitekit.comments import backup as comments_backup
from sitekit.comments.moderation import approve_comment, delete_comment, pending_comments
from tests.comments.conftest import IssoClient

pytestmark = pytest.mark.server
URI = "/posts/backed-up/"


def rows(db_path) -> list[tuple]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as con:
        comments = con.execute("SELECT * FROM comments ORDER BY id").fetchall()
        threads = con.execute("SELECT * FROM threads ORDER BY id").fetchall()
    return comments + threads


def test_backup_and_restore_round_trip_loses_nothing(fresh_isso, tmp_path):
    client = IssoClient(fresh_isso)
    for n in range(4):
        assert client.post(URI, f"Comment {n}: Zoë's <b>thoughts</b> 🙂").status == 202
    for comment in pending_comments(fresh_isso.database)[:3]:
        approve_comment(fresh_isso.database, comment.id)
    before = rows(fresh_isso.database)
    public_before = client.public_thread(URI)
    assert public_before["total_replies"] == 3

    # back up while another reader keeps posting: the copy is still consistent
    writing = threading.Thread(
        target=lambda: [client.post("/posts/busy/", f"Busy {n}") for n in range(6)]
    )
    writing.start()
    backup = comments_backup.backup_database(
        fresh_isso.database, tmp_path / "backups", datetime.datetime(2024, 5, 1, 12, 30, 5)
    )
    writing.join(30)
    assert backup.name == "comments-20240501-123005.db"
    comments_backup.check_database(backup)
    backed_up = rows(backup)
    assert [r for r in backed_up if r in before] == before  # all of it, maybe some "busy" too

    # damage: delete an approved comment, approve the last pending one, add another
    [first, *_] = public_before["replies"]
    delete_comment(fresh_isso.database, first["id"])
    assert client.post(URI, "Posted after the backup.").status == 202
    assert client.public_thread(URI)["total_replies"] == 2

    safety = comments_backup.restore_database(backup, fresh_isso.database, tmp_path / "backups")
    assert safety is not None and safety.name.startswith("before-restore-")
    assert rows(fresh_isso.database) == backed_up
    # the running server serves the restored comments, nothing lost
    assert client.public_thread(URI) == public_before
    assert "Posted after the backup." not in str(pending_comments(fresh_isso.database))


def test_restore_refuses_files_that_are_not_isso_databases(tmp_path):
    live = tmp_path / "live.db"
    with sqlite3.connect(live) as con:
        con.execute("CREATE TABLE comments (id)")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE something (id)")
    for bad, reason in ((junk, "not a readable SQLite"), (other, "not an Isso database")):
        with pytest.raises(comments_backup.BackupError, match=reason):
            comments_backup.restore_database(bad, live, tmp_path / "backups")
    with pytest.raises(comments_backup.BackupError, match="no such backup"):
        comments_backup.restore_database(tmp_path / "missing.db", live, tmp_path / "backups")
    assert not (tmp_path / "backups").exists(), "nothing happens for a refused restore"


def test_backups_never_overwrite_each_other(fresh_isso, tmp_path):
    when = datetime.datetime(2024, 5, 1, 12, 0, 0)
    first = comments_backup.backup_database(fresh_isso.database, tmp_path, when)
    second = comments_backup.backup_database(fresh_isso.database, tmp_path, when)
    assert first != second and first.exists() and second.exists()
    assert not list(tmp_path.glob("*.partial"))
