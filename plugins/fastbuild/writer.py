"""A Pelican Writer that renders only changed pages and rewrites only changed files.

Pelican renders and rewrites every page on every build. This writer
- leaves a file alone when the new bytes equal the old ones (timestamps and rsync stay
  quiet, and a live-reloading browser is not disturbed by pages that did not change);
- with the content cache loaded, does not even render a page or feed whose key (see
  ``pages.py``) equals the one it had when the file on disk was written. Whatever the
  render logged then is logged again, so warnings do not vanish on rebuilds.
In a render helper process (``parallel.py``) the same writer renders and writes only
its share of the pages and reports each one to the build process.
Everything else (signals, overwrite checks, the order of writes) stays Pelican's, with
one exception: a feed that is not built again sends no ``feed_generated`` or
``feed_written`` signal (there is no feed object to send). Receivers that edit the
feed (plugins/site_extras) are plugin code, part of the key, so the file they shaped
last time is still right.
"""

from __future__ import annotations

import io
import logging
import os

import pelican.writers
from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

from plugins.buildcache.output import write_if_changed

from . import background, fallbacks
from .pages import PageKeys, PageMemo, uses_relocating_links
from .processes import portable_record, replay_record

logger = logging.getLogger(__name__)


class FastWriter(Writer):
    """Pelican's Writer, plus page keys, skipping, write-if-changed and render helpers."""

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        settings = self.settings
        self.skipping = bool(
            settings.get("FASTBUILD_SKIP_UNCHANGED_PAGES", True) and settings.get("CACHE_PATH")
        )
        self.memo = PageMemo(settings.get("CACHE_PATH") or ".")
        if self.skipping and settings.get("LOAD_CONTENT_CACHE"):
            self.memo.load()
        self.keys = PageKeys(settings)
        self.counts = {
            "rendered": 0,
            "by_helpers": 0,
            "skipped": 0,
            "unchanged": 0,
            "written": 0,
        }
        self.share = None  # set in a render helper process
        self.helpers = None  # set while helpers render part of the pages
        self._by_helper: dict[str, tuple] = {}
        self._skip: dict[str, tuple] = {}
        self._pending: dict[str, tuple] = {}
        self._started = False
        remember_folders(True)

    # -- Pelican's Writer API ----------------------------------------------------------

    def write_file(self, name, template, context, *args, **kwargs):
        self._start(context)
        template = _KeyedTemplate(template, self)
        return super().write_file(name, template, context, *args, **kwargs)

    def write_feed(
        self,
        elements,
        context,
        path=None,
        url=None,
        feed_type="atom",
        override_output=False,
        feed_title=None,
    ):
        self._start(context)
        if not (self.skipping and path):
            return super().write_feed(
                elements, context, path, url, feed_type, override_output, feed_title
            )
        complete_path = sanitised_join(self.output_path, path)
        key = self.keys.feed(elements, context, path, url, feed_type, feed_title)
        entry = self.memo.unchanged(complete_path, key)
        if entry is not None:
            _replay(entry[3])  # what building it logged last time, as for pages
            self._skip[complete_path] = entry
            with self._open_w(complete_path, "utf-8", override_output):
                pass
            return None
        records: list = []
        with _capturing(records):
            feed = super().write_feed(
                elements, context, path, url, feed_type, override_output, feed_title
            )
        background.writes().after_writes(lambda: self.memo.record(complete_path, key, records))
        return feed

    def _open_w(self, filename, encoding, override=False):
        """Pelican's overwrite rules, then a file that is only written if it changed."""
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time (was previously overwritten)'
                )
            logger.info('Skipping "%s", not overwriting', filename)
            filename = os.devnull
        elif filename in self._written_files:
            if override:
                logger.info('Overwriting "%s"', filename)
            else:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" as Pelican has already '
                    "written to it previously (set `override=True` if intended)"
                )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        if filename == os.devnull:
            return open(os.devnull, "w", encoding=encoding)
        if filename in self._skip:
            entry = self._skip.pop(filename)
            if entry is not None:
                self.counts["skipped"] += 1
                self.memo.keep(filename, entry)
            return _Discarded()
        if filename in self._by_helper:
            return _WrittenByHelper(filename, self)
        return _WrittenIfChanged(filename, encoding, self)

    # -- bookkeeping --------------------------------------------------------------------

    def _start(self, context) -> None:
        if self._started:
            return
        self._started = True
        if self.skipping and uses_relocating_links(context):
            fallbacks.note(
                "every page rendered on every build",
                "{attach} links move static files while pages render",
            )
            self.skipping = False
        if self.skipping:
            self.keys.start(context)
            self.memo.forget_if_site_changed(self.keys.site)

    def _file_closed(self, path: str, changed: bool | None, deferred: bool = False):
        """Bookkeeping for a finished file: the page's key is kept (the build process)
        or reported to the build process (a helper) once the file is on disk. With
        ``deferred`` the file is still being written in the background (``changed`` is
        None, ``flush_writes`` counts it): what is left to do is returned, to be run
        after the write."""
        if changed is not None:
            self.counts["written" if changed else "unchanged"] += 1
        pending = self._pending.pop(path, None)
        if pending is None:
            return None
        key, records, index = pending
        if self.share is not None:  # a helper: tell the build process this page is done
            connection, report = self.share.connection, (index, path, key, records, "written")

            def after():
                connection.send(report)

        else:

            def after():
                self.memo.record(path, key, records)

        if deferred:
            return after
        after()
        return None

    def flush_writes(self) -> None:
        """Every file this process finished is on disk (``background.py``)."""
        written, unchanged = background.writes().flush()
        self.counts["written"] += written
        self.counts["unchanged"] += unchanged

    def _written_by_helper(self, path: str) -> None:
        key, records = self._by_helper.pop(path)
        self.counts["by_helpers"] += 1
        self.memo.record(path, key, records)

    def finish(self) -> None:
        """Keep the page keys for the next build (only when Pelican keeps its caches)."""
        remember_folders(False)
        if self.skipping and self.settings.get("CACHE_CONTENT"):
            self.memo.save()


