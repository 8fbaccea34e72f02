"""Mail new posts and roles to subscribers: one email per person per run, never twice.

The site build writes a manifest of what is live (published posts, open roles) to
``output/feeds/updates.json``; this module reads it and decides who gets what:

- An item is new to a subscriber when the send runs first saw it after they confirmed
  (``first_seen``), not by its date: a post back-dated or a role reopened still counts
  once, and nothing that was live when someone subscribed is ever mailed to them. The
  very first run only records what the site holds and mails nobody.
- Each subscriber gets one email with exactly their new, matching, not yet sent items,
  recorded in ``sent`` in the same transaction that marks their send done, right after
  the SMTP server took the message. A run killed halfway resumes without duplicates.
- A temporary SMTP failure leaves the subscriber for the next run; a permanent refusal
  marks the address ``bouncing`` and stops mail to it.
"""

from __future__ import annotations

import bisect
import datetime
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from audience import tokens
from audience.mail import Mailer, RecipientRefused, TemporaryFailure
from audience.model import ANYWHERE, FILTER_KEYS, JobFilter, Subscriber, utc_now
from audience.store import Store

MANIFEST_VERSION = 1
KINDS = ("post", "role")
WEEK = datetime.timedelta(days=7)
_KEY = re.compile(r"(post|role):[^\s]{1,200}")
_TEXT_LIMITS = {"title": 300, "summary": 2000}


class ManifestError(Exception):
    """The manifest is missing or not what the site build writes; one line says why."""


@dataclass(frozen=True)
class SiteInfo:
    name: str
    url: str
    author: str


@dataclass(frozen=True)
class Item:
    """One post or role as the site build described it."""

    key: str
    kind: str
    title: str
    url: str
    summary: str = ""
    date: datetime.datetime | None = None
    category: str = ""
    tags: tuple[str, ...] = ()
    company: str = ""
    location: str = ""
    work_mode: str = ""
    employment_type: str = ""
    salary: str | None = None
    facets: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    version: int
    site: SiteInfo
    items: tuple[Item, ...]

    @property
    def posts(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.kind == "post")

    @property
    def roles(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.kind == "role")


@dataclass(frozen=True)
class Delivery:
    subscriber: Subscriber
    posts: tuple[Item, ...]
    roles: tuple[Item, ...]

    @property
    def keys(self) -> list[str]:
        return [item.key for item in self.posts + self.roles]


@dataclass
class SendReport:
    first_run: bool = False
    known_items: int = 0  # first run: items recorded as already known
    new_items: int = 0  # items this run saw for the first time
    recipients: int = 0  # subscribers with something to send
    sent: int = 0
    deferred: int = 0
    bounced: int = 0
    dry_run: bool = False

    def line(self) -> str:
        prefix = "dry run: " if self.dry_run else ""
        if self.first_run:
            return (
                f"{prefix}first run: {self.known_items} item(s) recorded as already known; "
                "nothing sent (from now on only new items are mailed)"
            )
        verb = "would send" if self.dry_run else "sent"
        return (
            f"{prefix}{self.new_items} new item(s); {self.recipients} recipient(s); "
            f"{verb} {self.sent}, deferred {self.deferred}, bounced {self.bounced}"
        )


# -- the manifest ------------------------------------------------------------------------


def load_manifest(path: Path | str) -> Manifest:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path}: no manifest here (build the site first)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: cannot read the manifest ({error})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    return parse_manifest(data, str(path))


def parse_manifest(data: object, source: str = "manifest") -> Manifest:
    """Check everything; report the first problem (and how many more) on one line."""
    problems: list[str] = []
    manifest = _Reader(problems).manifest(data)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise ManifestError(f"{source}: {problems[0]}{more}")
    return manifest


