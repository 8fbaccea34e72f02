"""Parallel rendering of a generator's pages.

Pelican renders and writes one page after another. Here, when the article generator
(or another generator with a ``generate_pages(writer)`` step, like the openings)
starts its output, forked helper processes run that page writing with a writer that
renders and writes only the pages they claimed, and report each finished page.
Every process makes the same render calls in the same order; whoever reaches a call
first claims it in a table in shared memory, so a process that is busy elsewhere
(the build process writes the feeds first) simply claims fewer pages, whatever the
machine's load.
The build process runs the same code for real: it writes the feeds, renders the
pages it claimed, and for every page a helper finished it does what remains (the
overwrite checks, the log lines, the ``content_written`` signal), in Pelican's order.
A page a helper did not report (a helper that died, or any divergence) is rendered
by the build process itself. On a rebuild from the cache, whoever claims a page also
works out its key and finds it unchanged (most pages) or renders it; the build process
takes the key from the helper's report.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import threading

from pelican.plugins import signals

from . import fallbacks
from .pages import uses_relocating_links
from .processes import portable_record, worker_count

# Signals whose receivers act on written output: only the build process sends them.
_MUTED_IN_HELPERS = (signals.content_written, signals.feed_generated, signals.feed_written)
_UNCLAIMED = 0
_FAILED = -1  # a helper's report: it stopped with this error
_LOOK_AHEAD = 64  # how far a following process looks for a free call


class Share:
    """Which render calls are whose: the first process to reach a call claims it.

    ``claims`` is shared by all processes of one generator's output: entry ``i`` holds
    1 + the number of the process that claimed render call ``i`` (0 = the build
    process, 1.. = helpers). Calls past the end of the table are the build process's.
    A process that finds its call taken is following another one, and would keep
    finding the next call taken too (the build process does the bookkeeping for every
    page, so it always arrives second): it also claims the first free call ahead,
    one at a time, and renders that one when it gets there.
    """

    def __init__(self, renderer: int, claims, lock, connection=None) -> None:
        self.renderer = renderer
        self.claims = claims
        self.lock = lock
        self.connection = connection
        self.calls = 0
        self.ahead = -1  # the call claimed ahead and not reached yet
        self.current: list | None = None  # log records of the page being rendered

    def owner(self, index: int) -> int:
        """Who claimed call ``index`` (-1: nobody yet)."""
        if index >= len(self.claims):
            return 0
        return self.claims[index] - 1

    def next_call(self) -> tuple[int, bool]:
        """The index of this render call, and whether this process renders it."""
        index = self.calls
        self.calls += 1
        claims = self.claims
        if index >= len(claims):
            return index, self.renderer == 0
        mark = self.renderer + 1
        with self.lock:
            holder = claims[index]
            if holder == _UNCLAIMED:
                claims[index] = holder = mark
            elif holder != mark and self.ahead < index:
                for later in range(index + 1, min(len(claims), index + 1 + _LOOK_AHEAD)):
                    if claims[later] == _UNCLAIMED:
                        claims[later] = mark
                        self.ahead = later
                        break
        return index, holder == mark


class Helpers:
    """The build process's view of its helpers and of the pages they reported."""

    def __init__(self, share: Share) -> None:
        self.share = share
        self.processes: list = []
        self.receivers: list = []
        self.early: dict[int, tuple] = {}
        self.finished: set[int] = set()
        self.failures: dict[int, str] = {}

    def why_unreported(self, index: int) -> str:
        """Why page ``index`` came back from no helper, as far as the build process knows."""
        helper = self.share.owner(index) - 1
        if helper in self.failures:
            return f"its render helper failed ({self.failures[helper]})"
        if 0 <= helper < len(self.processes):
            process = self.processes[helper]
            process.join(0.05)
            if process.exitcode not in (None, 0):
                return f"its render helper died (exit code {process.exitcode})"
        return "its render helper did not report it"

    def page(self, index: int, path: str) -> tuple | None:
        """(key, log records, "written" or "unchanged") of page ``index`` from its helper."""
        found = self.early.pop(index, None)
        if found is None:
            found = self._receive(index)
        if found is None or found[0] != path:
            return None
        return found[1:]

    def _receive(self, index: int) -> tuple | None:
        helper = self.share.owner(index) - 1
        if helper < 0 or helper in self.finished:
            return None
        connection = self.receivers[helper]
        while True:
            try:
                message = connection.recv()
            except (EOFError, OSError):
                message = None
            if message is None:  # the helper is done (or gone)
                self.finished.add(helper)
                return None
            got, *page = message
            if got == _FAILED:  # the end of this helper's reports follows
                self.failures[helper] = page[0]
                continue
            if got == index:
                return tuple(page)
            if got > index:  # it has no page ``index``: keep this one for later
                self.early[got] = tuple(page)
                return None

    def stop(self) -> None:
        for connection in self.receivers:
            connection.close()
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()


