"""A reader, end to end: the built site's form in Chromium, the real audience server,
real SMTP, ``send-updates`` over the build's manifest, one-click unsubscribe.

Everything is real and on loopback: the site built with the real settings and served
by the dev server's handler, gunicorn running audience.wsgi, aiosmtpd receiving mail.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from audience.store import Store
from sitekit.audience import commands
from sitekit.audience.server import start_audience, stop_audience
from tests.audience.conftest import audience_env, http, new_address
from tests.browser import launch_chromium
from tests.serving import serve
from tests.sitebuild import ROOT, build, free_port

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

NEW_POST = """Title: Three questions before you accept a counter-offer
Slug: counter-offer-questions
Date: 2026-11-29 08:30
Category: Careers
Tags: counter-offers
Summary: Whether staying is a real choice comes down to what changes on Monday.

Ask what changes on Monday, who decided, and what happens next year.
"""


def new_role(source: str, slug: str, ref: str, title: str, mode: str) -> str:
    lines = []
    for line in source.splitlines():
        key = line.split(":", 1)[0]
        if key == "Slug":
            line = f"Slug: {slug}"
        elif key == "Ref":
            line = f"Ref: {ref}"
        elif key == "Title":
            line = f"Title: {title}"
        elif key == "Work_mode":
            line = f"Work_mode: {mode}"
        elif key == "Applicant_countries" and mode != "remote":
            continue
        elif key == "Date":
            line = "Date: 2026-11-29 10:00"
        lines.append(line)
        if key == "Work_mode" and mode != "remote":
            lines.append("Location: Leeds, West Yorkshire, GB")
    return "\n".join(lines) + "\n"


class World:
    """The site, its audience server and SMTP, wired together for one test."""

    def __init__(self, tmp_path: Path, smtp, monkeypatch):
        self.tmp = tmp_path
        self.smtp = smtp
        self.site_port = free_port()
        self.audience_port = free_port()
        self.site_url = f"http://127.0.0.1:{self.site_port}"
        self.audience_url = f"http://127.0.0.1:{self.audience_port}"
        self.builds = 0
        self.content = tmp_path / "content"
        shutil.copytree(ROOT / "content", self.content)
        self.env = audience_env(
            tmp_path,
            smtp,
            self.audience_url,
            AUDIENCE_SITE_URL=self.site_url + "/",
            AUDIENCE_PROXY_COUNT="0",
        )
        for name, value in self.env.items():
            if name != "PATH":
                monkeypatch.setenv(name, value)

    def build(self):
        self.builds += 1
        site = build(
            self.tmp / f"build-{self.builds}",
            self.content,
            AUDIENCE_URL=self.audience_url,
            SITE_ORIGIN=self.site_url,
            FEED_DOMAIN=self.site_url,
            BUILD_TODAY="2026-11-30",
            CACHE_PATH=str(self.tmp / "cache"),
        )
        assert site.report.ok, site.report.problems + site.report.errors
        shutil.rmtree(self.tmp / "site", ignore_errors=True)
        shutil.copytree(site.output, self.tmp / "site")  # what the served folder holds
        return site

    def send_updates(self, capsys) -> str:
        capsys.readouterr()
        assert commands.send_updates(self.tmp / "site" / "feeds" / "updates.json") == 0
        return capsys.readouterr().out

    def state(self, address: str) -> str | None:
        store = Store(self.tmp / "audience.db")
        try:
            found = store.subscriber_by_email(address)
            return found.state if found else None
        finally:
            store.close()


def _sign_up_in_chromium(page, url: str, form: str, address: str) -> None:
    page.goto(url)
    page.fill(f"#{form}-email", address)
    page.click(f"#{form} button[type=submit]")
    page.wait_for_url("**/subscribe/check-your-inbox/")
    assert page.locator("h1").inner_text() == "Check your inbox"


def test_reader_subscribes_confirms_gets_one_email_and_unsubscribes(
    tmp_path, smtp, monkeypatch, capsys
):
    world = World(tmp_path, smtp, monkeypatch)
    world.build()
    reader, candidate = new_address("reader"), new_address("candidate")
    (tmp_path / "site").mkdir(exist_ok=True)
    server = start_audience(
        "127.0.0.1", world.audience_port, env=world.env, log_path=tmp_path / "audience.log"
    )
    try:
        with serve(tmp_path / "site", port=world.site_port), launch_chromium() as chromium:
            # A reader without JavaScript signs up under a post; a candidate with it
            # asks for remote roles from the remote filter page.
            no_js = chromium.new_context(java_script_enabled=False)
            _sign_up_in_chromium(
                no_js.new_page(),
                f"{world.site_url}/posts/still-friends-after-no/",
                "post-subscribe",
                reader,
            )
            with_js = chromium.new_context()
            _sign_up_in_chromium(
                with_js.new_page(),
                f"{world.site_url}/openings/remote/",
                "alert-subscribe",
                candidate,
            )

            confirmation = smtp.handler.wait_for_mail(reader)[0]
            assert confirmation.subject.startswith("Confirm")
            link = confirmation.link("confirm")
            page = no_js.new_page()
            page.goto(link)  # opening the link (as a mail scanner would) changes nothing
            assert world.state(reader) == "unconfirmed"
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert world.state(reader) == "confirmed"
            welcome = smtp.handler.wait_for_mail(reader, count=2)[1]
            assert "preferences" in welcome.text

            candidate_link = smtp.handler.wait_for_mail(candidate)[0].link("confirm")
            assert http("POST", candidate_link).status == 200
            assert world.state(candidate) == "confirmed"

        # The first run ever knows everything already on the site and mails nobody.
        assert "first run" in world.send_updates(capsys)
        before = {reader: len(smtp.handler.to(reader)), candidate: len(smtp.handler.to(candidate))}

        # A new post, a new remote role and a new on-site role go up.
        (world.content / "posts" / "counter-offer-questions.md").write_text(NEW_POST)
        base = (world.content / "openings" / "data-engineer-contract.md").read_text()
        (world.content / "openings" / "analytics-remote.md").write_text(
            new_role(base, "analytics-remote", "OTP-2026-101", "Analytics Engineer", "remote")
        )
        (world.content / "openings" / "analytics-leeds.md").write_text(
            new_role(base, "analytics-leeds", "OTP-2026-102", "Data Analyst in Leeds", "onsite")
        )
        world.build()
        world.send_updates(capsys)

        to_reader = smtp.handler.to(reader)[before[reader] :]
        assert len(to_reader) == 1  # exactly one email with everything new
        digest = to_reader[0]
        assert "Three questions before you accept a counter-offer" in digest.text
        assert "Analytics Engineer" in digest.text and "Data Analyst in Leeds" in digest.text
        assert f"{world.site_url}/posts/counter-offer-questions/" in digest.html
        assert "Still friends" not in digest.text  # nothing that was there already

        to_candidate = smtp.handler.to(candidate)[before[candidate] :]
        assert len(to_candidate) == 1
        assert "Analytics Engineer" in to_candidate[0].text
        assert "Data Analyst in Leeds" not in to_candidate[0].text  # on-site: not their filter
        assert "counter-offer" not in to_candidate[0].text.lower()  # they asked for roles only

        # A second run has nothing new for anyone.
        world.send_updates(capsys)
        assert len(smtp.handler.to(reader)) == before[reader] + 1

        # One click from the mail client: a POST to List-Unsubscribe, no redirect.
        header = str(digest.message["List-Unsubscribe"])
        assert digest.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = header.split("<", 1)[1].split(">", 1)[0]
        answer = http(
            "POST",
            unsubscribe,
            b"List-Unsubscribe=One-Click",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status == 200 and answer.header("Location") is None
        assert world.state(reader) == "unsubscribed"

        later = NEW_POST.replace("counter-offer-questions", "after-the-counter-offer").replace(
            "Three questions", "Six months after"
        )
        (world.content / "posts" / "after-the-counter-offer.md").write_text(later)
        world.build()
        world.send_updates(capsys)
        assert len(smtp.handler.to(reader)) == before[reader] + 1  # nothing after unsubscribing
    finally:
        stop_audience(server)