class _Reader:
    def __init__(self, problems: list[str]):
        self.problems = problems

    def manifest(self, data: object) -> Manifest | None:
        if not isinstance(data, dict):
            self.problems.append("the top level must be a JSON object")
            return None
        if data.get("version") != MANIFEST_VERSION:
            self.problems.append(
                f"version: {data.get('version')!r} (this code reads version {MANIFEST_VERSION})"
            )
        site = data.get("site")
        if not isinstance(site, dict):
            self.problems.append("site: must be an object with name, url, author")
            site = {}
        info = SiteInfo(
            name=self.text(site, "name", "site.name", required=True),
            url=self.url(site, "url", "site.url"),
            author=self.text(site, "author", "site.author") or str(site.get("name", "")),
        )
        raw_items = data.get("items")
        if not isinstance(raw_items, list):
            self.problems.append("items: must be a list")
            raw_items = []
        items, seen = [], set()
        for index, raw in enumerate(raw_items):
            item = self.item(raw, f"items[{index}]")
            if item is None:
                continue
            if item.key in seen:
                self.problems.append(f"items[{index}].key: {item.key!r} appears twice")
            seen.add(item.key)
            items.append(item)
        return Manifest(MANIFEST_VERSION, info, tuple(items))

    def item(self, raw: object, where: str) -> Item | None:
        if not isinstance(raw, dict):
            self.problems.append(f"{where}: must be an object")
            return None
        before = len(self.problems)
        kind = raw.get("kind")
        if kind not in KINDS:
            self.problems.append(f"{where}.kind: {kind!r} (allowed: {', '.join(KINDS)})")
        key = raw.get("key")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            self.problems.append(f"{where}.key: {key!r} is not 'post:<id>' or 'role:<id>'")
        elif kind in KINDS and not key.startswith(f"{kind}:"):
            self.problems.append(f"{where}.key: {key!r} does not match kind {kind!r}")
        item = Item(
            key=key if isinstance(key, str) else "",
            kind=kind if isinstance(kind, str) else "",
            title=self.text(raw, "title", f"{where}.title", required=True),
            url=self.url(raw, "url", f"{where}.url"),
            summary=self.text(raw, "summary", f"{where}.summary"),
            date=self.date(raw, "date", f"{where}.date"),
            category=self.text(raw, "category", f"{where}.category"),
            tags=self.strings(raw.get("tags", []), f"{where}.tags"),
            company=self.text(raw, "company", f"{where}.company"),
            location=self.text(raw, "location", f"{where}.location"),
            work_mode=self.text(raw, "work_mode", f"{where}.work_mode"),
            employment_type=self.text(raw, "employment_type", f"{where}.employment_type"),
            salary=self.text(raw, "salary", f"{where}.salary") or None,
            facets=self.facets(raw.get("facets", {}), f"{where}.facets"),
        )
        return item if len(self.problems) == before else None

    def text(self, data: dict, name: str, where: str, required: bool = False) -> str:
        value = data.get(name)
        if value is None or value == "":
            if required:
                self.problems.append(f"{where}: missing")
            return ""
        if not isinstance(value, str):
            self.problems.append(f"{where}: must be a string")
            return ""
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in value) or (
            name != "summary" and ("\n" in value or "\r" in value)
        ):
            self.problems.append(f"{where}: contains a line break or control character")
            return ""
        limit = _TEXT_LIMITS.get(name, 200)
        if len(value) > limit:
            self.problems.append(f"{where}: longer than {limit} characters")
        return value

    def url(self, data: dict, name: str, where: str) -> str:
        value = self.text(data, name, where, required=True)
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.netloc):
            self.problems.append(f"{where}: {value!r} is not an absolute http(s) URL")
        return value

    def date(self, data: dict, name: str, where: str) -> datetime.datetime | None:
        value = data.get(name)
        if value is None:
            return None
        try:
            moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            self.problems.append(f"{where}: {value!r} is not an ISO 8601 date with a time zone")
            return None
        return moment

    def strings(self, value: object, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(f"{where}: must be a list of strings")
            return ()
        return tuple(value)

    def facets(self, value: object, where: str) -> dict[str, frozenset[str]]:
        if not isinstance(value, dict):
            self.problems.append(f"{where}: must be an object")
            return {}
        unknown = set(value) - set(FILTER_KEYS)
        if unknown:
            self.problems.append(
                f"{where}: unknown key {sorted(unknown)[0]!r} (allowed: {', '.join(FILTER_KEYS)})"
            )
        return {
            key: frozenset(v.lower() for v in self.strings(values, f"{where}.{key}"))
            for key, values in value.items()
            if key in FILTER_KEYS
        }


# -- who gets what -----------------------------------------------------------------------


class RoleIndex:
    """Roles by facet value, so an alert's matches are set intersections, cached per alert."""

    def __init__(self, roles: Sequence[Item]):
        self.all = frozenset(role.key for role in roles)
        self._by_value: dict[tuple[str, str], set[str]] = {}
        self._anywhere: set[str] = set()
        for role in roles:
            for key, values in role.facets.items():
                for value in values:
                    self._by_value.setdefault((key, value), set()).add(role.key)
            if ANYWHERE in role.facets.get("location", ()):
                self._anywhere.add(role.key)
        self._cache: dict[tuple[JobFilter, ...], frozenset[str]] = {}

    def matching(self, filters: tuple[JobFilter, ...]) -> frozenset[str]:
        """Keys of roles for these alerts: all roles without alerts, else any alert's."""
        if not filters:
            return self.all
        found = self._cache.get(filters)
        if found is None:
            found = frozenset().union(*(self._one(alert) for alert in filters))
            self._cache[filters] = found
        return found

    def _one(self, alert: JobFilter) -> frozenset[str]:
        result = set(self.all)
        for key, value in alert.as_dict().items():
            members = self._by_value.get((key, value), set())
            if key == "location":
                members = members | self._anywhere
            result &= members
        return frozenset(result)


@dataclass(frozen=True)
class Plan:
    deliveries: tuple[Delivery, ...]
    caught_up: tuple[int, ...]  # subscribers with nothing new: nothing to wait for


def plan_deliveries(
    subscribers: Iterable[Subscriber],
    items: Sequence[Item],
    first_seen: Mapping[str, datetime.datetime],
    already_sent: Mapping[int, set[str]],
    now: datetime.datetime,
) -> Plan:
    """Who gets which items now. Pure: the same inputs always give the same plan."""
    roles = [item for item in items if item.kind == "role"]
    index = RoleIndex(roles)
    # Items ordered by when they were first seen: a subscriber's new items are a suffix.
    timeline = sorted(items, key=lambda item: (first_seen[item.key], item.key))
    seen_times = [first_seen[item.key] for item in timeline]
    deliveries, caught_up = [], []
    for subscriber in subscribers:
        weekly = subscriber.frequency == "weekly"
        if weekly and subscriber.last_digest_at and now - subscriber.last_digest_at < WEEK:
            continue  # not due: the items wait for their weekly email
        since = subscriber.caught_up_at or subscriber.confirmed_at
        start = bisect.bisect_right(seen_times, since) if since else len(timeline)
        if start == len(timeline):
            caught_up.append(subscriber.id)
            continue
        wants_posts = "posts" in subscriber.topics
        wanted_roles = index.matching(subscriber.filters) if "roles" in subscriber.topics else ()
        sent = already_sent.get(subscriber.id, ())
        posts, matched = [], []
        for item in timeline[start:]:
            if item.key in sent:
                continue
            if item.kind == "post" and wants_posts:
                posts.append(item)
            elif item.kind == "role" and item.key in wanted_roles:
                matched.append(item)
        if posts or matched:
            deliveries.append(Delivery(subscriber, _newest_first(posts), _newest_first(matched)))
        else:
            caught_up.append(subscriber.id)
    return Plan(tuple(deliveries), tuple(caught_up))


def _newest_first(items: list[Item]) -> tuple[Item, ...]:
    oldest = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return tuple(sorted(items, key=lambda item: (item.date or oldest, item.key), reverse=True))


# -- the run -----------------------------------------------------------------------------


def send_updates(
    store: Store,
    manifest: Manifest,
    mailer: Mailer,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
    *,
    manage_days: int | None = None,
    pending_days: int | None = None,
    out: Callable[[str], None] = print,
) -> SendReport:
    """Mail every subscriber their new items (see the module docstring for the rules).

    ``manage_days`` and ``pending_days`` default to the mailer's settings.
    """
    now = now or utc_now()
    report = SendReport(dry_run=dry_run)
    if pending_days is None and mailer is not None:
        pending_days = mailer.config.pending_days
    if pending_days and not dry_run:
        store.purge(now, pending_days)  # expired sign-ups are never mailed, only forgotten
    first_seen = store.first_seen()
    unseen = [item.key for item in manifest.items if item.key not in first_seen]
    if not store.updates_started():
        # What the site holds today is the baseline: known to everyone, mailed to nobody.
        report.first_run, report.known_items = True, len(manifest.items)
        if not dry_run:
            store.record_first_seen(unseen, now)
            store.mark_caught_up([s.id for s in store.subscribers_to_update()], now)
        return report
    report.new_items = len(unseen)
    if unseen and not dry_run:
        store.record_first_seen(unseen, now)
    first_seen = {**{key: now for key in unseen}, **first_seen}
    subscribers = store.subscribers_to_update()
    marks = [s.caught_up_at or s.confirmed_at for s in subscribers]
    earliest = min((m for m in marks if m), default=now)
    plan = plan_deliveries(
        subscribers, manifest.items, first_seen, store.sent_since_caught_up(earliest), now
    )
    report.recipients = len(plan.deliveries)
    if dry_run:
        for delivery in plan.deliveries:
            out(f"would send to {delivery.subscriber.masked_email}: {', '.join(delivery.keys)}")
        report.sent = len(plan.deliveries)
        return report
    store.mark_caught_up(plan.caught_up, now)
    lifetime = datetime.timedelta(days=manage_days or mailer.config.manage_days)
    for delivery in plan.deliveries:
        subscriber = delivery.subscriber
        manage = tokens.issue(tokens.MANAGE, now, lifetime)
        store.add_token(manage.digest, subscriber.id, tokens.MANAGE, now, manage.expires_at)
        message = mailer.digest(subscriber, delivery.posts, delivery.roles, manage.value)
        try:
            mailer.send(message)
        except TemporaryFailure as failure:
            report.deferred += 1
            out(f"deferred {subscriber.masked_email}: {_short(failure)} (next run tries again)")
            continue
        except RecipientRefused as failure:
            store.mark_bouncing(subscriber.id, now)
            report.bounced += 1
            out(f"bouncing {subscriber.masked_email}: {_short(failure)} (no more mail to it)")
            continue
        # A MailSetupError (login, sender) goes up: every other message would fail too.
        store.record_delivery(subscriber.id, delivery.keys, now)
        report.sent += 1
    return report


def _short(error: Exception) -> str:
    text = str(error).split(": ", 1)[-1]
    return text if len(text) <= 120 else text[:117] + "..."
