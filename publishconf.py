"""Production settings: everything from pelicanconf.py, with absolute URLs."""

import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)))

from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("SITEURL", "https://okafor-talent.example")
SITE_ORIGIN = SITEURL
RELATIVE_URLS = False
FEED_DOMAIN = SITEURL
DELETE_OUTPUT_DIRECTORY = True

COMMENTS_URL = os.environ.get("COMMENTS_URL", "https://comments.okafor-talent.example")
COMMENTS_SNAPSHOT = True
