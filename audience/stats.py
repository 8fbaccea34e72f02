"""Reading stats without tracking: page views, visitors, apply clicks, where readers came from.

The privacy design is GoatCounter's: a visitor is a keyed hash of (today's salt, the
address, the user agent, the site), computed in memory and never written anywhere. The
salt is random, lives only in memory shared by the server's workers, and is replaced
at midnight UTC, so yesterday's visitors cannot be told apart from today's even by us.
The database holds daily counts per page, per source and per campaign: no address, no
user agent, no cookie, no hash.

Counts are batched in memory and written every few seconds by one thread per worker,
and on a normal stop; a killed worker loses at most that many seconds of counts.
"""

from __future__ import annotations

import atexit
import datetime
import hmac
import json
import logging
import mmap
import multiprocessing
import os
import re
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from audience import errors
from audience.model import utc_now

log = logging.getLogger("audience.stats")

MAX_BEACON_BYTES = 2048
EVENTS = ("apply",)
# Pages of the site: folder-style paths of slugs, as the site's URL settings make them.
PAGE_PATH = re.compile(r"/(?:[a-z0-9][a-z0-9._~-]{0,99}/){0,6}")
NOT_COUNTED_PREFIXES = ("/drafts/",)
HEADLESS_MARKERS = ("headless", "phantomjs", "slimerjs", "electron/", "lighthouse")
# Sources are grouped the way the author thinks of them: a share on LinkedIn arrives
# from linkedin.com or its lnkd.in short links, a post on X through t.co. A campaign's
# utm_source ("linkedin", "newsletter") is grouped the same way.
SOURCE_GROUPS = (
    ("LinkedIn", ("linkedin", "linkedin.com", "lnkd.in")),
    ("X", ("x", "twitter", "t.co", "x.com", "twitter.com")),
    ("Facebook", ("facebook", "fb", "facebook.com", "fb.com", "fb.me", "messenger.com")),
    ("Email", ("email", "e-mail", "mail", "newsletter")),
)
EMAIL_MEDIA = ("email", "e-mail", "mail", "newsletter")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9._+-]{0,39}")
_HOST = re.compile(r"[a-z0-9.-]{1,100}")
# A 1x1 transparent GIF: what the <noscript> image of a page loads.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


# -- what a request brings -----------------------------------------------------------


@dataclass(frozen=True)
class Beacon:
    """One counted thing: a view of ``path`` (with where it came from) or an event on it."""

    path: str
    referrer: str = ""
    query: str = ""
    event: str | None = None


@dataclass(frozen=True)
class Reader:
    """What the request says about the reader; used for one decision and one hash, then gone."""

    address: str
    user_agent: str
    do_not_track: bool = False
    prefetch: bool = False


def parse_beacon(body: bytes) -> Beacon:
    """A beacon's JSON body, checked field by field; InvalidInput for anything else."""
    if len(body) > MAX_BEACON_BYTES:
        raise errors.BodyTooLarge(f"A count is a few hundred bytes; at most {MAX_BEACON_BYTES}.")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise errors.InvalidInput("A count is a JSON object.") from None
    if not isinstance(data, dict) or not set(data) <= {"p", "r", "q", "e"}:
        raise errors.InvalidInput("A count has the fields p, r, q and e only.")
    values = {}
    for key in ("p", "r", "q", "e"):
        value = data.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str) or len(value) > 1000 or _has_control(value):
            raise errors.InvalidInput(f"The field {key} of a count is short text.")
        values[key] = value
    if not values["p"].startswith("/"):
        raise errors.InvalidInput("A count names the page's path, starting with /.")
    if values["e"] and values["e"] not in EVENTS:
        raise errors.InvalidInput(f"Events are: {', '.join(EVENTS)}.")
    return Beacon(values["p"], values["r"], values["q"], values["e"] or None)


def pixel_beacon(args: Mapping[str, str]) -> Beacon:
    path = args.get("p", "")
    if not path.startswith("/") or len(path) > 1000 or _has_control(path):
        raise errors.InvalidInput("The image names the page's path, starting with /.")
    return Beacon(path)


