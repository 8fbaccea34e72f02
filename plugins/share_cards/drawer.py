"""Getting every card of a build into the output: drawn once, kept, drawn beside the build.

A card's file name carries the digest of what is drawn on it, so:
- a card already in the output is left alone (not redrawn, not rewritten);
- a card in the store (``CACHE_PATH/share_cards/``, kept between builds) is linked or
  copied into the output;
- any other card is drawn into the store first.
Cards reach the output only after every source was checked (``place``), so a build that
stops on a content problem writes no card.

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
import shutil
import tempfile
from dataclasses import dataclass, field

from .model import CardJob

STORE_FOLDER = "share_cards"
_POLL_SECONDS = 1.0
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


@dataclass
class Outcome:
    """What placing the cards did; ``missing``: (source, field, characters left out)."""

    drawn: int = 0
    from_store: int = 0
    unchanged: int = 0
    missing: list[tuple[str, str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.drawn += other.drawn
        self.from_store += other.from_store
        self.unchanged += other.unchanged
        self.missing += other.missing
        self.failed += other.failed


@dataclass(frozen=True)
class Fonts:
    bold: tuple[str, ...]
    regular: tuple[str, ...]


class CardWork:
    """The cards of one build, wherever they are drawn."""

    def __init__(self, output_path: str, store: str | None, fonts: Fonts) -> None:
        self.output_path = output_path
        self._temporary = None if store else tempfile.mkdtemp(prefix="share-cards-")
        self.store = store or self._temporary
        self.fonts = fonts
        self.jobs: dict[str, CardJob] = {}  # save_as -> job
        self._drawer = None

    # -- in any process ------------------------------------------------------------

    def store_path(self, job: CardJob) -> str:
        return os.path.join(self.store, f"{job.digest}.png")

    def output_file(self, job: CardJob) -> str:
        return os.path.join(self.output_path, job.save_as)

    def draw_missing(self, jobs, outcome: Outcome) -> None:
        """Draw into the store every card that neither the output nor the store has."""
        drawer = None
        for job in jobs:
            if os.path.exists(self.output_file(job)) or os.path.exists(self.store_path(job)):
                continue
            if drawer is None:
                drawer = self._card_drawer()
            try:
                drawn = drawer.draw(job.text)
                _write_atomically(self.store_path(job), drawn.png)
            except Exception as error:  # one bad card must not cost the others
                outcome.failed.append((job.source_path, f"{type(error).__name__}: {error}"))
                continue
            outcome.drawn += 1
            if drawn.missing:
                outcome.missing.append((job.source_path, "title", drawn.missing))

    def place_all(self, outcome: Outcome) -> None:
        """Put every card into the output (a link to the store, else a copy)."""
        for job in self.jobs.values():
            target = self.output_file(job)
            if os.path.exists(target):
                outcome.unchanged += 1
                continue
            source = self.store_path(job)
            if not os.path.exists(source):
                continue  # it failed to draw: said already
            os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
            outcome.from_store += 1

    def _card_drawer(self):
        drawer = getattr(self, "_card_drawer_made", None)
        if drawer is None:
            from .draw import CardDrawer  # Pillow: only where cards are drawn

            drawer = self._card_drawer_made = CardDrawer(self.fonts.bold, self.fonts.regular)
        return drawer

    def cleanup(self) -> None:
        if self._temporary:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None

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
                self.cleanup()
                return found
            outcome.failed.append(("", "the drawing process stopped; cards drawn here"))
        self.draw_missing(list(self.jobs.values()), outcome)
        self.place_all(outcome)
        self.cleanup()
        return outcome

    def stop(self) -> None:
        """A build that failed: no process is left waiting."""
        drawer, self._drawer = self._drawer, None
        if drawer:
            drawer.stop()
        self.cleanup()


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


def _write_atomically(path: str, data: bytes) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
