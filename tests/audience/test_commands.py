"""The author's commands: counts, export, delete, backup/restore, send-updates."""

from __future__ import annotations

import datetime
import json
import re
import sqlite3
import threading

import pytest

from audience.model import Preferences
from audience.store import Store
from sitekit.audience import commands
from tests.audience.conftest import add_confirmed, audience_env, new_address, post

NOW = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)


@pytest.fixture
def env(tmp_path, smtp, monkeypatch):
    for name, value in audience_env(tmp_path, smtp, "https://audience.example.org").items():
        if name != "PATH":
            monkeypatch.setenv(name, value)
    return tmp_path


@pytest.fixture
def filled(env, store, mailer):
    """Three subscribers; the confirmed one has been sent an item."""
    from audience.updates import send_updates

    confirmed = new_address("pat")
    add_confirmed(store, confirmed, NOW, filters=({"category": "engineering"},))
    store.add_subscriber(new_address("sam"), Preferences(frozenset({"posts"})), "/posts/x/", NOW)
    gone = add_confirmed(store, new_address("lee"), NOW, topics=("posts",))
    store.unsubscribe(gone, NOW)
    send_updates(store, _manifest(), mailer, out=lambda line: None)
    send_updates(store, _manifest(post("hello")), mailer, out=lambda line: None)
    return confirmed


def _manifest(*items):
    from tests.audience.conftest import manifest

    return manifest(*items)


def test_subscribers_counts_and_masks(filled, capsys):
    assert commands.subscribers() == 0
    out = capsys.readouterr().out
    assert "Subscribers: 1 confirmed, 1 unconfirmed, 1 unsubscribed, 0 bouncing (3 in all)" in out
    assert "Confirmed: 1 posts, 1 roles, 0 all roles, 1 roles with job alerts, 0 weekly" in out
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d  confirmed     p\*\*\*@example.com", out)
    assert filled not in out


def test_export_gives_everything_held(filled, capsys):
    assert commands.export(filled.upper().replace("EXAMPLE", "example")) == 0
    [record] = json.loads(capsys.readouterr().out)["subscribers"]
    assert record["email"] == filled and record["state"] == "confirmed"
    assert record["topics"] == ["posts", "roles"]
    assert record["job_alerts"] == [{"category": "engineering"}]
    assert record["frequency"] == "immediately" and record["confirmed_at"]
    assert [s["item"] for s in record["sent"]] == ["post:hello"]
    assert commands.export() == 0
    everyone = json.loads(capsys.readouterr().out)["subscribers"]
    assert len(everyone) == 3 and {r["source"] for r in everyone} == {None, "/posts/x/"}


def test_delete_erases_the_subscriber_their_sends_and_tokens(filled, store, capsys):
    subscriber = store.subscriber_by_email(filled)
    assert store.sent_items(subscriber.id)
    assert commands.delete(filled) == 0
    assert "deleted" in capsys.readouterr().out
    assert store.subscriber_by_email(filled) is None
    con = store.connection
    for table in ("sent", "tokens", "notices"):
        count = con.execute(
            f"SELECT COUNT(*) FROM {table} WHERE subscriber_id = ?",  # noqa: S608
            (subscriber.id,),
        ).fetchone()[0]
        assert count == 0, table
    assert commands.delete(filled) == 1
    err = capsys.readouterr().err
    assert err == f"error: no subscriber with the address {filled!r}\n"


def test_backup_while_writing_and_restore_round_trip(filled, store, env, capsys):
    def sign_ups():
        writer = Store(store.path)
        for n in range(30):
            writer.add_subscriber(
                f"busy{n}@example.com", Preferences(frozenset({"posts"})), None, NOW
            )
        writer.close()

    busy = threading.Thread(target=sign_ups)
    busy.start()
    assert commands.backup() == 0
    busy.join(30)
    line = capsys.readouterr().out.strip()
    backup = env / line.removeprefix("wrote ")
    assert re.fullmatch(r"wrote .*backups/audience-\d{8}-\d{6}\.db", line), line
    assert backup.is_file()
    with sqlite3.connect(backup) as con:
        held = {row[0] for row in con.execute("SELECT email FROM subscribers")}
    assert filled in held

    store.delete_subscriber(store.subscriber_by_email(filled).id)
    assert commands.restore(str(backup)) == 0
    out = capsys.readouterr().out
    assert "restored" in out and "audience-before-restore-" in out
    assert store.subscriber_by_email(filled) is not None


def test_restore_refuses_what_is_not_an_audience_database(filled, env, store, capsys):
    other = env / "comments.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE comments (id INTEGER)")
    assert commands.restore(str(other)) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not an audience database" in err and err.count("\n") == 1
    assert commands.restore(str(env / "missing.db")) == 1
    assert "no such backup file" in capsys.readouterr().err
    assert store.subscriber_by_email(filled) is not None


def test_send_updates_command_reports_one_line(filled, env, capsys):
    manifest = env / "updates.json"
    assert commands.send_updates(manifest) == 1
    assert (
        capsys.readouterr().err == f"error: {manifest}: no manifest here (build the site first)\n"
    )
    manifest.write_text("{", encoding="utf-8")
    assert commands.send_updates(manifest) == 1
    assert "not valid JSON" in capsys.readouterr().err
    data = {
        "version": 1,
        "site": {"name": "M", "url": "https://m.example/", "author": "M"},
        "items": [post("hello"), post("again")],
    }
    manifest.write_text(json.dumps(data), encoding="utf-8")
    assert commands.send_updates(manifest, dry_run=True) == 0
    out = capsys.readouterr().out
    assert "would send to p***@example.com: post:again" in out
    assert out.strip().endswith("would send 1, deferred 0, bounced 0")
    assert commands.send_updates(manifest) == 0
    assert capsys.readouterr().out.strip() == (
        "send-updates: 1 new item(s); 1 recipient(s); sent 1, deferred 0, bounced 0"
    )


def test_commands_without_a_database_say_so(env, monkeypatch, capsys):
    monkeypatch.setenv("AUDIENCE_DB", str(env / "none" / "audience.db"))
    assert commands.subscribers() == 1
    assert "no audience database yet" in capsys.readouterr().err
    assert commands.backup() == 1
    assert "no audience database to back up" in capsys.readouterr().err
    monkeypatch.setenv("SMTP_SECURITY", "ssl")
    assert commands.export() == 1
    assert capsys.readouterr().err.startswith("error: SMTP_SECURITY: 'ssl'")