def _has_control(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def why_not_counted(reader: Reader, is_bot: Callable[[str], bool]) -> str | None:
    """The reason a request is not counted, or None when it is a reader's page view."""
    if reader.do_not_track:
        return "do not track"
    if reader.prefetch:
        return "prefetch or prerender"
    agent = reader.user_agent.lower()
    if not agent or any(marker in agent for marker in HEADLESS_MARKERS):
        return "no browser"
    if is_bot(reader.user_agent):
        return "bot"
    return None


def crawler_check() -> Callable[[str], bool]:
    """CrawlerDetect's user-agent patterns (a maintained port of JayBizzle/Crawler-Detect)."""
    from crawlerdetect import CrawlerDetect

    detector = CrawlerDetect()
    detector.is_crawler("Mozilla/5.0")  # compiles the patterns now (before gunicorn forks)
    lock = threading.Lock()  # the detector keeps its last match on itself

    def is_bot(user_agent: str) -> bool:
        with lock:
            return detector.is_crawler(user_agent)

    return is_bot


# -- sources and campaigns -----------------------------------------------------------


def group_source(name: str) -> str:
    """``www.linkedin.com`` and ``linkedin`` -> ``LinkedIn``; unknown names stay as they are."""
    name = name.lower().strip().rstrip(".")
    for prefix in ("www.", "m.", "l.", "lm.", "mobile."):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    for label, names in SOURCE_GROUPS:
        if any(name == known or name.endswith("." + known) for known in names):
            return label
    return name


@dataclass(frozen=True)
class Origin:
    source: str | None  # a group or a host; None: typed in, a bookmark, or the site itself
    campaign: str | None


def traffic_origin(referrer: str, query: str, own_hosts: tuple[str, ...]) -> Origin:
    """Where a view came from: utm_* first (email links carry them), else the referrer host."""
    params = parse_qs(query.lstrip("?"), max_num_fields=20)

    def param(name: str) -> str | None:
        value = (params.get(name) or [""])[0].strip().lower()
        found = _TOKEN.fullmatch(value)
        return found.group(0) if found else None

    source, medium, campaign = param("utm_source"), param("utm_medium"), param("utm_campaign")
    if medium in EMAIL_MEDIA:
        return Origin("Email", campaign)
    if source:
        return Origin(group_source(source), campaign)
    try:
        host = (urlsplit(referrer).hostname or "") if referrer else ""
    except ValueError:
        host = ""
    if not host or host in own_hosts or not _HOST.fullmatch(host):
        return Origin(None, campaign)
    return Origin(group_source(host), campaign)


# -- today's visitors, in memory shared by the workers --------------------------------


class VisitorLedger:
    """Today's salt and the (visitor, page) pairs seen today, as 64-bit keyed fingerprints.

    An anonymous shared memory map made before gunicorn forks its workers, so they all
    use one salt and one set: a reader whose views land on two workers is one visitor.
    Nothing in it can be turned back into an address; on a new UTC day the salt is
    replaced with fresh random bytes and the set emptied.
    """

    HEADER = struct.Struct("<q32sqq")  # day ordinal, salt, used slots, overflowed
    MAX_PROBES = 32

    def __init__(self, slots: int = 1 << 20):
        self.slots = slots
        self._map = mmap.mmap(-1, self.HEADER.size + 8 * slots)
        self._table = memoryview(self._map)[self.HEADER.size :].cast("Q")
        self._lock = multiprocessing.Lock()

    def first_visits(
        self, today: datetime.date, identity: bytes, pages: tuple[str, ...]
    ) -> list[bool]:
        """For each of ``pages``: is this the first time today this visitor is seen on it?"""
        if not self._lock.acquire(timeout=2.0):
            log.error("stats: the visitor ledger is locked; counting as new visitors")
            return [True] * len(pages)
        try:
            day, salt, used, overflowed = self.HEADER.unpack_from(self._map, 0)
            if day != today.toordinal():
                salt, used, overflowed = self._new_day(today)
            visitor = hmac.digest(salt, identity, "sha256")
            found = []
            for page in pages:
                fingerprint = int.from_bytes(
                    hmac.digest(visitor, page.encode(), "sha256")[:8], "little"
                )
                first, added = self._insert(fingerprint or 1, used)
                used += added
                overflowed += first and not added
                found.append(first)
            if overflowed and not self.HEADER.unpack_from(self._map, 0)[3]:
                log.warning(
                    "stats: the visitor ledger is full (AUDIENCE_STATS_VISITOR_SLOTS=%d); "
                    "until midnight UTC new visitors are counted as new on every view",
                    self.slots,
                )
            self.HEADER.pack_into(self._map, 0, today.toordinal(), salt, used, overflowed)
            return found
        finally:
            self._lock.release()

    def rotate(self, today: datetime.date) -> bool:
        """Replace the salt if the day has changed since the last view; True if it did."""
        with self._lock:
            if self.HEADER.unpack_from(self._map, 0)[0] == today.toordinal():
                return False
            self._new_day(today)
            return True

    def _new_day(self, today: datetime.date) -> tuple[bytes, int, int]:
        salt = os.urandom(32)
        self._map[self.HEADER.size :] = bytes(8 * self.slots)
        self.HEADER.pack_into(self._map, 0, today.toordinal(), salt, 0, 0)
        return salt, 0, 0

    def _insert(self, fingerprint: int, used: int) -> tuple[bool, int]:
        """(first time?, slots taken). A full ledger counts the visitors it cannot add as new."""
        table, index = self._table, fingerprint % self.slots
        for _ in range(self.MAX_PROBES):
            slot = table[index]
            if slot == fingerprint:
                return False, 0
            if slot == 0:
                if used >= self.slots * 0.9:
                    return True, 0
                table[index] = fingerprint
                return True, 1
            index = (index + 1) % self.slots
        return True, 0


# -- counts, batched -------------------------------------------------------------------


@dataclass
class Counts:
    """Increments to daily aggregates, keyed the way the store's tables are."""

    pages: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # views, visitors
    site: dict[str, list[int]] = field(default_factory=dict)  # day -> views, visitors
    events: dict[tuple[str, str, str], int] = field(default_factory=dict)
    sources: dict[tuple[str, str, str], int] = field(default_factory=dict)
    campaigns: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.pages or self.site or self.events or self.sources or self.campaigns)

    def view(self, day: str, path: str, new_on_page: bool, new_on_site: bool, origin: Origin):
        page = self.pages.setdefault((day, path), [0, 0])
        page[0] += 1
        page[1] += new_on_page
        site = self.site.setdefault(day, [0, 0])
        site[0] += 1
        site[1] += new_on_site
        if origin.source:
            key = (day, path, origin.source)
            self.sources[key] = self.sources.get(key, 0) + 1
        if origin.campaign:
            key = (day, origin.source or "(none)", origin.campaign)
            self.campaigns[key] = self.campaigns.get(key, 0) + 1

    def event(self, day: str, path: str, event: str) -> None:
        key = (day, path, event)
        self.events[key] = self.events.get(key, 0) + 1

    def views_counted(self) -> int:
        return sum(views for views, _ in self.site.values())


