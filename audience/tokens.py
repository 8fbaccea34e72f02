"""Links that act for a subscriber: random, unguessable, stored only as SHA-256 hashes.

A token is 32 random bytes (URL-safe base64, 43 characters). The database keeps its
hash, its purpose and its expiry, so a copy of the database cannot be used to
confirm or unsubscribe anyone.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from dataclasses import dataclass

CONFIRM = "confirm"  # confirms a sign-up (or adds what a confirmed address asked for)
MANAGE = "manage"  # preferences and unsubscribe: the key in every mail
PURPOSES = (CONFIRM, MANAGE)
_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class IssuedToken:
    value: str  # goes into a link, once; never stored
    digest: bytes
    purpose: str
    created_at: datetime.datetime
    expires_at: datetime.datetime


def issue(purpose: str, now: datetime.datetime, lifetime: datetime.timedelta) -> IssuedToken:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    value = secrets.token_urlsafe(32)
    return IssuedToken(value, token_digest(value), purpose, now, now + lifetime)


def token_digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("ascii")).digest()


def looks_like_token(value: str) -> bool:
    """Only well-formed tokens are looked up; anything else is simply unknown."""
    return bool(_SHAPE.fullmatch(value))
