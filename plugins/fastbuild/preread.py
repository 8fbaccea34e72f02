"""Parallel pre-reading: convert every Markdown source in worker processes, up front.

When the first source of a build is read, every source that Pelican will read and
does not have in its content cache is handed to a pool of forked workers. Each worker
runs the site's own reader (validation included) and sends back the HTML, the
metadata, the content problems it reported and the log records it emitted. When
Pelican then asks for a file, the reader replays those problems and records in the
parent, in Pelican's order, and returns the result, or raises the same exception.
So the author sees exactly the lines a serial build prints, and a file that changed
in the meantime, or anything a worker could not send back, is simply read again
(and said so: ``fallbacks.py``).

A reader takes part by mixing in ``PrereadMixin`` (``reading.py`` makes such readers):
its ``read_here`` is what a worker runs, its ``read`` takes the worker's result.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.urlwrappers import URLWrapper

from . import fallbacks, guards
from .processes import portable_record, replay_record, worker_count

try:  # the site's one error type for content problems (plugins/strict_content)
    from plugins.strict_content import problems as content_problems
except ImportError:  # pragma: no cover - fastbuild also works without it
    content_problems = None

_CHUNK = 8  # files per task: small enough to balance the workers, big enough to batch
_READ_HERE = "sources read in the build process"


class PrereadMixin:
    """A reader that serves a file from the parallel pre-pass when it has it.

    Mixed in before the reader class: ``read_here`` is the reader's own ``read``.
    """

    def read(self, source_path):
        found = take(source_path, self)
        if found is None:
            return self.read_here(source_path)
        return found.replay()

    def read_here(self, source_path):
        return super().read(source_path)


@dataclass
class PrereadFile:
    """One source as a worker read it."""

    path: str
    stamp: tuple[int, int]
    content: str | None = None
    metadata: dict | None = None
    error: BaseException | None = None
    problems: list = field(default_factory=list)
    records: list = field(default_factory=list)

    def replay(self):
        """Log, report and return (or raise) exactly what reading it here would have."""
        for record in self.records:
            replay_record(record)
        if content_problems is not None:
            for problem in self.problems:
                content_problems.report(problem.path, problem.field, problem.message)
        if self.error is not None:
            raise self.error
        return self.content, self.metadata


@dataclass
class _Build:
    settings: dict | None = None
    generators: list = field(default_factory=list)
    started: bool = False
    results: dict[str, PrereadFile] = field(default_factory=dict)
    pending: dict[str, object] = field(default_factory=dict)  # path -> future of its chunk
    pool: object = None
    workers_used: int = 0


_build = _Build()


def start_build(settings: dict) -> None:
    """Forget the previous build (the dev server builds many times in one process)."""
    global _build
    finish()
    _build = _Build(settings=settings)


def finish() -> None:
    """Every source is read: let the workers go."""
    global _jobs
    if _build.pool is not None:
        _build.pool.shutdown(wait=True, cancel_futures=True)
        _build.pool = None
    _build.pending.clear()
    _jobs = {}


def remember_generator(generator) -> None:
    if generator not in _build.generators:
        _build.generators.append(generator)


def stats() -> dict:
    return {"workers": _build.workers_used}


def take(path: str, reader) -> PrereadFile | None:
    """The pre-read result for ``path``, if it is still what the file holds."""
    if not _build.started:
        _build.started = True
        _run(reader.settings)
    if path in _build.pending:
        _collect(_build.pending[path], reader.settings)
    found = _build.results.pop(path, None)
    if found is None:
        return None
    if found.stamp != _stamp(path):
        fallbacks.note(_READ_HERE, "they changed while a worker read them", path)
        return None
    return found


def _collect(future, settings: dict) -> None:
    """Wait for the chunk holding a file Pelican asks for; keep all its files."""
    paths = [path for path, pending in _build.pending.items() if pending is future]
    for path in paths:
        del _build.pending[path]
    try:
        for item in _Unpickler(io.BytesIO(future.result()), settings).load():
            _build.results[item.path] = item
    except Exception as error:  # a worker died, say: these sources are read here
        why = f"their worker failed ({type(error).__name__}: {error})"
        for path in paths:
            fallbacks.note(_READ_HERE, why, path)
    else:
        for path in paths:
            if path not in _build.results:  # the worker could not send it back
                fallbacks.note(_READ_HERE, "a worker's result could not be sent back", path)
    if not _build.pending:
        finish()


def _stamp(path: str) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_mtime_ns, status.st_size


# -- the pre-pass ---------------------------------------------------------------------


def _sources_to_read() -> dict[str, object]:
    """Every Markdown source Pelican will read and not find in its cache -> its reader.

    In the order Pelican will ask for them (it walks the same set of names).
    """
    jobs: dict[str, object] = {}
    for generator in _build.generators:
        if isinstance(generator, ArticlesGenerator):
            paths, excludes = "ARTICLE_PATHS", "ARTICLE_EXCLUDES"
        elif isinstance(generator, PagesGenerator):
            paths, excludes = "PAGE_PATHS", "PAGE_EXCLUDES"
        else:
            continue
        settings = generator.settings
        readers = generator.readers
        for relative in generator.get_files(settings[paths], exclude=settings[excludes]):
            reader = readers.readers.get(os.path.splitext(relative)[1][1:])
            if not isinstance(reader, PrereadMixin):
                continue
            path = os.path.abspath(os.path.join(generator.path, relative))
            if path in jobs or _cached(readers, path):
                continue
            jobs[path] = reader
    return jobs


# What _cached() relies on of Pelican's reader cache.
READER_CACHE_CODE = (
    "pelican.cache.FileDataCacher.__init__",
    "pelican.cache.FileStampDataCacher.get_cached_data",
)


def _cached(readers, path: str) -> bool:
    """Pelican's reader cache has this file as it is now (no stamp taken for a miss)."""
    entries = getattr(readers, "_cache", None)
    if isinstance(entries, dict) and path not in entries:
        return False
    return readers.get_cached_data(path, None) is not None


