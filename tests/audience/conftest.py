"""Fixtures for the audience tests: a real SMTP server, a real audience server, helpers.

The SMTP server is aiosmtpd on a free loopback port. Its handler records every
message, can refuse chosen recipients with a chosen code (a number of times, or
always), and can run a hook on each message (to stop a send run halfway). The
audience server is started as production runs it (gunicorn, audience.wsgi) with a
temporary database; it trusts one proxy, so each request can come from its own
network through X-Forwarded-For.
"""

from __future__ import annotations

import datetime
import email
import html
import itertools
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from audience.config import AudienceConfig, load_config
from audience.mail import Mailer
from audience.model import JobFilter, Preferences
from audience.store import Store
from audience.updates import Manifest, parse_manifest
from sitekit.audience.server import AudienceServer, start_audience, stop_audience
from tests.sitebuild import free_port

SITE_NAME = "Maren Okafor"
MAIL_FROM = "Maren Okafor <updates@okafor-talent.example>"
_addresses = itertools.count(1)
_networks = itertools.count(1)


def new_address(label: str = "reader") -> str:
    return f"{label}{next(_addresses)}@example.com"


def new_network() -> str:
    """An address in a network (/24) no other request used."""
    n = next(_networks)
    return f"10.{n // 250}.{n % 250}.7"


def wait_for(condition: Callable[[], object], timeout: float = 10.0, what: str = "condition"):
    """Poll until ``condition()`` is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)  # polling interval


# -- the SMTP server ------------------------------------------------------------------


@dataclass
class Caught:
    recipients: list[str]
    message: EmailMessage
    raw: bytes

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()

    def link(self, kind: str) -> str:
        """The first ``…/<kind>/<token>`` link of the text part."""
        found = re.search(rf"https?://\S+/{kind}/[A-Za-z0-9_-]{{43}}", self.text)
        assert found, f"no {kind} link in:\n{self.text}"
        return found.group(0)


class RecordingHandler:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[Caught] = []
        self.refusals: dict[str, list] = {}  # address -> [code, text, times or None]
        self.on_data: Callable[[int], str | None] | None = None
        self.data_count = 0

    def reset(self) -> None:
        with self.lock:
            self.refusals.clear()
            self.on_data = None

    def refuse(self, address: str, code: int, text: str = "No", times: int | None = None):
        with self.lock:
            self.refusals[address.lower()] = [code, text, times]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        with self.lock:
            rule = self.refusals.get(address.lower())
            if rule and (rule[2] is None or rule[2] > 0):
                if rule[2] is not None:
                    rule[2] -= 1
                return f"{rule[0]} {rule[1]}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.data_count += 1
            hook, number = self.on_data, self.data_count
        if hook:
            reply = hook(number)
            if reply:
                return reply
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=default_policy)
        with self.lock:
            self.messages.append(Caught(list(envelope.rcpt_tos), message, raw))
        return "250 Message accepted"

    def to(self, address: str) -> list[Caught]:
        with self.lock:
            wanted = address.lower()
            return [m for m in self.messages if wanted in (r.lower() for r in m.recipients)]

    def wait_for_mail(self, address: str, count: int = 1, timeout: float = 10.0) -> list[Caught]:
        return wait_for(
            lambda: (found := self.to(address)) and len(found) >= count and found,
            timeout,
            f"{count} message(s) to {address}",
        )


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler


@pytest.fixture(scope="session")
def smtp() -> SmtpServer:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer("127.0.0.1", port, handler)
    controller.stop()


@pytest.fixture(autouse=True)
def _fresh_smtp_rules(smtp):
    """Refusal rules and hooks belong to the test that set them."""
    smtp.handler.reset()
    yield
    smtp.handler.reset()


# -- configuration, store, mailer -----------------------------------------------------


def audience_env(tmp: Path, smtp: SmtpServer, public_url: str, **extra: str) -> dict[str, str]:
    env = {
        "AUDIENCE_DB": str(tmp / "audience.db"),
        "AUDIENCE_SITE_URL": "http://127.0.0.1:8000/",
        "AUDIENCE_PUBLIC_URL": public_url,
        "AUDIENCE_SITE_NAME": SITE_NAME,
        "AUDIENCE_AUTHOR": SITE_NAME,
        "AUDIENCE_LIST_ID": "updates.okafor-talent.example",
        "MAIL_FROM": MAIL_FROM,
        "MAIL_RATE": "0",
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": str(smtp.port),
        "SMTP_SECURITY": "none",
        "SMTP_RETRIES": "2",
        "SMTP_RETRY_DELAY": "0.01",
        "PATH": "/usr/bin:/bin",
    }
    env.update(extra)
    return env


@pytest.fixture
def config(tmp_path, smtp) -> AudienceConfig:
    return load_config(audience_env(tmp_path, smtp, "https://audience.example.org"))


@pytest.fixture
def store(config) -> Store:
    store = Store(config.database)
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def mailer(config) -> Mailer:
    with Mailer(config, keep_open=True) as mailer:
        yield mailer


def add_confirmed(
    store: Store,
    email_address: str,
    confirmed_at: datetime.datetime,
    topics=("posts", "roles"),
    filters: tuple[dict, ...] = (),
    frequency: str = "immediately",
) -> int:
    """A confirmed subscriber, through the store's own sign-up and confirm statements."""
    preferences = Preferences(
        topics=frozenset(topics),
        filters=tuple(JobFilter.from_mapping(f) for f in filters),
        frequency=frequency,
    )
    subscriber_id = store.add_subscriber(email_address, preferences, None, confirmed_at)
    store.confirm_subscriber(subscriber_id, preferences, confirmed_at)
    return subscriber_id


