"""Two of Pelican's own hot spots, made cheap without changing a result.

- ``Content.get_relative_source_path()`` (no argument) runs abspath and relpath on
  every call, and every ``url``/``save_as`` lookup calls it: tens of thousands of
  times per build. Its result depends only on the content's source path and the
  settings' PATH, so it is remembered per content object.
- Tag, category and author pages filter ``dates`` with ``article in articles``, a
  list scan per article: quadratic in the number of posts. Their article lists get
  a set-backed membership test.
Both are active only in builds with FAST_BUILD on.
"""

from __future__ import annotations

import weakref

from pelican.contents import Content

_state = {"active": False}
_relative_paths: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_original_relative_source_path = Content.get_relative_source_path


def activate(active: bool) -> None:
    _state["active"] = active
    _relative_paths.clear()


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


def install() -> None:
    Content.get_relative_source_path = _remembered_relative_source_path


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