class CountWriter:
    """Collects counts in memory and writes them in one transaction every few seconds.

    One per process: after a fork the child starts empty with its own thread (the
    parent's thread does not exist there). ``close()`` writes what is left; it runs at
    a normal exit (gunicorn's workers leave through ``sys.exit``).
    """

    def __init__(self, write: Callable[[Counts], None], every: float, on_tick=None):
        self._write = write
        self._every = every
        self._on_tick = on_tick
        self._reset()
        os.register_at_fork(after_in_child=self._reset)
        atexit.register(self.close)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._pending = Counts()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._closed = False

    def add(self, record: Callable[[Counts], None]) -> None:
        with self._lock:
            record(self._pending)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="stats-writer", daemon=True)
                self._thread.start()

    def flush(self) -> int:
        """Write what is pending; return the views written."""
        with self._lock:
            pending, self._pending = self._pending, Counts()
        if not pending:
            return 0
        try:
            self._write(pending)
        except Exception:
            log.exception("stats: could not write counts; keeping them for the next try")
            with self._lock:
                _merge(self._pending, pending)
            return 0
        return pending.views_counted()

    def close(self) -> None:
        self._closed = True
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.flush()
            if self._on_tick is not None:
                try:
                    self._on_tick()
                except Exception:
                    log.exception("stats: daily housekeeping failed")


