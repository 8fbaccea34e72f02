"""Stable digests of settings, source trees and template inputs: the keys of every cache.

A digest must be the same in every process and every build for equal inputs, and
different when an input changes. When a value cannot be digested stably (its repr
holds a memory address, say) ``Unstable`` is raised and the caller does not cache:
a cache miss costs time, a wrong hit would cost correctness.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import hashlib
import io
import pickle
import sys
import types
from zoneinfo import ZoneInfo

from pelican.contents import Content
from pelican.paginator import Page as PaginatorPage
from pelican.paginator import Paginator
from pelican.urlwrappers import URLWrapper

# Attributes that hold the whole site (covered by the global key) rather than a value.
SKIPPED_ATTRIBUTES = frozenset({"settings", "_context", "context"})
# Settings that change how a build runs but not what it writes.
NEUTRAL_SETTINGS = frozenset(
    {
        "LOAD_CONTENT_CACHE",
        "CACHE_CONTENT",
        "CACHE_PATH",
        "GZIP_CACHE",
        "OUTPUT_PATH",
        "DELETE_OUTPUT_DIRECTORY",
        "OUTPUT_RETENTION",
        "WRITE_SELECTED",
        "DEBUG",
        "FASTBUILD_WORKERS",
        "FASTBUILD_PARALLEL_MIN_FILES",
        "FASTBUILD_SKIP_UNCHANGED_PAGES",
    }
)
_MAX_DEPTH = 40
_SCALARS = (str, int, float, bool, bytes, type(None))


class Unstable(Exception):
    """A value whose digest would not be the same in the next build."""


def new_hash():
    return hashlib.blake2b(digest_size=20)


def package_versions() -> str:
    """The libraries whose behaviour shapes the output."""
    from importlib import metadata

    names = ("pelican", "markdown", "jinja2", "markupsafe", "feedgenerator", "pygments")
    parts = [sys.version]
    for name in names:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=none")
    return ";".join(parts)


def settings_digest(settings: dict) -> str:
    """Every setting that can change what is written (paths to caches etc. left out)."""
    digester = Digester()
    hasher = new_hash()
    for key in sorted(settings):
        if key in NEUTRAL_SETTINGS:
            continue
        hasher.update(key.encode() + b"=")
        hasher.update(digester.value(settings[key]))
    return hasher.hexdigest()


def _qualified_name(obj) -> str:
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if name is None:
        raise Unstable(f"unnamed callable {type(obj).__name__}")
    return f"{module}.{name}"


class Digester:
    """Digests values the way templates can see them, each object once per build.

    A content object (article, page) reached from a template variable counts with its
    own attributes and the own attributes of the content it points at (related
    posts, neighbours, translations): templates show those one step away (a title,
    a URL), never two. Inside a content object, other content counts by identity.

    Digests are memoised by object identity for the whole build: models are complete
    before the first page is written and Pelican does not change them while writing.
    """

    def __init__(self) -> None:
        self._memo: dict[tuple[int, object], tuple[bytes, tuple]] = {}
        self._alive: list = []  # memoised objects stay alive, so their ids stay theirs
        self._cycles = 0  # cycles met so far: a digest that met one is not memoised

    def value(self, obj) -> bytes:
        """The digest of a template variable's value."""
        return self._digest(obj, False, 0, set())[0]

    # -- internals ------------------------------------------------------------

    def _digest(self, obj, inside: bool, depth: int, active: set) -> tuple[bytes, tuple]:
        """(digest, content objects met by identity) of ``obj``.

        ``inside`` is True within a content object's own attributes.
        """
        kind = type(obj)
        category = _CATEGORIES.get(kind) or _categorise(obj, kind)
        if category == "scalar":
            text = obj if isinstance(obj, str) else repr(obj)
            data = kind.__name__.encode() + b":" + text.encode("utf-8", "surrogatepass")
            if len(data) < 200:  # short values go in as they are (length-prefixed)
                return b"\x01" + bytes((len(data),)) + data, ()
            return _hash("scalar", data), ()
        if inside and category == "content":  # counted by identity: a leaf, never a cycle
            identity = f"{_qualified_name(kind)}:{obj.source_path}".encode()
            return _hash("ref", identity), (obj,)
        memo_key = (id(obj), inside)
        found = self._memo.get(memo_key)
        if found is not None:
            return found
        if depth > _MAX_DEPTH:
            raise Unstable("value nested too deeply")
        if id(obj) in active:
            self._cycles += 1
            return _hash("cycle", kind.__name__.encode()), ()
        cycles = self._cycles
        active.add(id(obj))
        try:
            found = self._compute(obj, kind, category, inside, depth, active)
        finally:
            active.discard(id(obj))
        if self._cycles == cycles:  # a digest that met a cycle depends on the way in
            self._memo[memo_key] = found
            self._alive.append(obj)
        return found

    def _compute(self, obj, kind, category, inside, depth, active) -> tuple[bytes, tuple]:
        if category == "content":
            own, refs = self._own(obj, depth, active)
            linked = [own] + [self._own(ref, depth + 1, active)[0] for ref in refs]
            return _hash("content", b"".join(linked)), ()
        if category == "simple":
            return _hash("simple", _simple_form(obj, kind).encode()), ()
        if category == "sequence":
            return self._items(kind.__name__, obj, inside, depth, active)
        if category == "mapping":  # insertion order is what templates iterate
            flat = [part for pair in obj.items() for part in pair]
            return self._items(kind.__name__, flat, inside, depth, active)
        if category == "set":
            parts = [self._digest(item, inside, depth + 1, active) for item in obj]
            parts.sort(key=lambda part: part[0])
            refs = tuple(ref for part in parts for ref in part[1])
            return _hash("set", b"".join(part[0] for part in parts)), refs
        if category == "partial":
            return self._items("partial", [obj.func, obj.args, obj.keywords], inside, depth, active)
        if category == "method":
            receiver = self._digest(obj.__self__, inside, depth + 1, active)
            name = _qualified_name(obj.__func__).encode()
            return _hash("method", name + receiver[0]), receiver[1]
        if category == "function":
            return _hash("function", _qualified_name(obj).encode()), ()
        if category == "module":
            return _hash("module", obj.__name__.encode()), ()
        if category == "object":
            return self._attributes(obj, _qualified_name(kind), depth, active, inside)
        text = repr(obj)
        if " at 0x" in text or " object at " in text:
            raise Unstable(f"{kind.__name__} has no stable form")
        return _hash("repr", (_qualified_name(kind) + text).encode()), ()

    def _own(self, content, depth, active) -> tuple[bytes, tuple]:
        """A content's own attributes; content it points at counts by identity."""
        memo_key = (id(content), "own")
        found = self._memo.get(memo_key)
        if found is None:
            label = _qualified_name(type(content))
            found = _pickled_attributes(content, label, self)
            if found is None:  # something pickle cannot take: the slower way
                cycles = self._cycles
                found = self._attributes(content, label, depth, active, True)
                if self._cycles != cycles:
                    return found
            self._memo[memo_key] = found
            self._alive.append(content)
        return found

    def _items(self, label, items, inside, depth, active) -> tuple[bytes, tuple]:
        parts = [self._digest(item, inside, depth + 1, active) for item in items]
        refs = tuple(ref for part in parts for ref in part[1])
        return _hash(label, b"".join(part[0] for part in parts)), refs

    def _attributes(self, obj, label, depth, active, inside) -> tuple[bytes, tuple]:
        try:
            attributes = vars(obj)
        except TypeError:
            raise Unstable(f"{type(obj).__name__} has no attributes to digest") from None
        names = sorted(name for name in attributes if name not in SKIPPED_ATTRIBUTES)
        parts = [self._digest(attributes[name], inside, depth + 1, active) for name in names]
        refs = tuple(ref for part in parts for ref in part[1])
        body = b"".join(
            name.encode() + b"=" + part[0] for name, part in zip(names, parts, strict=True)
        )
        return _hash(label, body), refs


