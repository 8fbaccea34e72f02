"""Reply notifications: the production Isso config mails a commenter who asked for it
when a reply to them is approved, through the same SMTP settings as the audience server.

Real Isso (production.cfg with test paths), real SMTP (aiosmtpd): the moderator approves
the reply with the activate link from Isso's own moderation mail.
"""

from __future__ import annotations

import importlib.util
import re
import urllib.parse

import pytest
from aiosmtpd.controller import Controller

from sitekit.comments.server import (
    PRODUCTION_CONFIG,
    development_environment,
    start_isso,
    stop_isso,
    write_config,
)
from tests.audience.conftest import RecordingHandler, http
from tests.comments.conftest import IssoClient
from tests.sitebuild import free_port, require

pytestmark = pytest.mark.server


@pytest.fixture
def mail():
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, handler
    controller.stop()


def _activate_link(handler: RecordingHandler, moderator: str) -> str:
    message = handler.to(moderator)[-1]
    found = re.search(r"Activate comment: (\S+)", message.text)
    assert found, message.text
    return found.group(1)


def test_a_commenter_hears_about_the_approved_reply(tmp_path, mail):
    require(importlib.util.find_spec("isso") is not None, "isso is not installed")
    smtp_port, handler = mail
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = write_config(
        PRODUCTION_CONFIG,
        tmp_path / "isso.cfg",
        {
            "general": {"dbpath": str(tmp_path / "comments.db"), "host": "http://127.0.0.1:9"},
            "server": {"listen": url, "public-endpoint": url},
            # A relay without AUTH on loopback; everything else from the environment.
            "smtp": {"username": "", "password": ""},
            "guard": {"enabled": "false"},
        },
    )
    moderator = "maren@example.com"
    env = development_environment(
        {
            "PATH": "/usr/bin:/bin",
            "ISSO_ADMIN_PASSWORD": "test-admin",
            "ISSO_HASH_SALT": "test-salt",
            "ISSO_NOTIFY_TO": moderator,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_SECURITY": "none",
            "MAIL_FROM": "Maren Okafor <updates@example.com>",
        }
    )
    assert env["ISSO_SMTP_SECURITY"] == "none"
    server = start_isso(config, env=env, log_path=tmp_path / "isso.log", cwd=tmp_path)
    try:
        client = IssoClient(server)
        question = client.post(
            "/posts/talk/",
            "Is the platform role open to part-time applicants?",
            author="Priya",
            email="priya@example.com",
            notification=1,
        )
        assert question.status in (201, 202), question
        question_id = question.json()["id"]
        handler.wait_for_mail(moderator, count=1)
        assert http("POST", _activate_link(handler, moderator)).status == 200

        reply = client.post(
            "/posts/talk/",
            "Yes: four days a week is fine for this client.",
            author="Maren Okafor",
            email="maren@example.com",
            parent=question_id,
        )
        assert reply.status in (201, 202), reply
        handler.wait_for_mail(moderator, count=2)  # the reply waits for approval too
        assert not handler.to("priya@example.com")  # nothing before it is approved
        assert http("POST", _activate_link(handler, moderator)).status == 200

        notice = handler.wait_for_mail("priya@example.com")[0]
        assert "four days a week" in notice.text
        assert "Maren Okafor <updates@example.com>" in str(notice.message["From"])
        assert "/unsubscribe/" in str(notice.message["List-Unsubscribe"])
        parsed = urllib.parse.urlsplit(str(notice.message["List-Unsubscribe"]).strip("<>"))
        assert parsed.netloc == f"127.0.0.1:{port}"
    finally:
        stop_isso(server)
