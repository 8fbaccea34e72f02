"""The database: migrations by user_version, WAL, tokens kept only as hashes."""

from __future__ import annotations

import datetime
import sqlite3

import pytest

from audience import tokens
from audience.model import Preferences
from audience.store import SCHEMA_VERSION, Store, StoreError, check_database

NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def test_a_new_database_is_migrated_to_the_current_schema_in_wal_mode(tmp_path):
    store = Store(tmp_path / "new" / "audience.db")
    assert store.migrate() == 0
    assert store.schema_version() == SCHEMA_VERSION
    assert store.migrate() == SCHEMA_VERSION  # a second time changes nothing
    assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    check_database(store.path)


def test_a_database_from_newer_code_is_refused(tmp_path):
    path = tmp_path / "audience.db"
    Store(path).migrate()
    with sqlite3.connect(path) as con:
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this code"):
        Store(path).migrate()


def test_tokens_are_stored_as_hashes_with_purpose_and_expiry(tmp_path):
    store = Store(tmp_path / "audience.db")
    store.migrate()
    subscriber = store.add_subscriber("t@example.com", Preferences(frozenset({"posts"})), None, NOW)
    issued = tokens.issue(tokens.MANAGE, NOW, datetime.timedelta(days=1))
    store.add_token(issued.digest, subscriber, tokens.MANAGE, NOW, issued.expires_at)
    dump = "\n".join(store.connection.iterdump())
    assert issued.value not in dump
    record = store.token(tokens.token_digest(issued.value))
    assert record.purpose == "manage" and record.expires_at == NOW + datetime.timedelta(days=1)
    assert store.token(tokens.token_digest(tokens.issue("manage", NOW, NOW - NOW).value)) is None
    assert tokens.looks_like_token(issued.value) and not tokens.looks_like_token("x" * 42)


def test_purge_forgets_old_pending_sign_ups_and_expired_tokens(tmp_path):
    store = Store(tmp_path / "audience.db")
    store.migrate()
    prefs = Preferences(frozenset({"posts"}))
    old = store.add_subscriber("old@example.com", prefs, None, NOW - datetime.timedelta(days=4))
    fresh = store.add_subscriber("new@example.com", prefs, None, NOW - datetime.timedelta(days=1))
    kept = store.add_subscriber("kept@example.com", prefs, None, NOW - datetime.timedelta(days=9))
    store.confirm_subscriber(kept, prefs, NOW - datetime.timedelta(days=9))
    counts = store.purge(NOW, pending_days=3)
    assert counts.pending == 1
    assert store.subscriber(old) is None
    assert store.subscriber(fresh) and store.subscriber(kept).state == "confirmed"


def test_check_database_names_what_is_wrong(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE comments (id INTEGER)")
    with pytest.raises(StoreError, match="not an audience database"):
        check_database(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a readable SQLite database"):
        check_database(junk)


def test_every_token_is_new_and_unguessable():
    values = {
        tokens.issue(tokens.CONFIRM, NOW, datetime.timedelta(days=3)).value for _ in range(50)
    }
    assert len(values) == 50 and all(len(v) == 43 for v in values)
