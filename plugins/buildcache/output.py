"""Output files: through Pelican's writer, and left alone when their bytes are the same.

Files a library makes (the feeds feedgen renders, the sitemap, the subscription
manifest) are written with ``write_through``: by the build's writer, like every page,
so Pelican's overwrite checks catch two files at one path and ``content_written`` is
sent. fastbuild's writer (and ``write_if_changed``, which it uses) leaves a file whose
bytes did not change alone: it keeps its modification time, so rsync, HTTP caches and
a live-reloading browser see only real changes.
"""

from __future__ import annotations

import os

from pelican import signals
from pelican.utils import sanitised_join


def write_through(writer, relative: str, data: bytes | str, context: dict | None = None) -> str:
    """Write a finished file at ``relative`` (under the writer's output) through ``writer``.

    Pelican's Writer has public methods only for its templates and its own feeds; this
    opens the file with the method those use (``_open_w``: the overwrite rules), then
    sends ``content_written`` as ``write_file`` does. Returns the file's path.
    """
    path = sanitised_join(writer.output_path, relative)
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with writer._open_w(path, "utf-8") as handle:
        handle.write(text)
    signals.content_written.send(path, context=context)
    return path


def write_if_changed(path: str, data: bytes) -> bool:
    """Write ``data`` unless the file already holds exactly it; True if written.

    A new file (every file of a cold build) costs one open; a missing folder is made.
    """
    try:
        return _write_new(path, data)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            return _write_new(path, data)
        except FileExistsError:
            pass
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    except OSError:
        pass
    with open(path, "wb") as handle:
        handle.write(data)
    return True


def _write_new(path: str, data: bytes) -> bool:
    with open(path, "xb") as handle:
        handle.write(data)
    return True
