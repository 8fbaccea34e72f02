"""The development mail catcher: files in var/mail, a page that shows mail safely."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from audience.mail import Mailer
from sitekit.audience.mailcatcher import MailCatcher, caught_messages, mail_catcher_alongside
from tests.audience.conftest import audience_env, wait_for
from tests.sitebuild import free_port

pytestmark = pytest.mark.server


def fetch(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@pytest.fixture
def catcher(tmp_path):
    catcher = MailCatcher(tmp_path / "mail", smtp_port=free_port(), web_port=0).start()
    yield catcher
    catcher.stop()


def test_caught_mail_is_kept_as_files_and_shown_safely(tmp_path, catcher):
    from audience.config import load_config
    from tests.audience.conftest import SmtpServer

    env = audience_env(
        tmp_path, SmtpServer("127.0.0.1", catcher.smtp_port, None), "https://a.example"
    )
    env["AUDIENCE_SITE_NAME"] = "Maren <b>Okafor</b>"
    config = load_config(env)
    with Mailer(config) as mailer:
        mailer.send(mailer.confirmation("reader@example.com", "c" * 43, "m" * 43))
    [caught] = wait_for(lambda: caught_messages(catcher.folder), what="a caught message")
    assert caught.path.suffix == ".eml" and caught.to == "reader@example.com"
    assert caught.path.read_bytes().startswith(b"From: ")

    status, listing, headers = fetch(catcher.web_url + "/")
    assert status == 200 and "reader@example.com" in listing
    assert "Maren &lt;b&gt;Okafor&lt;/b&gt;" in listing and "<b>Okafor</b>" not in listing
    assert "default-src 'none'" in headers["Content-Security-Policy"]

    status, page, _ = fetch(f"{catcher.web_url}/m/{caught.name}")
    assert status == 200
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
    assert "<b>Okafor</b>" not in page and "List-Unsubscribe-Post" in page
    assert '<a href="https://a.example/confirm/' in page  # the text part's links work

    status, html_part, headers = fetch(f"{catcher.web_url}/m/{caught.name}/html")
    assert status == 200 and headers["Content-Security-Policy"].startswith("sandbox")
    assert "script-src" not in headers["Content-Security-Policy"]
    assert '<base target="_blank">' in html_part

    for bad in ("/m/..%2f..%2fetc%2fpasswd", "/m/nothing.eml", "/m/x.eml/../../", "/etc"):
        assert fetch(catcher.web_url + bad)[0] == 404


def test_the_catcher_alongside_steps_aside_when_the_port_is_taken(tmp_path, catcher, capsys):
    with mail_catcher_alongside(tmp_path / "other", smtp_port=catcher.smtp_port) as second:
        assert second is None
    assert "is in use" in capsys.readouterr().out
    port = free_port()
    with mail_catcher_alongside(tmp_path / "own", smtp_port=port, web_port=0) as own:
        assert own is not None and own.smtp_port == port
    assert "stopped the mail catcher" in capsys.readouterr().out
