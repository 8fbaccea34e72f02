"""Pagefind in the background while Pelican writes, so an unchanged site changes no file.

As soon as the content is read (``all_generators_finalized``) the documents of the
selected pages (``documents.py``) go into a scratch folder (in memory, ``/dev/shm``,
where there is one) and Pagefind, the binary of the pinned ``pagefind-bin`` package
(never a download), starts indexing them at a lower priority: it works on the core the
build leaves idle while pages are rendered. At ``finalized`` the build waits for it;
``canonical.py`` puts the parts Pagefind writes in random order in a fixed one; only
files whose bytes differ are then moved into ``OUTPUT_PATH/<SEARCH_INDEX_PATH>``,
content-addressed chunks first and the entry files last, and files of the previous
index that are no longer part of it are deleted. When the documents, the settings and
the code are what they were at the last build (and the index on disk is the one written
then), Pagefind is not run at all.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from plugins import buildcache

from .canonical import BundleFormatError, canonicalise
from .documents import Document

logger = logging.getLogger(__name__)

CACHE_FILE = "search-index.pickle"
# Pagefind also writes its ready-made UIs and a web worker; the search page uses the
# JavaScript API on the main thread (the only place its policy allows WebAssembly), so
# these are not part of the site.
NOT_SERVED = (
    "pagefind-ui.",
    "pagefind-component-ui.",
    "pagefind-modular-ui.",
    "pagefind-highlight.",
    "pagefind-worker.",
)
# Written last: they name every other file, so a reader never meets a half-new index.
ENTRY_FILES = ("pagefind-entry.json", "pagefind.js")
_TIMEOUT_SECONDS = 600
# Pagefind yields to the build's own processes: it has the whole machine once they end.
_NICENESS = 10
_IN_MEMORY = "/dev/shm"  # noqa: S108 (a private mkdtemp folder is made inside)


class SearchIndexError(Exception):
    """Pagefind is missing or failed; the message says which, in the author's words."""


@dataclass(frozen=True)
class IndexPlan:
    """Everything that decides the index: what to read, where to write, how."""

    output_path: str
    index_path: str  # relative to output_path
    documents: tuple[Document, ...]
    exclude_selectors: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        return os.path.join(self.output_path, self.index_path)


@dataclass(frozen=True)
class IndexOutcome:
    indexed: bool  # False when the index on disk was already the right one
    pages: int
    written: int
    deleted: int
    seconds: float


