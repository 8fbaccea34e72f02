"""Defaults for the strict_content plugin; override any of them in pelicanconf.py."""

# Metadata a post may carry. Anything else is a typo until proven otherwise.
STRICT_POST_FIELDS = [
    "title",
    "date",
    "modified",
    "category",
    "tags",
    "slug",
    "summary",
    "status",
    "author",
    "authors",
    "lang",
    "translation",
    "description",
    "image",
    "image_alt",
    "template",
    "save_as",
    "url",
]
STRICT_PAGE_FIELDS = [
    "title",
    "date",
    "modified",
    "slug",
    "summary",
    "status",
    "lang",
    "translation",
    "description",
    "template",
    "save_as",
    "url",
    "image",
    "image_alt",
]
STRICT_STATUSES = ["published", "draft", "hidden"]
# A source larger than this is almost certainly a mistake (a pasted binary, a log).
STRICT_MAX_SOURCE_BYTES = 1_000_000


def apply_defaults(settings: dict) -> None:
    for name, value in globals().items():
        if name.startswith("STRICT_"):
            settings.setdefault(name, value)