def _merge(into: Counts, other: Counts) -> None:
    for key, (views, visitors) in other.pages.items():
        page = into.pages.setdefault(key, [0, 0])
        page[0] += views
        page[1] += visitors
    for key, (views, visitors) in other.site.items():
        site = into.site.setdefault(key, [0, 0])
        site[0] += views
        site[1] += visitors
    for name in ("events", "sources", "campaigns"):
        target = getattr(into, name)
        for key, count in getattr(other, name).items():
            target[key] = target.get(key, 0) + count


# -- the service ------------------------------------------------------------------------


class Stats:
    """Decides what a beacon counts for and hands it to the writer; reads counts back."""

    def __init__(
        self,
        store,
        *,
        site_hosts: tuple[str, ...],
        site_root: Path | None = None,
        flush_seconds: float = 2.0,
        retention_days: int = 730,
        visitor_slots: int = 1 << 20,
        clock: Callable[[], datetime.datetime] = utc_now,
        is_bot: Callable[[str], bool] | None = None,
    ):
        self.store = store
        self.site_hosts = site_hosts
        self.site_root = site_root
        self.retention_days = retention_days
        self.clock = clock
        self.is_bot = is_bot or crawler_check()
        self.ledger = VisitorLedger(visitor_slots)
        self.writer = CountWriter(store.add_stats, flush_seconds, on_tick=self._housekeeping)
        self._housekept = self.today()

    def today(self) -> datetime.date:
        return self.clock().astimezone(datetime.UTC).date()

    def is_page(self, path: str) -> bool:
        """A page of the site: a folder-style path and, with the site's folder, a built page."""
        if not PAGE_PATH.fullmatch(path) or path.startswith(NOT_COUNTED_PREFIXES):
            return False
        if self.site_root is None:
            return True
        return (self.site_root / path.lstrip("/") / "index.html").is_file()

    def count(self, beacon: Beacon, reader: Reader) -> str | None:
        """Count one beacon; return why it was not counted (None when it was)."""
        reason = why_not_counted(reader, self.is_bot)
        if reason is None and not self.is_page(beacon.path):
            reason = "not a page of the site"
        if reason is not None:
            return reason
        today = self.today()
        day = today.isoformat()
        identity = "\0".join((reader.address, reader.user_agent, self.site_hosts[0])).encode()
        if beacon.event:
            (first,) = self.ledger.first_visits(today, identity, (f"{beacon.event}:{beacon.path}",))
            if first:  # one apply click per visitor, role and day
                self.writer.add(lambda counts: counts.event(day, beacon.path, beacon.event))
            return None if first else "already counted today"
        on_page, on_site = self.ledger.first_visits(today, identity, (beacon.path, ""))
        origin = traffic_origin(beacon.referrer, beacon.query, self.site_hosts)
        self.writer.add(lambda counts: counts.view(day, beacon.path, on_page, on_site, origin))
        return None

    def views_by_path(self) -> dict[str, int]:
        return self.store.views_by_path()

    def close(self) -> None:
        self.writer.close()

    def _housekeeping(self) -> None:
        """Once the UTC day changes: a new salt at once, and old days past retention go."""
        today = self.today()
        self.ledger.rotate(today)
        if today != self._housekept:
            self._housekept = today
            self.store.purge_stats(today - datetime.timedelta(days=self.retention_days))
