"""Python's cycle collector, tuned for the length of one build.

A build allocates hundreds of thousands of objects that live until it ends (the
contents, their HTML, the page keys). With the default thresholds the collector
walks all of them again and again (a full pass costs tenths of a second at 1,000
posts) and finds almost nothing to free. For the build, the objects that exist when
it starts (modules, settings) are set aside (``gc.freeze``, which also keeps forked
workers from copying those pages when the collector would touch them) and young
objects are collected ten times less often. Both are undone when the build ends, so
a process that builds many times (the dev server) frees each old build as before; a
build that stopped early is undone by the next one that finishes.
"""

from __future__ import annotations

import gc

_YOUNG_THRESHOLD = 7000  # Python's default is 700
_saved: list[tuple[int, int, int]] = []


def start() -> None:
    if _saved:  # the last build stopped early (content problems): start over from it
        gc.unfreeze()
    else:
        _saved.append(gc.get_threshold())
    gc.freeze()
    young, middle, old = _saved[0]
    gc.set_threshold(max(young, _YOUNG_THRESHOLD), middle, old)


def finish() -> None:
    if _saved:
        gc.set_threshold(*_saved.pop())
    gc.unfreeze()
