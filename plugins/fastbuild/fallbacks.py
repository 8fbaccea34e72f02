"""What a fast build left to plain Pelican, and why: never a silent slow path.

A speed-up that cannot be used safely (an unknown Markdown extension, a page whose
inputs cannot be keyed, a worker that could not send its result) leaves that part
to Pelican's own code, which gives Pelican's output. Each case is noted here; the
build ends with one WARNING per kind of fallback, with how often it happened and its
first example: a broken fast path makes the build slower and says so, never silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass
class Fallback:
    """One kind of fallback in one build."""

    what: str
    why: str
    example: str = ""
    count: int = 0

    def line(self) -> str:
        times = f" ({self.count} times)" if self.count > 1 else ""
        example = f"; first: {self.example}" if self.example else ""
        return f"fastbuild: {self.what} as plain Pelican does{times}: {self.why}{example}"


class Fallbacks:
    """The fallbacks of one build, in the order they first happened."""

    def __init__(self) -> None:
        self.kinds: dict[tuple[str, str], Fallback] = {}

    def note(self, what: str, why: str, example: str = "", once: bool = False) -> None:
        found = self.kinds.get((what, why))
        if found is None:
            found = self.kinds[(what, why)] = Fallback(what, why, str(example))
        elif once:  # a decision taken again (by another generator), not another case
            return
        found.count += 1

    def report(self) -> None:
        for fallback in self.kinds.values():
            logger.warning("%s", fallback.line())


_build = Fallbacks()


def start_build() -> None:
    """Forget an earlier build that never finished (its lines would be stale)."""
    global _build
    _build = Fallbacks()


def note(what: str, why: str, example: str = "", once: bool = False) -> None:
    """``what`` is done the plain way in this build, because ``why``.

    ``once``: the same decision noted again is not counted again.
    """
    _build.note(what, why, example, once)


def report() -> None:
    """At the end of the build: one warning per kind of fallback."""
    _build.report()


def noted() -> list[Fallback]:
    """The fallbacks of the current (or last) build, for tests and the benchmark."""
    return list(_build.kinds.values())