def post(slug: str, title: str | None = None, **fields) -> dict:
    return {
        "key": f"post:{slug}",
        "kind": "post",
        "title": title or f"Post {slug}",
        "url": f"https://okafor-talent.example/posts/{slug}/",
        "summary": f"What {slug} is about.",
        "date": "2026-11-02T09:00:00+00:00",
        "category": "Hiring",
        "tags": ["candidates"],
        **fields,
    }


def role(ref: str, category="engineering", mode="hybrid", location="GB", kind="full-time", **f):
    return {
        "key": f"role:{ref}",
        "kind": "role",
        "title": f"Role {ref}",
        "url": f"https://okafor-talent.example/openings/{ref.lower()}/",
        "summary": f"The {ref} role.",
        "date": "2026-11-01T09:00:00+00:00",
        "category": category.capitalize(),
        "company": "Confidential client",
        "location": "Leeds, United Kingdom",
        "work_mode": mode.capitalize(),
        "employment_type": kind.capitalize(),
        "salary": "£70,000–£85,000 a year",
        "facets": {"category": [category], "mode": [mode], "location": [location], "type": [kind]},
        **f,
    }


def manifest(*items: dict) -> Manifest:
    return parse_manifest(
        {
            "version": 1,
            "site": {
                "name": SITE_NAME,
                "url": "https://okafor-talent.example/",
                "author": SITE_NAME,
            },
            "items": list(items),
        }
    )


# -- the audience server over HTTP ------------------------------------------------------


@dataclass
class Response:
    status: int
    body: str
    headers: dict

    @property
    def text(self) -> str:
        """The body with HTML character references decoded, for reading its words."""
        return html.unescape(self.body)

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def http(method: str, url: str, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _opener.open(request, timeout=15) as response:
            return Response(response.status, response.read().decode(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read().decode("utf-8", "replace"), dict(error.headers))


class Client:
    """A reader's browser without cookies or redirects, each request from a new network."""

    def __init__(self, server: AudienceServer):
        self.url = server.url

    def absolute(self, link: str) -> str:
        """Mails link to the public URL; the test server is the same app on loopback."""
        path = urllib.parse.urlsplit(link).path
        return self.url + path

    def get(self, path: str, headers: dict | None = None) -> Response:
        return http("GET", self._url(path), headers=headers)

    def post(self, path: str, fields=None, network: str | None = None, headers=None, raw=None):
        body = raw if raw is not None else urllib.parse.urlencode(fields or {}, doseq=True).encode()
        sent = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-For": network or new_network(),
            **(headers or {}),
        }
        return http("POST", self._url(path), body, sent)

    def subscribe(self, address: str, topics=("posts", "roles"), network=None, headers=None, **f):
        return self.post(
            "/subscribe", {"email": address, "topics": list(topics), **f}, network, headers
        )

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else self.url + path


@pytest.fixture(scope="session")
def audience(tmp_path_factory, smtp) -> AudienceServer:
    """One real audience server (gunicorn) for the session; tests use their own addresses."""
    tmp = tmp_path_factory.mktemp("audience")
    port = free_port()
    env = audience_env(
        tmp,
        smtp,
        f"http://127.0.0.1:{port}",
        AUDIENCE_PROXY_COUNT="1",
        AUDIENCE_SIGNUPS_PER_NETWORK_HOUR="5",
    )
    server = start_audience("127.0.0.1", port, env=env, log_path=tmp / "audience.log")
    yield server
    stop_audience(server)


@pytest.fixture
def client(audience) -> Client:
    return Client(audience)


@pytest.fixture
def server_store(audience) -> Store:
    """The running server's own database, read (and for send runs written) directly."""
    store = Store(audience.database)
    yield store
    store.close()
