"""The mails themselves (what they say, and don't) and SMTP over none, STARTTLS and TLS."""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import re
import ssl
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from audience.app import create_app
from audience.config import ConfigError, SmtpSettings, load_config
from audience.mail import Mailer, MailSetupError, TemporaryFailure, digest_subject
from audience.updates import send_updates
from tests.audience.conftest import (
    RecordingHandler,
    SmtpServer,
    add_confirmed,
    audience_env,
    manifest,
    new_address,
    post,
    role,
)
from tests.sitebuild import free_port

pytestmark = pytest.mark.server
HREF = re.compile(r'href="([^"]*)"')


def test_the_confirmation_mail_holds_nothing_the_visitor_typed_but_the_address(config, smtp):
    web = create_app(config, mailer=Mailer(config)).test_client()
    address = new_address("typed")
    typed = {
        "email": address,
        "topics": ["posts", "roles"],
        "category": "zqxcategory",
        "mode": "zqxmode",
        "location": "zqxloc",
        "type": "zqxtype",
        "source": "/posts/zqxsource/",
        "frequency": "weekly",
    }
    assert web.post("/subscribe", data=typed).status_code == 303
    [mail] = smtp.handler.wait_for_mail(address)
    raw = mail.raw.decode("utf-8", "replace")
    for value in ("zqx", "weekly", "posts/"):
        assert value not in raw and value not in mail.text and value not in mail.html
    assert address in mail.text and address in mail.html
    assert [str(mail.message[h]) for h in ("To", "Subject")] == [
        address,
        "Confirm your subscription to Maren Okafor",
    ]


def test_every_mail_has_both_parts_inlined_styles_and_absolute_links(config, store, mailer, smtp):
    web = create_app(config, mailer=Mailer(config)).test_client()
    address = new_address()
    web.post("/subscribe", data={"email": address, "topics": ["posts", "roles"]})
    [confirmation] = smtp.handler.wait_for_mail(address)
    web.post("/confirm/" + confirmation.link("confirm").rsplit("/", 1)[1])
    web.post("/subscribe", data={"email": address, "topics": ["roles"], "category": "design"})
    send_updates(store, manifest(), mailer, out=lambda line: None)
    send_updates(store, manifest(post("p"), role("R")), mailer, out=lambda line: None)
    mails = smtp.handler.wait_for_mail(address, 4)
    subjects = [m.subject for m in mails]
    assert subjects == [
        "Confirm your subscription to Maren Okafor",
        "Welcome: you're subscribed to Maren Okafor",
        "You're already subscribed to Maren Okafor",
        "Maren Okafor: 1 new role and 1 new post",
    ]
    for mail in mails:
        assert mail.message.get_content_type() == "multipart/alternative"
        html = mail.html
        assert '<meta name="color-scheme" content="light dark">' in html
        assert "@media (prefers-color-scheme: dark)" in html
        assert 'style="' in html and "<img" not in html and "<script" not in html
        links = HREF.findall(html)
        assert links and all(link.startswith(("https://", "http://")) for link in links)
        assert any("/unsubscribe/" in link for link in links)
        assert any("/preferences/" in link for link in links)
        assert "Unsubscribe:" in mail.text and "Change what you get:" in mail.text
        for header in ("List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Message-ID"):
            assert mail.message[header], (mail.subject, header)
        assert mail.message["Date"]


