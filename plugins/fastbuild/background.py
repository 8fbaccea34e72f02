"""Finished files written by a thread, so rendering goes on while the disk works.

Creating a folder and a file costs the build process a few hundred microseconds of
system time each on a virtual disk, thousands of times per build; the system calls
release the GIL, so one thread per process can do them while Python renders the next
page. Files are written in the order they were finished (one thread, one queue), a
folder is made when its first file needs it, and the files are complete before each
generator's output step ends (``flush``), so nothing later in the build, nor any
receiver of the ``finalized`` signal, sees a half-written site.

Only the build process writes in the background: a render helper writes each page itself
(its report to the build process must only name files that are on disk). Writes also
stay in the calling thread when a ``content_written`` or ``feed_written``
receiver is connected (it may read the file it is told about), and in a forked
process the queue starts empty: the parent's pending files are the parent's to write.
A write that fails is raised by the next ``flush``, naming the file.
"""

from __future__ import annotations

import os
import queue
import threading

from pelican import signals

from plugins.buildcache.output import write_if_changed


class OutputWriteError(OSError):
    """A file of the site could not be written."""


class BackgroundWrites:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._failure: tuple[str, BaseException] | None = None
        self.written = 0
        self.unchanged = 0

    def submit(self, path: str, data: bytes, then=None) -> None:
        """Write ``data`` to ``path`` soon; then call ``then()`` (if the write worked)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._write_all, name="fastbuild-writes")
            self._thread.daemon = True
            self._thread.start()
        self._queue.put((path, data, then))

    def after_writes(self, then) -> None:
        """Call ``then()`` once every file submitted so far is on disk (now, if none is
        waiting)."""
        if self._thread is None:
            then()
        else:
            self._queue.put((None, None, then))

    def _write_all(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._failure is not None:
                continue  # the build fails at the next flush; write nothing more
            path, data, then = item
            try:
                if path is None:
                    pass  # only ``then``, after the files before it
                elif write_if_changed(path, data):
                    self.written += 1
                else:
                    self.unchanged += 1
                if then is not None:
                    then()
            except BaseException as error:  # noqa: BLE001 - raised again by flush()
                self._failure = (path, error)

    def flush(self) -> tuple[int, int]:
        """Wait until every submitted file is on disk; (written, unchanged) since last."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        counts = (self.written, self.unchanged)
        self.written = self.unchanged = 0
        if self._failure is not None:
            path, error = self._failure
            self._failure = None
            raise OutputWriteError(f"could not write {path}: {error}") from error
        return counts


def in_background(settings: dict) -> bool:
    """Writes are on, and no receiver would be told about a file before it is on disk."""
    if not settings.get("FASTBUILD_BACKGROUND_WRITES", False):
        return False
    return not any(
        signal.receivers and not getattr(signal, "is_muted", False)
        for signal in (signals.content_written, signals.feed_written)
    )


_writes = BackgroundWrites()


def writes() -> BackgroundWrites:
    return _writes


def _forget_in_child() -> None:
    global _writes
    _writes = BackgroundWrites()


os.register_at_fork(after_in_child=_forget_in_child)
