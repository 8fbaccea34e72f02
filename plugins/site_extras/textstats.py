"""Reading time, word count and plain-text description of each post, kept between builds.

They depend only on the post's HTML, its summary and description fields and a few
settings, yet computing them (Pelican resolves links and truncates the HTML for the
summary) costs more than anything else per post on a rebuild. Each result is kept
under a digest of exactly those inputs (``buildcache``), so an unchanged post costs
one hash and an edited one is computed again.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re

from plugins import buildcache

from . import reading

CACHE_FILE = "site-extras-textstats.pickle"
_TAG = re.compile(r"<[^>]+>")
# Settings that shape a post's summary (Pelican) or reading time (ours).
_SETTINGS = (
    "SUMMARY_MAX_LENGTH",
    "SUMMARY_END_SUFFIX",
    "SUMMARY_MAX_PARAGRAPHS",
    "WORDS_PER_MINUTE",
)


def plain(html: str) -> str:
    """Text of an HTML fragment, tags removed and entities decoded."""
    return html_lib.unescape(_TAG.sub("", html or "")).strip()


class TextStats:
    """The statistics of every post of one build, from the last build's when unchanged."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        basis = hashlib.sha256(buildcache.code_digest(__file__).encode())
        basis.update(repr([settings.get(name) for name in _SETTINGS]).encode())
        self.basis = basis.digest()
        self.previous = buildcache.load(settings, CACHE_FILE, self.basis.hex(), {})
        self.current: dict[bytes, tuple[int, int, str]] = {}

    def annotate(self, content) -> None:
        """Set ``reading_minutes``, ``word_count`` and ``description_text``."""
        key = self._key(content)
        found = self.previous.get(key) or self.current.get(key)
        if found is None:
            found = self._compute(content)
        self.current[key] = found
        content.reading_minutes, content.word_count, content.description_text = found

    def save(self) -> None:
        buildcache.save(self.settings, CACHE_FILE, self.basis.hex(), self.current)

    def _key(self, content) -> bytes:
        digest = hashlib.blake2b(self.basis, digest_size=20)
        metadata = content.metadata
        for part in (
            getattr(content, "_content", None) or "",
            repr(metadata.get("summary", None)),
            repr(getattr(content, "description", "") or ""),
        ):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.digest()

    def _compute(self, content) -> tuple[int, int, str]:
        html = content.content
        words = len(_TAG.sub(" ", html).split())
        minutes = reading.minutes_for(words, self.settings["WORDS_PER_MINUTE"])
        description = plain(getattr(content, "description", "") or content.summary)
        return minutes, words, description
