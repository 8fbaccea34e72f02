"""Mail to subscribers: messages built from the theme's email templates, sent over SMTP.

Each message has a plain text part and an HTML part rendered from
``theme/templates/email/`` (autoescaped), with the theme's email CSS inlined by
css_inline at send time (``@media`` rules, such as dark mode, stay in a style tag).
Every message carries the subscriber's own preferences and unsubscribe links, in the
footer and in ``List-Unsubscribe`` (RFC 8058 one-click). Only the validated address
goes into a header: nothing a reader typed does.

Sending is throttled to ``MAIL_RATE`` messages a second; a temporary refusal (4xx, a
dropped connection) is retried with a doubling wait, then reported as
`TemporaryFailure`; a permanent refusal of the recipient (5xx) as `RecipientRefused`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

import css_inline
import idna
import jinja2

from audience.config import AudienceConfig, SmtpSettings
from audience.model import Subscriber, utc_now


class MailError(Exception):
    """Mail that was not sent."""


class TemporaryFailure(MailError):
    """The server said "later" (4xx) or could not be reached: try again in a later run."""


class RecipientRefused(MailError):
    """The server refused this recipient for good (5xx): stop mailing the address."""


class MailSetupError(MailError):
    """Our side is wrong (login, sender, TLS): no message can go out until it is fixed."""


def ascii_address(email: str) -> str:
    """The address as SMTP and headers carry it: an IDN domain in its xn-- form."""
    local, _, domain = email.rpartition("@")
    if domain.isascii():
        return email
    return f"{local}@{idna.encode(domain).decode('ascii')}"


def long_date(value: datetime.datetime | datetime.date | None) -> str:
    """``2 November 2026``: how dates read in mail."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def digest_subject(posts: Sequence[Any], roles: Sequence[Any], site_name: str) -> str:
    """One item: its title; more: how many of each, so the inbox line says what's inside."""
    if len(posts) + len(roles) == 1:
        item, kind = (posts[0], "post") if posts else (roles[0], "role")
        return f"New {kind}: {item.title}"
    parts = []
    if roles:
        parts.append(f"{len(roles)} new role" + ("s" if len(roles) != 1 else ""))
    if posts:
        parts.append(f"{len(posts)} new post" + ("s" if len(posts) != 1 else ""))
    return f"{site_name}: {' and '.join(parts)}"


