"""Static files (images, the theme's CSS and scripts) are copied only when they differ.

Pelican copies every static file on every build, which gives each one a new
modification time; rsync, caches and live reload then see a change that is not one.
"""

from __future__ import annotations

import contextlib
import filecmp
import functools
import os

import pelican.utils

from . import guards


def copy_only_changed(generate_output):
    """Wrap StaticGenerator.generate_output so identical files are left in place."""
    if not guards.unchanged("pelican.utils.copy_file"):
        return generate_output

    @functools.wraps(generate_output)
    def wrapper(writer):
        with _skipping_identical_copies():
            return generate_output(writer)

    return wrapper


@contextlib.contextmanager
def _skipping_identical_copies():
    original = pelican.utils.copy_file

    def copy_file(source: str, destination: str) -> None:
        if _same_bytes(source, destination):
            return
        original(source, destination)

    pelican.utils.copy_file = copy_file
    try:
        yield
    finally:
        pelican.utils.copy_file = original


def _same_bytes(source: str, destination: str) -> bool:
    try:
        if os.path.getsize(source) != os.path.getsize(destination):
            return False
        return filecmp.cmp(source, destination, shallow=False)
    except OSError:
        return False
