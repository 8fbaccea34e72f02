"""What the audience tasks do: one function per task, one line per error, an exit status.

Every command reads the one database named by ``AUDIENCE_DB`` (default
``var/audience.db``), migrates it if needed and forgets expired sign-ups first.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from audience import store as audience_store
from audience.config import AudienceConfig, ConfigError, load_config
from audience.errors import Refusal
from audience.mail import Mailer, MailSetupError
from audience.model import Subscriber, utc_now
from audience.store import Store, StoreError
from audience.subscriptions import validate_address
from audience.updates import ManifestError, load_manifest
from audience.updates import send_updates as send_updates_run
from sitekit.audience import server
from sitekit.comments.server import port_in_use

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_MANIFEST = ROOT / "output" / "feeds" / "updates.json"


class CommandError(Exception):
    """One line for the author."""


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _command(run: Callable[[], int | None]) -> int:
    try:
        return run() or 0
    except (CommandError, ConfigError, StoreError, ManifestError, MailSetupError) as error:
        return _fail(str(error))
    except OSError as error:  # a folder that cannot be written, a full disk
        return _fail(f"{error.filename or 'file'}: {error.strerror or error}")


def _config() -> AudienceConfig:
    return load_config(server.development_environment())


def _open_store(config: AudienceConfig, must_exist: bool = True) -> Store:
    if must_exist and not config.database.exists():
        raise CommandError(
            f"{_shown(config.database)}: no audience database yet "
            "(it is made when the audience server starts)"
        )
    store = Store(config.database)
    store.migrate()
    store.purge(utc_now(), config.pending_days)
    return store


def _find(store: Store, email: str) -> Subscriber:
    try:
        normalised = validate_address(email)
    except Refusal:
        normalised = email.strip()
    subscriber = store.subscriber_by_email(normalised)
    if subscriber is None:
        raise CommandError(f"no subscriber with the address {email!r}")
    return subscriber


# -- the commands ----------------------------------------------------------------------


def serve(host: str = server.DEFAULT_HOST, port: int = server.DEFAULT_PORT) -> int:
    """Run the audience server in the foreground until Ctrl-C."""
    env = server.development_environment(host, int(port))
    try:
        config = load_config(env)
    except ConfigError as error:
        return _fail(str(error))
    url = f"http://{host}:{port}"
    if port_in_use(url):
        return _fail(f"{url} is already in use (another audience server?)")
    print(f"Audience: sign-ups at {url}/ with database {_shown(config.database)}", flush=True)
    print(f"Audience: {server.mail_destination(config)}", flush=True)
    env.setdefault("PYTHONPATH", str(ROOT))
    process = subprocess.Popen(server.gunicorn_command(host, int(port)), cwd=ROOT, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        server.stop_audience(server.AudienceServer(url, config.database, process))
        print("\nAudience: stopped", flush=True)
        return 0


def mail_catcher() -> int:
    """Run the development mail catcher in the foreground until Ctrl-C."""
    from sitekit.audience.mailcatcher import mail_catcher_alongside

    with mail_catcher_alongside() as catcher:
        if catcher is None:
            return 1
        try:
            while True:
                time.sleep(3600)  # the catcher works in its own threads
        except KeyboardInterrupt:
            print()
    return 0


def subscribers() -> int:
    """Counts by state and topic, and the newest sign-ups (addresses masked)."""

    def run() -> None:
        config = _config()
        store = _open_store(config)
        print(format_overview(store, _site_timezone()))

    return _command(run)


def format_overview(store: Store, tz: datetime.tzinfo, newest: int = 10) -> str:
    states = store.counts_by_state()
    total = sum(states.values())
    order = ("confirmed", "unconfirmed", "unsubscribed", "bouncing")
    lines = [
        "Subscribers: "
        + ", ".join(f"{states.get(state, 0)} {state}" for state in order)
        + f" ({total} in all)"
    ]
    topics: Counter[str] = Counter()
    for subscribed, has_alerts, frequency, count in store.confirmed_breakdown():
        for topic in subscribed:
            topics[topic] += count
        if "roles" in subscribed:
            topics["roles with job alerts" if has_alerts else "all roles"] += count
        topics[frequency] += count
    lines.append(
        "Confirmed: "
        + ", ".join(
            f"{topics[name]} {name}"
            for name in ("posts", "roles", "all roles", "roles with job alerts", "weekly")
        )
    )
    recent = store.newest_subscribers(newest)
    if recent:
        lines.append(f"Newest sign-ups ({len(recent)}):")
        for subscriber in recent:
            when = subscriber.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            lines.append(f"  {when}  {subscriber.state:<12}  {subscriber.masked_email}")
    return "\n".join(lines)


def export(email: str | None = None) -> int:
    """JSON on stdout: everything held about one subscriber, or about all of them."""

    def run() -> None:
        store = _open_store(_config())
        chosen = [_find(store, email)] if email else store.all_subscribers()
        records = [export_record(store, subscriber) for subscriber in chosen]
        print(json.dumps({"subscribers": records}, indent=2, ensure_ascii=False))

    return _command(run)


def export_record(store: Store, subscriber: Subscriber) -> dict:
    def when(moment: datetime.datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "email": subscriber.email,
        "state": subscriber.state,
        "topics": sorted(subscriber.topics),
        "job_alerts": [alert.as_dict() for alert in subscriber.filters],
        "frequency": subscriber.frequency,
        "source": subscriber.source,
        "signed_up_at": when(subscriber.created_at),
        "updated_at": when(subscriber.updated_at),
        "confirmed_at": when(subscriber.confirmed_at),
        "welcomed_at": when(subscriber.welcomed_at),
        "last_digest_at": when(subscriber.last_digest_at),
        "unsubscribed_at": when(subscriber.unsubscribed_at),
        "bounced_at": when(subscriber.bounced_at),
        "sent": [
            {"item": sent.item_key, "sent_at": when(sent.sent_at)}
            for sent in store.sent_items(subscriber.id)
        ],
    }


def delete(email: str) -> int:
    """Erase a subscriber with their send history and tokens."""

    def run() -> None:
        store = _open_store(_config())
        subscriber = _find(store, email)
        store.delete_subscriber(subscriber.id)
        print(f"deleted {subscriber.email}: the subscription, its links and its send history")

    return _command(run)


def backup(backups_dir: Path | None = None) -> int:
    """A consistent copy of the live database (safe while the server runs)."""

    def run() -> None:
        config = _config()
        target = audience_store.backup_database(
            config.database, backups_dir or _backups_dir(config)
        )
        print(f"wrote {_shown(target)}")

    return _command(run)


def restore(backup_file: str, backups_dir: Path | None = None) -> int:
    """Put a backup back; the database it replaces is backed up first."""

    def run() -> None:
        config = _config()
        safety = audience_store.restore_database(
            Path(backup_file), config.database, backups_dir or _backups_dir(config)
        )
        Store(config.database).migrate()  # an older backup is brought up to date
        print(f"restored {_shown(config.database)} from {backup_file}")
        if safety:
            print(f"the database it replaced is kept in {_shown(safety)}")

    return _command(run)


def send_updates(manifest_path: str | Path = DEFAULT_MANIFEST, dry_run: bool = False) -> int:
    """Mail subscribers the site's new posts and roles (see audience/updates.py)."""

    def run() -> None:
        config = _config()
        manifest = load_manifest(manifest_path)
        store = _open_store(config, must_exist=False)
        with Mailer(config, keep_open=True) as mailer:
            report = send_updates_run(store, manifest, mailer, dry_run=dry_run)
        print(f"send-updates: {report.line()}")

    return _command(run)


