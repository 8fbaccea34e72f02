"""What Pagefind reads: one small HTML document per indexed page, made from the content.

Pagefind is handed, for each selected post, page and open role, a document holding
exactly what a search should see: the title, the body as the build renders it (and,
for a role, its employer, work mode and place), and Pagefind's marks (filters, sort
date, what a result shows). Navigation, footers, the author box, related lists and
forms are not in it, so no selector has to leave them out. The documents are made as
soon as the content is read, so Pagefind indexes them while Pelican writes the site,
on the core the build leaves idle, instead of re-reading every written page at the end.

A document sits at the page's own output path (``posts/<slug>/index.html``), so the
URL Pagefind gives a result is the page's URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from pelican.utils import strftime


@dataclass(frozen=True)
class Document:
    path: str  # the page's output path, relative to OUTPUT_PATH
    html: str


def _attribute(value: object) -> str:
    return escape(" ".join(str(value).split()), quote=True)


def _marks(filters: Iterable[tuple[str, str]], sort_date: str, meta: dict[str, str]) -> str:
    """Empty elements Pagefind reads only for their attributes."""
    parts = [f'<span data-pagefind-filter="{_attribute(f"{k}:{v}")}"></span>' for k, v in filters]
    if sort_date:
        parts.append(f'<span data-pagefind-sort="date:{_attribute(sort_date)}"></span>')
    parts += [
        f'<span data-pagefind-meta="{_attribute(f"{key}:{value}")}"></span>'
        for key, value in meta.items()
    ]
    return "".join(parts)


def _document(path: str, lang: str, title: str, lead: str, body: str, marks: str) -> Document:
    heading = escape(title, quote=False)
    lead_html = f"<p>{escape(lead, quote=False)}</p>" if lead else ""
    html = (
        f'<!DOCTYPE html><html lang="{_attribute(lang or "en")}"><head><meta charset="utf-8">'
        f"<title>{heading}</title></head><body><main data-pagefind-body>"
        f"<h1>{heading}</h1>{lead_html}{body or ''}"
        f"{marks}</main></body></html>"
    )
    return Document(path, html)


def _day(date) -> str:
    return date.strftime("%Y-%m-%d") if date else ""


def post_document(article, lang: str) -> Document:
    filters = [("type", "post"), ("category", article.category.slug)]
    filters += [
        ("tag", tag.slug)
        for tag in sorted(getattr(article, "tags", None) or (), key=lambda t: t.slug)
    ]
    meta = {
        "type": "Post",
        "date": getattr(article, "locale_date", "") or _day(article.date),
        "detail": str(article.category),
        "image": "",
        "summary": getattr(article, "description_text", "") or "",
    }
    marks = _marks(filters, _day(article.date), meta)
    return _document(
        article.save_as, getattr(article, "lang", lang), article.title, "", article.content, marks
    )


def page_document(page, lang: str) -> Document:
    date = getattr(page, "date", None)
    meta = {"type": "Page", "image": "", "summary": getattr(page, "description_text", "") or ""}
    marks = _marks([("type", "page")], _day(date), meta)
    return _document(page.save_as, getattr(page, "lang", lang), page.title, "", page.content, marks)


def role_document(opening, lang: str, date_format: str) -> Document:
    filters = [("type", "role"), ("category", opening.category_slug), ("mode", opening.work_mode)]
    filters += [("location", key) for key in opening.country_keys]
    filters += [("employment", slug) for slug in opening.employment_type_slugs]
    detail = f"{opening.employer_name} · {opening.work_mode_label} · {opening.location_label}"
    meta = {
        "type": "Role",
        "date": strftime(opening.date, date_format) if date_format else _day(opening.date),
        "detail": detail,
        "image": "",
        "summary": opening.summary,
    }
    lead = f"{detail} · {opening.employment_type_label}"
    marks = _marks(filters, _day(opening.date), meta)
    return _document(opening.save_as, lang, opening.title, lead, opening.description, marks)