@dataclass
class Indexing:
    """One index being made: Pagefind running (or not needed), until ``finish``."""

    plan: IndexPlan
    settings: dict
    key: str
    started: float
    work: tempfile.TemporaryDirectory | None = None
    process: subprocess.Popen | None = None
    failure: str = ""
    _stop: object = field(default=None, repr=False)

    @property
    def bundle(self) -> str:
        return os.path.join(self.work.name, "bundle") if self.work else ""

    def finish(self) -> IndexOutcome:
        """Wait for Pagefind and bring the index under ``plan.target`` up to date."""
        try:
            if self.work is None and not self.failure:
                if self.plan.documents:  # the index on disk is already this one
                    return self._outcome(False, 0, 0)
                written, deleted = sync_tree(None, self.plan.target)
            else:
                self._wait()
                written, deleted = sync_tree(self.bundle, self.plan.target)
            if self.key:
                buildcache.save(self.settings, CACHE_FILE, self.key, _stamps(self.plan.target))
            return self._outcome(True, written, deleted)
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop Pagefind if it still runs and remove the scratch folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.work is not None:
            self.work.cleanup()
            self.work = None
        if self._stop is not None:
            atexit.unregister(self._stop)
            self._stop = None

    def _wait(self) -> None:
        if self.failure:
            raise SearchIndexError(self.failure)
        try:
            stdout, stderr = self.process.communicate(timeout=_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as error:
            raise SearchIndexError(f"Pagefind could not run: {error}") from error
        if self.process.returncode != 0 or not os.path.isfile(
            os.path.join(self.bundle, "pagefind.js")
        ):
            said = " ".join((stderr + " " + stdout).split())[-600:]
            raise SearchIndexError(
                f"Pagefind failed (exit status {self.process.returncode}): {said}"
            )
        try:
            canonicalise(self.bundle)
        except (BundleFormatError, OSError, ValueError, KeyError) as error:
            raise SearchIndexError(
                f"cannot put Pagefind's bundle in a stable order ({error}); "
                "plugins/search/canonical.py knows the layout of pagefind 1.5"
            ) from error

    def _outcome(self, indexed: bool, written: int, deleted: int) -> IndexOutcome:
        seconds = time.perf_counter() - self.started
        return IndexOutcome(indexed, len(self.plan.documents), written, deleted, seconds)


def start_index(plan: IndexPlan, settings: dict) -> Indexing:
    """Start Pagefind on ``plan``'s documents, unless the index on disk is theirs."""
    started = time.perf_counter()
    key = _inputs_key(plan) if _cache_in_use(settings) else ""
    previous = buildcache.load(settings, CACHE_FILE, key) if key else None
    indexing = Indexing(plan, settings, key, started)
    if previous is not None and _tree_is(plan.target, previous):
        return indexing
    if not plan.documents:
        return indexing
    indexing.work = tempfile.TemporaryDirectory(prefix="pagefind-", dir=_scratch_folder(settings))
    indexing._stop = indexing.cancel
    atexit.register(indexing.cancel)  # a build that fails before ``finalized``
    try:
        indexing.process = run_pagefind(plan, indexing.work.name, indexing.bundle)
    except SearchIndexError as error:
        indexing.failure = str(error)
    return indexing


def pagefind_binary() -> str:
    try:
        from pagefind_bin import get_executable
    except ImportError as error:
        raise SearchIndexError(
            "Pagefind is not installed (pip install -r requirements.txt installs pagefind-bin)"
        ) from error
    try:
        return str(get_executable())
    except FileNotFoundError as error:
        raise SearchIndexError(f"the pagefind-bin package has no binary: {error}") from error


def write_documents(documents: tuple[Document, ...], folder: str) -> None:
    made: set[str] = set()
    for document in documents:
        path = os.path.join(folder, document.path)
        parent = os.path.dirname(path)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(document.html)


def run_pagefind(plan: IndexPlan, work: str, bundle: str) -> subprocess.Popen:
    """Start Pagefind on ``plan``'s documents, written under ``work``; it writes ``bundle``."""
    site = os.path.join(work, "site")
    write_documents(plan.documents, site)
    config = {
        "site": site,
        "output_path": os.path.abspath(bundle),
        "exclude_selectors": list(plan.exclude_selectors),
    }
    with open(os.path.join(work, "pagefind.json"), "w", encoding="utf-8") as handle:
        json.dump(config, handle)
    try:
        return subprocess.Popen(
            [pagefind_binary(), "--silent"],
            cwd=work,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_lower_priority,
        )
    except OSError as error:
        raise SearchIndexError(f"Pagefind could not run: {error}") from error


def _lower_priority() -> None:
    with contextlib.suppress(OSError):
        os.nice(_NICENESS)


def sync_tree(source: str | None, target: str) -> tuple[int, int]:
    """Make ``target`` hold what ``source`` holds (less NOT_SERVED); (written, deleted).

    Files with the same bytes are left alone, so their modification times stay.
    """
    wanted = _files_below(source, served_only=True) if source else {}
    existing = _files_below(target) if os.path.isdir(target) else {}
    order = sorted(wanted, key=lambda relative: (relative in ENTRY_FILES, relative))
    written = 0
    for relative in order:
        destination = os.path.join(target, relative)
        if relative in existing and _same_bytes(wanted[relative], destination):
            continue
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        try:
            os.replace(wanted[relative], destination)
        except OSError:  # the scratch folder is on another file system
            shutil.copyfile(wanted[relative], destination)
        written += 1
    stale = sorted(set(existing) - set(wanted))
    for relative in stale:
        os.remove(os.path.join(target, relative))
    _remove_empty_folders(target)
    return written, len(stale)


def _files_below(folder: str, served_only: bool = False) -> dict[str, str]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in filenames:
            if served_only and name.startswith(NOT_SERVED):
                continue
            path = os.path.join(dirpath, name)
            found[os.path.relpath(path, folder).replace(os.sep, "/")] = path
    return found


def _same_bytes(first: str, second: str) -> bool:
    try:
        if os.path.getsize(first) != os.path.getsize(second):
            return False
        with open(first, "rb") as one, open(second, "rb") as other:
            return one.read() == other.read()
    except OSError:
        return False


def _remove_empty_folders(target: str) -> None:
    if not os.path.isdir(target):
        return
    for dirpath, _dirnames, _filenames in os.walk(target, topdown=False):
        if dirpath != target and not os.listdir(dirpath):
            os.rmdir(dirpath)
    if not os.listdir(target):
        os.rmdir(target)


def _cache_in_use(settings: dict) -> bool:
    return bool(settings.get("CACHE_PATH")) and bool(
        settings.get("LOAD_CONTENT_CACHE") or settings.get("CACHE_CONTENT")
    )


def _inputs_key(plan: IndexPlan) -> str:
    """The code, Pagefind's version, the plan and every document."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(buildcache.code_digest(__file__, ("pagefind-bin",)).encode())
    digest.update(repr((plan.index_path, plan.exclude_selectors)).encode())
    for document in plan.documents:
        digest.update(document.path.encode() + b"\0" + document.html.encode() + b"\0")
    return digest.hexdigest()


def _stamps(target: str) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file of the index as written."""
    stamps = {}
    for relative, path in _files_below(target).items() if os.path.isdir(target) else ():
        status = os.stat(path)
        stamps[relative] = (status.st_size, status.st_mtime_ns)
    return stamps


def _tree_is(target: str, stamps: dict) -> bool:
    """The index on disk is exactly the one the last build wrote."""
    if not os.path.isdir(target):
        return not stamps
    return _stamps(target) == stamps


def _scratch_folder(settings: dict) -> str | None:
    """In memory where the system has a tmpfs (Pagefind writes a thousand small files),
    else the cache folder (which version control ignores), else beside the output."""
    beside_output = os.path.dirname(os.path.abspath(settings["OUTPUT_PATH"]))
    for folder in (_IN_MEMORY, settings.get("CACHE_PATH"), beside_output):
        if folder == _IN_MEMORY and not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            continue
        if folder:
            try:
                os.makedirs(folder, exist_ok=True)
                return folder
            except OSError:
                continue
    return None
