"""Defaults for the comments plugin; override any of them in pelicanconf.py."""

from __future__ import annotations

# Archived comments live in <PATH>/<COMMENTS_PATH>/<article-slug>/<name>.md.
COMMENTS_PATH = "comments"
# Public URL of the Isso server; empty means archived comments only, no script.
COMMENTS_URL = ""
# Read approved live comments from the Isso server at build time (publishconf: on).
COMMENTS_SNAPSHOT = False
# Seconds each snapshot request may take (one /count, then each commented thread).
COMMENTS_SNAPSHOT_TIMEOUT = 4.0
# Per-article comments feed, relative to the output folder and FEED_DOMAIN.
COMMENTS_FEED_ATOM = "feeds/comments/{slug}.atom.xml"
# Metadata a comment file may carry; author and date are required.
COMMENTS_FIELDS = ("author", "date", "website", "reply_to", "by_author")
# A comment larger than this is a pasted log or binary, not a comment.
COMMENTS_MAX_FILE_BYTES = 100_000


def apply_defaults(settings: dict) -> None:
    for name, value in globals().items():
        if name.startswith("COMMENTS_"):
            settings.setdefault(name, value)
