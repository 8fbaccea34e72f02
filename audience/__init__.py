"""The audience server: email sign-ups with double opt-in, preferences, one-click
unsubscribe, and the sending of new posts and roles to subscribers.

A small WSGI app with its own SQLite database. It serves readers; it never builds
the site, so nothing in this package imports Pelican. The site build hands it a
manifest of items (``output/feeds/updates.json``) and `send_updates` mails them.
"""
