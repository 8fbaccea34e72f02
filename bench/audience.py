"""Benchmark of the audience server: ``python -m bench.audience`` (well under a minute).

1. Who gets what: 10,000 confirmed subscribers with mixed job alerts, 200 new roles
   and 20 new posts: the time to load them and plan every subscriber's email.
2. Sending: a real send run (tokens, templates, CSS inlining, SMTP, the ledger) into a
   local aiosmtpd, unthrottled: messages per second.
3. Sign-ups: 50 at once against the real server (gunicorn): errors, and whether every
   confirmation mail arrived.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import random
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from aiosmtpd.controller import Controller

from audience.config import load_config
from audience.mail import Mailer
from audience.model import JobFilter, Preferences, utc_now
from audience.store import Store
from audience.updates import parse_manifest, plan_deliveries, send_updates
from sitekit.audience.server import start_audience, stop_audience

SUBSCRIBERS, ROLES, POSTS = 10_000, 200, 20
SEND_SUBSCRIBERS = 400
CONCURRENT_SIGNUPS = 50
CATEGORIES = ["engineering", "data", "design", "product", "sales", "operations"]
MODES = ["remote", "hybrid", "onsite"]
COUNTRIES = ["gb", "de", "nl", "ie", "fr", "*"]
TYPES = ["full-time", "part-time", "contract"]


class CountingHandler:
    def __init__(self):
        self.lock = threading.Lock()
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_items(rng: random.Random) -> list[dict]:
    items = []
    for n in range(ROLES):
        facets = {
            "category": [rng.choice(CATEGORIES)],
            "mode": [rng.choice(MODES)],
            "location": rng.sample(COUNTRIES, rng.randint(1, 2)),
            "type": [rng.choice(TYPES)],
        }
        items.append(
            {
                "key": f"role:B-{n:03d}",
                "kind": "role",
                "title": f"Role {n}",
                "url": f"https://okafor-talent.example/openings/b-{n}/",
                "summary": "A role for the benchmark. " * 4,
                "date": "2026-11-01T09:00:00+00:00",
                "company": "Confidential client",
                "location": "Leeds, United Kingdom",
                "work_mode": facets["mode"][0].capitalize(),
                "employment_type": facets["type"][0].capitalize(),
                "salary": None,
                "facets": facets,
            }
        )
    for n in range(POSTS):
        items.append(
            {
                "key": f"post:bench-{n}",
                "kind": "post",
                "title": f"Post {n}",
                "url": f"https://okafor-talent.example/posts/bench-{n}/",
                "summary": "A post for the benchmark.",
                "date": "2026-11-02T09:00:00+00:00",
            }
        )
    return items


def random_preferences(rng: random.Random) -> Preferences:
    roll = rng.random()
    if roll < 0.3:
        return Preferences(frozenset({"posts"}))
    if roll < 0.55:
        return Preferences(frozenset({"posts", "roles"}))
    alerts = []
    for _ in range(rng.randint(1, 3)):
        alert = {"category": rng.choice(CATEGORIES)}
        if rng.random() < 0.6:
            alert["mode"] = rng.choice(MODES)
        if rng.random() < 0.4:
            alert["location"] = rng.choice(COUNTRIES[:-1])
        alerts.append(JobFilter.from_mapping(alert))
    topics = {"roles"} | ({"posts"} if rng.random() < 0.5 else set())
    return Preferences(frozenset(topics), tuple(alerts))


def manifest_of(items: list[dict]):
    site = {"name": "Maren Okafor", "url": "https://okafor-talent.example/", "author": "M"}
    return parse_manifest({"version": 1, "site": site, "items": items})


def fill(store: Store, count: int, rng: random.Random, start: datetime.datetime) -> None:
    store.migrate()
    store.add_confirmed_subscribers(
        ((f"bench{n}@example.com", random_preferences(rng)) for n in range(count)), start
    )
    # The first run only records what the site holds: it needs no mailer.
    send_updates(store, manifest_of([]), None, now=start, out=lambda line: None)


def bench_planning(folder: Path, rng: random.Random) -> tuple[float, int, int]:
    store = Store(folder / "plan.db")
    start = utc_now() - datetime.timedelta(hours=1)
    fill(store, SUBSCRIBERS, rng, start)
    items = manifest_of(make_items(rng)).items
    now = utc_now()
    began = time.perf_counter()
    first_seen = {**{item.key: now for item in items}, **store.first_seen()}
    subscribers = store.subscribers_to_update()
    plan = plan_deliveries(subscribers, items, first_seen, store.sent_since_caught_up(start), now)
    elapsed = time.perf_counter() - began
    return elapsed, len(plan.deliveries), sum(len(d.keys) for d in plan.deliveries)


def bench_sending(folder: Path, rng: random.Random, smtp_port: int) -> tuple[float, int]:
    env = {
        "AUDIENCE_DB": str(folder / "send.db"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "MAIL_RATE": "0",
        "AUDIENCE_SITE_NAME": "Maren Okafor",
        "MAIL_FROM": "Maren Okafor <updates@okafor-talent.example>",
    }
    config = load_config(env)
    store = Store(config.database)
    fill(store, SEND_SUBSCRIBERS, rng, utc_now() - datetime.timedelta(hours=1))
    manifest = manifest_of(make_items(rng)[-30:])  # 10 roles and 20 posts
    with Mailer(config, keep_open=True) as mailer:
        began = time.perf_counter()
        report = send_updates(store, manifest, mailer, out=lambda line: None)
        elapsed = time.perf_counter() - began
    return report.sent / elapsed, report.sent


def bench_signups(folder: Path, smtp_port: int, handler: CountingHandler) -> tuple[int, int, float]:
    port = free_port()
    env = {
        "AUDIENCE_DB": str(folder / "signups.db"),
        "AUDIENCE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "AUDIENCE_SITE_NAME": "Maren Okafor",
        "AUDIENCE_AUTHOR": "Maren Okafor",
        "MAIL_FROM": "Maren Okafor <updates@okafor-talent.example>",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "MAIL_RATE": "0",
        "AUDIENCE_PROXY_COUNT": "1",
        "PATH": "/usr/bin:/bin",
    }
    server = start_audience("127.0.0.1", port, env=env, log_path=folder / "audience.log")
    addresses = [f"signup{n}@example.com" for n in range(CONCURRENT_SIGNUPS)]

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)

    def sign_up(n: int) -> bool:
        body = urllib.parse.urlencode({"email": addresses[n], "topics": "posts"}).encode()
        request = urllib.request.Request(
            f"{server.url}/subscribe",
            data=body,
            headers={"X-Forwarded-For": f"10.9.{n}.1"},
            method="POST",
        )
        try:
            opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            return error.code == 303
        except OSError:
            return False
        return False

    try:
        began = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(CONCURRENT_SIGNUPS) as pool:
            results = list(pool.map(sign_up, range(CONCURRENT_SIGNUPS)))
        elapsed = time.perf_counter() - began
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with handler.lock:
                delivered = len(set(addresses) & set(handler.recipients))
            if delivered == len(addresses):
                break
            time.sleep(0.02)  # polling interval
    finally:
        stop_audience(server)
    return results.count(False), delivered, elapsed


def main() -> int:
    rng = random.Random(2026)  # noqa: S311 - reproducible test data, not secrets
    handler = CountingHandler()
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory(prefix="audience-bench-") as tmp:
            folder = Path(tmp)
            plan_time, recipients, pairs = bench_planning(folder, rng)
            rate, sent = bench_sending(folder, rng, smtp_port)
            errors, delivered, signup_time = bench_signups(folder, smtp_port, handler)
    finally:
        controller.stop()
    rows = [
        (
            f"plan {SUBSCRIBERS:,} subscribers x {ROLES} roles + {POSTS} posts",
            f"{plan_time:.2f} s",
            f"{recipients:,} recipients, {pairs:,} items",
        ),
        ("send run into local aiosmtpd (unthrottled)", f"{rate:.0f} msg/s", f"{sent} messages"),
        (
            f"{CONCURRENT_SIGNUPS} concurrent sign-ups (gunicorn)",
            f"{signup_time:.2f} s",
            f"{errors} errors, {delivered}/{CONCURRENT_SIGNUPS} confirmations delivered",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'result':>12}  detail")
    for what, result, detail in rows:
        print(f"{what:<{width}}  {result:>12}  {detail}")
    ok = errors == 0 and delivered == CONCURRENT_SIGNUPS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
