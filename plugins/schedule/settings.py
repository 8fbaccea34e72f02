"""Defaults of the schedule plugin (a site's own settings win)."""

from __future__ import annotations

# Leave posts dated after the build's day (BUILD_TODAY, else today in TIMEZONE) out of
# the site until that day. False: Pelican's own behaviour (WITH_FUTURE_DATES decides).
SCHEDULE_FUTURE_POSTS = True


def apply_defaults(settings: dict) -> None:
    settings.setdefault("SCHEDULE_FUTURE_POSTS", SCHEDULE_FUTURE_POSTS)