_PAGE_SOURCES = ("articles", "drafts", "openings")
_ALONE = "pages rendered by the build process alone"


def _page_sources(generator) -> int:
    """How many contents (posts, drafts, roles) the generator writes pages for."""
    return sum(len(getattr(generator, name, None) or []) for name in _PAGE_SOURCES)


def with_helpers(generate_output, generate_pages, writer, generator) -> None:
    """Run ``generate_output(writer)`` while helpers render part of its pages."""
    settings = writer.settings
    helpers_wanted = worker_count(settings) - 1
    content = _page_sources(generator)
    usable = (
        helpers_wanted >= 1
        and writer.share is None
        and content >= int(settings.get("FASTBUILD_PARALLEL_MIN_FILES", 48))
    )
    if usable and "fork" not in multiprocessing.get_all_start_methods():
        fallbacks.note(_ALONE, "this system cannot fork")
        usable = False
    if usable and uses_relocating_links(generator.context):
        # The first page to show such a link moves the file: in a helper, the build
        # process would never know and copy the file to where it was.
        fallbacks.note(_ALONE, "{attach} links move static files while pages render")
        usable = False
    if not usable:  # one process, or a site too small to be worth forking for
        generate_output(writer)
        return
    context = multiprocessing.get_context("fork")
    # Room for every render call: a page per content, listings and their page numbers.
    claims = context.RawArray("B", max(4096, 8 * content))
    lock = context.Lock()
    helpers = Helpers(Share(0, claims, lock))
    try:
        for renderer in range(1, helpers_wanted + 1):
            receiver, sender = context.Pipe(duplex=False)
            share = Share(renderer, claims, lock, sender)
            process = context.Process(target=_help, args=(generate_pages, writer, share))
            process.daemon = True
            process.start()
            sender.close()
            helpers.processes.append(process)
            helpers.receivers.append(receiver)
    except OSError as error:  # cannot fork: everything is rendered here
        fallbacks.note(
            _ALONE,
            f"no render helper could be started ({type(error).__name__}: {error})",
        )
        helpers.stop()
        generate_output(writer)
        return
    writer.helpers = helpers
    try:
        generate_output(writer)
    finally:
        writer.helpers = None
        helpers.stop()


def _help(generate_pages, writer, share: Share) -> None:
    """In a helper: render and write this share of the pages, report each one."""
    share.connection = _QueuedSender(share.connection)
    writer.share = share
    _log_only_for_pages(share)
    for signal in _MUTED_IN_HELPERS:
        signal.is_muted = True
    code = 1
    try:
        generate_pages(writer)
        writer.flush_writes()  # every page on disk, every report sent
        code = 0
    except BaseException as error:  # said to the build process, which renders the rest
        with contextlib.suppress(Exception):
            writer.flush_writes()  # what was finished is on disk and reported
        share.connection.send((_FAILED, f"{type(error).__name__}: {error}"[:500]))
    finally:
        share.connection.close()
        os._exit(code)  # no atexit handlers, no flushing of buffers copied from the parent


class _QueuedSender:
    """A pipe's sending end that never blocks the helper.

    The build process writes the feeds before it reads any report; a full pipe would
    otherwise stop the helper mid-way. A thread does the sending.
    """

    def __init__(self, connection) -> None:
        self._connection = connection
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._send_all, daemon=True)
        self._thread.start()

    def _send_all(self) -> None:
        while True:
            message = self._queue.get()
            try:
                self._connection.send(message)
            except OSError:
                return
            if message is None:
                return

    def send(self, message) -> None:
        self._queue.put(message)

    def close(self) -> None:
        self._queue.put(None)  # the end of the reports
        self._thread.join()
        with contextlib.suppress(OSError):
            self._connection.close()


def _log_only_for_pages(share: Share) -> None:
    """Keep the records of this share's renders, unfiltered; drop every other line."""

    def handle(self, record: logging.LogRecord) -> None:
        if share.current is not None:
            share.current.append(portable_record(record))

    logging.Logger.handle = handle
