"""Getting every card of a build into the output: drawn once, kept, drawn beside the build.

A card's file name carries the digest of what is drawn on it, so:
- a card already in the output is left alone (not redrawn, not rewritten);
- a card in the store (``CACHE_PATH/share_cards/``, kept between builds) is linked or
  copied into the output;
- any other card is drawn, written once into the output and hard-linked into the store.
Cards reach the output only after every source was checked (``allow_writing``; until
then drawn cards wait in memory), so a build that stops on a content problem writes none.

On a cold build the drawing runs in a forked process, started as soon as the posts
are read and fed the roles when they are: it uses the core the build leaves idle while
it reads the rest of the sources and writes its feeds. The build process waits for it
only at the end. Where no process can be forked, or ``SHARE_CARDS_PARALLEL = False``,
the cards are drawn in the build process when they are placed.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import re
import shutil
from dataclasses import dataclass, field

from .model import DIGEST_LENGTH, CardJob

STORE_FOLDER = "share_cards"
_CARD_NAME = re.compile(rf".+-[0-9a-f]{{{DIGEST_LENGTH}}}\.png")
_POLL_SECONDS = 1.0
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


@dataclass
class Outcome:
    """What placing the cards did; ``missing``: (source, field, characters left out)."""

    drawn: int = 0
    from_store: int = 0
    unchanged: int = 0
    removed: int = 0
    missing: list[tuple[str, str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.drawn += other.drawn
        self.from_store += other.from_store
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.missing += other.missing
        self.failed += other.failed


@dataclass(frozen=True)
class Fonts:
    bold: tuple[str, ...]
    regular: tuple[str, ...]


class CardWork:
    """The cards of one build, wherever they are drawn."""

    def __init__(
        self, output_path: str, store: str | None, fonts: Fonts, folders: tuple[str, ...] = ()
    ) -> None:
        self.output_path = output_path
        self.folders = folders  # where cards go in the output (relative): stale ones leave
        self.store = store  # None: no cache (CACHE_CONTENT off)
        self.fonts = fonts
        self.jobs: dict[str, CardJob] = {}  # save_as -> job
        self.writable = False  # cards may go into the output (every source was checked)
        self._waiting: dict[str, bytes] = {}  # save_as -> PNG drawn before that
        self._folders: set[str] = set()
        self._drawer = None
        self._card_drawer_made = None

    # -- in any process ------------------------------------------------------------

    def store_path(self, job: CardJob) -> str | None:
        return os.path.join(self.store, f"{job.digest}.png") if self.store else None

    def output_file(self, job: CardJob) -> str:
        return os.path.join(self.output_path, job.save_as)

    def _in_store(self, job: CardJob) -> bool:
        path = self.store_path(job)
        return path is not None and os.path.exists(path)

    def draw_missing(self, jobs, outcome: Outcome) -> None:
        """Draw every card that neither the output nor the store has."""
        for job in jobs:
            if os.path.exists(self.output_file(job)) or self._in_store(job):
                continue
            try:
                drawn = self._card_drawer().draw(job.text)
            except Exception as error:  # one bad card must not cost the others
                outcome.failed.append((job.source_path, f"{type(error).__name__}: {error}"))
                continue
            outcome.drawn += 1
            if drawn.missing:
                outcome.missing.append((job.source_path, "title", drawn.missing))
            if self.writable:
                self._write(job, drawn.png)
            else:
                self._waiting[job.save_as] = drawn.png

    def place_all(self, outcome: Outcome) -> None:
        """Every card into the output: written once, then linked into the store."""
        self.writable = True
        for job in self.jobs.values():
            png = self._waiting.pop(job.save_as, None)
            if png is not None:
                self._write(job, png)
                continue
            target = self.output_file(job)
            if os.path.exists(target):
                outcome.unchanged += 1
            elif self._in_store(job):
                self._folder(target)
                try:
                    os.link(self.store_path(job), target)
                except OSError:  # another file system
                    shutil.copyfile(self.store_path(job), target)
                outcome.from_store += 1
            else:  # gone since it was looked for (or it failed: then it fails again)
                self.draw_missing([job], outcome)
        self._remove_stale(outcome)

    def _remove_stale(self, outcome: Outcome) -> None:
        """Cards of an earlier build that this one no longer shows (an edited title).

        A fresh build would not have them, and neither does a published site. Only
        files named the way cards are named are touched.
        """
        current = set(self.jobs)
        for folder in self.folders:
            try:
                names = os.listdir(os.path.join(self.output_path, folder))
            except OSError:
                continue
            for name in names:
                relative = f"{folder}/{name}"
                if relative not in current and _CARD_NAME.fullmatch(name):
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(self.output_path, relative))
                        outcome.removed += 1

    def _write(self, job: CardJob, png: bytes) -> None:
        target = self.output_file(job)
        self._folder(target)
        try:
            with open(target, "xb") as handle:
                handle.write(png)
        except FileExistsError:  # the same name is the same card
            return
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(target)  # never a half-written card that looks finished
            raise
        kept = self.store_path(job)
        if kept is not None:
            self._folder(kept)
            with contextlib.suppress(OSError):
                os.link(target, kept)  # kept for the next build (a link: no second write)

    def _folder(self, path: str) -> None:
        folder = os.path.dirname(path)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)

    def _card_drawer(self):
        if self._card_drawer_made is None:
            from .draw import CardDrawer  # Pillow: only where cards are drawn

            self._card_drawer_made = CardDrawer(self.fonts.bold, self.fonts.regular)
        return self._card_drawer_made

    # -- in the build process -------------------------------------------------------

    def add(self, jobs: list[CardJob], parallel: bool) -> None:
        """More cards; on the first call (when ``parallel``) the drawing process starts."""
        fresh = [job for job in jobs if job.save_as not in self.jobs]
        for job in fresh:
            self.jobs[job.save_as] = job
        if not parallel or not fresh:
            return
        if self._drawer is None:
            self._drawer = _DrawingProcess.start(self, fresh)
        elif self._drawer:
            self._drawer.send(("draw", fresh))

    def allow_writing(self) -> None:
        """Every source was checked: the drawing process may put cards into the output."""
        if self._drawer:
            self._drawer.send(("place", None))

    def finish(self) -> Outcome:
        """Every card in the output; waits for the drawing process if there is one."""
        outcome = Outcome()
        drawer, self._drawer = self._drawer, None
        if drawer:
            drawer.send(("place", None))  # in case allow_writing was not reached
            found = drawer.result()
            if found is not None:
                return found
            outcome.failed.append(("", "the drawing process stopped; cards drawn here"))
        self.writable = True
        self.draw_missing(list(self.jobs.values()), outcome)
        self.place_all(outcome)
        return outcome

    def stop(self) -> None:
        """A build that failed: no process is left waiting."""
        drawer, self._drawer = self._drawer, None
        if drawer:
            drawer.stop()


class _DrawingProcess:
    """A forked process drawing cards while the build goes on."""

    def __init__(self, process, connection) -> None:
        self.process = process
        self.connection = connection

    @classmethod
    def start(cls, work: CardWork, jobs: list[CardJob]):
        if "fork" not in multiprocessing.get_all_start_methods():
            return False
        context = multiprocessing.get_context("fork")
        try:
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_draw_in_child, args=(work, jobs, theirs, os.getpid()), daemon=True
            )
            process.start()
        except OSError:
            return False  # drawn in the build process instead
        theirs.close()
        return cls(process, ours)

    def send(self, message) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(message)

    def result(self) -> Outcome | None:
        try:
            found = self.connection.recv()
        except (EOFError, OSError):
            found = None
        self.stop()
        return found if isinstance(found, Outcome) else None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.close()
        if self.process.is_alive():
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


def _draw_in_child(work: CardWork, jobs: list[CardJob], connection, parent: int) -> None:
    """Draw, take more work, place when told to, report; never outlive the build."""
    gc.disable()  # a collection here would touch, and so copy, the whole build's memory
    _reuse_freed_memory()
    outcome = Outcome()
    try:
        work.draw_missing(jobs, outcome)
        while True:
            if not connection.poll(_POLL_SECONDS):
                if os.getppid() != parent:
                    return
                continue
            kind, more = connection.recv()
            if kind == "draw":
                work.draw_missing(more, outcome)
                for job in more:
                    work.jobs[job.save_as] = job
            elif kind == "place":
                work.place_all(outcome)
                connection.send(outcome)
                return  # a second "place" (from finish) finds the pipe closed: harmless
    except (EOFError, OSError, KeyboardInterrupt):
        return
    finally:
        connection.close()


def _reuse_freed_memory() -> None:
    """Keep the buffers each card frees for the next one (glibc), in this process only.

    Otherwise every canvas and every PNG is fresh memory from the kernel, and faulting
    its pages in costs as much as drawing the card.
    """
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, 64 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 128 << 20)
    except (OSError, AttributeError):  # not glibc: slower, same cards
        pass
