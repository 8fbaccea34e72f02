"""Getting every card of a build into the output: drawn once, kept, drawn beside the build.

A card's file name carries the digest of what is drawn on it, so:
- a card already in the output is left alone (not redrawn, not rewritten);
- a card in the store (``CACHE_PATH/share_cards/``, kept between builds; a temporary
  folder without the cache) is hard-linked into the output;
- any other card is drawn into the store first.
Cards reach the output only after every source was checked (``allow_writing``), so a
build that stops on a content problem writes none.

On a cold build the drawing runs in a forked process at the lowest priority, started as
soon as the posts are read and fed the roles when they are: it draws while a core is
idle (the build reads comments and roles, writes feeds) and gives way whenever the build
wants both cores. It claims cards one at a time (``Claims``); at the end the build
process draws whatever it has not claimed, places every card, and stops it, so the build
never waits for a process that got little time. Where no process can be forked, or
``SHARE_CARDS_PARALLEL = False``, every card is drawn in the build process at the end.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import re
import shutil
import tempfile
from dataclasses import dataclass, field

from .model import DIGEST_LENGTH, CardJob

STORE_FOLDER = "share_cards"
_CARD_NAME = re.compile(rf".+-[0-9a-f]{{{DIGEST_LENGTH}}}\.png")
_POLL_SECONDS = 1.0
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


@dataclass
class Outcome:
    """What placing the cards did; ``missing``: (source, field, characters left out)."""

    drawn: int = 0  # by the build process (the drawing process does not count)
    removed: int = 0
    missing: list[tuple[str, str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.drawn += other.drawn
        self.removed += other.removed
        self.missing += other.missing
        self.failed += other.failed


@dataclass(frozen=True)
class Fonts:
    bold: tuple[str, ...]
    regular: tuple[str, ...]


_FREE, _CHILD, _PARENT = 0, 1, 2  # who draws a card (the claims table)


class Claims:
    """Which card is whose: the first process to reach an unclaimed card takes it.

    The drawing process claims cards one at a time as it draws them; at the end the
    build process claims whatever is left, so a drawing process that got little CPU
    (it runs at the lowest priority) never makes the build wait for all of it.
    Cards past the end of the table, or with no table at all, are the build process's.
    """

    def __init__(self, table=None, lock=None) -> None:
        self.table = table
        self.lock = lock

    def take(self, index: int, who: int) -> bool:
        table = self.table
        if table is None or index >= len(table):
            return who == _PARENT
        with self.lock:
            if table[index] == _FREE:
                table[index] = who
            return table[index] == who


class CardWork:
    """The cards of one build, whichever process draws them."""

    def __init__(
        self, output_path: str, store: str | None, fonts: Fonts, folders: tuple[str, ...] = ()
    ) -> None:
        self.output_path = output_path
        self.folders = folders  # where cards go in the output (relative): stale ones leave
        self._temporary = None if store else tempfile.mkdtemp(prefix="share-cards-")
        self.store = store or self._temporary  # CACHE_PATH/share_cards, or for this build
        self.fonts = fonts
        self.order: list[CardJob] = []  # claim order: posts, then roles
        self.known: set[str] = set()  # save_as of every job
        self.claims = Claims()
        self.mine: list[int] = []  # indices this process claimed
        self._next = 0  # the next index this process looks at
        self.writable = False  # cards may go into the output (every source was checked)
        self.report = None  # where a drawing process sends what the build should say
        self._folders: set[str] = set()
        self._drawer = None
        self._card_drawer_made = None

    # -- in either process ---------------------------------------------------------

    def store_path(self, job: CardJob) -> str:
        return os.path.join(self.store, f"{job.digest}.png")

    def output_file(self, job: CardJob) -> str:
        return os.path.join(self.output_path, job.save_as)

    def extend(self, jobs: list[CardJob]) -> list[CardJob]:
        fresh = [job for job in jobs if job.save_as not in self.known]
        self.known.update(job.save_as for job in fresh)
        self.order.extend(fresh)
        return fresh

    def claim_and_draw(self, who: int, outcome: Outcome) -> None:
        """Claim every free card in order; draw those that neither output nor store has."""
        while self._next < len(self.order):
            index = self._next
            self._next += 1
            if not self.claims.take(index, who):
                continue
            self.mine.append(index)
            job = self.order[index]
            if not os.path.exists(self.output_file(job)) and not os.path.exists(
                self.store_path(job)
            ):
                self._draw(job, outcome)
            if self.writable:
                self._place(job)

    def _draw(self, job: CardJob, outcome: Outcome) -> None:
        """Draw one card into the store (not the output: sources may still be unchecked)."""
        try:
            drawn = self._card_drawer().draw(job.text)
            _write_atomically(self.store_path(job), drawn.png)
        except Exception as error:  # one bad card must not cost the others
            self._say(outcome, "failed", (job.source_path, f"{type(error).__name__}: {error}"))
            return
        outcome.drawn += 1
        if drawn.missing:
            self._say(outcome, "missing", (job.source_path, "title", drawn.missing))

    def _say(self, outcome: Outcome, kind: str, what: tuple) -> None:
        if self.report is not None:  # in the drawing process: tell the build now
            with contextlib.suppress(OSError):
                self.report.send((kind, what))
        else:
            getattr(outcome, kind).append(what)

    def place_mine(self) -> None:
        """From now on cards go into the output: this process's so far, then each one drawn."""
        self.writable = True
        for index in self.mine:
            self._place(self.order[index])

    def _place(self, job: CardJob) -> bool:
        """Link the card from the store into the output (once); False if it is in neither."""
        target = self.output_file(job)
        if os.path.exists(target):
            return True
        source = self.store_path(job)
        self._folder(target)
        try:
            os.link(source, target)
        except FileExistsError:  # the other process placed it a moment ago
            return True
        except FileNotFoundError:
            return False
        except OSError:  # another file system
            try:
                shutil.copyfile(source, target)
            except FileNotFoundError:
                return False
        return True

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

    def _remove_unfinished(self, pid: int) -> None:
        """The card a stopped drawing process was writing, if it was writing one."""
        suffix = f".{pid}.tmp"
        with contextlib.suppress(OSError):
            for name in os.listdir(self.store):
                if name.endswith(suffix):
                    os.unlink(os.path.join(self.store, name))

    def _remove_stale(self, outcome: Outcome) -> None:
        """Cards of an earlier build that this one no longer shows (an edited title).

        A fresh build would not have them, and neither does a published site. Only
        files named the way cards are named are touched.
        """
        for folder in self.folders:
            try:
                names = os.listdir(os.path.join(self.output_path, folder))
            except OSError:
                continue
            for name in names:
                relative = f"{folder}/{name}"
                if relative not in self.known and _CARD_NAME.fullmatch(name):
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(self.output_path, relative))
                        outcome.removed += 1

    # -- in the build process -------------------------------------------------------

    def add(self, jobs: list[CardJob], parallel: bool) -> None:
        """More cards; on the first call (when ``parallel``) the drawing process starts."""
        fresh = self.extend(jobs)
        if not parallel or not fresh:
            return
        if self._drawer is None:
            self._drawer = _DrawingProcess.start(self)
        elif self._drawer:
            self._drawer.send(("draw", fresh))

    def allow_writing(self) -> None:
        """Every source was checked: the drawing process may put cards into the output."""
        if self._drawer:
            self._drawer.send(("place", None))

    def finish(self) -> Outcome:
        """Every card in the output, now. What the drawing process has not got to (it only
        has the cores' idle time) is drawn here; the build never waits for it."""
        outcome = Outcome()
        drawer, self._drawer = self._drawer, None
        self.writable = True
        if drawer:
            drawer.hurry()
        self.claim_and_draw(_PARENT, outcome)  # every card nobody has claimed yet
        for job in self.order:  # the drawing process's: placed, or drawn here if not yet
            if not self._place(job):
                self._draw(job, outcome)
                self._place(job)
        if drawer:
            drawer.stop()  # it may be half-way through a card that is already placed
            for kind, what in drawer.reports():
                getattr(outcome, kind).append(what)
            self._remove_unfinished(drawer.process.pid)
        self._remove_stale(outcome)
        self.cleanup()
        return outcome

    def stop(self) -> None:
        """A build that failed: no process is left waiting."""
        drawer, self._drawer = self._drawer, None
        if drawer:
            drawer.stop()
        self.cleanup()

    def cleanup(self) -> None:
        if self._temporary:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None


