"""The one place where untrusted comment text becomes HTML (nh3 with an allowlist).

Everything a commenter controls (body, name, website) passes through here, whether
it comes from an archived file or from the comment server.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3
from markupsafe import Markup

# Enough for conversation: paragraphs, emphasis, quotes, lists, code and links.
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "del", "em", "hr", "ins", "li",
        "ol", "p", "pre", "strong", "sub", "sup", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Links written by commenters earn no ranking and get no window.opener.
COMMENT_LINK_REL = "nofollow ugc noopener"
# Removed together with their content, not just unwrapped.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "template"})

_WHITESPACE = re.compile(r"\s+")
# Control characters a reader may paste: invisible, and XML (the comments feed) rejects them.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Direction overrides can make a name display as something else; names don't need them.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def comment_html(untrusted_html: str) -> Markup:
    """Reduce comment HTML to the allowlist; safe to put in a page as it is."""
    cleaned = nh3.clean(
        _CONTROL_CHARACTERS.sub("", untrusted_html or ""),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=COMMENT_LINK_REL,
        strip_comments=True,
    )
    return Markup(cleaned.strip())  # noqa: S704 - nh3 output, allowlist only


def plain_text(untrusted: str | None) -> str:
    """Text without any markup (for names): tags dropped, entities decoded, one line."""
    if not untrusted:
        return ""
    cleaned = nh3.clean(
        _CONTROL_CHARACTERS.sub("", untrusted),
        tags=set(),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
    )
    # again after decoding: "&#x1b;" is an escape character too
    text = _BIDI_CONTROLS.sub("", _CONTROL_CHARACTERS.sub("", html.unescape(cleaned)))
    return _WHITESPACE.sub(" ", text).strip()


def website_url(untrusted: str | None) -> str | None:
    """An absolute http(s) URL, or None for anything else (``javascript:``, data, junk)."""
    if not untrusted:
        return None
    candidate = html.unescape(untrusted).strip()
    if any(ch.isspace() or ord(ch) < 32 for ch in candidate) or len(candidate) > 500:
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return candidate