class Mailer:
    """Builds the subscriber mails and sends them; one per process (or per send run).

    ``keep_open`` reuses one SMTP connection (a send run, one thread); otherwise each
    message has its own connection, which is safe from any thread (the web app).
    """

    def __init__(
        self,
        config: AudienceConfig,
        *,
        keep_open: bool = False,
        retries: int | None = None,
        retry_delay: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.config = config
        self.smtp: SmtpSettings = dataclasses.replace(
            config.smtp,
            retries=config.smtp.retries if retries is None else retries,
            retry_delay=config.smtp.retry_delay if retry_delay is None else retry_delay,
        )
        self.keep_open = keep_open
        self._ssl_context = ssl_context
        self._sleep = sleep
        self._lock = threading.Lock()
        self._connection: smtplib.SMTP | None = None
        self._next_slot = 0.0
        loader = jinja2.FileSystemLoader(str(config.email_templates))
        self._html = jinja2.Environment(
            loader=loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._text = jinja2.Environment(
            loader=loader,
            autoescape=False,  # noqa: S701 - plain text parts, never shown as HTML
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        for env in (self._html, self._text):
            env.filters["long_date"] = long_date
        self._inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
        self._css = (config.email_templates / "email.css").read_text(encoding="utf-8")

    # -- the messages ----------------------------------------------------------------------

    def confirmation(self, email: str, confirm_token: str, manage_token: str) -> EmailMessage:
        """Asks to confirm; carries nothing the visitor typed except the address itself."""
        return self._message(
            "confirmation",
            email,
            f"Confirm your subscription to {self.config.site_name}",
            manage_token,
            confirm_url=self.config.public_link(f"confirm/{confirm_token}"),
            days=self.config.confirm_days,
        )

    def already_subscribed(
        self, email: str, manage_token: str, add_token: str | None = None
    ) -> EmailMessage:
        """Someone signed up with an address that is already subscribed: nothing changed."""
        add_url = self.config.public_link(f"confirm/{add_token}") if add_token else None
        return self._message(
            "already-subscribed",
            email,
            f"You're already subscribed to {self.config.site_name}",
            manage_token,
            add_url=add_url,
            days=self.config.confirm_days,
        )

    def welcome(self, subscriber: Subscriber, manage_token: str) -> EmailMessage:
        return self._message(
            "welcome",
            subscriber.email,
            f"Welcome: you're subscribed to {self.config.site_name}",
            manage_token,
            preferences=subscriber.preferences,
        )

    def digest(
        self,
        subscriber: Subscriber,
        posts: Sequence[Any],
        roles: Sequence[Any],
        manage_token: str,
    ) -> EmailMessage:
        """The new posts and roles for one subscriber (items as in the site's manifest)."""
        return self._message(
            "digest",
            subscriber.email,
            digest_subject(posts, roles, self.config.site_name),
            manage_token,
            posts=posts,
            roles=roles,
            preferences=subscriber.preferences,
            openings_url=self.config.site_link("openings/"),
        )

    def _message(
        self, template: str, email: str, subject: str, manage_token: str, **context
    ) -> EmailMessage:
        config = self.config
        context |= {
            "site_name": config.site_name,
            "site_url": config.site_url,
            "author": config.author,
            "recipient": email,
            "subject": subject,
            "preferences_url": config.public_link(f"preferences/{manage_token}"),
            "unsubscribe_url": config.public_link(f"unsubscribe/{manage_token}"),
        }
        text = self._text.get_template(f"{template}.txt").render(context)
        html = self._html.get_template(f"{template}.html").render(context, css=self._css)
        message = EmailMessage(policy=SMTP_POLICY)
        name, sender = parseaddr(config.mail_from)
        message["From"] = Address(display_name=name, addr_spec=sender)
        message["To"] = Address(addr_spec=ascii_address(email))
        message["Subject"] = subject
        message["Date"] = format_datetime(utc_now())
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        message["List-Id"] = f"{config.site_name} <{config.list_id}>"
        message["List-Unsubscribe"] = (
            f"<{context['unsubscribe_url']}>, <mailto:{sender}?subject=unsubscribe>"
        )
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
        message.set_content(text, cte="quoted-printable")
        message.add_alternative(self._inliner.inline(html), subtype="html", cte="quoted-printable")
        return message

    # -- sending ----------------------------------------------------------------------------

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the SMTP server, throttled, retrying temporary failures."""
        delay = self.smtp.retry_delay
        for attempt in range(self.smtp.retries + 1):
            self._throttle()
            try:
                self._deliver(message)
                return
            except TemporaryFailure:
                if attempt == self.smtp.retries:
                    raise
                self._sleep(delay)
                delay *= 2

    def close(self) -> None:
        with self._lock:
            self._drop_connection(polite=True)

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _throttle(self) -> None:
        if self.config.mail_rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.config.mail_rate
        if slot > now:
            self._sleep(slot - now)

    def _deliver(self, message: EmailMessage) -> None:
        sender = parseaddr(str(message["From"]))[1]
        recipient = parseaddr(str(message["To"]))[1]
        with self._lock if self.keep_open else contextlib.nullcontext():
            try:
                reused = self._connection is not None
                connection = self._connection or self._open()
                try:
                    connection.send_message(message, from_addr=sender, to_addrs=[recipient])
                except smtplib.SMTPServerDisconnected:
                    if not reused:
                        raise
                    # The server closed an idle connection: one fresh try, not a retry.
                    self._connection = None
                    connection = self._open()
                    connection.send_message(message, from_addr=sender, to_addrs=[recipient])
            except MailError:
                self._drop_connection()
                raise
            except Exception as error:
                self._drop_connection()
                raise _classify(error, recipient) from None
            if self.keep_open:
                self._connection = connection
            else:
                _quit(connection)

    def _open(self) -> smtplib.SMTP:
        smtp = self.smtp
        context = self._ssl_context or ssl.create_default_context()
        try:
            if smtp.security == "tls":
                connection = smtplib.SMTP_SSL(
                    smtp.host, smtp.port, timeout=smtp.timeout, context=context
                )
            else:
                connection = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
            if smtp.security == "starttls":
                connection.starttls(context=context)
            if smtp.username:
                connection.login(smtp.username, smtp.password)
        except smtplib.SMTPNotSupportedError as error:
            raise MailSetupError(f"{smtp.host}:{smtp.port}: {error}") from None
        except smtplib.SMTPAuthenticationError as error:
            raise MailSetupError(
                f"{smtp.host}:{smtp.port}: login refused for SMTP_USERNAME ({error.smtp_code})"
            ) from None
        except ssl.SSLError as error:
            raise MailSetupError(f"{smtp.host}:{smtp.port}: TLS failed ({error})") from None
        return connection

    def _drop_connection(self, polite: bool = False) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            if polite:
                _quit(connection)
            else:
                connection.close()


def _classify(error: Exception, recipient: str) -> MailError:
    """Sort an SMTP failure into: try later, stop mailing this address, fix the setup."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (450, b""))
        return _by_code(code, text, recipient)
    if isinstance(error, smtplib.SMTPSenderRefused):
        if 400 <= error.smtp_code < 500:
            return TemporaryFailure(f"sender refused for now: {error.smtp_code}")
        return MailSetupError(f"the SMTP server refuses our sender (MAIL_FROM): {error.smtp_code}")
    if isinstance(error, smtplib.SMTPDataError):
        return _by_code(error.smtp_code, error.smtp_error, recipient)
    if isinstance(error, smtplib.SMTPResponseException):
        if 400 <= error.smtp_code < 500 or isinstance(error, smtplib.SMTPConnectError):
            return TemporaryFailure(f"{error.smtp_code} {_text(error.smtp_error)}")
        detail = f"{error.smtp_code} {_text(error.smtp_error)}"
        return MailSetupError(f"the SMTP server answered {detail}")
    if isinstance(error, smtplib.SMTPServerDisconnected | OSError | socket.timeout):
        return TemporaryFailure(f"connection failed: {error}")
    if isinstance(error, smtplib.SMTPException):
        return TemporaryFailure(str(error))
    raise error


def _by_code(code: int, text: bytes | str, recipient: str) -> MailError:
    detail = f"{code} {_text(text)}"
    if 500 <= code < 600:
        return RecipientRefused(f"{recipient}: {detail}")
    return TemporaryFailure(f"{recipient}: {detail}")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _quit(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()
