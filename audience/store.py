"""The audience database: schema, migrations and every SQL statement, behind one class.

SQLite in WAL mode, so readers never wait for the writer, with a busy timeout so
gunicorn's workers and the author's commands can write to the same file. Each
thread (and each forked worker) gets its own connection. Every statement is
parameterised; times are stored as UTC ISO 8601 text, which sorts as it compares.

The schema moves forward with ``PRAGMA user_version``: migration N turns a version
N-1 database into version N, inside one transaction.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audience.model import JobFilter, Preferences, SentItem, Subscriber, TokenRecord, utc_now

if TYPE_CHECKING:
    from audience.stats import Counts

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: subscribers, their tokens and sign-up mails, network counters, the send ledger.
    (
        """CREATE TABLE subscribers (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            state TEXT NOT NULL
                CHECK (state IN ('unconfirmed', 'confirmed', 'unsubscribed', 'bouncing')),
            topics TEXT NOT NULL DEFAULT '',
            filters TEXT NOT NULL DEFAULT '[]',
            frequency TEXT NOT NULL DEFAULT 'immediately'
                CHECK (frequency IN ('immediately', 'weekly')),
            source TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            confirmed_at TEXT,
            unsubscribed_at TEXT,
            bounced_at TEXT,
            welcomed_at TEXT,
            last_digest_at TEXT,
            caught_up_at TEXT
        )""",
        "CREATE INDEX subscribers_state ON subscribers (state, created_at)",
        """CREATE TABLE tokens (
            digest BLOB PRIMARY KEY,
            subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
            purpose TEXT NOT NULL CHECK (purpose IN ('confirm', 'manage')),
            payload TEXT,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        ) WITHOUT ROWID""",
        "CREATE INDEX tokens_subscriber ON tokens (subscriber_id, purpose)",
        "CREATE INDEX tokens_expiry ON tokens (expires_at)",
        # Mails sent because of a sign-up form (confirmation, already subscribed): the
        # per-address limit counts these, so the form cannot be used to flood a mailbox.
        """CREATE TABLE notices (
            id INTEGER PRIMARY KEY,
            subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            sent_at TEXT NOT NULL
        )""",
        "CREATE INDEX notices_subscriber ON notices (subscriber_id, sent_at)",
        # Sign-ups per network and hour; ``network`` is a keyed hash, never an address.
        """CREATE TABLE network_signups (
            network TEXT NOT NULL,
            hour TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (network, hour)
        ) WITHOUT ROWID""",
        "CREATE INDEX network_signups_hour ON network_signups (hour)",
        """CREATE TABLE first_seen (
            item_key TEXT PRIMARY KEY,
            first_seen_at TEXT NOT NULL
        ) WITHOUT ROWID""",
        "CREATE INDEX first_seen_at ON first_seen (first_seen_at)",
        """CREATE TABLE sent (
            subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
            item_key TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (subscriber_id, item_key)
        ) WITHOUT ROWID""",
        "CREATE INDEX sent_item ON sent (item_key)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    ),
    # 2: reading stats, daily aggregates only (audience/stats.py): no address, no agent.
    (
        """CREATE TABLE page_days (
            day TEXT NOT NULL,
            path TEXT NOT NULL,
            views INTEGER NOT NULL,
            visitors INTEGER NOT NULL,
            PRIMARY KEY (day, path)
        ) WITHOUT ROWID""",
        """CREATE TABLE site_days (
            day TEXT PRIMARY KEY,
            views INTEGER NOT NULL,
            visitors INTEGER NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE event_days (
            day TEXT NOT NULL,
            path TEXT NOT NULL,
            event TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (day, path, event)
        ) WITHOUT ROWID""",
        """CREATE TABLE source_days (
            day TEXT NOT NULL,
            path TEXT NOT NULL,
            source TEXT NOT NULL,
            views INTEGER NOT NULL,
            PRIMARY KEY (day, path, source)
        ) WITHOUT ROWID""",
        """CREATE TABLE campaign_days (
            day TEXT NOT NULL,
            source TEXT NOT NULL,
            campaign TEXT NOT NULL,
            views INTEGER NOT NULL,
            PRIMARY KEY (day, source, campaign)
        ) WITHOUT ROWID""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
REQUIRED_TABLES = {"subscribers", "tokens", "notices", "network_signups", "first_seen", "sent"}
_UPDATES_STARTED = "updates_started_at"
TOKEN_GRACE = datetime.timedelta(days=30)


class StoreError(Exception):
    """The database cannot be used (unreadable, newer than this code, not ours)."""


@dataclass(frozen=True)
class PurgeCounts:
    pending: int
    tokens: int
    notices: int
    network_counters: int


class Store:
    """The audience database behind one object; open it once per process."""

    def __init__(self, path: Path | str, timeout: float = 10.0):
        self.path = Path(path)
        self.timeout = timeout
        self._local = threading.local()

    # -- connections and transactions -------------------------------------------------

    @property
    def connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # new thread, or a forked worker
            local.connection = self._connect()
            local.pid = os.getpid()
        return local.connection

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            con.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")
            con.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as error:
            raise StoreError(f"{self.path}: cannot open the audience database ({error})") from None
        con.row_factory = sqlite3.Row
        return con

    def close(self) -> None:
        """Close this thread's connection (the next use opens a new one)."""
        con = getattr(self._local, "connection", None)
        if con is not None and getattr(self._local, "pid", None) == os.getpid():
            con.close()
        self._local = threading.local()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: take the write lock up front)."""
        con = self.connection
        if con.in_transaction:
            yield con
            return
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    # -- schema ------------------------------------------------------------------------

    def schema_version(self) -> int:
        return self.connection.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> int:
        """Bring the database to SCHEMA_VERSION; return the version it had."""
        with self.transaction() as con:
            found = con.execute("PRAGMA user_version").fetchone()[0]
            if found > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: database schema {found} is newer than this code "
                    f"({SCHEMA_VERSION}); update the audience server"
                )
            for version in range(found + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version - 1]:
                    con.execute(statement)
                con.execute(f"PRAGMA user_version = {version}")
        return found

    # -- housekeeping ----------------------------------------------------------------------

    def purge(self, now: datetime.datetime, pending_days: int) -> PurgeCounts:
        """Forget what has expired: old unconfirmed sign-ups, tokens, counters.

        Expired tokens are kept a while longer, so their links can say "expired"
        rather than "unknown".
        """
        pending_before = _ts(now - datetime.timedelta(days=pending_days))
        tokens_before = _ts(now - TOKEN_GRACE)
        with self.transaction() as con:
            pending = con.execute(
                "DELETE FROM subscribers WHERE state = 'unconfirmed' AND created_at < ?",
                (pending_before,),
            ).rowcount
            tokens = con.execute(
                "DELETE FROM tokens WHERE expires_at < ?", (tokens_before,)
            ).rowcount
            notices = con.execute(
                "DELETE FROM notices WHERE sent_at < ?",
                (_ts(now - datetime.timedelta(days=1)),),
            ).rowcount
            counters = con.execute(
                "DELETE FROM network_signups WHERE hour < ?", (_hour(now),)
            ).rowcount
        return PurgeCounts(pending, tokens, notices, counters)

    # -- subscribers -----------------------------------------------------------------------

    def subscriber(self, subscriber_id: int) -> Subscriber | None:
        row = self.connection.execute(
            "SELECT * FROM subscribers WHERE id = ?", (subscriber_id,)
        ).fetchone()
        return _subscriber(row) if row else None

    def subscriber_by_email(self, email: str) -> Subscriber | None:
        row = self.connection.execute(
            "SELECT * FROM subscribers WHERE email = ?", (email,)
        ).fetchone()
        return _subscriber(row) if row else None

    def add_subscriber(
        self, email: str, preferences: Preferences, source: str | None, now: datetime.datetime
    ) -> int:
        """A new, unconfirmed sign-up."""
        with self.transaction() as con:
            cursor = con.execute(
                "INSERT INTO subscribers (email, state, topics, filters, frequency, source, "
                "created_at, updated_at) VALUES (?, 'unconfirmed', ?, ?, ?, ?, ?, ?)",
                (email, *_preference_columns(preferences), source, _ts(now), _ts(now)),
            )
        return cursor.lastrowid

    def confirm_subscriber(
        self, subscriber_id: int, preferences: Preferences, now: datetime.datetime
    ) -> None:
        """Confirmed from now on: only items first seen after this are new to them."""
        with self.transaction() as con:
            con.execute(
                "UPDATE subscribers SET state = 'confirmed', topics = ?, filters = ?, "
                "frequency = ?, confirmed_at = ?, caught_up_at = ?, updated_at = ?, "
                "unsubscribed_at = NULL, bounced_at = NULL, welcomed_at = NULL "
                "WHERE id = ? AND state != 'confirmed'",
                (*_preference_columns(preferences), _ts(now), _ts(now), _ts(now), subscriber_id),
            )

    def save_preferences(
        self, subscriber_id: int, preferences: Preferences, now: datetime.datetime
    ) -> None:
        with self.transaction() as con:
            con.execute(
                "UPDATE subscribers SET topics = ?, filters = ?, frequency = ?, updated_at = ? "
                "WHERE id = ?",
                (*_preference_columns(preferences), _ts(now), subscriber_id),
            )

    def unsubscribe(self, subscriber_id: int, now: datetime.datetime) -> bool:
        """Stop all mail; pending confirmation links stop working. False if already done."""
        with self.transaction() as con:
            changed = con.execute(
                "UPDATE subscribers SET state = 'unsubscribed', unsubscribed_at = ?, "
                "updated_at = ? WHERE id = ? AND state != 'unsubscribed'",
                (_ts(now), _ts(now), subscriber_id),
            ).rowcount
            con.execute(
                "DELETE FROM tokens WHERE subscriber_id = ? AND purpose = 'confirm'",
                (subscriber_id,),
            )
        return bool(changed)

    def mark_bouncing(self, subscriber_id: int, now: datetime.datetime) -> None:
        with self.transaction() as con:
            con.execute(
                "UPDATE subscribers SET state = 'bouncing', bounced_at = ?, updated_at = ? "
                "WHERE id = ? AND state = 'confirmed'",
                (_ts(now), _ts(now), subscriber_id),
            )

    def claim_welcome(self, subscriber_id: int, now: datetime.datetime) -> bool:
        """True for exactly one caller: the one that sends the welcome mail."""
        with self.transaction() as con:
            return bool(
                con.execute(
                    "UPDATE subscribers SET welcomed_at = ? "
                    "WHERE id = ? AND state = 'confirmed' AND welcomed_at IS NULL",
                    (_ts(now), subscriber_id),
                ).rowcount
            )

    def release_welcome(self, subscriber_id: int) -> None:
        """The welcome mail could not be sent: let the next confirmation try again."""
        with self.transaction() as con:
            con.execute("UPDATE subscribers SET welcomed_at = NULL WHERE id = ?", (subscriber_id,))

    def delete_subscriber(self, subscriber_id: int) -> bool:
        """Erase a subscriber with their tokens, sign-up mails and send history."""
        with self.transaction() as con:
            con.execute("DELETE FROM sent WHERE subscriber_id = ?", (subscriber_id,))
            con.execute("DELETE FROM tokens WHERE subscriber_id = ?", (subscriber_id,))
            con.execute("DELETE FROM notices WHERE subscriber_id = ?", (subscriber_id,))
            return bool(
                con.execute("DELETE FROM subscribers WHERE id = ?", (subscriber_id,)).rowcount
            )

    # -- tokens ------------------------------------------------------------------------------

    def add_token(
        self,
        digest: bytes,
        subscriber_id: int,
        purpose: str,
        created_at: datetime.datetime,
        expires_at: datetime.datetime,
        payload: Preferences | None = None,
    ) -> None:
        with self.transaction() as con:
            con.execute(
                "INSERT INTO tokens (digest, subscriber_id, purpose, payload, created_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    digest,
                    subscriber_id,
                    purpose,
                    None if payload is None else _preferences_json(payload),
                    _ts(created_at),
                    _ts(expires_at),
                ),
            )

    def token(self, digest: bytes) -> TokenRecord | None:
        row = self.connection.execute(
            "SELECT t.purpose AS token_purpose, t.payload AS token_payload, "
            "t.created_at AS token_created_at, t.expires_at AS token_expires_at, "
            "t.used_at AS token_used_at, s.* "
            "FROM tokens AS t JOIN subscribers AS s ON s.id = t.subscriber_id "
            "WHERE t.digest = ?",
            (digest,),
        ).fetchone()
        if row is None:
            return None
        return TokenRecord(
            subscriber=_subscriber(row),
            purpose=row["token_purpose"],
            created_at=_dt(row["token_created_at"]),
            expires_at=_dt(row["token_expires_at"]),
            used_at=_dt(row["token_used_at"]),
            payload=(
                None
                if row["token_payload"] is None
                else _preferences_from_json(row["token_payload"])
            ),
        )

    def use_token(self, digest: bytes, now: datetime.datetime) -> bool:
        """Mark a confirmation link used; True only the first time (it acts once)."""
        with self.transaction() as con:
            return bool(
                con.execute(
                    "UPDATE tokens SET used_at = ? WHERE digest = ? AND used_at IS NULL",
                    (_ts(now), digest),
                ).rowcount
            )

    # -- sign-up limits ----------------------------------------------------------------------

    def recent_notices(self, subscriber_id: int, since: datetime.datetime) -> int:
        return self.connection.execute(
            "SELECT COUNT(*) FROM notices WHERE subscriber_id = ? AND sent_at > ?",
            (subscriber_id, _ts(since)),
        ).fetchone()[0]

    def add_notice(self, subscriber_id: int, kind: str, now: datetime.datetime) -> int:
        with self.transaction() as con:
            return con.execute(
                "INSERT INTO notices (subscriber_id, kind, sent_at) VALUES (?, ?, ?)",
                (subscriber_id, kind, _ts(now)),
            ).lastrowid

    def remove_notice(self, notice_id: int) -> None:
        """The mail was not sent after all: it does not count against the limit."""
        with self.transaction() as con:
            con.execute("DELETE FROM notices WHERE id = ?", (notice_id,))

    def count_network_signup(self, network: str, now: datetime.datetime) -> int:
        """Count one sign-up from ``network`` this hour; return this hour's count."""
        with self.transaction() as con:
            con.execute("DELETE FROM network_signups WHERE hour < ?", (_hour(now),))
            return con.execute(
                "INSERT INTO network_signups (network, hour, count) VALUES (?, ?, 1) "
                "ON CONFLICT (network, hour) DO UPDATE SET count = count + 1 RETURNING count",
                (network, _hour(now)),
            ).fetchone()[0]

    # -- sending updates ------------------------------------------------------------------

    def updates_started(self) -> bool:
        """Has any send run recorded what the site holds? (The first run only does that.)"""
        row = self.connection.execute(
            "SELECT 1 FROM meta WHERE key = ?", (_UPDATES_STARTED,)
        ).fetchone()
        return row is not None

    def first_seen(self) -> dict[str, datetime.datetime]:
        return {
            row[0]: _dt(row[1])
            for row in self.connection.execute("SELECT item_key, first_seen_at FROM first_seen")
        }

    def record_first_seen(self, keys: Iterable[str], now: datetime.datetime) -> None:
        """Items seen for the first time in this run; marks that send runs have started."""
        with self.transaction() as con:
            con.executemany(
                "INSERT OR IGNORE INTO first_seen (item_key, first_seen_at) VALUES (?, ?)",
                ((key, _ts(now)) for key in keys),
            )
            con.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                (_UPDATES_STARTED, _ts(now)),
            )

    def subscribers_to_update(self) -> list[Subscriber]:
        """Confirmed subscribers who asked for something (bouncing ones get nothing)."""
        rows = self.connection.execute(
            "SELECT * FROM subscribers WHERE state = 'confirmed' AND topics != '' ORDER BY id"
        )
        return [_subscriber(row) for row in rows]

    def sent_since_caught_up(self, since: datetime.datetime) -> dict[int, set[str]]:
        """Items already mailed to a confirmed subscriber that are newer than their catch-up
        time: the only ones that could be mailed twice. ``since``: the earliest catch-up time.
        """
        result: dict[int, set[str]] = {}
        rows = self.connection.execute(
            "SELECT s.subscriber_id, s.item_key FROM first_seen AS f "
            "JOIN sent AS s ON s.item_key = f.item_key "
            "JOIN subscribers AS u ON u.id = s.subscriber_id "
            "WHERE f.first_seen_at > ? AND u.state = 'confirmed' "
            "AND f.first_seen_at > u.caught_up_at",
            (_ts(since),),
        )
        for subscriber_id, key in rows:
            result.setdefault(subscriber_id, set()).add(key)
        return result

    def record_delivery(
        self, subscriber_id: int, item_keys: Iterable[str], now: datetime.datetime
    ) -> None:
        """The SMTP server took the mail: record its items and the digest, together."""
        with self.transaction() as con:
            con.executemany(
                "INSERT OR IGNORE INTO sent (subscriber_id, item_key, sent_at) VALUES (?, ?, ?)",
                ((subscriber_id, key, _ts(now)) for key in item_keys),
            )
            con.execute(
                "UPDATE subscribers SET last_digest_at = ?, caught_up_at = ? WHERE id = ?",
                (_ts(now), _ts(now), subscriber_id),
            )

    def mark_caught_up(self, subscriber_ids: Iterable[int], now: datetime.datetime) -> None:
        """Nothing new for these subscribers up to ``now``."""
        with self.transaction() as con:
            con.execute(
                "UPDATE subscribers SET caught_up_at = ? "
                "WHERE id IN (SELECT value FROM json_each(?)) AND state = 'confirmed'",
                (_ts(now), json.dumps(list(subscriber_ids))),
            )

    # -- the author's view -------------------------------------------------------------------

    def all_subscribers(self) -> list[Subscriber]:
        rows = self.connection.execute("SELECT * FROM subscribers ORDER BY id")
        return [_subscriber(row) for row in rows]

    def newest_subscribers(self, limit: int) -> list[Subscriber]:
        rows = self.connection.execute(
            "SELECT * FROM subscribers ORDER BY created_at DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [_subscriber(row) for row in rows]

    def counts_by_state(self) -> dict[str, int]:
        rows = self.connection.execute("SELECT state, COUNT(*) FROM subscribers GROUP BY state")
        return dict(rows.fetchall())

    def confirmed_breakdown(self) -> list[tuple[frozenset[str], bool, str, int]]:
        """Confirmed subscribers by topics, with/without job alerts, and frequency."""
        rows = self.connection.execute(
            "SELECT topics, filters != '[]', frequency, COUNT(*) FROM subscribers "
            "WHERE state = 'confirmed' GROUP BY 1, 2, 3"
        )
        return [
            (frozenset(t for t in topics.split(",") if t), bool(alerts), frequency, count)
            for topics, alerts, frequency, count in rows
        ]

    def sent_items(self, subscriber_id: int) -> list[SentItem]:
        rows = self.connection.execute(
            "SELECT item_key, sent_at FROM sent WHERE subscriber_id = ? ORDER BY sent_at, item_key",
            (subscriber_id,),
        )
        return [SentItem(key, _dt(when)) for key, when in rows]

    def add_confirmed_subscribers(
        self, records: Iterable[tuple[str, Preferences]], now: datetime.datetime
    ) -> None:
        """Many confirmed subscribers at once (benchmarks, imports from another list)."""
        with self.transaction() as con:
            con.executemany(
                "INSERT INTO subscribers (email, state, topics, filters, frequency, created_at, "
                "updated_at, confirmed_at, welcomed_at, caught_up_at) "
                "VALUES (?, 'confirmed', ?, ?, ?, ?, ?, ?, ?, ?)",
                ((email, *_preference_columns(prefs), *[_ts(now)] * 5) for email, prefs in records),
            )

    # -- reading stats: daily aggregates ------------------------------------------------

    STATS_TABLES = ("page_days", "site_days", "event_days", "source_days", "campaign_days")

    def add_stats(self, counts: Counts) -> None:
        """Add a batch of counts to the daily aggregates, in one transaction."""
        with self.transaction() as con:
            con.executemany(
                "INSERT INTO page_days (day, path, views, visitors) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (day, path) DO UPDATE SET views = views + excluded.views, "
                "visitors = visitors + excluded.visitors",
                ((day, path, v, u) for (day, path), (v, u) in counts.pages.items()),
            )
            con.executemany(
                "INSERT INTO site_days (day, views, visitors) VALUES (?, ?, ?) "
                "ON CONFLICT (day) DO UPDATE SET views = views + excluded.views, "
                "visitors = visitors + excluded.visitors",
                ((day, v, u) for day, (v, u) in counts.site.items()),
            )
            con.executemany(
                "INSERT INTO event_days (day, path, event, count) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (day, path, event) DO UPDATE SET count = count + excluded.count",
                ((*key, n) for key, n in counts.events.items()),
            )
            con.executemany(
                "INSERT INTO source_days (day, path, source, views) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (day, path, source) DO UPDATE SET views = views + excluded.views",
                ((*key, n) for key, n in counts.sources.items()),
            )
            con.executemany(
                "INSERT INTO campaign_days (day, source, campaign, views) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (day, source, campaign) DO UPDATE SET views = views + excluded.views",
                ((*key, n) for key, n in counts.campaigns.items()),
            )

    def purge_stats(self, before: datetime.date) -> int:
        """Forget the days before ``before`` (the retention setting); return rows deleted."""
        deleted = 0
        with self.transaction() as con:
            for table in self.STATS_TABLES:
                deleted += con.execute(
                    f"DELETE FROM {table} WHERE day < ?",  # noqa: S608 - names from a constant
                    (before.isoformat(),),
                ).rowcount
        return deleted

    def views_by_path(self) -> dict[str, int]:
        """Every page's views over the days kept (what the build shows as "Views: N")."""
        rows = self.connection.execute(
            "SELECT path, SUM(views) FROM page_days GROUP BY path ORDER BY path"
        )
        return dict(rows.fetchall())

    def page_totals(self, first: datetime.date, last: datetime.date) -> list[PageTotal]:
        """Per page, from ``first`` to ``last`` (inclusive): views, visitors, apply clicks."""
        rows = self.connection.execute(
            "SELECT p.path, SUM(p.views), SUM(p.visitors), "
            "COALESCE((SELECT SUM(count) FROM event_days AS e WHERE e.path = p.path "
            "AND e.event = 'apply' AND e.day BETWEEN ?1 AND ?2), 0) "
            "FROM page_days AS p WHERE p.day BETWEEN ?1 AND ?2 GROUP BY p.path",
            (first.isoformat(), last.isoformat()),
        )
        return [PageTotal(*row) for row in rows]

    def daily_totals(self, first: datetime.date, last: datetime.date) -> list[DayTotal]:
        """Each day from ``first`` to ``last`` that has counts: views, visitors, apply clicks."""
        span = (first.isoformat(), last.isoformat())
        clicks = dict(
            self.connection.execute(
                "SELECT day, SUM(count) FROM event_days WHERE event = 'apply' "
                "AND day BETWEEN ? AND ? GROUP BY day",
                span,
            ).fetchall()
        )
        rows = self.connection.execute(
            "SELECT day, views, visitors FROM site_days WHERE day BETWEEN ? AND ? ORDER BY day",
            span,
        ).fetchall()
        days = {
            day: DayTotal(day, views, visitors, clicks.get(day, 0)) for day, views, visitors in rows
        }
        for day, count in clicks.items():
            days.setdefault(day, DayTotal(day, 0, 0, count))
        return [days[day] for day in sorted(days)]

    def source_totals(self, first: datetime.date, last: datetime.date) -> list[tuple[str, int]]:
        rows = self.connection.execute(
            "SELECT source, SUM(views) AS n FROM source_days WHERE day BETWEEN ? AND ? "
            "GROUP BY source ORDER BY n DESC, source",
            (first.isoformat(), last.isoformat()),
        )
        return [tuple(row) for row in rows]

    def campaign_totals(
        self, first: datetime.date, last: datetime.date
    ) -> list[tuple[str, str, int]]:
        rows = self.connection.execute(
            "SELECT source, campaign, SUM(views) AS n FROM campaign_days "
            "WHERE day BETWEEN ? AND ? GROUP BY source, campaign ORDER BY n DESC, source, campaign",
            (first.isoformat(), last.isoformat()),
        )
        return [tuple(row) for row in rows]


@dataclass(frozen=True)
class PageTotal:
    path: str
    views: int
    visitors: int
    apply_clicks: int


@dataclass(frozen=True)
class DayTotal:
    day: str
    views: int
    visitors: int
    apply_clicks: int


# -- backups (SQLite's online backup API: consistent while the server writes) ---------------


def backup_database(
    db_path: Path, backups_dir: Path, now: datetime.datetime | None = None, label: str = "audience"
) -> Path:
    """Write ``<label>-YYYYmmdd-HHMMSS.db`` (UTC) into ``backups_dir``; return its path."""
    db_path, backups_dir = Path(db_path), Path(backups_dir)
    if not db_path.is_file():
        raise StoreError(f"{db_path}: no audience database to back up")
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or utc_now()).astimezone(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    target = _unused(backups_dir / f"{label}-{stamp}.db")
    partial = target.with_name(target.name + ".partial")
    try:
        with (
            contextlib.closing(_connect_read_only(db_path)) as source,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
        check_database(partial)
    except (sqlite3.Error, StoreError) as error:
        partial.unlink(missing_ok=True)
        raise StoreError(f"{db_path}: backup failed ({error})") from None
    partial.replace(target)
    return target


def restore_database(backup: Path, db_path: Path, backups_dir: Path) -> Path | None:
    """Put ``backup`` back as the live database, after backing up the current one.

    Returns that safety copy (None when there was no database).
    """
    backup, db_path = Path(backup), Path(db_path)
    if not backup.is_file():
        raise StoreError(f"{backup}: no such backup file")
    check_database(backup)
    safety = None
    if db_path.exists():
        safety = backup_database(db_path, backups_dir, label="audience-before-restore")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            contextlib.closing(_connect_read_only(backup)) as source,
            contextlib.closing(sqlite3.connect(db_path, timeout=10)) as live,
        ):
            source.backup(live)
    except sqlite3.Error as error:
        raise StoreError(f"{db_path}: restore failed ({error}); nothing changed") from None
    return safety


def check_database(path: Path) -> None:
    """Raise unless ``path`` is an intact audience database this code can use."""
    try:
        with contextlib.closing(_connect_read_only(path)) as con:
            result = con.execute("PRAGMA integrity_check").fetchone()
            version = con.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as error:
        raise StoreError(f"{path}: not a readable SQLite database ({error})") from None
    if not result or result[0] != "ok":
        raise StoreError(f"{path}: integrity check failed ({result[0] if result else '?'})")
    missing = REQUIRED_TABLES - tables
    if missing:
        raise StoreError(f"{path}: not an audience database (missing {', '.join(sorted(missing))})")
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: schema {version} is newer than this code ({SCHEMA_VERSION})")


def _connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=10)