def _hash(label: str, data: bytes) -> bytes:
    """A digest part: 0x02 and 20 bytes (short scalars are 0x01, a length and the bytes)."""
    hasher = new_hash()
    hasher.update(label.encode() + b"\0")
    hasher.update(data)
    return b"\x02" + hasher.digest()


class _StablePickler(pickle.Pickler):
    """Pickles a content's attributes into bytes that depend only on their values.

    Scalars, lists and dicts are pickled (in C, far faster than digesting them one by
    one); no memo (``fast``), so shared and equal objects give the same bytes. Other
    content counts by identity (collected in ``refs``); any other object by its
    digest, which the digester memoises (the same role is related to many posts).
    Exact sets are pickled in their own order, which may differ between processes:
    a post holding one is then simply rendered again.
    """

    def __init__(self, file, digester: Digester, refs: list) -> None:
        super().__init__(file, protocol=4)
        self.fast = True
        self.digester = digester
        self.refs = refs

    def reducer_override(self, obj):
        # Not called for exact str, int, float, bytes, list, tuple, dict, set: pickled as is.
        kind = type(obj)
        category = _CATEGORIES.get(kind) or _categorise(obj, kind)
        if category in ("scalar", "sequence", "mapping", "function", "module"):
            return NotImplemented  # str subclasses (Markup), tuples, named functions...
        if category == "content":
            self.refs.append(obj)
            return _content_ref, (_qualified_name(kind), str(obj.source_path))
        if category == "set":
            return kind, (sorted(obj, key=_stable_sort_key),)
        digest, refs = self.digester._digest(obj, True, 1, set())
        self.refs.extend(refs)
        return _digested, (digest,)