class _KeyedTemplate:
    """Wraps a Jinja template: renders it unless the page on disk is already its output."""

    def __init__(self, template, writer: FastWriter) -> None:
        self._template = template
        self._writer = writer

    def __getattr__(self, name):
        return getattr(self._template, name)

    def render(self, localcontext: dict) -> str:
        writer = self._writer
        path = sanitised_join(writer.output_path, localcontext["output_file"])
        share = writer.share or (writer.helpers.share if writer.helpers else None)
        index, mine = share.next_call() if share else (0, True)
        if writer.share is not None:  # a render helper process (parallel.py)
            if not mine:
                writer._skip[path] = None
                return ""
        elif not mine:
            done = writer.helpers.page(index, path)
            if done is not None and self._done_by_helper(path, localcontext, *done):
                return ""
            why = (
                writer.helpers.why_unreported(index)
                if done is None
                else "it found the page unchanged, the build process did not"
            )
            fallbacks.note("pages rendered by the build process instead of a helper", why, path)
        key = writer.keys.page(self._template, localcontext) if writer.skipping else None
        entry = writer.memo.unchanged(path, key)
        if entry is not None:
            if writer.share is not None:  # tell the build process it is unchanged
                report = (index, path, key, [], "unchanged")
                connection = writer.share.connection
                # After the reports of the pages still being written: in their order.
                background.writes().after_writes(lambda: connection.send(report))
                writer._skip[path] = None
                return ""
            _replay(entry[3])
            writer._skip[path] = entry
            return ""
        records = []
        if writer.share is not None:  # before any filter: the build process applies them
            writer.share.current = records
            try:
                output = self._template.render(localcontext)
            finally:
                writer.share.current = None
        else:
            with _capturing(records):
                output = self._template.render(localcontext)
        writer.counts["rendered"] += 1
        writer._pending[path] = (key, records, index)
        return output

    def _done_by_helper(self, path: str, localcontext: dict, key, records, outcome) -> bool:
        """Take over a page a helper handled; False if it cannot be (then render it)."""
        writer = self._writer
        if key is None and writer.skipping:
            key = writer.keys.page(self._template, localcontext)
        if outcome == "unchanged":
            entry = writer.memo.previous.get(path)
            if entry is None or entry[0] != key:
                return False
            _replay(entry[3])
            writer._skip[path] = entry
            return True
        _replay(records)
        writer._by_helper[path] = (key, records)
        return True


def _replay(records: list) -> None:
    for record in records:
        replay_record(record)


class _WrittenIfChanged(io.StringIO):
    """Collects the text; on close writes it only if the file holds other bytes."""

    def __init__(self, path: str, encoding: str, writer: FastWriter) -> None:
        super().__init__()
        self._path = path
        self._encoding = encoding
        self._writer = writer

    def close(self) -> None:
        if self.closed:
            return
        text = self.getvalue()
        if os.linesep != "\n":  # what text mode would have written
            text = text.replace("\n", os.linesep)
        data = text.encode(self._encoding)
        super().close()
        writer = self._writer
        # A render helper writes its pages itself: the build process waits for each
        # report, and a report may only say what is already on disk.
        if writer.share is None and background.in_background(writer.settings):
            after = writer._file_closed(self._path, None, deferred=True)
            background.writes().submit(self._path, data, after)
        else:
            writer._file_closed(self._path, write_if_changed(self._path, data))

    def __exit__(self, *exc_info):
        if exc_info[0] is None:
            self.close()
        else:  # a failed render or write: leave the file as it was
            super().close()
        return False


class _FolderRememberingOs:
    """``os`` as Pelican's writer sees it during a fast build: output folders are made
    when their first file is written, not once per page before it is rendered."""

    def __init__(self) -> None:
        self.made: set[str] = set()

    def makedirs(self, name, mode=0o777, exist_ok=False):
        # Every file FastWriter writes goes through write_if_changed, which makes a
        # missing folder itself (in the background, with the file).
        if exist_ok:
            self.made.add(name)
            return
        os.makedirs(name, mode, exist_ok)
        self.made.add(name)

    def __getattr__(self, name):
        return getattr(os, name)


def remember_folders(active: bool) -> None:
    """From the writer's creation to the end of its build; a new build starts afresh."""
    pelican.writers.os = _FolderRememberingOs() if active else os


class _Discarded(io.StringIO):
    """Stands in for a page that was not rendered; nothing written to it is kept."""


class _WrittenByHelper(io.StringIO):
    """A page a render helper already wrote: only its bookkeeping is left to do."""

    def __init__(self, path: str, writer: FastWriter) -> None:
        super().__init__()
        self._path = path
        self._writer = writer

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._writer._written_by_helper(self._path)


class _capturing:
    """Keeps (copies of) the log records emitted while a page renders."""

    def __init__(self, records: list) -> None:
        self.records = records
        self.handler = _Collect(records)

    def __enter__(self):
        logging.getLogger().addHandler(self.handler)
        return self.records

    def __exit__(self, *exc_info):
        logging.getLogger().removeHandler(self.handler)
        return False


class _Collect(logging.Handler):
    def __init__(self, records: list) -> None:
        super().__init__(level=logging.INFO)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(portable_record(record))
