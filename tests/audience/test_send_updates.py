"""send_updates: who gets what, once, through a real SMTP server and a real database."""

from __future__ import annotations

import datetime
import json
import os
import random
import signal
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from audience.app import create_app
from audience.mail import Mailer
from audience.model import JobFilter
from audience.updates import RoleIndex, parse_manifest, send_updates
from tests.audience.conftest import (
    add_confirmed,
    audience_env,
    manifest,
    new_address,
    post,
    role,
)
from tests.sitebuild import ROOT

pytestmark = pytest.mark.server
T0 = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC)


def at(hours: float) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=hours)


def run(store, mailer, now, *items, dry_run=False, out=None):
    lines = []
    report = send_updates(
        store, manifest(*items), mailer, now=now, dry_run=dry_run, out=out or lines.append
    )
    return report, lines


def test_first_run_sends_nothing_then_one_mail_with_both_new_items(store, mailer, smtp):
    address = new_address()
    add_confirmed(store, address, at(-48))
    report, _ = run(store, mailer, at(0), post("old-post"), role("OLD-1"))
    assert report.first_run and report.known_items == 2 and report.sent == 0
    assert smtp.handler.to(address) == []

    items = (post("old-post"), role("OLD-1"), post("new-post"), role("ENG-042"))
    report, _ = run(store, mailer, at(1), *items)
    assert (report.new_items, report.recipients, report.sent) == (2, 1, 1)
    [digest] = smtp.handler.to(address)
    assert digest.subject == "Maren Okafor: 1 new role and 1 new post"
    assert "Post new-post" in digest.text and "Role ENG-042" in digest.text
    assert "old-post" not in digest.text and "OLD-1" not in digest.text
    assert digest.text.index("NEW POSTS") < digest.text.index("NEW ROLES")
    assert "£70,000–£85,000 a year" in digest.text
    assert "Confidential client · Leeds, United Kingdom · Hybrid · Full-time" in digest.text

    report, _ = run(store, mailer, at(2), *items)
    assert (report.new_items, report.recipients, report.sent) == (0, 0, 0)
    assert len(smtp.handler.to(address)) == 1
    keys = [sent.item_key for sent in store.sent_items(store.subscriber_by_email(address).id)]
    assert sorted(keys) == ["post:new-post", "role:ENG-042"]


def test_a_filtered_subscriber_gets_only_matching_roles(store, mailer, smtp):
    remote_eng, sales, everything, posts_only = (new_address() for _ in range(4))
    add_confirmed(
        store, remote_eng, at(-1), filters=({"category": "engineering", "mode": "remote"},)
    )
    add_confirmed(store, sales, at(-1), topics=("roles",), filters=({"category": "sales"},))
    add_confirmed(store, everything, at(-1), topics=("roles",))
    add_confirmed(store, posts_only, at(-1), topics=("posts",))
    run(store, mailer, at(0))
    roles = [
        role("R1", category="engineering", mode="remote"),
        role("R2", category="engineering", mode="onsite"),
        role("R3", category="sales", mode="remote", location="*"),
    ]
    report, _ = run(store, mailer, at(1), *roles)
    assert report.recipients == 3 and report.sent == 3
    [mail] = smtp.handler.to(remote_eng)
    assert mail.subject == "New role: Role R1"
    assert "Role R2" not in mail.text and "Role R3" not in mail.text
    assert "Matching your job alerts: Engineering · Remote." in mail.text
    [mail] = smtp.handler.to(sales)
    assert "Role R3" in mail.text and "Role R1" not in mail.text
    [mail] = smtp.handler.to(everything)
    assert all(f"Role R{n}" in mail.text for n in (1, 2, 3))
    assert smtp.handler.to(posts_only) == []


def test_items_live_before_someone_subscribed_are_never_sent_to_them(store, mailer, smtp):
    early, late = new_address(), new_address()
    add_confirmed(store, early, at(-5))
    run(store, mailer, at(0))
    run(store, mailer, at(1), post("a"))  # first seen at 1h: new to `early` only
    add_confirmed(store, late, at(2))
    report, _ = run(store, mailer, at(3), post("a"), role("B"))
    assert [m.subject for m in smtp.handler.to(early)] == ["New post: Post a", "New role: Role B"]
    [mail] = smtp.handler.to(late)
    assert mail.subject == "New role: Role B" and "Post a" not in mail.text
    # A role that closes (leaves the manifest) before a run is not mailed at all.
    run(store, mailer, at(4), post("a"), role("B"), role("GONE"))  # mailed now
    run(store, mailer, at(5), post("a"), role("B"))
    assert len(smtp.handler.to(late)) == 2


