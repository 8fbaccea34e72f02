"""The audience server's settings, read once from environment variables.

Nothing secret lives in a file of this repository: production sets the variables
(systemd EnvironmentFile, see audience-server/audience.env.example). With no
``SMTP_HOST`` mail goes to the development catcher on 127.0.0.1:1025.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "var/audience.db"
DEFAULT_EMAIL_TEMPLATES = ROOT / "theme" / "templates" / "email"
SECURITY_MODES = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
CATCHER_HOST, CATCHER_PORT = "127.0.0.1", 1025


class ConfigError(Exception):
    """A setting that cannot work; the message names the variable."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str = CATCHER_HOST
    port: int = CATCHER_PORT
    security: str = "none"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 15.0
    # Attempts after the first for a temporary failure, and the first wait (doubled each time).
    retries: int = 3
    retry_delay: float = 2.0


@dataclass(frozen=True)
class AudienceConfig:
    database: Path
    site_url: str  # the public site, absolute, ends with "/"
    public_url: str  # this server as readers reach it, absolute, no trailing "/"
    site_name: str
    author: str
    mail_from: str  # "Name <address>"
    list_id: str
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    mail_rate: float = 10.0  # messages per second; 0 = as fast as the server takes them
    pending_days: int = 3  # unconfirmed sign-ups are deleted after this
    confirm_days: int = 3  # a confirmation link works this long
    manage_days: int = 730  # a preferences/unsubscribe link in a mail works this long
    confirmations_per_day: int = 3  # mails to one address from sign-ups, per 24 h
    signups_per_network_hour: int = 20  # sign-ups per IPv4 /24 or IPv6 /48, per hour
    proxy_count: int = 0  # reverse proxies in front that set X-Forwarded-For
    email_templates: Path = DEFAULT_EMAIL_TEMPLATES
    max_body_bytes: int = 16 * 1024
    # Reading stats (audience/stats.py): daily counts are kept this many days.
    stats_days: int = 730
    stats_flush_seconds: float = 2.0  # counts are written this often (lost if killed)
    stats_visitor_slots: int = 1 << 20  # (visitor, page) pairs a day told apart (8 bytes each)
    # The published site's folder: a path counts only if it is a page there. None = by shape.
    stats_site_root: Path | None = None

    @property
    def site_origin(self) -> str:
        parts = urlsplit(self.site_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def site_hosts(self) -> tuple[str, ...]:
        """The site's host and this server's: a referrer from either is not a source."""
        hosts = (urlsplit(self.site_url).hostname, urlsplit(self.public_url).hostname)
        return tuple(dict.fromkeys(host for host in hosts if host))

    @property
    def from_address(self) -> str:
        return parseaddr(self.mail_from)[1]

    def site_link(self, path: str) -> str:
        """An absolute link to a page of the site (``path`` relative to the site root)."""
        return self.site_url + path.lstrip("/")

    def public_link(self, path: str) -> str:
        return self.public_url + "/" + path.lstrip("/")


def database_path(environ: Mapping[str, str] = os.environ) -> Path:
    """``AUDIENCE_DB``: the one database every command reads; relative = from the repo root."""
    path = Path(environ.get("AUDIENCE_DB") or DEFAULT_DATABASE).expanduser()
    return path if path.is_absolute() else ROOT / path


def load_config(environ: Mapping[str, str] = os.environ) -> AudienceConfig:
    """Every setting from the environment, checked; raise ConfigError on the first bad one."""
    env = _Env(environ)
    site_url = env.url("AUDIENCE_SITE_URL", "http://127.0.0.1:8000/")
    site_url = site_url if site_url.endswith("/") else site_url + "/"
    public_url = env.url("AUDIENCE_PUBLIC_URL", "http://127.0.0.1:8090").rstrip("/")
    site_host = urlsplit(site_url).hostname or "localhost"
    site_name = env.text("AUDIENCE_SITE_NAME", site_host)
    mail_from = env.text("MAIL_FROM", f"{site_name} <updates@localhost>")
    if "@" not in parseaddr(mail_from)[1]:
        raise ConfigError(f"MAIL_FROM: {mail_from!r} has no address (e.g. Name <updates@host>)")
    return AudienceConfig(
        database=database_path(environ),
        site_url=site_url,
        public_url=public_url,
        site_name=site_name,
        author=env.text("AUDIENCE_AUTHOR", site_name),
        mail_from=mail_from,
        list_id=env.text("AUDIENCE_LIST_ID", f"updates.{site_host}"),
        smtp=_smtp_settings(env),
        mail_rate=env.number("MAIL_RATE", 10.0, minimum=0),
        pending_days=int(env.number("AUDIENCE_PENDING_DAYS", 3, minimum=1, whole=True)),
        confirm_days=int(env.number("AUDIENCE_CONFIRM_DAYS", 3, minimum=1, whole=True)),
        manage_days=int(env.number("AUDIENCE_MANAGE_DAYS", 730, minimum=30, whole=True)),
        confirmations_per_day=int(
            env.number("AUDIENCE_CONFIRMATIONS_PER_DAY", 3, minimum=1, whole=True)
        ),
        signups_per_network_hour=int(
            env.number("AUDIENCE_SIGNUPS_PER_NETWORK_HOUR", 20, minimum=1, whole=True)
        ),
        proxy_count=int(env.number("AUDIENCE_PROXY_COUNT", 0, minimum=0, whole=True)),
        email_templates=Path(env.text("AUDIENCE_EMAIL_TEMPLATES", str(DEFAULT_EMAIL_TEMPLATES))),
        stats_days=int(env.number("AUDIENCE_STATS_DAYS", 730, minimum=1, whole=True)),
        stats_flush_seconds=env.number(
            "AUDIENCE_STATS_FLUSH_SECONDS", 2.0, minimum=0.05, maximum=60
        ),
        stats_visitor_slots=int(
            env.number("AUDIENCE_STATS_VISITOR_SLOTS", 1 << 20, minimum=1024, whole=True)
        ),
        stats_site_root=_site_root(env),
    )


def _site_root(env: _Env) -> Path | None:
    value = env.text("AUDIENCE_SITE_ROOT", "")
    if not value:
        return None
    path = Path(value).expanduser()
    path = path if path.is_absolute() else ROOT / path
    if not path.is_dir():
        raise ConfigError(f"AUDIENCE_SITE_ROOT: {value!r} is not a folder (the published site)")
    return path


def _smtp_settings(env: _Env) -> SmtpSettings:
    host = env.text("SMTP_HOST", "")
    security = env.text("SMTP_SECURITY", "starttls" if host else "none").lower()
    if security not in SECURITY_MODES:
        raise ConfigError(f"SMTP_SECURITY: {security!r} (allowed: {', '.join(SECURITY_MODES)})")
    default_port = DEFAULT_PORTS[security] if host else CATCHER_PORT
    settings = SmtpSettings(
        host=host or CATCHER_HOST,
        port=int(env.number("SMTP_PORT", default_port, minimum=1, maximum=65535, whole=True)),
        security=security,
        username=env.text("SMTP_USERNAME", ""),
        # never echoed in an error
        password=env.environ.get("SMTP_PASSWORD", ""),
        timeout=env.number("SMTP_TIMEOUT", 15.0, minimum=0.1),
        retries=int(env.number("SMTP_RETRIES", 3, minimum=0, maximum=10, whole=True)),
        retry_delay=env.number("SMTP_RETRY_DELAY", 2.0, minimum=0),
    )
    if settings.username and security == "none" and not _is_loopback(settings.host):
        raise ConfigError(
            "SMTP_SECURITY: none would send SMTP_USERNAME's password unencrypted "
            f"to {settings.host}; use starttls or tls"
        )
    return settings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Env:
    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def text(self, name: str, default: str) -> str:
        value = self.environ.get(name, "").strip()
        if any(ord(ch) < 32 for ch in value):
            raise ConfigError(f"{name}: contains a control character")
        return value or default

    def url(self, name: str, default: str) -> str:
        value = self.text(name, default)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{name}: {value!r} is not an absolute http(s) URL")
        if parts.query or parts.fragment:
            raise ConfigError(f"{name}: {value!r} must not have a query or fragment")
        return value

    def number(
        self,
        name: str,
        default: float,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        whole: bool = False,
    ) -> float:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = int(raw) if whole else float(raw)
        except ValueError:
            kind = "a whole number" if whole else "a number"
            raise ConfigError(f"{name}: {raw!r} is not {kind}") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = f"at least {minimum}" if maximum is None else f"{minimum} to {maximum}"
            raise ConfigError(f"{name}: {raw!r} is out of range ({bounds})")
        return value