def stats(days: int = 30, as_json: bool = False) -> int:
    """Reading stats of the last ``days`` UTC days, as a table or one JSON document."""
    from sitekit.audience import stats as report

    def run() -> None:
        period = report.Period.ending(report.utc_today(), _days(days))
        store = _open_store(_config())
        found = report.build_report(store, period, report.site_page_kinds())
        print(report.report_json(found) if as_json else report.format_report(found))

    return _command(run)


def stats_chart(days: int = 30, output: str | Path = "") -> int:
    """A PNG (or SVG) chart of daily views and apply clicks of the last ``days`` days."""
    from sitekit.audience import stats as report

    def run() -> None:
        period = report.Period.ending(report.utc_today(), _days(days))
        target = Path(output) if output else ROOT / report.DEFAULT_CHART
        if target.suffix.lower() not in (".png", ".svg"):
            raise CommandError(f"{output}: the chart is a .png or .svg file")
        written = report.write_chart(_open_store(_config()), period, target)
        print(f"wrote {_shown(written)}")

    return _command(run)


def _days(days: int | str) -> int:
    try:
        value = int(days)
    except ValueError:
        raise CommandError(f"--days: {days!r} is not a whole number of days") from None
    if not 1 <= value <= 3660:
        raise CommandError(f"--days: {value} is out of range (1 to 3660)")
    return value


def _backups_dir(config: AudienceConfig) -> Path:
    return config.database.parent / "backups"


def _site_timezone() -> datetime.tzinfo:
    """The site's TIMEZONE for listings (UTC if the settings cannot be read)."""
    from sitekit.comments.commands import site_timezone

    try:
        return site_timezone()
    except Exception:  # a broken settings file must not hide the subscribers
        return datetime.UTC


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