def test_author_text_is_escaped_in_html_and_never_breaks_a_header(store, mailer, smtp):
    address = new_address()
    add_confirmed(store, address, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    send_updates(store, manifest(), mailer, out=lambda line: None)
    nasty = post("nasty", title="Fish & <b>chips</b>", summary="<script>alert(1)</script>")
    send_updates(store, manifest(nasty), mailer, out=lambda line: None)
    [mail] = smtp.handler.to(address)
    assert mail.subject == "New post: Fish & <b>chips</b>"
    assert "Fish &amp; &lt;b&gt;chips&lt;/b&gt;" in mail.html
    assert "&lt;script&gt;" in mail.html and "<script>" not in mail.html
    assert "<script>alert(1)</script>" in mail.text  # plain text stays plain


def test_digest_subjects_say_what_is_inside():
    class Item:
        title = "Senior Platform Engineer"

    one = [Item()]
    assert digest_subject([], one, "M") == "New role: Senior Platform Engineer"
    assert digest_subject(one, [], "M") == "New post: Senior Platform Engineer"
    assert digest_subject(one * 2, one * 3, "M") == "M: 3 new roles and 2 new posts"


def test_print_one_of_each_mail_for_a_human_to_read(config, store, mailer, smtp):
    """Not an assertion of taste: prints each mail's text part (pytest -s shows it)."""
    web = create_app(config, mailer=Mailer(config)).test_client()
    address = new_address("read")
    web.post("/subscribe", data={"email": address, "topics": ["posts", "roles"]})
    [confirmation] = smtp.handler.wait_for_mail(address)
    web.post("/confirm/" + confirmation.link("confirm").rsplit("/", 1)[1])
    web.post("/subscribe", data={"email": address, "topics": ["roles"], "mode": "remote"})
    send_updates(store, manifest(), mailer, out=lambda line: None)
    items = [
        post("still-friends-after-no", title="Can we still be friends after a no?"),
        role("E1"),
    ]
    send_updates(store, manifest(*items), mailer, out=lambda line: None)
    mails = smtp.handler.wait_for_mail(address, 4)
    for mail in mails:
        print(f"\n===== {mail.subject} =====\n{mail.text}")
    assert len(mails) == 4


# -- SMTP security --------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, and a client context that trusts it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    return server, ssl.create_default_context(cafile=str(cert_file))


def _login(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"updates" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_out_over_starttls_and_tls_with_login(tmp_path, certificate, security):
    server_context, client_context = certificate
    handler = RecordingHandler()
    port = free_port()
    options = {"authenticator": _login}
    if security == "starttls":
        options |= {"tls_context": server_context, "require_starttls": True}
    else:  # the whole connection is TLS (aiosmtpd cannot tell, so AUTH is allowed plainly)
        options |= {"ssl_context": server_context, "auth_require_tls": False}
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        env = audience_env(
            tmp_path, SmtpServer("127.0.0.1", port, handler), "https://audience.example.org"
        )
        env |= {"SMTP_SECURITY": security, "SMTP_USERNAME": "updates", "SMTP_PASSWORD": "s3cret"}
        config = load_config(env)
        with Mailer(config, ssl_context=client_context) as mailer:
            mailer.send(mailer.confirmation("tls@example.com", "c" * 43, "m" * 43))
        assert [m.recipients for m in handler.messages] == [["tls@example.com"]]

        wrong = dataclasses.replace(config, smtp=dataclasses.replace(config.smtp, password="no"))
        with pytest.raises(MailSetupError, match="login refused"):
            Mailer(wrong, ssl_context=client_context).send(
                Mailer(wrong).confirmation("tls@example.com", "c" * 43, "m" * 43)
            )
        # Without trusting the certificate, the connection is refused, not downgraded.
        with pytest.raises(MailSetupError, match="TLS failed"):
            Mailer(config).send(Mailer(config).confirmation("x@example.com", "c" * 43, "m" * 43))
    finally:
        controller.stop()


def test_an_unreachable_server_is_a_temporary_failure_after_retries(config):
    closed = dataclasses.replace(
        config, smtp=SmtpSettings(port=free_port(), retries=2, retry_delay=0.01, timeout=2)
    )
    waits = []
    mailer = Mailer(closed, sleep=waits.append)
    with pytest.raises(TemporaryFailure, match="connection failed"):
        mailer.send(mailer.confirmation("x@example.com", "c" * 43, "m" * 43))
    assert waits == [0.01, 0.02]


def test_sending_is_throttled_to_mail_rate(config, smtp):
    mailer = Mailer(dataclasses.replace(config, mail_rate=20), keep_open=True)
    address = new_address()
    message = mailer.confirmation(address, "c" * 43, "m" * 43)
    started = time.monotonic()
    for _ in range(5):
        mailer.send(message)
    elapsed = time.monotonic() - started
    mailer.close()
    assert len(smtp.handler.to(address)) == 5
    assert elapsed >= 4 / 20 - 0.01  # five messages at 20 a second: four intervals


def test_settings_are_checked_with_one_clear_line(tmp_path, smtp):
    base = audience_env(tmp_path, smtp, "https://audience.example.org")
    bad = [
        ({"SMTP_SECURITY": "ssl"}, "SMTP_SECURITY: 'ssl' (allowed: none, starttls, tls)"),
        ({"SMTP_PORT": "smtp"}, "SMTP_PORT: 'smtp' is not a whole number"),
        ({"SMTP_PORT": "70000"}, "SMTP_PORT: '70000' is out of range"),
        ({"MAIL_RATE": "-1"}, "MAIL_RATE: '-1' is out of range"),
        ({"AUDIENCE_SITE_URL": "okafor.example"}, "AUDIENCE_SITE_URL: 'okafor.example' is not"),
        ({"MAIL_FROM": "nobody"}, "MAIL_FROM: 'nobody' has no address"),
        (
            {"SMTP_HOST": "smtp.example.net", "SMTP_SECURITY": "none", "SMTP_USERNAME": "u"},
            "unencrypted",
        ),
    ]
    for extra, message in bad:
        with pytest.raises(ConfigError) as caught:
            load_config({**base, **extra, "SMTP_PASSWORD": "hunter2"})
        assert message in str(caught.value)
        assert "hunter2" not in str(caught.value)
    defaults = load_config({})
    assert (defaults.smtp.host, defaults.smtp.port, defaults.smtp.security) == (
        "127.0.0.1",
        1025,
        "none",
    )
    assert defaults.database.name == "audience.db" and defaults.database.parent.name == "var"
    assert "hunter2" not in repr(load_config({**base, "SMTP_PASSWORD": "hunter2"}))
