"""Parallel rendering of the blog's pages on a cold build.

Pelican renders and writes one page after another. Here, when the article
generator starts its output, forked helper processes run the generator's page
writing (articles, listings, tag, category and author pages) with a writer that
renders and writes only their share of the pages (or finds them unchanged since the
last build), and report each finished page.
The build process runs the same code for real: it writes the feeds, renders its
own share, and for every page a helper finished it does what remains (the overwrite
checks, the log lines, the ``content_written`` signal), in Pelican's order. A page
a helper did not report (a helper that died, or any divergence) is rendered by the
build process itself. Only cold builds use helpers: a rebuild from the cache renders
a handful of pages, and helpers would mostly repeat the build process's page keys.
"""

from __future__ import annotations

import logging
import multiprocessing
import os

from pelican.plugins import signals

from .preread import _portable_record, _worker_count

logger = logging.getLogger(__name__)

# Signals whose receivers act on written output: only the build process sends them.
_MUTED_IN_HELPERS = (signals.content_written, signals.feed_generated, signals.feed_written)
# The build process also writes the feeds, keys every page and does the bookkeeping:
# helpers take three times its share of the pages.
_HELPER_WEIGHT = 3


class Share:
    """Which render calls are whose, in the order every process makes them."""

    def __init__(self, renderer: int, helpers: int, connection=None) -> None:
        self.renderer = renderer  # 0 = the build process, 1.. = helpers
        self.cycle = 1 + _HELPER_WEIGHT * helpers
        self.connection = connection
        self.calls = 0
        self.current: list | None = None  # log records of the page being rendered

    def owner(self, index: int) -> int:
        position = index % self.cycle
        return 0 if position == 0 else 1 + (position - 1) // _HELPER_WEIGHT

    def next_call(self) -> tuple[int, bool]:
        index = self.calls
        self.calls += 1
        return index, self.owner(index) == self.renderer


class Helpers:
    """The build process's view of its helpers and of the pages they reported."""

    def __init__(self, count: int) -> None:
        self.share = Share(0, count)
        self.processes: list = []
        self.receivers: list = []
        self.early: dict[int, tuple] = {}
        self.finished: set[int] = set()

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


def with_helpers(generate_output, generate_pages, writer, generator) -> None:
    """Run ``generate_output(writer)`` while helpers render part of its pages."""
    settings = writer.settings
    helpers_wanted = _worker_count(settings) - 1
    content = len(getattr(generator, "articles", [])) + len(getattr(generator, "drafts", []))
    usable = (
        helpers_wanted >= 1
        and writer.share is None
        and content >= int(settings.get("FASTBUILD_PARALLEL_MIN_FILES", 48))
        and not writer.memo.previous  # a cold build; a rebuild renders a handful of pages
        and "fork" in multiprocessing.get_all_start_methods()
    )
    if not usable:
        generate_output(writer)
        return
    helpers = Helpers(helpers_wanted)
    context = multiprocessing.get_context("fork")
    try:
        for renderer in range(1, helpers_wanted + 1):
            receiver, sender = context.Pipe(duplex=False)
            share = Share(renderer, helpers_wanted, sender)
            process = context.Process(target=_help, args=(generate_pages, writer, share))
            process.daemon = True
            process.start()
            sender.close()
            helpers.processes.append(process)
            helpers.receivers.append(receiver)
    except OSError as error:  # cannot fork: everything is rendered here
        logger.debug("fastbuild: no render helpers: %r", error)
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
    writer.share = share
    _log_only_for_pages(share)
    _remember_made_directories()
    for signal in _MUTED_IN_HELPERS:
        signal.is_muted = True
    try:
        generate_pages(writer)
    finally:
        try:
            share.connection.send(None)
            share.connection.close()
        except OSError:
            pass
        os._exit(0)  # no atexit handlers, no flushing of buffers copied from the parent


def _remember_made_directories() -> None:
    """Pelican makes the folder of every page, even of pages this helper skips: once is enough.

    (Only in a helper, which lives for one generator's pages.)
    """
    made: set = set()
    makedirs = os.makedirs

    def remembering_makedirs(name, mode=0o777, exist_ok=False):
        if exist_ok and name in made:
            return
        makedirs(name, mode, exist_ok)
        made.add(name)

    os.makedirs = remembering_makedirs


def _log_only_for_pages(share: Share) -> None:
    """Keep the records of this share's renders, unfiltered; drop every other line."""

    def handle(self, record: logging.LogRecord) -> None:
        if share.current is not None:
            share.current.append(_portable_record(record))

    logging.Logger.handle = handle