def _unused(path: Path) -> Path:
    candidate, number = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
        number += 1
    return candidate


# -- rows and values ---------------------------------------------------------------------------


def _ts(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the audience database keeps aware UTC times only")
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dt(text: str | None) -> datetime.datetime | None:
    return None if text is None else datetime.datetime.fromisoformat(text)


def _hour(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H")


def _preference_columns(preferences: Preferences) -> tuple[str, str, str]:
    topics = ",".join(sorted(preferences.topics))
    filters = json.dumps([f.as_dict() for f in preferences.filters], sort_keys=True)
    return topics, filters, preferences.frequency


def _preferences_json(preferences: Preferences) -> str:
    topics, filters, frequency = _preference_columns(preferences)
    return json.dumps({"topics": topics, "filters": json.loads(filters), "frequency": frequency})


def _preferences_from_json(text: str) -> Preferences:
    data = json.loads(text)
    return _preferences(data["topics"], data["filters"], data["frequency"])


def _preferences(topics: str, filters: str | list, frequency: str) -> Preferences:
    items = json.loads(filters) if isinstance(filters, str) else filters
    return Preferences(
        topics=frozenset(t for t in topics.split(",") if t),
        filters=tuple(JobFilter.from_mapping(item) for item in items),
        frequency=frequency,
    )


def _subscriber(row: Mapping) -> Subscriber:
    return Subscriber(
        id=row["id"],
        email=row["email"],
        state=row["state"],
        preferences=_preferences(row["topics"], row["filters"], row["frequency"]),
        source=row["source"],
        created_at=_dt(row["created_at"]),
        updated_at=_dt(row["updated_at"]),
        confirmed_at=_dt(row["confirmed_at"]),
        unsubscribed_at=_dt(row["unsubscribed_at"]),
        bounced_at=_dt(row["bounced_at"]),
        welcomed_at=_dt(row["welcomed_at"]),
        last_digest_at=_dt(row["last_digest_at"]),
        caught_up_at=_dt(row["caught_up_at"]),
    )
