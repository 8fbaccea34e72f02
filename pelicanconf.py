"""Development settings. Settings only: production overrides live in publishconf.py.

To make this site yours, edit the RECRUITER block and SITEURL in publishconf.py.
"""

import os

# -- Who this site is for ------------------------------------------------------
AUTHOR = "Maren Okafor"
SITENAME = "Maren Okafor"
SITE_TAGLINE = "Tech recruiter · finding people the roles that fit them"
SITESUBTITLE = SITE_TAGLINE
SITE_DESCRIPTION = (
    "Maren Okafor recruits software engineers and product people. Notes on hiring, "
    "interviews and careers, and the roles she is recruiting for right now."
)
RECRUITER = {
    "name": "Maren Okafor",
    "job_title": "Technical Recruiter",
    "company": "Okafor Talent Partners",
    "city": "Leeds, United Kingdom",
    "email": "maren@okafor-talent.example",
    "phone": "+44 113 496 0718",
    "website": "https://okafor-talent.example/",
    "linkedin": "https://www.linkedin.com/in/maren-okafor-example",
    "facebook": "https://www.facebook.com/maren.okafor.example",
    "twitter": "https://x.com/marenokafor_ex",
    "twitter_handle": "@marenokafor_ex",
    "photo": "images/maren-okafor.svg",
    "photo_alt": "Illustrated portrait of Maren Okafor",
    "share_image": "images/share-card.png",
}

SITEURL = ""
# Absolute origin for canonical links and structured data (the dev server here).
SITE_ORIGIN = "http://127.0.0.1:8000"
RELATIVE_URLS = True
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"

# -- Sources ------------------------------------------------------------------------
PATH = "content"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "extra"]
EXTRA_PATH_METADATA = {
    "extra/favicon.svg": {"path": "favicon.svg"},
}
IGNORE_FILES = [".#*", "*~", "*.swp"]
DEFAULT_CATEGORY = "Hiring"
USE_FOLDER_AS_CATEGORY = False
SUMMARY_MAX_LENGTH = 40
SUMMARY_END_SUFFIX = "…"
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {"permalink": False},
        "markdown.extensions.smarty": {},
    },
    "output_format": "html5",
}

# -- Theme and plugins -------------------------------------------------------------
THEME = "theme"
# Autoescape on: metadata is text; HTML bodies are marked safe explicitly in templates.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": True,
    "extensions": [],
}
# The plugins are one package, ``plugins``, found from this folder; each imports the
# others as ``plugins.<name>``, which Pelican's loader resolves by itself (no sys.path
# set-up needed, so ``pelican content`` works as well as ``invoke build``).
PLUGIN_PATHS = ["."]
PLUGINS = [
    "plugins.strict_content",
    "plugins.schedule",
    "plugins.site_extras",
    "plugins.comments",
    "plugins.openings",
    "plugins.subscriptions",
    "plugins.search",
    "plugins.stats",
    "plugins.share_cards",
    "plugins.fastbuild",
]
DEFAULT_PAGINATION = 8
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)
MENU_LINKS = [
    ("Blog", "", "blog"),
    ("Openings", "openings/", "openings"),
    ("About", "about/", "about"),
    ("Contact", "contact/", "contact"),
]
DISPLAY_PAGES_ON_MENU = False
DISPLAY_CATEGORIES_ON_MENU = False
WORDS_PER_MINUTE = 220
RELATED_POSTS_MAX = 3

# -- URLs: pretty, stable, folder-style ---------------------------------------------
ARTICLE_URL = "posts/{slug}/"
ARTICLE_SAVE_AS = "posts/{slug}/index.html"
ARTICLE_LANG_URL = "posts/{slug}-{lang}/"
ARTICLE_LANG_SAVE_AS = "posts/{slug}-{lang}/index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
PAGE_LANG_SAVE_AS = "{slug}-{lang}/index.html"
DRAFT_PAGE_SAVE_AS = "drafts/pages/{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
CATEGORIES_URL = "categories/"
CATEGORIES_SAVE_AS = "categories/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
AUTHORS_URL = "authors/"
AUTHORS_SAVE_AS = "authors/index.html"
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "tags", "categories", "authors", "archives"]
PAGINATED_TEMPLATES = {"index": None, "tag": None, "category": None, "author": None}
TEMPLATE_PAGES = {}

# -- Feeds: Atom and RSS for everything, relative to FEED_DOMAIN --------------------
FEED_DOMAIN = SITE_ORIGIN
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
FEED_ATOM = None
FEED_RSS = None
CATEGORY_FEED_ATOM = "feeds/category/{slug}.atom.xml"
CATEGORY_FEED_RSS = "feeds/category/{slug}.rss.xml"
TAG_FEED_ATOM = "feeds/tag/{slug}.atom.xml"
TAG_FEED_RSS = "feeds/tag/{slug}.rss.xml"
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None
FEED_MAX_ITEMS = 20  # a feed reader only needs what is new; every post stays on the site
RSS_FEED_SUMMARY_ONLY = False

# -- Build behaviour ----------------------------------------------------------------
# Rebuilds reuse what did not change (plugins/fastbuild drops the cache when settings,
# plugins or libraries change); LOAD_CONTENT_CACHE=0 forces a fresh build.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = os.environ.get("LOAD_CONTENT_CACHE", "1") == "1"
GZIP_CACHE = False  # Pelican rewrites its cache on every build: compressing it costs more
CACHE_PATH = "cache"
DELETE_OUTPUT_DIRECTORY = False
SITEMAP_CHANGEFREQ = "weekly"

# -- Comments (Isso) -----------------------------------------------------------------
# Public URL of the comment server; empty = archived comments only, no script.
COMMENTS_URL = os.environ.get("COMMENTS_URL", "http://127.0.0.1:8080")
COMMENTS_SNAPSHOT = False

# -- Email subscriptions (the audience server, audience/) ----------------------------
# Public URL of the audience server; empty = no sign-up forms, nothing else changes.
AUDIENCE_URL = os.environ.get("AUDIENCE_URL", "http://127.0.0.1:8090")

# -- Search (Pagefind, plugins/search) ----------------------------------------------
# Every build indexes published posts and pages and open roles into output/pagefind/;
# /search/ searches it in the browser. False = no index, no search page, no search box.
SEARCH_ENABLED = True
# Pages left out of the index, by URL pattern (e.g. "contact/", "posts/old-*").
SEARCH_EXCLUDE = ()

# -- Reading stats (plugins/stats, counted by the audience server) ---------------------
# Pages count views through AUDIENCE_URL; VIEWS_SNAPSHOT shows "Views: N" (publishconf).
VIEWS_SNAPSHOT = False
