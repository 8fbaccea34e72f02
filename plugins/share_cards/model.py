"""What a card says and where it lives, from the same Article and Opening values the pages show.

No Pelican import and no drawing here: the build process only works out each card's
text, digest and address (microseconds a card); the drawing happens elsewhere.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from plugins.site_extras.urls import absolute_url as absolute

WIDTH, HEIGHT = 1200, 630
MARGIN = 60  # LinkedIn and others crop the edges: no text outside this
DIGEST_LENGTH = 12  # hex characters of the digest in a card's file name
ALT_MAX = 420


@dataclass(frozen=True)
class CardText:
    """What one card says: a kicker line, the title, up to two lines of facts, the footer."""

    kicker: str
    title: str
    facts: tuple[str, ...]
    name: str
    site: str


@dataclass(frozen=True)
class ShareImage:
    """The image a page offers to LinkedIn, X, Facebook and the JSON-LD: what the tags say."""

    url: str  # absolute
    alt: str
    type: str = "image/png"
    width: int | None = WIDTH
    height: int | None = HEIGHT


@dataclass(frozen=True)
class CardJob:
    """One card to have in the output: drawn, taken from the cache, or already there."""

    digest: str
    save_as: str  # relative to OUTPUT_PATH
    text: CardText
    source_path: str  # for the lines that name a file (shown relative when reported)


def card_site(settings: dict) -> str:
    """The site's address as printed on cards: the host of SITE_ORIGIN (or SHARE_CARD_SITE)."""
    if settings.get("SHARE_CARD_SITE"):
        return settings["SHARE_CARD_SITE"]
    origin = settings.get("SITE_ORIGIN") or settings.get("SITEURL") or ""
    parts = urlsplit(origin)
    return (parts.netloc or origin).removeprefix("www.")


def card_name(settings: dict) -> str:
    recruiter = settings.get("RECRUITER") or {}
    return recruiter.get("name") or settings.get("AUTHOR") or settings.get("SITENAME", "")


def alt_text(text: CardText) -> str:
    """The card's text as one sentence per part, for og:image:alt and twitter:image:alt."""
    parts = [f"{text.kicker}: {text.title}", *text.facts, f"{text.name}, {text.site}"]
    alt = " ".join(_sentence(part) for part in parts if part.strip())
    if len(alt) > ALT_MAX:  # X reads at most 420 characters of an image description
        alt = alt[: ALT_MAX - 1].rsplit(" ", 1)[0] + "…"
    return alt


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!", "…")) else f"{text}."


class Cards:
    """Works out cards for one build: their text, digest, file and the tags' values."""

    def __init__(self, settings: dict, drawing_key: str) -> None:
        self.settings = settings
        self.drawing_key = drawing_key.encode()
        self.folder = settings["SHARE_CARDS_PATH"].strip("/")
        self.name = card_name(settings)
        self.site = card_site(settings)

    def job(self, kind: str, slug: str, text: CardText, source_path: str) -> CardJob:
        drawn = "\0".join((text.kicker, text.title, *text.facts, "", text.name, text.site))
        hasher = hashlib.blake2b(self.drawing_key, digest_size=16)
        hasher.update(drawn.encode("utf-8", "surrogatepass"))
        digest = hasher.hexdigest()[:DIGEST_LENGTH]
        save_as = f"{self.folder}/{kind}/{slug}-{digest}.png"
        return CardJob(digest, save_as, text, source_path)

    def image(self, job: CardJob) -> ShareImage:
        return ShareImage(absolute(self.settings, job.save_as), alt_text(job.text))

    def post_text(self, article) -> CardText:
        title = getattr(article, "title_text", None) or " ".join(str(article.title).split())
        facts = str(getattr(article, "locale_date", "") or "")
        minutes = getattr(article, "reading_minutes", None)
        if minutes:
            facts = f"{facts} · {minutes} min read" if facts else f"{minutes} min read"
        category = str(getattr(article, "category", "") or "")
        kicker = f"Blog · {category}" if category else "Blog"
        return CardText(kicker, title, (facts,) if facts else (), self.name, self.site)

    def role_text(self, opening) -> CardText:
        where = f"{opening.employer_name} · {opening.work_mode_label} · {opening.location_label}"
        terms = opening.employment_type_label
        if opening.salary is not None:
            terms = f"{terms} · {opening.salary.text}"
        return CardText(
            f"Open role · {opening.category}", opening.title, (where, terms), self.name, self.site
        )


def own_image(article, settings: dict) -> ShareImage | None:
    """A post's own ``Image:`` (and ``Image_alt:``), which wins over its drawn card."""
    image = str(getattr(article, "image", "") or "").strip()
    if not image:
        return None
    for placeholder in ("{static}", "|static|", "{filename}", "|filename|"):
        image = image.removeprefix(placeholder)
    url = image if urlsplit(image).scheme in ("http", "https") else absolute(settings, image)
    kind = mimetypes.guess_type(urlsplit(url).path)[0] or "image/png"
    alt = str(getattr(article, "image_alt", "") or "") or getattr(article, "title_text", "")
    size = _image_size(settings, image)
    return ShareImage(url, alt, kind, *size)


def _image_size(settings: dict, image: str) -> tuple[int | None, int | None]:
    """Width and height of a PNG in the content folder, read from its header; else unknown."""
    if urlsplit(image).scheme:
        return None, None
    path = os.path.join(settings.get("PATH", ""), image.lstrip("/"))
    try:
        with open(path, "rb") as handle:
            head = handle.read(24)
    except OSError:
        return None, None
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    return None, None
