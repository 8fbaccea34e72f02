"""Four of Pelican's own hot spots, made cheap without changing a result.

- ``Content.get_relative_source_path()`` (no argument) runs abspath and relpath on
  every call, and every ``url``/``save_as`` lookup calls it: tens of thousands of
  times per build. Its result depends only on the content's source path and the
  settings' PATH, so it is remembered per content object.
- Tag, category and author pages filter ``dates`` with ``article in articles``, a
  list scan per article: quadratic in the number of posts. Their article lists get
  a set-backed membership test.
- ``pelican.utils.strftime`` (every date in a template, a feed entry id, a content)
  parses its format string with regular expressions on every call; the parse is
  remembered per format string.
- A content's ``url`` and ``save_as`` copy all its metadata to format one pattern,
  on every access (dozens per page). The result is remembered per pattern and the
  values of exactly the fields that pattern uses.
All are active only in builds with FAST_BUILD on.
"""

from __future__ import annotations

import functools
import re
import string
import weakref

import pelican.utils
from pelican.contents import Content

from . import guards

_state = {"active": False}
_relative_paths: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_original_relative_source_path = guards.original(
    "pelican.contents.Content.get_relative_source_path"
)


def activate(active: bool) -> None:
    _state["active"] = active
    _relative_paths.clear()
    _urls.clear()


def _remembered_relative_source_path(self, source_path=None):
    if source_path or not _state["active"]:
        return _original_relative_source_path(self, source_path)
    basis = (self.source_path, self.settings["PATH"])
    found = _relative_paths.get(self)
    if found is not None and found[0] == basis:
        return found[1]
    result = _original_relative_source_path(self)
    _relative_paths[self] = (basis, result)
    return result


_original_strftime = guards.original("pelican.utils.strftime")
_FORMAT_OPTION = re.compile("%[-]?.")
_C89_DIRECTIVES = "aAbBcdfGHIjmMpSUuVwWxXyYzZ%"


@functools.lru_cache(maxsize=512)
def _parsed_format(date_format: str) -> tuple[str, tuple]:
    """pelican.utils.strftime's reading of a format: a template and what fills it."""
    steps = []
    for candidate in _FORMAT_OPTION.findall(date_format):
        if candidate[-1] in _C89_DIRECTIVES:
            if len(candidate) == 3:  # "%-d": no leading zeros
                steps.append((f"%{candidate[-1]}", True))
            else:
                steps.append((candidate, False))
        else:
            steps.append((None, candidate))
    return _FORMAT_OPTION.sub("%s", date_format), tuple(steps)


def _strftime(date, date_format: str) -> str:
    if not _state["active"]:
        return _original_strftime(date, date_format)
    template, steps = _parsed_format(date_format)
    safe_datetime = isinstance(date, pelican.utils.SafeDatetime)
    filled = []
    for directive, strip in steps:
        if directive is None:
            filled.append(strip)  # not a C89 directive: kept as written
            continue
        text = date.strftime(directive, safe=False) if safe_datetime else date.strftime(directive)
        filled.append((text.lstrip("0") or "0") if strip is True else text)
    return template % tuple(filled)


_original_expand_settings = guards.original("pelican.contents.Content._expand_settings")
_urls: dict = {}
_MISSING = object()


@functools.lru_cache(maxsize=256)
def _pattern_fields(pattern: str) -> tuple[str, ...] | None:
    """The names a URL pattern formats ("posts/{slug}/" -> ("slug",)); None if unusual."""
    names = []
    try:
        for _, field, _, _ in string.Formatter().parse(pattern):
            if field is None:
                continue
            name = re.split(r"[.\[]", field, maxsplit=1)[0]
            if not name or name.isdigit():
                return None  # positional fields: Pelican's own way
            names.append(name)
    except ValueError:
        return None
    return tuple(dict.fromkeys(names))


def _field_value(content, name: str):
    """What ``Content.url_format`` gives ``name`` (_MISSING: let Pelican decide)."""
    if name == "path":
        path = content.metadata.get("path", content.get_relative_source_path())
        return pelican.utils.path_to_url(path)
    if name == "slug":
        return getattr(content, "slug", "")
    if name == "lang":
        return getattr(content, "lang", "en")
    if name == "date":
        return getattr(content, "date", _MISSING)  # Pelican would use "now"
    if name == "author":
        return content.author.slug if hasattr(content, "author") else ""
    if name == "category":
        return content.category.slug if hasattr(content, "category") else ""
    return content.metadata.get(name, _MISSING)


def _value_key(value):
    """Equal keys only for values that format alike (1 == 1.0 == True; instants in zones)."""
    if hasattr(value, "isoformat"):
        return type(value), value.isoformat(), str(getattr(value, "tzinfo", None))
    return type(value), value


def _remembered_expand_settings(self, key, klass=None):
    if not _state["active"]:
        return _original_expand_settings(self, key, klass)
    name = klass or self.__class__.__name__
    pattern = str(self.settings[f"{name}_{key}".upper()])
    fields = _pattern_fields(pattern)
    if fields is None:
        return _original_expand_settings(self, key, klass)
    values = []
    for field in fields:
        value = _field_value(self, field)
        if value is _MISSING:
            return _original_expand_settings(self, key, klass)
        values.append(_value_key(value))
    remembered = (pattern, tuple(values))
    try:
        found = _urls.get(remembered)
    except TypeError:  # a list, say: not worth remembering
        return _original_expand_settings(self, key, klass)
    if found is None:
        found = _urls[remembered] = _original_expand_settings(self, key, klass)
    return found


def install() -> None:
    """Each patch only over the code it was written against (``guards.py``)."""
    if guards.unchanged("pelican.contents.Content.get_relative_source_path"):
        Content.get_relative_source_path = _remembered_relative_source_path
    if guards.unchanged(
        "pelican.contents.Content._expand_settings", "pelican.contents.Content.url_format"
    ):
        Content._expand_settings = _remembered_expand_settings
    if guards.unchanged("pelican.utils.strftime"):
        pelican.utils.strftime = _strftime


class ArticleList(list):
    """A list of content whose ``in`` test is a set lookup (content compares by identity)."""

    _ids: set | None = None

    def __contains__(self, item) -> bool:
        if isinstance(item, Content) and type(item).__eq__ is object.__eq__:
            if self._ids is None:
                self._ids = {id(member) for member in self}
            return id(item) in self._ids
        return super().__contains__(item)

    def _changed(method):  # noqa: N805 - a decorator used in the class body
        def changed(self, *args, **kwargs):
            self._ids = None
            return method(self, *args, **kwargs)

        return changed

    append = _changed(list.append)
    extend = _changed(list.extend)
    insert = _changed(list.insert)
    remove = _changed(list.remove)
    pop = _changed(list.pop)
    clear = _changed(list.clear)
    __setitem__ = _changed(list.__setitem__)
    __delitem__ = _changed(list.__delitem__)
    __iadd__ = _changed(list.__iadd__)


def index_taxonomies(generator) -> None:
    """article_generator_finalized: tag, category and author lists with fast ``in``."""
    if not _state["active"]:
        return
    tags = getattr(generator, "tags", None)
    if isinstance(tags, dict):
        for tag, articles in list(tags.items()):
            tags[tag] = ArticleList(articles)
    for name in ("categories", "authors"):
        pairs = getattr(generator, name, None)
        if isinstance(pairs, list) and all(
            isinstance(pair, tuple) and len(pair) == 2 for pair in pairs
        ):
            setattr(generator, name, [(key, ArticleList(items)) for key, items in pairs])