class _DrawingProcess:
    """A forked process drawing cards while the build goes on."""

    def __init__(self, process, connection) -> None:
        self.process = process
        self.connection = connection

    @classmethod
    def start(cls, work: CardWork):
        if "fork" not in multiprocessing.get_all_start_methods():
            return False
        context = multiprocessing.get_context("fork")
        try:
            work.claims = Claims(
                context.RawArray("b", max(4096, 4 * len(work.order))), context.Lock()
            )
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_draw_in_child, args=(work, theirs, os.getpid()), daemon=True
            )
            process.start()
        except OSError:
            work.claims = Claims()
            return False  # drawn in the build process instead
        theirs.close()
        return cls(process, ours)

    def send(self, message) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(message)

    def hurry(self) -> None:
        """The build waits now: back to normal priority, to share what is left (where the
        system lets a process do that: root, or CAP_SYS_NICE; else it stays low)."""
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, os.getpriority(os.PRIO_PROCESS, 0))

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()

    def reports(self) -> list[tuple[str, tuple]]:
        """What it said before it stopped (missing glyphs, failures)."""
        found = []
        try:
            while self.connection.poll(0):
                found.append(self.connection.recv())
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            pass
        with contextlib.suppress(OSError):
            self.connection.close()
        return [item for item in found if isinstance(item, tuple) and len(item) == 2]


def _draw_in_child(work: CardWork, connection, parent: int) -> None:
    """Draw at the lowest priority, take more work, place when told to; until stopped."""
    gc.disable()  # a collection here would touch, and so copy, the whole build's memory
    _reuse_freed_memory()
    with contextlib.suppress(OSError, AttributeError):
        os.nice(19)  # the cores' idle time only: the build itself always goes first
    work.report = connection
    outcome = Outcome()
    try:
        work.claim_and_draw(_CHILD, outcome)
        while True:
            if not connection.poll(_POLL_SECONDS):
                if os.getppid() != parent:
                    return
                continue
            kind, more = connection.recv()
            if kind == "draw":
                work.extend(more)
            elif kind == "place":
                work.place_mine()
            work.claim_and_draw(_CHILD, outcome)
            if work.writable:  # every card is known by now (roles come before "place")
                return  # done: the build no longer shares its memory with this process
    except (EOFError, OSError, KeyboardInterrupt):
        return
    finally:
        os._exit(0)  # no atexit handlers, no flushing of buffers copied from the parent


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


def _write_atomically(path: str, data: bytes) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