def _content_ref(kind: str, source_path: str):  # pragma: no cover - named, never called
    """Stands for another content in a pickled digest."""


def _digested(digest: bytes):  # pragma: no cover - named, never called
    """Stands for an object, by its digest, in a pickled digest."""


def _stable_sort_key(item) -> str:
    return f"{type(item).__name__}:{item!r}"


def _pickled_attributes(content, label: str, digester: Digester) -> tuple[bytes, tuple] | None:
    """(digest, content met by identity) of a content's own attributes, or None."""
    attributes = vars(content)
    kept = {name: attributes[name] for name in sorted(attributes) if name not in SKIPPED_ATTRIBUTES}
    refs: list = []
    buffer = io.BytesIO()
    try:
        _StablePickler(buffer, digester, refs).dump(kept)
    except Unstable:
        raise
    except Exception:  # an unpicklable value, a set that cannot be sorted...
        return None
    return _hash(label, buffer.getvalue()), tuple(refs)


_CATEGORIES: dict[type, str] = {}


def _categorise(obj, kind) -> str:
    """How values of this type are digested (decided once per type)."""
    if kind in _SCALARS or isinstance(obj, _SCALARS):
        category = "scalar"
    elif isinstance(obj, Content):
        category = "content"
    elif _simple_form(obj, kind) is not None:
        category = "simple"
    elif isinstance(obj, list | tuple):
        category = "sequence"
    elif isinstance(obj, dict):
        category = "mapping"
    elif isinstance(obj, set | frozenset):
        category = "set"
    elif isinstance(obj, functools.partial):
        category = "partial"
    elif isinstance(obj, types.MethodType):
        category = "method"
    elif isinstance(obj, types.FunctionType | types.BuiltinFunctionType | type):
        category = "function"
    elif isinstance(obj, types.ModuleType):
        category = "module"
    elif (
        isinstance(obj, PaginatorPage)
        or dataclasses.is_dataclass(obj)
        or (hasattr(obj, "__dict__") and not callable(obj))
    ):
        category = "object"
    else:
        category = "repr"
    _CATEGORIES[kind] = category
    return category


def _simple_form(obj, kind) -> str | None:
    """A stable text for values that are their own description, else None."""
    if isinstance(obj, URLWrapper):
        return f"{_qualified_name(kind)}:{obj.name}\0{obj.slug}"
    if isinstance(obj, datetime.date | datetime.time | datetime.timedelta):
        return f"{kind.__name__}:{obj.isoformat()}:{getattr(obj, 'tzinfo', None)!r}"
    if isinstance(obj, ZoneInfo):
        return f"zone:{obj.key}"
    if isinstance(obj, enum.Enum):
        return f"{_qualified_name(kind)}.{obj.name}"
    if isinstance(obj, Paginator):  # its numbers; the listed pages come from Page
        return f"paginator:{obj.name}|{obj.url}|{obj.per_page}|{obj.orphans}|{obj.count}"
    return None
