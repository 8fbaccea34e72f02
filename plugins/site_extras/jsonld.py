"""JSON-LD for posts and the recruiter, safe to embed inside a <script> element."""

from __future__ import annotations

import json

from markupsafe import Markup

from .urls import absolute_url


def script_safe_json(data: dict) -> Markup:
    """JSON that cannot close its <script> element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, indent=None)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - every character that could end the script is escaped


def person(settings: dict) -> dict:
    recruiter = settings["RECRUITER"]
    same_as = [
        recruiter[key]
        for key in ("linkedin", "facebook", "twitter", "website")
        if recruiter.get(key)
    ]
    data = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": recruiter["name"],
        "jobTitle": recruiter.get("job_title"),
        "worksFor": {"@type": "Organization", "name": recruiter.get("company")},
        "email": f"mailto:{recruiter['email']}" if recruiter.get("email") else None,
        "telephone": recruiter.get("phone"),
        "url": absolute_url(settings, "about/"),
        "image": absolute_url(settings, recruiter["photo"]) if recruiter.get("photo") else None,
        "sameAs": same_as,
    }
    return {key: value for key, value in data.items() if value}


def _image_url(article, settings: dict) -> str:
    """The post's share card (plugins/share_cards) or its own image; else the site's."""
    card = getattr(article, "share_card", None)
    if card is not None:
        return card.url
    return absolute_url(settings, settings["RECRUITER"]["share_image"])


def blog_posting(article, settings: dict) -> dict:
    recruiter = settings["RECRUITER"]
    url = absolute_url(settings, article.url)
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": article.title_text,
        "description": article.description_text,
        "datePublished": article.date.isoformat(),
        "dateModified": getattr(article, "modified", article.date).isoformat(),
        "author": {
            "@type": "Person",
            "name": article.author.name,
            "url": absolute_url(settings, "about/"),
        },
        "publisher": {"@type": "Person", "name": recruiter["name"]},
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "wordCount": article.word_count,
        "keywords": [tag.name for tag in getattr(article, "tags", []) or []],
        "articleSection": article.category.name,
        "image": _image_url(article, settings),
    }
    return {key: value for key, value in data.items() if value not in (None, [], "")}