def test_the_digest_carries_list_headers_and_working_footer_links(store, mailer, smtp, config):
    address = new_address()
    add_confirmed(store, address, at(-1))
    run(store, mailer, at(0))
    run(store, mailer, at(1), post("headers"))
    [mail] = smtp.handler.to(address)
    headers = mail.message
    unsubscribe = mail.link("unsubscribe")
    assert headers["List-Unsubscribe"] == (
        f"<{unsubscribe}>, <mailto:updates@okafor-talent.example?subject=unsubscribe>"
    )
    assert unsubscribe.startswith("https://audience.example.org/unsubscribe/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Id"] == "Maren Okafor <updates.okafor-talent.example>"
    assert (
        headers["Message-ID"].startswith("<") and "@okafor-talent.example>" in headers["Message-ID"]
    )
    assert headers["Date"] and headers["To"] == address
    assert "/preferences/" in mail.text and "/preferences/" in mail.html
    assert unsubscribe in mail.html


def test_one_click_unsubscribe_from_a_digest_stops_the_next_one(config, store, mailer, smtp):
    """The app itself (in process, same database) answers the mail client's POST."""
    web = create_app(config, mailer=Mailer(config)).test_client()
    address = new_address()
    web.post("/subscribe", data={"email": address, "topics": "posts"})
    [mail] = smtp.handler.wait_for_mail(address)
    web.post(urlsplit(mail.link("confirm")).path)
    run(store, mailer, at(0), post("before"))
    report, _ = send_updates(store, manifest(post("before"), post("one")), mailer), None
    digests = [m for m in smtp.handler.to(address) if m.subject.startswith("New post")]
    assert [m.subject for m in digests] == ["New post: Post one"]

    one_click = digests[0].message["List-Unsubscribe"].split(">")[0].lstrip("<")
    answer = web.post(
        urlsplit(one_click).path,
        data=b"List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200 and "Location" not in answer.headers
    assert store.subscriber_by_email(address).state == "unsubscribed"
    report = send_updates(store, manifest(post("before"), post("one"), post("two")), mailer)
    assert report.new_items == 1 and report.recipients == 0
    assert not [m for m in smtp.handler.to(address) if "Post two" in m.text]


def test_temporary_refusals_are_retried_then_deferred_to_the_next_run(store, mailer, smtp):
    flaky, down, fine = new_address(), new_address(), new_address()
    for address in (flaky, down, fine):
        add_confirmed(store, address, at(-1))
    run(store, mailer, at(0))
    smtp.handler.refuse(flaky, 451, "Try again later", times=2)  # retries get it through
    smtp.handler.refuse(down, 452, "Mailbox busy")  # always, for this run
    report, lines = run(store, mailer, at(1), post("p"))
    assert (report.sent, report.deferred, report.bounced) == (2, 1, 0)
    assert len(smtp.handler.to(flaky)) == 1 and len(smtp.handler.to(fine)) == 1
    assert any("deferred r***@example.com" in line and "452" in line for line in lines)
    assert store.subscriber_by_email(down).state == "confirmed"

    smtp.handler.reset()
    report, _ = run(store, mailer, at(2), post("p"))
    assert (report.recipients, report.sent, report.deferred) == (1, 1, 0)
    assert [len(smtp.handler.to(a)) for a in (flaky, down, fine)] == [1, 1, 1]


def test_a_permanent_refusal_marks_the_address_bouncing(store, mailer, smtp):
    gone, fine = new_address(), new_address()
    add_confirmed(store, gone, at(-1))
    add_confirmed(store, fine, at(-1))
    run(store, mailer, at(0))
    smtp.handler.refuse(gone, 550, "5.1.1 No such user")
    report, lines = run(store, mailer, at(1), post("p"))
    assert (report.sent, report.bounced) == (1, 1)
    assert store.subscriber_by_email(gone).state == "bouncing"
    assert any("bouncing" in line and "550" in line for line in lines)
    smtp.handler.reset()
    report, _ = run(store, mailer, at(2), post("p"), post("q"))
    assert report.recipients == 1
    assert smtp.handler.to(gone) == []


def test_weekly_subscribers_get_one_mail_a_week_with_everything_new(store, mailer, smtp):
    address = new_address()
    add_confirmed(store, address, at(-1), frequency="weekly")
    run(store, mailer, at(0))
    run(store, mailer, at(1), post("a"))
    assert [m.subject for m in smtp.handler.to(address)] == ["New post: Post a"]
    items = [post("a")]
    for day, slug in ((1, "b"), (3, "c"), (6, "d")):
        items.append(post(slug))
        report, _ = run(store, mailer, at(1 + 24 * day), *items)
        assert report.sent == 0
    report, _ = run(store, mailer, at(1 + 24 * 7), *items)
    assert report.sent == 1
    digest = smtp.handler.to(address)[-1]
    assert digest.subject == "Maren Okafor: 3 new posts"
    assert all(f"Post {slug}" in digest.text for slug in "bcd") and "Post a" not in digest.text


def test_a_dry_run_says_who_would_get_what_and_records_nothing(store, mailer, smtp):
    address = new_address()
    add_confirmed(store, address, at(-1))
    report, lines = run(store, mailer, at(0), post("x"), dry_run=True)
    assert report.first_run and not store.updates_started()
    run(store, mailer, at(0), post("x"))
    report, lines = run(store, mailer, at(1), post("x"), post("y"), role("Z"), dry_run=True)
    assert report.dry_run and report.recipients == 1
    assert lines == ["would send to r***@example.com: post:y, role:Z"]
    assert report.line() == (
        "dry run: 2 new item(s); 1 recipient(s); would send 1, deferred 0, bounced 0"
    )
    assert smtp.handler.to(address) == [] and set(store.first_seen()) == {"post:x"}
    report, _ = run(store, mailer, at(2), post("x"), post("y"), role("Z"))
    assert report.sent == 1


def test_a_run_killed_halfway_resumes_without_duplicates(tmp_path, smtp, store):
    """The real command in a subprocess, killed by the SMTP server while it sends."""
    addresses = [new_address("kill") for _ in range(8)]
    for address in addresses:
        add_confirmed(store, address, at(-1))
    path = tmp_path / "updates.json"

    def write(*items):
        data = {"version": 1, "site": {"name": "M", "url": "https://m.example/", "author": "M"}}
        path.write_text(json.dumps({**data, "items": list(items)}), encoding="utf-8")

    env = {
        **audience_env(tmp_path, smtp, "https://audience.example.org"),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "sitekit.audience", "send-updates", str(path)]
    write(post("known"))
    assert subprocess.run(command, env=env, cwd=ROOT, capture_output=True).returncode == 0
    write(post("known"), post("fresh"))
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE)
    start = smtp.handler.data_count

    def kill_at_the_fourth(number: int):
        if number - start == 4:
            os.kill(process.pid, signal.SIGKILL)  # the client never hears the answer
            return "451 Closing"
        return None

    smtp.handler.on_data = kill_at_the_fourth
    process.wait(30)
    assert process.returncode == -signal.SIGKILL
    smtp.handler.reset()
    delivered = [a for a in addresses if smtp.handler.to(a)]
    assert len(delivered) == 3

    resumed = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "0 new item(s); 5 recipient(s); sent 5, deferred 0, bounced 0" in resumed.stdout
    assert [len(smtp.handler.to(a)) for a in addresses] == [1] * 8
    again = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert "0 recipient(s); sent 0" in again.stdout


def test_role_matching_agrees_with_the_plain_rule():
    """The index (set intersections, cached) gives what JobFilter.matches gives, always."""
    rng = random.Random(7)
    values = {
        "category": ["engineering", "sales", "design"],
        "mode": ["remote", "hybrid", "onsite"],
        "location": ["gb", "de", "*"],
        "type": ["full-time", "contract"],
    }
    roles = []
    for n in range(60):
        facets = {k: rng.sample(v, rng.randint(1, 2)) for k, v in values.items()}
        roles.append(role(f"P{n}", facets=facets))
    items = parse_manifest(
        {"version": 1, "site": {"name": "M", "url": "https://m.example/"}, "items": roles}
    ).items
    index = RoleIndex(items)
    for _ in range(200):
        alerts = tuple(
            JobFilter.from_mapping(
                {k: rng.choice(v) for k, v in values.items() if rng.random() < 0.5 and k != "x"}
            )
            for _ in range(rng.randint(1, 3))
        )
        alerts = tuple(a for a in alerts if a.as_dict() and a.location != "*")
        expected = {
            item.key for item in items if not alerts or any(a.matches(item.facets) for a in alerts)
        }
        assert index.matching(alerts) == expected
