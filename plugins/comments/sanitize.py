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
# Characters a reader may paste that XML (the comments feed) rejects or that mean
# nothing in text: controls, lone surrogates and Unicode's noncharacters.
_CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
    "|[\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe\U0004ffff"
    "\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff"
    "\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe\U000bffff\U000cfffe\U000cffff"
    "\U000dfffe\U000dffff\U000efffe\U000effff\U000ffffe\U000fffff\U0010fffe\U0010ffff]"
)
# The same characters written as references (&#1; &#x1b; &#xfffe;): they decode later,
# in the feed writer, so they go now.
_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")


def _without_bad_references(text: str) -> str:
    def keep(match: re.Match) -> str:
        hex_digits, decimal = match.groups()
        digits = (hex_digits or decimal).lstrip("0") or "0"
        if len(digits) > 8:  # beyond Unicode (and too long to be worth reading)
            return ""
        code = int(digits, 16) if hex_digits else int(digits)
        if code > 0x10FFFF or _CONTROL_CHARACTERS.match(chr(code)):
            return ""
        return match.group(0)

    return _REFERENCE.sub(keep, text)


def without_unsafe_characters(text: str) -> str:
    """Text with no character (literal or as a reference) that XML or a page rejects."""
    return _CONTROL_CHARACTERS.sub("", _without_bad_references(text))


# Direction overrides and zero-width characters can make a name display as something
# else ("Maren Okafor" + U+200B looks exactly like the author); names need none of them.
_BIDI_CONTROLS = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# A name is a name: longer ones are cut (with an ellipsis) wherever they are shown.
MAX_NAME_LENGTH = 80


def comment_html(untrusted_html: str) -> Markup:
    """Reduce comment HTML to the allowlist; safe to put in a page as it is."""
    cleaned = nh3.clean(
        without_unsafe_characters(untrusted_html or ""),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=COMMENT_LINK_REL,
        strip_comments=True,
    )
    cleaned = without_unsafe_characters(cleaned)  # nh3 writes some characters as references
    return Markup(cleaned.strip())  # noqa: S704 - nh3 output, allowlist only


def plain_text(untrusted: str | None) -> str:
    """Text without any markup (for names): tags dropped, entities decoded, one line."""
    if not untrusted:
        return ""
    cleaned = nh3.clean(
        without_unsafe_characters(untrusted),
        tags=set(),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
    )
    # again after decoding: "&#x1b;" is an escape character too
    text = _BIDI_CONTROLS.sub("", _CONTROL_CHARACTERS.sub("", html.unescape(cleaned)))
    return _WHITESPACE.sub(" ", text).strip()


_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>")


def _looks_like_markup(text: str) -> bool:
    """A real element (``<b>``, ``</i>``): a name that is only markup has no text."""
    return bool(_TAG.search(text))


def author_name(untrusted: str | None) -> str:
    """A commenter's name as shown: plain text, no invisible characters, at most 80."""
    name = plain_text(untrusted)
    if not name and untrusted and not _looks_like_markup(untrusted):
        # "<?" or "<!" is not markup a reader meant: the name is that text (escaped
        # wherever it is shown), without invisible characters.
        text = without_unsafe_characters(untrusted)
        text = _BIDI_CONTROLS.sub("", _CONTROL_CHARACTERS.sub("", text))
        name = _WHITESPACE.sub(" ", text).strip()
    if len(name) > MAX_NAME_LENGTH:
        name = name[: MAX_NAME_LENGTH - 1].rstrip() + "…"
    return name


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
