"""Defaults of the subscriptions plugin (a site's own settings win)."""

from __future__ import annotations

# Public URL of the audience server (audience/); empty = no sign-up forms anywhere.
AUDIENCE_URL = ""
# What the build tells `invoke send-updates`: the site's posts and open roles, as JSON.
SUBSCRIBE_MANIFEST_SAVE_AS = "feeds/updates.json"
# The page a reader lands on after signing up (the audience server redirects here).
SUBSCRIBE_CHECK_INBOX_URL = "subscribe/check-your-inbox/"
SUBSCRIBE_CHECK_INBOX_SAVE_AS = "subscribe/check-your-inbox/index.html"
# The sign-up page: the form, what subscribers get and what is kept about them.
SUBSCRIBE_URL = "subscribe/"
SUBSCRIBE_SAVE_AS = "subscribe/index.html"


def apply_defaults(settings: dict) -> None:
    for name, value in globals().items():
        if name.isupper():
            settings.setdefault(name, value)
