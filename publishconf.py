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
AUDIENCE_URL = os.environ.get("AUDIENCE_URL", "https://audience.okafor-talent.example")
VIEWS_SNAPSHOT = True

# -- Publishing (invoke publish / rollback): each one overridable by the environment ---
PUBLISH_TARGET = os.environ.get("PUBLISH_TARGET", "rsync")  # rsync | s3 | gh-pages
PUBLISH_DEST = os.environ.get("PUBLISH_DEST", "")  # /srv/site or user@host:/srv/site
S3_BUCKET = os.environ.get("S3_BUCKET", "")
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")  # empty = AWS itself
S3_REGION = os.environ.get("S3_REGION", "")
S3_PREFIX = os.environ.get("S3_PREFIX", "")
CLOUDFRONT_DISTRIBUTION_ID = os.environ.get("CLOUDFRONT_DISTRIBUTION_ID", "")
GITHUB_PAGES_BRANCH = os.environ.get("GITHUB_PAGES_BRANCH", "gh-pages")
GITHUB_PAGES_CNAME = os.environ.get("GITHUB_PAGES_CNAME", "")
GITHUB_PAGES_REMOTE = os.environ.get("GITHUB_PAGES_REMOTE", "origin")  # empty = no push
# The publish lock and what went live last (for --if-changed); empty = var/publish/
PUBLISH_STATE_PATH = os.environ.get("PUBLISH_STATE_PATH", "")
