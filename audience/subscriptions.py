"""Sign-up, confirmation, preferences and unsubscribe: what the server does for a reader.

The rules that keep it trustworthy:

- Double opt-in: a sign-up only sends a link; the address gets nothing else until the
  link's button is pressed (a GET never changes anything: mail scanners open links).
- No way to learn who is subscribed: every accepted sign-up answers the same, whether
  the address is new, pending or confirmed, and whether or not mail was sent.
- A stranger cannot change a subscription: for a confirmed address a sign-up sends a
  mail with the owner's links (and a link to add what was asked for) instead.
- No mailbox flooding: at most ``confirmations_per_day`` sign-up mails per address per
  24 h, and ``signups_per_network_hour`` sign-ups per IPv4 /24 or IPv6 /48. Networks are
  counted under a keyed hash whose key lives in memory only; IP addresses are never stored.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from email_validator import EmailNotValidError, validate_email

from audience import tokens
from audience.config import AudienceConfig
from audience.errors import (
    InvalidInput,
    LinkExpired,
    LinkUnknown,
    MailUnavailable,
    TooManySignups,
)
from audience.mail import Mailer, MailError, RecipientRefused
from audience.model import (
    FILTER_KEYS,
    FREQUENCIES,
    TOPICS,
    JobFilter,
    Preferences,
    Subscriber,
    TokenRecord,
    sorted_filters,
    utc_now,
)
from audience.store import Store

MAX_ADDRESS_LENGTH = 254
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
_SITE_PATH = re.compile(r"/(?:[A-Za-z0-9._~%+-]+/?)*")
_PURGE_EVERY = datetime.timedelta(minutes=10)


class FormData(Protocol):
    """What a submitted form offers (werkzeug's MultiDict, or a dict of lists in tests)."""

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class SignupRequest:
    email: str  # as typed: validated by `validate_address`
    preferences: Preferences
    source: str | None = None
    honeypot_filled: bool = False


@dataclass(frozen=True)
class Confirmation:
    """What ``POST /confirm`` did."""

    subscriber: Subscriber
    outcome: str  # "confirmed" | "added" | "unchanged"
    manage_token: str
    welcome_sent: bool


@dataclass(frozen=True)
class ConfirmRequest:
    """What ``GET /confirm`` shows before the button is pressed."""

    email: str
    requested: Preferences
    adding: bool  # the address is confirmed already: the button adds to it


# -- reading forms -----------------------------------------------------------------------


def validate_address(raw: str) -> str:
    """The address, checked and normalised (lower-case domain, IDN in Unicode form)."""
    if not raw or not raw.strip():
        raise InvalidInput("Please enter your email address.")
    if len(raw) > MAX_ADDRESS_LENGTH:
        raise InvalidInput(
            f"That address is too long: an email address has at most {MAX_ADDRESS_LENGTH} "
            "characters."
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in raw):
        raise InvalidInput(
            "That address contains a line break or another invisible character. "
            "Please type it again."
        )
    try:
        result = validate_email(raw.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise InvalidInput(f"That doesn't look like an email address: {error}") from None
    return result.normalized


def parse_signup(form: FormData) -> SignupRequest:
    """The sign-up form: ``email``, ``topics``, alert fields, ``source``, honeypot ``website``."""
    source = _one(form, "source")
    if source and (len(source) > 300 or not _SITE_PATH.fullmatch(source) or "//" in source):
        raise InvalidInput("The form's source page is not a path of this site.")
    back = source or None
    email = _one(form, "email", back=back)
    topics = set(form.getlist("topics"))
    unknown = topics - set(TOPICS)
    if unknown:
        raise InvalidInput(f"Unknown topic (allowed: {', '.join(TOPICS)}).", back=back)
    alert = JobFilter.from_mapping({key: _slug(form, key, back) for key in FILTER_KEYS})
    if not alert.is_empty:
        topics.add("roles")  # a job alert is a wish for roles
    if not topics:
        raise InvalidInput(
            "Please choose what you'd like to hear about: new posts, new roles, or both.",
            back=back,
        )
    frequency = _one(form, "frequency") or "immediately"
    if frequency not in FREQUENCIES:
        raise InvalidInput(f"Unknown frequency (allowed: {', '.join(FREQUENCIES)}).", back=back)
    preferences = Preferences(
        topics=frozenset(topics),
        filters=() if alert.is_empty else (alert,),
        frequency=frequency,
    )
    return SignupRequest(
        email=email,
        preferences=preferences,
        source=source or None,
        honeypot_filled=bool(_one(form, "website").strip()),
    )


def filter_id(alert: JobFilter) -> str:
    """A stable name for one alert in the preferences form (``category=x&mode=y``)."""
    return urlencode(alert.as_dict())


def parse_preferences(form: FormData, current: Preferences) -> Preferences:
    """The preferences form: topics, which roles, alerts to remove, how often."""
    topics = set(form.getlist("topics"))
    if topics - set(TOPICS):
        raise InvalidInput(f"Unknown topic (allowed: {', '.join(TOPICS)}).")
    if not topics:
        raise InvalidInput(
            "Please choose at least one: new posts or new roles. "
            "To get nothing at all, use “Unsubscribe from everything”."
        )
    frequency = _one(form, "frequency") or current.frequency
    if frequency not in FREQUENCIES:
        raise InvalidInput(f"Unknown frequency (allowed: {', '.join(FREQUENCIES)}).")
    scope = _one(form, "roles") or "matching"
    if scope not in ("all", "matching"):
        raise InvalidInput("Unknown choice of roles (allowed: all, matching).")
    removed = set(form.getlist("remove_alert"))
    filters = (
        ()
        if scope == "all"
        else tuple(alert for alert in current.filters if filter_id(alert) not in removed)
    )
    return Preferences(
        topics=frozenset(topics), filters=sorted_filters(filters), frequency=frequency
    )


def _one(form: FormData, key: str, back: str | None = None) -> str:
    values = form.getlist(key)
    if len(values) > 1:
        raise InvalidInput(f"The form sent {key!r} more than once.", back=back)
    return values[0] if values else ""


def _slug(form: FormData, key: str, back: str | None) -> str:
    value = _one(form, key, back).strip().lower()
    if value and not _SLUG.fullmatch(value):
        raise InvalidInput(
            f"The job alert's {key} must be a short code such as 'engineering' or 'remote'.",
            back=back,
        )
    return value


def network_key(address: str | None, secret: bytes) -> str | None:
    """A keyed hash of the reader's IPv4 /24 or IPv6 /48: counts networks, not people."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    network = ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False)
    return hmac.new(secret, str(network).encode("ascii"), hashlib.sha256).hexdigest()[:32]


# -- the service -------------------------------------------------------------------------


class Subscriptions:
    """Everything a reader's request can do, on top of the store and the mailer."""

    def __init__(
        self,
        store: Store,
        mailer: Mailer,
        config: AudienceConfig,
        *,
        network_secret: bytes,
        clock: Callable[[], datetime.datetime] = utc_now,
    ):
        self.store = store
        self.mailer = mailer
        self.config = config
        self.clock = clock
        self._secret = network_secret
        self._purge_lock = threading.Lock()
        self._purged_at: datetime.datetime | None = None

    # -- sign-up ------------------------------------------------------------------------

    def sign_up(self, request: SignupRequest, client_address: str | None) -> None:
        """Accept a sign-up; raise a Refusal only for bad input or a flooding network."""
        now = self.clock()
        email = validate_address(request.email)
        self._purge_now_and_then(now)
        network = network_key(client_address, self._secret)
        if network and self.store.count_network_signup(network, now) > (
            self.config.signups_per_network_hour
        ):
            raise TooManySignups(
                "There have been too many sign-ups from your network in the last hour. "
                "Please try again later.",
                back=request.source,
            )
        if request.honeypot_filled:
            return  # a bot filled the hidden field: answer as usual, keep and send nothing
        with self.store.transaction():
            subscriber = self.store.subscriber_by_email(email)
            if subscriber is None:
                self.store.add_subscriber(email, request.preferences, request.source, now)
                subscriber = self.store.subscriber_by_email(email)
            since = now - datetime.timedelta(days=1)
            if self.store.recent_notices(subscriber.id, since) >= (
                self.config.confirmations_per_day
            ):
                return  # enough mail to this address for today: answer as usual
            message, kind = self._signup_message(subscriber, request.preferences, now)
            notice = self.store.add_notice(subscriber.id, kind, now)
        try:
            self.mailer.send(message)
        except RecipientRefused:
            self.store.remove_notice(notice)
            domain = email.rpartition("@")[2]
            raise InvalidInput(
                f"The mail server for {domain} refused this address. Please check it for typos.",
                back=request.source,
            ) from None
        except MailError:
            self.store.remove_notice(notice)
            raise MailUnavailable(
                "We couldn't send the email just now. Please try again in a few minutes.",
                back=request.source,
            ) from None

    def _signup_message(self, subscriber: Subscriber, requested: Preferences, now):
        manage = self._issue(tokens.MANAGE, subscriber.id, now)
        if subscriber.state == "confirmed":
            add = None
            if requested.adds_to(subscriber.preferences):
                add = self._issue(tokens.CONFIRM, subscriber.id, now, payload=requested)
            message = self.mailer.already_subscribed(
                subscriber.email, manage.value, add.value if add else None
            )
            return message, "already-subscribed"
        confirm = self._issue(tokens.CONFIRM, subscriber.id, now, payload=requested)
        return self.mailer.confirmation(subscriber.email, confirm.value, manage.value), "confirm"

    # -- confirmation -----------------------------------------------------------------

    def confirmation_request(self, token: str) -> ConfirmRequest:
        record = self._token(token, tokens.CONFIRM)
        requested = record.payload or record.subscriber.preferences
        adding = record.subscriber.state == "confirmed" and record.used_at is None
        return ConfirmRequest(record.subscriber.email, requested, adding)

    def confirm(self, token: str) -> Confirmation:
        """Confirm (or add what was asked for) once; pressing again changes nothing."""
        now = self.clock()
        with self.store.transaction():
            record = self._token(token, tokens.CONFIRM)
            subscriber = record.subscriber
            outcome = "unchanged"
            if self.store.use_token(tokens.token_digest(token), now):
                requested = record.payload or subscriber.preferences
                if subscriber.state == "confirmed":
                    merged = subscriber.preferences.merged_with(requested)
                    if merged != subscriber.preferences:
                        self.store.save_preferences(subscriber.id, merged, now)
                        outcome = "added"
                else:
                    self.store.confirm_subscriber(subscriber.id, requested, now)
                    outcome = "confirmed"
            subscriber = self.store.subscriber(subscriber.id)
            manage = self._issue(tokens.MANAGE, subscriber.id, now)
        welcome_sent = False
        if subscriber.state == "confirmed" and self.store.claim_welcome(subscriber.id, now):
            try:
                self.mailer.send(self.mailer.welcome(subscriber, manage.value))
                welcome_sent = True
            except MailError:
                self.store.release_welcome(subscriber.id)  # the next press tries again
        return Confirmation(subscriber, outcome, manage.value, welcome_sent)

    # -- preferences and unsubscribe ----------------------------------------------------

    def manage(self, token: str) -> Subscriber:
        """The subscriber a preferences/unsubscribe link belongs to (changes nothing)."""
        return self._token(token, tokens.MANAGE).subscriber

    def save_preferences(self, token: str, form: FormData) -> Subscriber:
        """Save the form; for an address that is not subscribed, saving subscribes it
        (the link came by mail, so its holder owns the mailbox)."""
        now = self.clock()
        with self.store.transaction():
            subscriber = self._token(token, tokens.MANAGE).subscriber
            preferences = parse_preferences(form, subscriber.preferences)
            if subscriber.state == "confirmed":
                self.store.save_preferences(subscriber.id, preferences, now)
            else:
                self.store.confirm_subscriber(subscriber.id, preferences, now)
            return self.store.subscriber(subscriber.id)

    def unsubscribe(self, token: str) -> Subscriber:
        """Unsubscribe from everything (RFC 8058 one-click too); idempotent."""
        now = self.clock()
        with self.store.transaction():
            subscriber = self._token(token, tokens.MANAGE).subscriber
            self.store.unsubscribe(subscriber.id, now)
            return self.store.subscriber(subscriber.id)

    # -- helpers --------------------------------------------------------------------------

    def _token(self, token: str, purpose: str) -> TokenRecord:
        record = None
        if tokens.looks_like_token(token):
            record = self.store.token(tokens.token_digest(token))
        if record is None or record.purpose != purpose:
            raise LinkUnknown(
                "This link isn't valid. It may have been cut short when it was copied, "
                "or the subscription it belonged to has been deleted."
            )
        if record.expires_at <= self.clock():
            if purpose == tokens.CONFIRM:
                raise LinkExpired(
                    f"Confirmation links work for {self.config.confirm_days} days, and this "
                    "one is older. Please sign up again: we'll send you a new link."
                )
            raise LinkExpired(
                "This link is too old. Please use the link in a more recent email from us, "
                "or sign up again."
            )
        return record

    def _issue(
        self,
        purpose: str,
        subscriber_id: int,
        now: datetime.datetime,
        payload: Preferences | None = None,
    ) -> tokens.IssuedToken:
        days = self.config.confirm_days if purpose == tokens.CONFIRM else self.config.manage_days
        issued = tokens.issue(purpose, now, datetime.timedelta(days=days))
        self.store.add_token(
            issued.digest, subscriber_id, purpose, now, issued.expires_at, payload=payload
        )
        return issued

    def _purge_now_and_then(self, now: datetime.datetime) -> None:
        with self._purge_lock:
            if self._purged_at and now - self._purged_at < _PURGE_EVERY:
                return
            self._purged_at = now
        self.store.purge(now, self.config.pending_days)
