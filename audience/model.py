"""The values the audience server works with: subscribers, their preferences, job alerts.

Frozen values with no storage or web code, so the store, the forms, the mailer and
the sender all speak about the same things.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

STATES = ("unconfirmed", "confirmed", "unsubscribed", "bouncing")
TOPICS = ("posts", "roles")
FREQUENCIES = ("immediately", "weekly")
FILTER_KEYS = ("category", "mode", "location", "type")
FILTER_LABELS = {
    "category": "Category",
    "mode": "Work mode",
    "location": "Location",
    "type": "Type",
}
TOPIC_LABELS = {"posts": "New posts", "roles": "New roles"}
# A role whose location facet holds this is open to candidates anywhere: it matches
# every location alert (the site's own filter pages list it under every country too).
ANYWHERE = "*"


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class JobFilter:
    """One job alert: a role matches when it has every value the alert names."""

    category: str | None = None
    mode: str | None = None
    location: str | None = None
    type: str | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> JobFilter:
        return cls(**{key: values[key] for key in FILTER_KEYS if values.get(key)})

    def as_dict(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in FILTER_KEYS if getattr(self, key)}

    def sort_key(self) -> tuple[str, ...]:
        return tuple(getattr(self, key) or "" for key in FILTER_KEYS)

    @property
    def is_empty(self) -> bool:
        return not self.as_dict()

    def matches(self, facets: Mapping[str, Iterable[str]]) -> bool:
        for key, wanted in self.as_dict().items():
            values = facets.get(key, ())
            if wanted not in values and not (key == "location" and ANYWHERE in values):
                return False
        return True

    @property
    def label(self) -> str:
        """``Engineering · Remote · GB · Full-time``: for pages, never for mail headers."""
        return " · ".join(_value_label(key, value) for key, value in self.as_dict().items())

    def describe(self) -> list[tuple[str, str]]:
        return [(FILTER_LABELS[key], _value_label(key, v)) for key, v in self.as_dict().items()]


def sorted_filters(filters: Iterable[JobFilter]) -> tuple[JobFilter, ...]:
    """Distinct alerts in a stable order (stored, shown and compared this way)."""
    return tuple(sorted(set(filters), key=JobFilter.sort_key))


def _value_label(key: str, value: str) -> str:
    if key == "location" and len(value) == 2:
        return value.upper()
    if value == ANYWHERE:
        return "Anywhere"
    return value.replace("-", " ").capitalize()


@dataclass(frozen=True)
class Preferences:
    """What a subscriber asked for: topics, job alerts (none = every role), how often."""

    topics: frozenset[str] = frozenset()
    filters: tuple[JobFilter, ...] = ()
    frequency: str = "immediately"

    @property
    def all_roles(self) -> bool:
        return "roles" in self.topics and not self.filters

    def merged_with(self, other: Preferences) -> Preferences:
        """Add what ``other`` asks for, never narrowing: every role stays every role."""
        topics = self.topics | other.topics
        if "roles" not in self.topics:
            filters = other.filters
        elif self.all_roles or ("roles" in other.topics and not other.filters):
            filters = ()
        else:
            filters = sorted_filters(set(self.filters) | set(other.filters))
        return Preferences(topics=topics, filters=filters, frequency=self.frequency)

    def adds_to(self, current: Preferences) -> bool:
        """Would merging this into ``current`` change anything?"""
        return current.merged_with(self) != current

    @property
    def topic_labels(self) -> list[str]:
        return [TOPIC_LABELS[topic] for topic in TOPICS if topic in self.topics]


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    state: str
    preferences: Preferences
    source: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    confirmed_at: datetime.datetime | None = None
    unsubscribed_at: datetime.datetime | None = None
    bounced_at: datetime.datetime | None = None
    welcomed_at: datetime.datetime | None = None
    last_digest_at: datetime.datetime | None = None
    # Every item first seen up to this moment has been dealt with for this subscriber.
    caught_up_at: datetime.datetime | None = None

    @property
    def topics(self) -> frozenset[str]:
        return self.preferences.topics

    @property
    def filters(self) -> tuple[JobFilter, ...]:
        return self.preferences.filters

    @property
    def frequency(self) -> str:
        return self.preferences.frequency

    @property
    def masked_email(self) -> str:
        return mask_address(self.email)


@dataclass(frozen=True)
class SentItem:
    item_key: str
    sent_at: datetime.datetime


@dataclass(frozen=True)
class TokenRecord:
    """A stored token as looked up by its hash (the token itself is never stored)."""

    subscriber: Subscriber
    purpose: str
    created_at: datetime.datetime
    expires_at: datetime.datetime
    used_at: datetime.datetime | None = None
    payload: Preferences | None = field(default=None)


def mask_address(email: str) -> str:
    """``p***@example.com``: enough for the author to recognise a sign-up, no more."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"