def _run(settings: dict) -> None:
    jobs = _sources_to_read()
    wanted = worker_count(settings)
    # Fewer files than chunks for every worker (a small site told to go parallel by a
    # low FASTBUILD_PARALLEL_MIN_FILES): smaller chunks, so each worker still has some.
    chunk_size = max(1, min(_CHUNK, len(jobs) // wanted))
    workers = min(wanted, max(1, len(jobs) // chunk_size))
    if len(jobs) < int(settings.get("FASTBUILD_PARALLEL_MIN_FILES", 48)) or workers < 2:
        return  # a choice, not a fallback: forking would cost more than it saves
    if not guards.unchanged(*READER_CACHE_CODE):
        return  # the reader cache is not what _cached() reads: every source is read here
    if "fork" not in multiprocessing.get_all_start_methods():
        # Workers must inherit the configured readers; spawn would rebuild them.
        fallbacks.note("Markdown sources read one by one", "this system cannot fork")
        return
    # Chunks in the order Pelican asks: it builds its content while workers read on.
    paths = list(jobs)
    chunks = [paths[i : i + chunk_size] for i in range(0, len(paths), chunk_size)]
    global _jobs
    _jobs = jobs  # read by the forked workers
    try:
        context = multiprocessing.get_context("fork")
        _build.pool = ProcessPoolExecutor(workers, context, initializer=_start_worker)
        for chunk in chunks:
            future = _build.pool.submit(_read_chunk, chunk)
            for path in chunk:
                _build.pending[path] = future
        _build.workers_used = workers
    except Exception as error:  # cannot start workers: every source is read here
        why = f"no worker could be started ({type(error).__name__}: {error})"
        fallbacks.note("Markdown sources read one by one", why)
        finish()


# -- inside a worker ---------------------------------------------------------------------

_jobs: dict[str, object] = {}
_captured: list[logging.LogRecord] = []


def _capture(self, record: logging.LogRecord) -> None:
    """Logger.handle in a worker: keep the record for the parent, filter nothing here."""
    _captured.append(record)


def _start_worker() -> None:
    # Filters (Pelican's de-duplication, strict_content's) run once, in the parent.
    logging.Logger.handle = _capture


def _read_chunk(paths: list[str]) -> bytes:
    items = [_read_one(path) for path in paths]
    buffer = io.BytesIO()
    try:
        _Pickler(buffer).dump(items)
    except Exception:  # something unpicklable: send what can be sent, one by one
        # The build process reads the others itself (and says so).
        kept = [item for item in items if _sendable(item)]
        buffer = io.BytesIO()
        _Pickler(buffer).dump(kept)
    return buffer.getvalue()


def _sendable(item: PrereadFile) -> bool:
    try:
        _Pickler(io.BytesIO()).dump(item)
    except Exception:
        return False
    return True


def _read_one(path: str) -> PrereadFile:
    reader = _jobs[path]
    item = PrereadFile(path=path, stamp=_stamp(path))
    reported = len(content_problems.collected()) if content_problems is not None else 0
    _captured.clear()
    try:
        item.content, item.metadata = reader.read_here(path)
    except Exception as error:
        item.error = error
    if content_problems is not None:
        item.problems = content_problems.collected()[reported:]
    item.records = [portable_record(record) for record in _captured]
    _captured.clear()
    return item


class _Pickler(pickle.Pickler):
    """Tags, categories and authors travel as their names, not with a copy of settings."""

    def persistent_id(self, obj):
        if isinstance(obj, URLWrapper):
            explicit_slug = None if obj._slug_from_name else obj._slug
            return ("urlwrapper", type(obj).__module__, type(obj).__qualname__,
                    obj._name, explicit_slug)  # fmt: skip
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, settings: dict):
        super().__init__(file)
        self._settings = settings

    def persistent_load(self, pid):
        kind, module, qualname, name, explicit_slug = pid
        if kind != "urlwrapper":
            raise pickle.UnpicklingError(f"unknown persistent id {kind!r}")
        cls = self.find_class(module, qualname)
        wrapper = cls(name, self._settings)
        if explicit_slug is not None:
            wrapper.slug = explicit_slug
        return wrapper
